// Lawson & Hanson's active-set NNLS with an updated thin QR factorisation of the passive columns.
//
// Refactoring the passive matrix from scratch in every step costs O(m k^2) per step and O(m k^3)
// in all, which is hours for a production library (15,000 rows, ~2,000 positive weights). Here
// the factorisation A_P = Q R is kept up to date instead: a column entering the passive set is
// orthogonalised against Q (classical Gram-Schmidt, repeated once, which keeps Q orthogonal to
// working precision even for the badly scaled rows of the weight problem), and a column leaving
// it is removed with Givens rotations. Each step then costs O(m k) plus the dual A^T r, O(m n), or
// O(non-zeros of A) when A is mostly zeros and read in sparse form.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <vector>

#include <Eigen/SparseCore>

#include "dynamite/core/error.hpp"
#include "dynamite/weights/nnls.hpp"

namespace dynamite::weights {

namespace {

/// Thin QR factorisation of a growing and shrinking set of columns of A.
class UpdatedQr {
 public:
  UpdatedQr(const Eigen::MatrixXd& A, const Eigen::VectorXd& b)
      : A_(A), b_(b), Q_(A.rows(), 16), R_(16, 16), qtb_(16), rb_(b) {}

  /// Back to no columns.
  void clear() {
    k_ = 0;
    cols_.clear();
    rb_ = b_;
  }

  int size() const { return k_; }
  const std::vector<int>& columns() const { return cols_; }

  /// Append column j; false (and nothing changed) when it is numerically in the span of the others.
  bool add(int j) {
    if (k_ == Q_.cols()) grow();
    Eigen::VectorXd v = A_.col(j);
    const double norm0 = v.norm();
    Eigen::VectorXd h = Eigen::VectorXd::Zero(k_);
    for (int pass = 0; pass < 2; ++pass) {  // "twice is enough" (Giraud et al. 2005)
      const Eigen::VectorXd c = Q_.leftCols(k_).transpose() * v;
      v.noalias() -= Q_.leftCols(k_) * c;
      h += c;
    }
    const double rho = v.norm();
    if (!(rho > 1e3 * std::numeric_limits<double>::epsilon() * norm0)) return false;
    Q_.col(k_) = v / rho;
    R_.col(k_).head(k_) = h;
    R_.col(k_).tail(R_.rows() - k_).setZero();
    R_(k_, k_) = rho;
    qtb_(k_) = Q_.col(k_).dot(rb_);  // modified Gram-Schmidt on b: project the current residual
    rb_.noalias() -= qtb_(k_) * Q_.col(k_);
    cols_.push_back(j);
    ++k_;
    return true;
  }

  /// Append the columns `js` (a warm start) in blocks: each block is orthogonalised against Q with
  /// two matrix-matrix passes (BLAS-3, where adding the columns one at a time would stream Q once per
  /// column and be memory bound), then column by column within the block. Columns numerically in the
  /// span of the others are skipped; the result is what add() would give, up to rounding.
  void add_all(const std::vector<int>& js) {
    constexpr int kBlock = 64;
    reserve(k_ + static_cast<int>(js.size()));
    for (std::size_t b0 = 0; b0 < js.size(); b0 += kBlock) {
      const int nb = static_cast<int>(std::min<std::size_t>(kBlock, js.size() - b0));
      Eigen::MatrixXd V(A_.rows(), nb);
      for (int c = 0; c < nb; ++c) V.col(c) = A_.col(js[b0 + c]);
      const Eigen::VectorXd norm0 = V.colwise().norm().transpose();
      const int k0 = k_;
      Eigen::MatrixXd H = Eigen::MatrixXd::Zero(k0, nb);
      for (int pass = 0; pass < 2 && k0 > 0; ++pass) {
        const Eigen::MatrixXd C = Q_.leftCols(k0).transpose() * V;
        V.noalias() -= Q_.leftCols(k0) * C;
        H += C;
      }
      for (int c = 0; c < nb; ++c) {
        Eigen::VectorXd v = V.col(c);
        Eigen::VectorXd h = Eigen::VectorXd::Zero(k_ - k0);
        for (int pass = 0; pass < 2 && k_ > k0; ++pass) {
          const Eigen::VectorXd cc = Q_.middleCols(k0, k_ - k0).transpose() * v;
          v.noalias() -= Q_.middleCols(k0, k_ - k0) * cc;
          h += cc;
        }
        const double rho = v.norm();
        if (!(rho > 1e3 * std::numeric_limits<double>::epsilon() * norm0(c))) continue;
        Q_.col(k_) = v / rho;
        R_.col(k_).setZero();
        R_.col(k_).head(k0) = H.col(c);
        R_.col(k_).segment(k0, k_ - k0) = h;
        R_(k_, k_) = rho;
        qtb_(k_) = Q_.col(k_).dot(rb_);
        rb_.noalias() -= qtb_(k_) * Q_.col(k_);
        cols_.push_back(js[b0 + c]);
        ++k_;
      }
    }
  }

  /// Remove the column at position p of columns().
  void remove(int p) {
    for (int c = p; c + 1 < k_; ++c) R_.col(c) = R_.col(c + 1);  // R is now Hessenberg from column p
    for (int i = p; i + 1 < k_; ++i) {
      const double a = R_(i, i), bb = R_(i + 1, i), r = std::hypot(a, bb);
      const double cs = a / r, sn = bb / r;
      for (int c = i; c + 1 < k_; ++c) {
        const double x = R_(i, c), y = R_(i + 1, c);
        R_(i, c) = cs * x + sn * y, R_(i + 1, c) = -sn * x + cs * y;
      }
      R_(i + 1, i) = 0;
      Eigen::VectorXd qi = Q_.col(i);
      Q_.col(i) = cs * qi + sn * Q_.col(i + 1);
      Q_.col(i + 1) = -sn * qi + cs * Q_.col(i + 1);
      const double ti = qtb_(i);
      qtb_(i) = cs * ti + sn * qtb_(i + 1), qtb_(i + 1) = -sn * ti + cs * qtb_(i + 1);
    }
    --k_;
    rb_.noalias() += qtb_(k_) * Q_.col(k_);  // the dropped direction returns to the residual of b
    cols_.erase(cols_.begin() + p);
  }

  /// Least-squares coefficients of b on the current columns.
  Eigen::VectorXd solve() const {
    return R_.topLeftCorner(k_, k_).triangularView<Eigen::Upper>().solve(qtb_.head(k_));
  }

 private:
  void grow() { reserve(static_cast<int>(2 * Q_.cols())); }

  void reserve(int cap) {
    if (cap <= Q_.cols()) return;
    Q_.conservativeResize(Eigen::NoChange, cap);
    R_.conservativeResize(cap, cap);
    qtb_.conservativeResize(cap);
  }

  const Eigen::MatrixXd& A_;
  const Eigen::VectorXd& b_;
  Eigen::MatrixXd Q_, R_;
  Eigen::VectorXd qtb_, rb_;
  std::vector<int> cols_;
  int k_ = 0;
};

/// Warm start from a guess (e.g. an iterative solver's weights, whose support is nearly right but
/// includes many tiny weights that belong at zero). Its positive entries are the first passive
/// set; columns whose unconstrained coefficient on that set is not positive are dropped all at
/// once and the set refactored, a few rounds, until the passive solution is positive. The main loop
/// then starts from a feasible passive optimum and only has to add or drop the few columns the
/// guess got wrong (dropping them one Lawson-Hanson step at a time would cost a QR downdate each).
/// If the rounds do not settle, the guess itself is the (feasible) starting point.
void warm_start(UpdatedQr& qr, const Eigen::VectorXd& start, Eigen::VectorXd& x, std::vector<char>& state) {
  std::vector<int> set;
  for (Eigen::Index j = 0; j < start.size(); ++j)
    if (start(j) > 0) set.push_back(static_cast<int>(j));
  constexpr int kRounds = 10;
  for (int round = 0; round < kRounds && !set.empty(); ++round) {
    qr.clear();
    qr.add_all(set);
    const Eigen::VectorXd z = qr.solve();
    std::vector<int> keep;
    for (int k = 0; k < qr.size(); ++k)
      if (z(k) > 0) keep.push_back(qr.columns()[k]);
    if (static_cast<int>(keep.size()) == qr.size()) {
      for (int k = 0; k < qr.size(); ++k) x(qr.columns()[k]) = z(k), state[qr.columns()[k]] = 1;
      return;
    }
    set = std::move(keep);
  }
  // Not settled: start from the guess on its own support.
  qr.clear();
  std::vector<int> positive;
  for (Eigen::Index j = 0; j < start.size(); ++j)
    if (start(j) > 0) positive.push_back(static_cast<int>(j));
  qr.add_all(positive);
  for (int j : qr.columns()) state[j] = 1, x(j) = start(j);
}

/// Rows whose norm exceeds 1e3 times the median row norm: in the weight problem, the total-mass
/// row with its error of 1e-8.
std::vector<int> stiff_rows(const Eigen::MatrixXd& A) {
  if (A.rows() < 3) return {};
  const Eigen::VectorXd norms = A.rowwise().norm();
  std::vector<double> sorted(norms.data(), norms.data() + norms.size());
  std::nth_element(sorted.begin(), sorted.begin() + sorted.size() / 2, sorted.end());
  const double threshold = 1e3 * sorted[sorted.size() / 2];
  std::vector<int> rows;
  if (threshold > 0)
    for (Eigen::Index i = 0; i < A.rows(); ++i)
      if (norms(i) > threshold) rows.push_back(static_cast<int>(i));
  return rows;
}

/// The dual A^T r of the columns in `state` 0 (the others are not needed), where x is the exact
/// least-squares solution on the passive columns P.
///
/// A stiff row's residual r_s = b_s - a_s.x is the difference of two numbers ~1e8 times larger than
/// itself, so its rounding error, times a_s, swamps the dual of every column (~1 where the
/// convergence tolerance is ~1e-3): the plain dual can stop the iteration early or pick a wrong
/// column. At the passive solution, though, A_P^T r = 0 exactly, which fixes r_s from the ordinary
/// rows alone: a_sp r_s = -(A_P^T r)_ordinary. That estimate (least squares over P) replaces the
/// rounded r_s. Without stiff rows, or with no passive column yet (x = 0, r = b exact), it is the
/// plain dual. The same object also forms the residual r from the passive columns: the two products
/// with A that every step needs.
class Dual {
 public:
  Dual(const Eigen::MatrixXd& A) : A_(A), stiff_(stiff_rows(A)) {
    // The dual streams A through memory in every step, most of Lawson-Hanson's time on a large
    // system: a weight matrix that is mostly zeros (orbits see few apertures) is read in sparse
    // form instead, a third of the bytes at a quarter non-zero.
    const auto nnz = (A.array() != 0).count();
    if (A.size() > 0 && nnz <= kSparseFraction * static_cast<double>(A.size())) sparse_ = A.sparseView(0.0, 0.0);
  }

  Eigen::VectorXd operator()(const Eigen::VectorXd& r, const std::vector<int>& passive,
                             const std::vector<char>& state) const {
    const Eigen::Index n = A_.cols();
    Eigen::VectorXd w = Eigen::VectorXd::Zero(n);
    const int ns = static_cast<int>(stiff_.size());
    auto plain = [&]() {
      for (Eigen::Index j = 0; j < n; ++j)
        if (state[j] == 0) w(j) = column_dot(j, r);
      return w;
    };
    if (ns == 0 || static_cast<int>(passive.size()) < ns) return plain();
    Eigen::VectorXd ro = r;  // ordinary rows only
    for (int s : stiff_) ro(s) = 0;
    Eigen::MatrixXd S(passive.size(), ns);
    Eigen::VectorXd g(passive.size());
    for (std::size_t k = 0; k < passive.size(); ++k) {
      g(k) = -A_.col(passive[k]).dot(ro);
      for (int t = 0; t < ns; ++t) S(k, t) = A_(stiff_[t], passive[k]);
    }
    const auto qrS = S.colPivHouseholderQr();
    if (qrS.rank() < ns) return plain();  // the passive columns do not see every stiff row
    const Eigen::VectorXd rs = qrS.solve(g);
    for (Eigen::Index j = 0; j < n; ++j) {
      if (state[j] != 0) continue;
      double v = column_dot(j, ro);
      for (int t = 0; t < ns; ++t) v += A_(stiff_[t], j) * rs(t);
      w(j) = v;
    }
    return w;
  }

  /// r = b - sum over the passive columns of x_j A_j (skipping A's zeros changes no bit of it).
  void residual(const Eigen::VectorXd& b, const Eigen::VectorXd& x, const std::vector<int>& passive,
                Eigen::VectorXd& r) const {
    r = b;
    for (int j : passive) {
      if (sparse_.size() == 0) {
        r.noalias() -= x(j) * A_.col(j);
        continue;
      }
      for (Eigen::SparseMatrix<double>::InnerIterator it(sparse_, j); it; ++it) r(it.index()) -= x(j) * it.value();
    }
  }

 private:
  static constexpr double kSparseFraction = 0.5;

  double column_dot(Eigen::Index j, const Eigen::VectorXd& r) const {
    if (sparse_.size() == 0) return A_.col(j).dot(r);
    double s = 0;
    for (Eigen::SparseMatrix<double>::InnerIterator it(sparse_, j); it; ++it) s += it.value() * r(it.index());
    return s;
  }

  const Eigen::MatrixXd& A_;
  std::vector<int> stiff_;
  Eigen::SparseMatrix<double> sparse_;  ///< A when at most kSparseFraction of it is non-zero; else empty
};

}  // namespace

SolveResult nnls_lawson_hanson(const Eigen::MatrixXd& A, const Eigen::VectorXd& b, int max_iterations,
                               const Eigen::VectorXd* start) {
  const auto t0 = std::chrono::steady_clock::now();
  if (A.rows() != b.size()) throw Error(fmt::format("nnls_lawson_hanson: A has {} rows, b {}", A.rows(), b.size()));
  if (!A.allFinite() || !b.allFinite()) throw NumericalError("nnls_lawson_hanson: A or b contains NaN or inf");
  const Eigen::Index n = A.cols();
  if (max_iterations <= 0) max_iterations = static_cast<int>(3 * n);
  SolveResult res;
  res.solver = "lawson-hanson";
  Eigen::VectorXd x = Eigen::VectorXd::Zero(n);
  // 0: active (held at zero), 1: passive, 2: refused until the passive set next changes (its
  // column is in the span of the passive ones, or its unconstrained coefficient is not positive).
  std::vector<char> state(n, 0);
  UpdatedQr qr(A, b);
  bool warm = false;
  if (start) {
    if (start->size() != n) throw Error("nnls_lawson_hanson: the start vector differs in length from A's columns");
    warm_start(qr, *start, x, state);
    warm = qr.size() > 0;
  }
  const Dual dual(A);
  // Tolerance on the dual as scipy / Lawson-Hanson: 10 * eps * max|A| * max(m, n).
  const double tol = 10 * std::numeric_limits<double>::epsilon() * A.cwiseAbs().maxCoeff() * std::max<Eigen::Index>(A.rows(), n);
  int it = 0;
  Eigen::VectorXd r = b;
  while (true) {
    Eigen::VectorXd z;
    if (warm) {
      warm = false;
      z = qr.solve();
    } else {
      const Eigen::VectorXd w = dual(r, qr.columns(), state);
      Eigen::Index jmax = -1;
      double wmax = tol;
      for (Eigen::Index j = 0; j < n; ++j)
        if (state[j] == 0 && w(j) > wmax) wmax = w(j), jmax = j;
      if (jmax < 0) {
        res.converged = true;
        res.status = "converged";
        break;
      }
      if (it >= max_iterations) {
        res.status = fmt::format("iteration limit {} reached", max_iterations);
        break;
      }
      if (!qr.add(static_cast<int>(jmax))) {
        state[jmax] = 2;
        continue;
      }
      z = qr.solve();
      if (!(z(qr.size() - 1) > 0)) {  // would leave again at once: refuse it for now (as Lawson-Hanson)
        qr.remove(qr.size() - 1);
        state[jmax] = 2;
        continue;
      }
      state[jmax] = 1;
      for (auto& s : state)
        if (s == 2) s = 0;
    }
    // Inner loop: step towards the passive solution z until it is feasible.
    while (true) {
      ++it;
      const auto& P = qr.columns();
      double alpha = 1.0;
      int blocking = -1;
      for (std::size_t k = 0; k < P.size(); ++k)
        if (z(k) <= 0 && x(P[k]) / (x(P[k]) - z(k)) < alpha) alpha = x(P[k]) / (x(P[k]) - z(k)), blocking = static_cast<int>(k);
      if (blocking < 0) {
        for (std::size_t k = 0; k < P.size(); ++k) x(P[k]) = z(k);
        break;
      }
      for (std::size_t k = 0; k < P.size(); ++k) x(P[k]) += alpha * (z(k) - x(P[k]));
      x(P[blocking]) = 0;  // the variable that limits the step lands exactly on its bound
      // Variables driven to (numerically) zero leave the passive set, last first.
      const double zero = 1e-14 * std::max(1.0, x.cwiseAbs().maxCoeff());
      for (int k = static_cast<int>(P.size()) - 1; k >= 0; --k) {
        const int j = qr.columns()[k];
        if (x(j) <= zero) {
          x(j) = 0, state[j] = 0;
          qr.remove(k);
        }
      }
      if (qr.size() == 0 || it >= max_iterations) break;
      z = qr.solve();
    }
    dual.residual(b, x, qr.columns(), r);
  }
  res.weights = x;
  res.residual_norm2 = (A * x - b).squaredNorm();
  res.iterations = it;
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

}  // namespace dynamite::weights
