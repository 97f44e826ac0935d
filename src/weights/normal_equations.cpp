#include "dynamite/weights/normal_equations.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>
#include <numeric>

#include "dynamite/core/error.hpp"
#include "simd/dense_kernels.hpp"

#ifdef DYNAMITE_GRAM_KERNELS
extern "C" {
void dynamite_gemm_nt_avx2(long m, long n, long k, const double* X, long ldx, const double* Y, long ldy, double* C,
                           long ldc);
void dynamite_gemm_nt_avx512(long m, long n, long k, const double* X, long ldx, const double* Y, long ldy, double* C,
                             long ldc);
void dynamite_trsm_lower_avx2(long p, long k, const double* L, long ldl, double* B, long ldb);
void dynamite_trsm_lower_avx512(long p, long k, const double* L, long ldl, double* B, long ldb);
}
#endif

namespace dynamite::weights {

namespace {

/// The kernels' signatures (src/weights/simd/dense_kernels.hpp says what they compute).
using GemmNtKernel = void (*)(long m, long n, long k, const double* X, long ldx, const double* Y, long ldy, double* C,
                              long ldc);
using TrsmKernel = void (*)(long p, long k, const double* L, long ldl, double* B, long ldb);

struct DenseKernels {
  GemmNtKernel gemm_nt = nullptr;
  TrsmKernel trsm_lower = nullptr;
  const char* name = "";
};

/// The widest kernels this CPU runs; DYNAMITE_SIMD=baseline|avx2|avx512 narrows the choice (tests,
/// benchmarks).
DenseKernels pick_kernels() {
  const char* env = std::getenv("DYNAMITE_SIMD");
  const std::string want = env ? env : "";
  if (!want.empty() && want != "baseline" && want != "avx2" && want != "avx512")
    throw Error(fmt::format("DYNAMITE_SIMD must be baseline, avx2 or avx512, not '{}'", want));
#ifdef DYNAMITE_GRAM_KERNELS
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  const bool avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
  if (avx512 && (want.empty() || want == "avx512")) return {dynamite_gemm_nt_avx512, dynamite_trsm_lower_avx512, "avx512"};
  if (avx2 && (want.empty() || want == "avx512" || want == "avx2"))
    return {dynamite_gemm_nt_avx2, dynamite_trsm_lower_avx2, "avx2"};
#endif
  return {kernels::gemm_nt, kernels::trsm_lower, "baseline"};
}

/// The ordinary rows of this rank in compressed-row form, ordered so that rows with the same
/// non-zero pattern (an aperture's mass and Gauss-Hermite rows) and similar patterns are adjacent.
struct OrderedRows {
  std::vector<std::int64_t> start{0};
  std::vector<int> col;
  std::vector<double> val;  // scaled: A_ij * scale_j
  int size() const { return static_cast<int>(start.size()) - 1; }
};

/// One column-major sweep over A (its storage order) for counts and pattern hashes, a second to fill.
OrderedRows order_rows(const Eigen::MatrixXd& A, const std::vector<int>& soft, const Eigen::VectorXd& scale) {
  const int m = static_cast<int>(A.rows()), n = static_cast<int>(A.cols()), ms = static_cast<int>(soft.size());
  std::vector<int> slot_of(m, -1);
  for (int k = 0; k < ms; ++k) slot_of[soft[k]] = k;
  std::vector<std::int64_t> count(ms, 0);
  std::vector<int> first(ms, n);
  std::vector<std::uint64_t> hash(ms, 1469598103934665603ULL);
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < m; ++i)
      if (A(i, j) != 0 && slot_of[i] >= 0) {
        const int k = slot_of[i];
        if (count[k]++ == 0) first[k] = j;
        hash[k] = (hash[k] ^ static_cast<std::uint64_t>(j)) * 1099511628211ULL;
      }
  // Denser rows first (they share most columns), then by first column (neighbouring patterns),
  // then identical patterns together.
  std::vector<int> order(ms);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    if (count[a] != count[b]) return count[a] > count[b];
    return first[a] != first[b] ? first[a] < first[b] : hash[a] < hash[b];
  });
  OrderedRows out;
  std::vector<int> pos_of(ms);
  for (int p = 0; p < ms; ++p) pos_of[order[p]] = p;
  out.start.resize(ms + 1);
  for (int p = 0; p < ms; ++p) out.start[p + 1] = out.start[p] + count[order[p]];
  out.col.resize(out.start.back());
  out.val.resize(out.start.back());
  std::vector<std::int64_t> fill(out.start.begin(), out.start.end() - 1);
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < m; ++i)
      if (A(i, j) != 0 && slot_of[i] >= 0) {
        const std::int64_t q = fill[pos_of[slot_of[i]]]++;
        out.col[q] = j, out.val[q] = A(i, j) * scale(j);
      }
  return out;
}

/// Lower triangle of S^T S from blocks of `block` ordered rows: each block's rows are gathered on
/// the union J of their columns (X, |J| x rows), and X X^T is added into G(J, J) panel by panel of
/// 512 columns (the lower trapezoid below each panel's diagonal), so the temporary stays small
/// (|J| x 512, not |J| x |J|: 1.35 GB at 13,000 orbits). Returns the multiply-adds spent.
double add_gram_blocks(const OrderedRows& rows, int block, GemmNtKernel gemm, Eigen::MatrixXd& G) {
  const int n = static_cast<int>(G.cols()), panel = 512;
  std::vector<int> stamp(n, -1), pos(n);
  std::vector<int> J;
  Eigen::MatrixXd X, C;
  double flops = 0;
  for (int r0 = 0, b = 0; r0 < rows.size(); r0 += block, ++b) {
    const int r1 = std::min(rows.size(), r0 + block), k = r1 - r0;
    J.clear();
    for (int r = r0; r < r1; ++r)
      for (std::int64_t q = rows.start[r]; q < rows.start[r + 1]; ++q)
        if (stamp[rows.col[q]] != b) stamp[rows.col[q]] = b, J.push_back(rows.col[q]);
    if (J.empty()) continue;
    std::sort(J.begin(), J.end());
    const int nj = static_cast<int>(J.size());
    for (int a = 0; a < nj; ++a) pos[J[a]] = a;
    X.setZero(nj, k);  // columns = rows of the block, so X X^T is the product wanted
    for (int r = r0; r < r1; ++r)
      for (std::int64_t q = rows.start[r]; q < rows.start[r + 1]; ++q) X(pos[rows.col[q]], r - r0) = rows.val[q];
    for (int c0 = 0; c0 < nj; c0 += panel) {
      const int w = std::min(panel, nj - c0), h = nj - c0;
      C.resize(h, w);
      gemm(h, w, k, X.data() + c0, X.outerStride(), X.data() + c0, X.outerStride(), C.data(), C.outerStride());
      flops += double(h) * w * k;
      for (int bcol = 0; bcol < w; ++bcol) {
        double* g = &G(0, J[c0 + bcol]);
        const double* cc = &C(0, bcol);
        for (int a = bcol; a < h; ++a) g[J[c0 + a]] += cc[a];
      }
    }
  }
  return flops;
}

}  // namespace

RowSplit split_stiff_rows(MPI_Comm comm, const Eigen::MatrixXd& A, double ratio) {
  int size = 1;
  MPI_Comm_size(comm, &size);
  const int m_loc = static_cast<int>(A.rows());
  std::vector<int> counts(size), displs(size);
  MPI_Allgather(&m_loc, 1, MPI_INT, counts.data(), 1, MPI_INT, comm);
  std::partial_sum(counts.begin(), counts.end() - 1, displs.begin() + 1);
  // Row norms by columns (A is column-major: a row-by-row sweep would miss the cache at every entry).
  Eigen::VectorXd norm2 = Eigen::VectorXd::Zero(m_loc);
  for (Eigen::Index j = 0; j < A.cols(); ++j) norm2 += A.col(j).cwiseAbs2();
  std::vector<double> mine(m_loc), all(displs.back() + counts.back());
  for (int i = 0; i < m_loc; ++i) mine[i] = std::sqrt(norm2(i));
  MPI_Allgatherv(mine.data(), m_loc, MPI_DOUBLE, all.data(), counts.data(), displs.data(), MPI_DOUBLE, comm);
  double threshold = 0;
  if (!all.empty()) {
    std::nth_element(all.begin(), all.begin() + all.size() / 2, all.end());
    threshold = ratio * all[all.size() / 2];
  }
  RowSplit split;
  for (int i = 0; i < m_loc; ++i) (threshold > 0 && mine[i] > threshold ? split.stiff : split.ordinary).push_back(i);
  return split;
}

NormalEquations normal_equations(MPI_Comm comm, const Eigen::MatrixXd& A, const Eigen::VectorXd& b,
                                 double stiff_row_ratio) {
  if (A.rows() != b.size()) throw Error("normal_equations: A and b differ in rows");
  int rank = 0, nprocs = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &nprocs);
  const int n = static_cast<int>(A.cols());
  const auto [stiff, soft] = split_stiff_rows(comm, A, stiff_row_ratio);

  // Column norms of the ordinary rows (all ranks) -> the scaling.
  // Masked by columns (vectorised, streaming): subtracting the stiff rows afterwards would cancel.
  Eigen::ArrayXd mask = Eigen::ArrayXd::Zero(A.rows());
  for (int i : soft) mask(i) = 1;
  const Eigen::VectorXd b_soft = (b.array() * mask).matrix();
  Eigen::VectorXd norm2(n), cb(n);
  for (int j = 0; j < n; ++j) norm2(j) = (A.col(j).array().square() * mask).sum(), cb(j) = A.col(j).dot(b_soft);
  MPI_Allreduce(MPI_IN_PLACE, norm2.data(), n, MPI_DOUBLE, MPI_SUM, comm);
  NormalEquations ne;
  ne.scale = (norm2.array() > 0).select(norm2.array().sqrt().inverse(), 1.0);

  // G, block by block of similar rows, summed on rank 0.
  Eigen::MatrixXd G = Eigen::MatrixXd::Zero(n, n);
  const OrderedRows ordered = order_rows(A, soft, ne.scale);
  // Rows per block: smaller blocks touch fewer columns, larger ones spend less on gathering and
  // scattering. Measured on the synthetic systems (docs/performance.md): 512 with the AVX kernels
  // (production size: 19 s against 35 s with 64), 128 with the baseline one.
  const DenseKernels kernels = pick_kernels();
  const char* kernel = kernels.name;
  double flops = add_gram_blocks(ordered, std::string(kernel) == "baseline" ? 128 : 512, kernels.gemm_nt, G);
  MPI_Reduce(rank == 0 ? MPI_IN_PLACE : cb.data(), cb.data(), n, MPI_DOUBLE, MPI_SUM, 0, comm);
  MPI_Reduce(rank == 0 ? MPI_IN_PLACE : &flops, &flops, 1, MPI_DOUBLE, MPI_SUM, 0, comm);
  // In pieces of at most 2^27 entries (MPI counts are ints).
  for (std::int64_t off = 0, total = std::int64_t(n) * n; off < total; off += (1 << 27)) {
    const int cnt = static_cast<int>(std::min<std::int64_t>(1 << 27, total - off));
    MPI_Reduce(rank == 0 ? MPI_IN_PLACE : G.data() + off, G.data() + off, cnt, MPI_DOUBLE, MPI_SUM, 0, comm);
  }

  // Stiff rows to rank 0, as unit-norm columns in the scaled variables.
  const int k_loc = static_cast<int>(stiff.size());
  std::vector<int> counts(nprocs), displs(nprocs);
  MPI_Gather(&k_loc, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, comm);
  std::partial_sum(counts.begin(), counts.end() - 1, displs.begin() + 1);
  const int k = rank == 0 ? displs.back() + counts.back() : 0;
  Eigen::MatrixXd C_loc(n, k_loc), C(n, k);
  Eigen::VectorXd d_loc(k_loc), d(k);
  for (int s = 0; s < k_loc; ++s) C_loc.col(s) = A.row(stiff[s]).transpose(), d_loc(s) = b(stiff[s]);
  std::vector<int> vc(nprocs), vd(nprocs);
  for (int r = 0; r < nprocs; ++r) vc[r] = counts[r] * n, vd[r] = displs[r] * n;
  MPI_Gatherv(C_loc.data(), k_loc * n, MPI_DOUBLE, C.data(), vc.data(), vd.data(), MPI_DOUBLE, 0, comm);
  MPI_Gatherv(d_loc.data(), k_loc, MPI_DOUBLE, d.data(), counts.data(), displs.data(), MPI_DOUBLE, 0, comm);
  if (rank != 0) return ne;

  G.triangularView<Eigen::StrictlyUpper>() = G.transpose();
  ne.G = std::move(G);
  ne.c = cb.cwiseProduct(ne.scale);
  ne.C.resize(n, k);
  ne.d.resize(k);
  ne.inv_weight2.resize(k);
  for (int s = 0; s < k; ++s) {
    const Eigen::VectorXd cs = C.col(s).cwiseProduct(ne.scale);
    const double w = cs.norm();
    if (!(w > 0)) throw NumericalError("normal_equations: a stiff row is zero");
    ne.C.col(s) = cs / w, ne.d(s) = d(s) / w, ne.inv_weight2(s) = 1.0 / (w * w);
  }
  ne.gram_flops = flops;
  ne.kernel = kernel;
  return ne;
}

namespace {

/// The Cholesky factor L of G_FF for an ordered free set F that grows at the end (a block of
/// columns at a time) and shrinks anywhere, kept up to date in O(|F|^2) per change.
class FreeSetFactor {
 public:
  FreeSetFactor(const NormalEquations& ne, double tau) : ne_(ne), tau_(tau), kernels_(pick_kernels()), L_(256, 256) {}

  int size() const { return static_cast<int>(F_.size()); }
  const std::vector<int>& columns() const { return F_; }

  /// Appends the columns J in order, each unless its pivot is <= tau (numerically in the span of
  /// the free columns). Returns the accepted ones. Blocks of 64: a triangular solve with many
  /// right-hand sides and a product for the block's coupling, then a small sequential factorisation.
  std::vector<int> append(const std::vector<int>& J) {
    std::vector<int> accepted;
    for (std::size_t j0 = 0; j0 < J.size(); j0 += 64) {
      const std::vector<int> chunk(J.begin() + j0, J.begin() + std::min(J.size(), j0 + 64));
      const std::vector<int> took = append_block(chunk);
      accepted.insert(accepted.end(), took.begin(), took.end());
    }
    return accepted;
  }

  /// Removes the free column at position q: the rows and columns below and right of it move up and
  /// left, and the trailing factor absorbs the removed column (a rank-one update, always stable).
  void remove(int q) {
    const int p = size(), r = p - q - 1;
    Eigen::VectorXd v = L_.col(q).segment(q + 1, r);
    for (int c = 0; c < q; ++c) {
      double* col = &L_(0, c);
      std::copy(col + q + 1, col + p, col + q);
    }
    for (int c = q + 1; c < p; ++c) std::copy(&L_(c, c), &L_(0, c) + p, &L_(c - 1, c - 1));
    for (int t = 0; t < r; ++t) {  // L33' L33'^T = L33 L33^T + v v^T
      const int kk = q + t;
      const double lkk = L_(kk, kk), rr = std::hypot(lkk, v(t)), cs = rr / lkk, sn = v(t) / lkk;
      L_(kk, kk) = rr;
      const int len = r - t - 1;
      auto lcol = L_.col(kk).segment(kk + 1, len);
      auto vt = v.segment(t + 1, len);
      lcol = (lcol + sn * vt) / cs;
      vt = cs * vt - sn * lcol;
    }
    F_.erase(F_.begin() + q);
  }

  /// The minimiser over the free set (others zero), and the stiff rows' multipliers
  /// nu_i = W_i^2 (C_i . u - d_i) through the k x k Schur complement.
  void solve(Eigen::VectorXd& s, Eigen::VectorXd& nu) const {
    const int p = size(), k = static_cast<int>(ne_.C.cols());
    nu = Eigen::VectorXd::Zero(k);
    Eigen::MatrixXd R(p, 1 + k), CF(p, k);
    for (int a = 0; a < p; ++a) R(a, 0) = ne_.c(F_[a]), CF.row(a) = ne_.C.row(F_[a]);
    R.rightCols(k) = CF;
    const auto L = L_.topLeftCorner(p, p).triangularView<Eigen::Lower>();
    L.solveInPlace(R);
    L.transpose().solveInPlace(R);
    s = R.col(0);
    if (k > 0) {
      Eigen::MatrixXd M = CF.transpose() * R.rightCols(k);
      M.diagonal() += ne_.inv_weight2;
      if (p > 0) {
        nu = M.ldlt().solve(CF.transpose() * s - ne_.d);
        s.noalias() -= R.rightCols(k) * nu;
      } else {
        nu = -ne_.d.cwiseQuotient(ne_.inv_weight2);  // nothing free: the stiff rows' full residual
      }
    }
  }

 private:
  std::vector<int> append_block(const std::vector<int>& J) {
    const int p = size(), k = static_cast<int>(J.size());
    reserve(p + k);
    Eigen::MatrixXd X(p, k);  // L^{-1} G(F, J)
    for (int a = 0; a < k; ++a) {
      const double* g = &ne_.G(0, J[a]);
      for (int i = 0; i < p; ++i) X(i, a) = g[F_[i]];
    }
    if (p > 0) kernels_.trsm_lower(p, k, L_.data(), L_.outerStride(), X.data(), X.outerStride());
    Eigen::MatrixXd S(k, k);  // G(J, J) - X^T X: what the block adds beyond the free span
    for (int a = 0; a < k; ++a)
      for (int c = 0; c < k; ++c) S(a, c) = ne_.G(J[a], J[c]);
    if (p > 0) {  // X^T X = Xt Xt^T through the same kernel as A^T A
      const Eigen::MatrixXd Xt = X.transpose();
      Eigen::MatrixXd XtX(k, k);
      kernels_.gemm_nt(k, k, p, Xt.data(), Xt.outerStride(), Xt.data(), Xt.outerStride(), XtX.data(), XtX.outerStride());
      S -= XtX;
    }
    Eigen::MatrixXd Lb = Eigen::MatrixXd::Zero(k, k);  // factor of S over the accepted columns
    std::vector<int> took, pos;
    for (int a = 0; a < k; ++a) {
      const int q = static_cast<int>(pos.size());
      for (int t = 0; t < q; ++t) Lb(q, t) = (S(a, pos[t]) - Lb.row(q).head(t).dot(Lb.row(t).head(t))) / Lb(t, t);
      const double d = S(a, a) - Lb.row(q).head(q).squaredNorm();
      if (!(d > tau_ * ne_.G(J[a], J[a]))) {
        Lb.row(q).head(q).setZero();
        continue;
      }
      Lb(q, q) = std::sqrt(d);
      L_.row(p + q).head(p) = X.col(a).transpose();
      L_.row(p + q).segment(p, q + 1) = Lb.row(q).head(q + 1);
      pos.push_back(a);
      took.push_back(J[a]);
      F_.push_back(J[a]);
    }
    return took;
  }

  void reserve(int p) {
    if (p <= L_.rows()) return;
    const Eigen::Index cap = std::max<Eigen::Index>(p, 2 * L_.rows());
    Eigen::MatrixXd bigger(cap, cap);
    bigger.topLeftCorner(size(), size()) = L_.topLeftCorner(size(), size());
    L_.swap(bigger);
  }

  const NormalEquations& ne_;
  double tau_;
  DenseKernels kernels_;  // appending columns: L^{-1} G(F, J) and its X^T X, the step's largest dense operations
  Eigen::MatrixXd L_;
  std::vector<int> F_;
};

}  // namespace

SolveResult nnls_normal_equations(const NormalEquations& ne, const Eigen::VectorXd* start, const NnlsGramOptions& opt) {
  const auto t0 = std::chrono::steady_clock::now();
  const int n = static_cast<int>(ne.G.rows());
  const int max_steps = opt.max_steps > 0 ? opt.max_steps : 3 * n;
  const double tol_y = opt.dual_tolerance * std::max(1.0, ne.c.lpNorm<Eigen::Infinity>());
  FreeSetFactor factor(ne, opt.pivot_tolerance);
  Eigen::VectorXd uF, s, nu, y(n);  // uF: the free weights, in the factor's order
  std::vector<char> free(n, 0), rejected(n, 0);
  int steps = 0, removals = 0, rejections = 0, retries = 0, batch = std::max(1, opt.batch);
  auto drop = [&](int a) {
    free[factor.columns()[a]] = 0;
    factor.remove(a);
    std::copy(uF.data() + a + 1, uF.data() + uF.size(), uF.data() + a);
    uF.conservativeResize(uF.size() - 1);
  };
  auto solve_and_stay_feasible = [&]() {
    // Lawson-Hanson's inner loop: move towards the free set's minimiser until a weight reaches 0.
    for (;;) {
      factor.solve(s, nu);
      // Columns just added (still at 0) whose minimiser is not positive leave without a step.
      bool ejected = false;
      for (int a = factor.size() - 1; a >= 0; --a)
        if (s(a) <= 0 && uF(a) <= 0) rejected[factor.columns()[a]] = 1, drop(a), ejected = true, ++rejections;
      if (ejected) continue;
      double alpha = 1;
      int hit = -1;
      for (int a = 0; a < factor.size(); ++a)
        if (s(a) <= 0 && uF(a) / (uF(a) - s(a)) < alpha) alpha = uF(a) / (uF(a) - s(a)), hit = a;
      if (hit < 0) break;
      uF += alpha * (s - uF);
      uF(hit) = 0;
      for (int a = factor.size() - 1; a >= 0; --a)
        if (uF(a) <= 0) drop(a), ++removals;
      std::fill(rejected.begin(), rejected.end(), 0);  // the free span changed
    }
    uF = s;
  };
  if (start) {
    if (start->size() != n) throw Error("nnls_normal_equations: the start has the wrong length");
    std::vector<int> J;
    for (int j = 0; j < n; ++j)
      if ((*start)(j) > 0) J.push_back(j);
    for (int j : factor.append(J)) free[j] = 1;
    uF = Eigen::VectorXd::Zero(factor.size());
    for (int a = 0; a < factor.size(); ++a) uF(a) = (*start)(factor.columns()[a]) / ne.scale(factor.columns()[a]);
    solve_and_stay_feasible();
  }
  if (factor.size() == 0) factor.solve(s, nu);  // the stiff rows' multipliers at u = 0
  bool optimal = false;
  std::vector<int> candidates;
  for (; steps < max_steps; ++steps) {
    // The gradient G u - c + C nu (the dual with the opposite sign), from the free columns only.
    y = ne.C * nu - ne.c;
    for (int a = 0; a < factor.size(); ++a) y.noalias() += uF(a) * ne.G.col(factor.columns()[a]);
    candidates.clear();
    for (int j = 0; j < n; ++j)
      if (!free[j] && !rejected[j] && y(j) < -tol_y) candidates.push_back(j);
    if (candidates.empty()) {
      // Columns passed over may have become useful; one more look at them, one at a time.
      bool any = false;
      for (int j = 0; j < n && !any; ++j) any = rejected[j] && y(j) < -tol_y;
      if (!any || retries++ >= 3) {
        optimal = !any;
        break;
      }
      std::fill(rejected.begin(), rejected.end(), 0);
      batch = 1;
      continue;
    }
    // The `batch` most negative; appended in order, so the steepest is always tried first.
    const int k = std::min<int>(batch, static_cast<int>(candidates.size()));
    std::partial_sort(candidates.begin(), candidates.begin() + k, candidates.end(),
                      [&](int a, int b) { return y(a) < y(b); });
    candidates.resize(k);
    const int before = factor.size();
    const std::vector<int> added = factor.append(candidates);
    for (int j : candidates) rejected[j] = 1;  // dependent: cleared again when a removal changes the span
    for (int j : added) free[j] = 1, rejected[j] = 0;
    rejections += k - static_cast<int>(added.size());
    if (added.empty()) continue;
    uF.conservativeResize(factor.size());
    uF.tail(factor.size() - before).setZero();
    solve_and_stay_feasible();
  }
  SolveResult res;
  res.weights = Eigen::VectorXd::Zero(n);
  for (int a = 0; a < factor.size(); ++a) {
    const int j = factor.columns()[a];
    res.weights(j) = std::max(0.0, uF(a)) * ne.scale(j);
  }
  res.converged = optimal;
  res.iterations = steps;
  res.solver = "normal-equations";
  res.status = fmt::format("{} after {} steps ({} removals, {} dependent columns passed over), {} free",
                           optimal ? "optimal" : "not optimal", steps, removals, rejections, factor.size());
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

SolveResult solve_normal_equations(const Eigen::MatrixXd& A, const Eigen::VectorXd& b, const NnlsGramOptions& opt) {
  const auto t0 = std::chrono::steady_clock::now();
  int init = 0;
  MPI_Initialized(&init);
  if (!init) throw Error("solve_normal_equations: MPI is not initialised");
  const NormalEquations ne = normal_equations(MPI_COMM_SELF, A, b);
  const double t_gram = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  SolveResult r = nnls_normal_equations(ne, nullptr, opt);
  r.status += fmt::format(" (A^T A {:.3g} s, active set {:.3g} s)", t_gram, r.seconds);
  if (!r.converged) {
    // Columns too close to the free span for G to resolve (pivot below the tolerance) still have a
    // negative dual: Lawson-Hanson on A, which resolves them, finishes from here.
    const SolveResult lh = nnls_lawson_hanson(A, b, 0, &r.weights);
    r.weights = lh.weights, r.converged = lh.converged, r.iterations += lh.iterations;
    r.solver += "+lawson-hanson";
    r.status += fmt::format("; Lawson-Hanson finish {} in {} steps", lh.status, lh.iterations);
  }
  r.residual_norm2 = (A * r.weights - b).squaredNorm();
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace dynamite::weights
