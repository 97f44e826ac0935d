// Lawson & Hanson's active-set NNLS with an updated thin QR factorisation of the passive columns.
//
// Refactoring the passive matrix from scratch in every step costs O(m k^2) per step and O(m k^3)
// in all, which is hours for a production library (15,000 rows, ~2,000 positive weights). Here
// the factorisation A_P = Q R is kept up to date instead: a column entering the passive set is
// orthogonalised against Q (classical Gram-Schmidt, repeated once, which keeps Q orthogonal to
// working precision even for the badly scaled rows of the weight problem), and a column leaving
// it is removed with Givens rotations. Each step then costs O(m k) plus the dual A^T r, O(m n).
#include <chrono>
#include <cmath>
#include <fmt/format.h>
#include <limits>

#include "dynamite/core/error.hpp"
#include "dynamite/weights/nnls.hpp"

namespace dynamite::weights {

namespace {

/// Thin QR factorisation of a growing and shrinking set of columns of A.
class UpdatedQr {
 public:
  UpdatedQr(const Eigen::MatrixXd& A, const Eigen::VectorXd& b)
      : A_(A), Q_(A.rows(), 16), R_(16, 16), qtb_(16), rb_(b) {}

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
  void grow() {
    const Eigen::Index cap = 2 * Q_.cols();
    Q_.conservativeResize(Eigen::NoChange, cap);
    R_.conservativeResize(cap, cap);
    qtb_.conservativeResize(cap);
  }

  const Eigen::MatrixXd& A_;
  Eigen::MatrixXd Q_, R_;
  Eigen::VectorXd qtb_, rb_;
  std::vector<int> cols_;
  int k_ = 0;
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
    // Warm start: the positive entries of `start` are the first passive set, and `start` (made
    // feasible) is where the inner loop begins; the loop drops what does not belong.
    if (start->size() != n) throw Error("nnls_lawson_hanson: the start vector differs in length from A's columns");
    for (Eigen::Index j = 0; j < n; ++j)
      if ((*start)(j) > 0 && qr.add(static_cast<int>(j))) state[j] = 1, x(j) = (*start)(j);
    warm = qr.size() > 0;
  }
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
    // Dual (negative gradient) of the active columns only.
    Eigen::Index jmax = -1;
    double wmax = tol;
    for (Eigen::Index j = 0; j < n; ++j) {
      if (state[j] != 0) continue;
      const double w = A.col(j).dot(r);
      if (w > wmax) wmax = w, jmax = j;
    }
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
    r = b;
    for (int j : qr.columns()) r.noalias() -= x(j) * A.col(j);
  }
  res.weights = x;
  res.residual_norm2 = (A * x - b).squaredNorm();
  res.iterations = it;
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

}  // namespace dynamite::weights
