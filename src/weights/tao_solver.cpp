#include "dynamite/weights/tao_solver.hpp"

#include <fmt/format.h>
#include <petsctao.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <vector>

#include "dynamite/core/error.hpp"
#include "dynamite/weights/nnls.hpp"
#include "dynamite/weights/normal_equations.hpp"

namespace dynamite::weights {

namespace {

bool g_we_initialised = false;

void check(PetscErrorCode ierr, const char* what) {
  if (ierr) throw NumericalError(fmt::format("TAO solver: PETSc error {} in {}", static_cast<int>(ierr), what));
}

/// The least-squares part (the ordinary rows) and the equality constraints (the stiff rows, each
/// scaled to a unit normal c_i . w = d_i), with the augmented-Lagrangian multipliers and penalties.
struct Problem {
  Mat A = nullptr;
  Vec b = nullptr, r = nullptr;  // row layout
  std::vector<Vec> c;            // column layout, unit norm
  std::vector<double> d, lambda, rho, row_norm;
  Vec diag = nullptr;            // column norms^2 of A (the Hessian's diagonal without the penalty)
  Vec tmp = nullptr;             // column layout scratch

  double constraint(std::size_t i, Vec w) const {
    PetscScalar cw = 0;
    VecDot(c[i], w, &cw);
    return cw - d[i];
  }
};

/// f = 1/2 |A w - b|^2 + sum_i lambda_i e_i + rho_i/2 e_i^2 with e_i = c_i . w - d_i.
PetscErrorCode objective_gradient(Tao, Vec w, PetscReal* f, Vec g, void* ctx) {
  auto* p = static_cast<Problem*>(ctx);
  PetscCall(MatMult(p->A, w, p->r));
  PetscCall(VecAXPY(p->r, -1.0, p->b));
  PetscReal n2;
  PetscCall(VecNorm(p->r, NORM_2, &n2));
  *f = 0.5 * n2 * n2;
  PetscCall(MatMultTranspose(p->A, p->r, g));
  for (std::size_t i = 0; i < p->c.size(); ++i) {
    const double e = p->constraint(i, w);
    *f += p->lambda[i] * e + 0.5 * p->rho[i] * e * e;
    PetscCall(VecAXPY(g, p->lambda[i] + p->rho[i] * e, p->c[i]));
  }
  return 0;
}

/// The Hessian A^T A + sum_i rho_i c_i c_i^T applied without forming it.
PetscErrorCode hessian_mult(Mat H, Vec x, Vec y) {
  Problem* p;
  PetscCall(MatShellGetContext(H, &p));
  PetscCall(MatMult(p->A, x, p->r));
  PetscCall(MatMultTranspose(p->A, p->r, y));
  for (std::size_t i = 0; i < p->c.size(); ++i) {
    PetscScalar cx;
    PetscCall(VecDot(p->c[i], x, &cx));
    PetscCall(VecAXPY(y, p->rho[i] * cx, p->c[i]));
  }
  return 0;
}

PetscErrorCode hessian_diagonal(Mat H, Vec d) {
  Problem* p;
  PetscCall(MatShellGetContext(H, &p));
  PetscCall(VecCopy(p->diag, d));
  for (std::size_t i = 0; i < p->c.size(); ++i) {
    PetscCall(VecPointwiseMult(p->tmp, p->c[i], p->c[i]));
    PetscCall(VecAXPY(d, p->rho[i], p->tmp));
  }
  return 0;
}

PetscErrorCode hessian_noop(Tao, Vec, Mat, Mat, void*) { return 0; }  // quadratic: the Hessian is constant

/// PETSc matrix of the rows `keep` of A (this rank's block), dense or sparse.
Mat make_matrix(MPI_Comm comm, const Eigen::MatrixXd& A, const std::vector<int>& keep, PetscInt N, double density_limit,
                Eigen::MatrixXd& dense_storage) {
  const PetscInt m_loc = static_cast<PetscInt>(keep.size());
  long long nnz_loc = 0, nnz = 0, m_glob = 0, m_l = m_loc;
  for (int i : keep) nnz_loc += (A.row(i).array() != 0).count();
  MPI_Allreduce(&nnz_loc, &nnz, 1, MPI_LONG_LONG, MPI_SUM, comm);
  MPI_Allreduce(&m_l, &m_glob, 1, MPI_LONG_LONG, MPI_SUM, comm);
  const double density = m_glob > 0 && N > 0 ? static_cast<double>(nnz) / (static_cast<double>(m_glob) * N) : 1.0;
  Mat M;
  if (density <= density_limit) {
    std::vector<PetscInt> ia(m_loc + 1, 0), ja;
    std::vector<PetscScalar> va;
    ja.reserve(nnz_loc), va.reserve(nnz_loc);
    for (PetscInt k = 0; k < m_loc; ++k) {
      for (PetscInt j = 0; j < N; ++j) {
        const double v = A(keep[k], j);
        if (v != 0) ja.push_back(j), va.push_back(v);
      }
      ia[k + 1] = static_cast<PetscInt>(ja.size());
    }
    check(MatCreateMPIAIJWithArrays(comm, m_loc, PETSC_DECIDE, PETSC_DETERMINE, N, ia.data(), ja.data(), va.data(), &M),
          "MatCreateMPIAIJWithArrays");
  } else {
    dense_storage.resize(m_loc, N);  // PETSc's dense block: local rows x all columns, column-major as Eigen
    for (PetscInt k = 0; k < m_loc; ++k) dense_storage.row(k) = A.row(keep[k]);
    check(MatCreateDense(comm, m_loc, PETSC_DECIDE, PETSC_DETERMINE, N, dense_storage.data(), &M), "MatCreateDense");
  }
  return M;
}

/// Exact finish: Lawson-Hanson started from TAO's weights, on rank 0 with the rows gathered there.
void polish_with_lawson_hanson(MPI_Comm comm, const Eigen::MatrixXd& A_rows, const Eigen::VectorXd& b_rows,
                               SolveResult& res) {
  int rank = 0, nprocs = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &nprocs);
  const int n = static_cast<int>(A_rows.cols()), m_loc = static_cast<int>(A_rows.rows());
  SolveResult lh;
  if (nprocs == 1) {
    lh = nnls_lawson_hanson(A_rows, b_rows, 0, &res.weights);
  } else {
    std::vector<int> counts(nprocs), displs(nprocs);
    MPI_Gather(&m_loc, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, comm);
    std::partial_sum(counts.begin(), counts.end() - 1, displs.begin() + 1);
    const int m = rank == 0 ? displs.back() + counts.back() : 0;
    // Row-major transfer of the row blocks.
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> mine = A_rows, all(m, n);
    Eigen::VectorXd b(m);
    std::vector<int> vc(nprocs), vd(nprocs);
    for (int r = 0; r < nprocs; ++r) vc[r] = counts[r] * n, vd[r] = displs[r] * n;
    MPI_Gatherv(mine.data(), m_loc * n, MPI_DOUBLE, all.data(), vc.data(), vd.data(), MPI_DOUBLE, 0, comm);
    MPI_Gatherv(b_rows.data(), m_loc, MPI_DOUBLE, b.data(), counts.data(), displs.data(), MPI_DOUBLE, 0, comm);
    if (rank == 0) {
      const Eigen::MatrixXd A = all;
      all.resize(0, 0);
      lh = nnls_lawson_hanson(A, b, 0, &res.weights);
    }
    lh.weights.resize(n);
    MPI_Bcast(lh.weights.data(), n, MPI_DOUBLE, 0, comm);
    int ok = lh.converged ? 1 : 0, its = lh.iterations;
    MPI_Bcast(&ok, 1, MPI_INT, 0, comm);
    MPI_Bcast(&its, 1, MPI_INT, 0, comm);
    lh.converged = ok, lh.iterations = its;
    lh.status = ok ? "converged" : "Lawson-Hanson did not converge";
  }
  res.weights = lh.weights;
  res.converged = lh.converged;
  res.iterations += lh.iterations;
  res.solver += "+lawson-hanson";
  res.status = "Lawson-Hanson finish " + lh.status + fmt::format(" in {} steps", lh.iterations);
}

/// Exact finish on the normal equations: G formed over all ranks (each its rows), the active-set
/// solve on rank 0 started from TAO's weights, the weights broadcast.
void polish_with_normal_equations(MPI_Comm comm, const Eigen::MatrixXd& A_rows, const Eigen::VectorXd& b_rows,
                                  const TaoOptions& opt, SolveResult& res) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  const auto t0 = std::chrono::steady_clock::now();
  const NormalEquations ne = normal_equations(comm, A_rows, b_rows, opt.stiff_row_ratio);
  const double t_gram = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const int n = static_cast<int>(A_rows.cols());
  SolveResult fin;
  if (rank == 0) fin = nnls_normal_equations(ne, res.weights.size() == n && opt.warm_start ? &res.weights : nullptr);
  fin.weights.resize(n);
  MPI_Bcast(fin.weights.data(), n, MPI_DOUBLE, 0, comm);
  int ok = fin.converged ? 1 : 0, its = fin.iterations;
  MPI_Bcast(&ok, 1, MPI_INT, 0, comm);
  MPI_Bcast(&its, 1, MPI_INT, 0, comm);
  res.weights = fin.weights;
  res.converged = ok;
  res.iterations += its;
  res.solver += "+normal-equations";
  res.status = fmt::format("normal-equations finish {} in {} steps (A^T A {:.3g} s, {:.3g} multiply-adds, {} kernel; solve {:.3g} s)",
                           ok ? "optimal" : "not optimal", its, t_gram, ne.gram_flops, ne.kernel, fin.seconds);
  if (!ok) {  // columns G cannot resolve: Lawson-Hanson on A finishes from here (normal_equations.hpp)
    const std::string before = res.status;
    polish_with_lawson_hanson(comm, A_rows, b_rows, res);
    res.status = before + "; " + res.status;
  }
}

}  // namespace

void ensure_petsc() {
  PetscBool init = PETSC_FALSE;
  PetscInitialized(&init);
  if (init) return;
  int mpi_init = 0;
  MPI_Initialized(&mpi_init);
  if (!mpi_init) MPI_Init(nullptr, nullptr);
  check(PetscInitializeNoArguments(), "PetscInitialize");
  g_we_initialised = true;
}

void finalize_petsc() {
  PetscBool init = PETSC_FALSE, fin = PETSC_FALSE;
  PetscInitialized(&init);
  PetscFinalized(&fin);
  if (g_we_initialised && init && !fin) PetscFinalize();
}

SolveResult solve_tao(const Eigen::MatrixXd& A, const Eigen::VectorXd& b, const TaoOptions& opt) {
  ensure_petsc();
  return solve_tao(PETSC_COMM_SELF, A, b, opt);
}

SolveResult solve_tao(MPI_Comm comm, const Eigen::MatrixXd& A_in, const Eigen::VectorXd& b_in, const TaoOptions& opt) {
  const auto t0 = std::chrono::steady_clock::now();
  ensure_petsc();
  if (A_in.rows() != b_in.size()) throw Error("solve_tao: A and b differ in rows");
  int bad = !A_in.allFinite() || !b_in.allFinite(), any_bad = 0;
  MPI_Allreduce(&bad, &any_bad, 1, MPI_INT, MPI_MAX, comm);
  if (any_bad) throw NumericalError("solve_tao: A or b contains NaN or inf");
  int nprocs = 1;
  MPI_Comm_size(comm, &nprocs);
  const PetscInt N = static_cast<PetscInt>(A_in.cols());

  // Split this rank's rows into ordinary and stiff ones; every rank learns all stiff rows.
  const auto [stiff, soft] = split_stiff_rows(comm, A_in, opt.stiff_row_ratio);
  const int n_stiff_loc = static_cast<int>(stiff.size());
  std::vector<int> counts(nprocs), displs(nprocs);
  MPI_Allgather(&n_stiff_loc, 1, MPI_INT, counts.data(), 1, MPI_INT, comm);
  std::partial_sum(counts.begin(), counts.end() - 1, displs.begin() + 1);
  const int n_stiff = displs.back() + counts.back();
  Eigen::MatrixXd C_loc(N, n_stiff_loc), C(N, n_stiff);  // stiff rows as columns
  Eigen::VectorXd d_loc(n_stiff_loc), d(n_stiff);
  for (int k = 0; k < n_stiff_loc; ++k) C_loc.col(k) = A_in.row(stiff[k]).transpose(), d_loc(k) = b_in(stiff[k]);
  {
    std::vector<int> vc(nprocs), vd(nprocs);
    for (int r = 0; r < nprocs; ++r) vc[r] = counts[r] * static_cast<int>(N), vd[r] = displs[r] * static_cast<int>(N);
    MPI_Allgatherv(C_loc.data(), n_stiff_loc * static_cast<int>(N), MPI_DOUBLE, C.data(), vc.data(), vd.data(), MPI_DOUBLE,
                   comm);
    MPI_Allgatherv(d_loc.data(), n_stiff_loc, MPI_DOUBLE, d.data(), counts.data(), displs.data(), MPI_DOUBLE, comm);
  }

  Problem p;
  Eigen::MatrixXd dense_storage;
  p.A = make_matrix(comm, A_in, soft, N, opt.sparse_density_limit, dense_storage);
  check(MatCreateVecs(p.A, nullptr, &p.r), "MatCreateVecs");
  VecDuplicate(p.r, &p.b);
  {
    PetscInt lo;
    VecGetOwnershipRange(p.b, &lo, nullptr);
    PetscScalar* bb;
    VecGetArray(p.b, &bb);
    for (std::size_t k = 0; k < soft.size(); ++k) bb[k] = b_in(soft[k]);
    VecRestoreArray(p.b, &bb);
  }
  Vec w, lo, hi;
  check(MatCreateVecs(p.A, &w, nullptr), "MatCreateVecs");
  VecSet(w, 0.0);
  VecDuplicate(w, &lo), VecDuplicate(w, &hi), VecDuplicate(w, &p.diag), VecDuplicate(w, &p.tmp);
  VecSet(lo, 0.0), VecSet(hi, PETSC_INFINITY);
  PetscInt c0, c1;
  VecGetOwnershipRange(w, &c0, &c1);
  for (int i = 0; i < n_stiff; ++i) {
    const double nrm = C.col(i).norm();
    Vec ci;
    VecDuplicate(w, &ci);
    PetscScalar* a;
    VecGetArray(ci, &a);
    for (PetscInt j = c0; j < c1; ++j) a[j - c0] = C(j, i) / nrm;
    VecRestoreArray(ci, &a);
    p.c.push_back(ci), p.d.push_back(d(i) / nrm), p.row_norm.push_back(nrm), p.lambda.push_back(0.0);
  }
  // Variables scaled to unit column norms (w = u / s): the columns' norms span orders of magnitude
  // (orbits lighting a few cells or many, rows divided by their errors), and quasi-Newton and
  // gradient-projection methods converge far faster on the equilibrated problem. The bounds u >= 0
  // are the same.
  Vec scale = nullptr;
  if (opt.scale_columns) {
    std::vector<PetscReal> cn(N);
    MatGetColumnNorms(p.A, NORM_2, cn.data());
    VecDuplicate(w, &scale);
    PetscScalar* a;
    VecGetArray(scale, &a);
    for (PetscInt j = c0; j < c1; ++j) a[j - c0] = cn[j] > 0 ? 1.0 / cn[j] : 1.0;
    VecRestoreArray(scale, &a);
    check(MatDiagonalScale(p.A, nullptr, scale), "MatDiagonalScale");
    for (auto& ci : p.c) {
      VecPointwiseMult(ci, ci, scale);
      PetscReal nrm;
      VecNorm(ci, NORM_2, &nrm);
      // keep unit normals: c.u = d with the row's norm folded into d
      VecScale(ci, 1.0 / nrm);
      const std::size_t i = &ci - p.c.data();
      p.d[i] /= nrm, p.row_norm[i] *= nrm;
    }
  }
  // Column norms^2 of the ordinary rows: the Hessian's diagonal, and its scale for the penalty.
  {
    std::vector<PetscReal> cn(N);
    MatGetColumnNorms(p.A, NORM_2, cn.data());
    double frob2 = 0;
    PetscScalar* a;
    VecGetArray(p.diag, &a);
    for (PetscInt j = 0; j < N; ++j) {
      frob2 += cn[j] * cn[j];
      if (j >= c0 && j < c1) a[j - c0] = cn[j] * cn[j];
    }
    VecRestoreArray(p.diag, &a);
    // A penalty as large as the largest eigenvalue of A^T A at most doubles the condition number
    // and makes each multiplier update reduce the constraint error at least twofold.
    p.rho.assign(n_stiff, frob2 > 0 ? frob2 : 1.0);
  }

  // The Hessian: explicit and dense with direct inner solves for small serial problems (robust and
  // fast), implicit with Jacobi-preconditioned CG otherwise.
  const bool dense = nprocs == 1 && N <= opt.dense_hessian_limit;
  Mat H;
  Eigen::MatrixXd Hd, Hs;
  auto fill_dense_hessian = [&]() {
    Hd = Hs;
    for (int i = 0; i < n_stiff; ++i) {  // serial: the whole unit normal is local
      const PetscScalar* a;
      VecGetArrayRead(p.c[i], &a);
      const Eigen::VectorXd ci = Eigen::Map<const Eigen::VectorXd>(a, N);
      VecRestoreArrayRead(p.c[i], &a);
      Hd.noalias() += p.rho[i] * ci * ci.transpose();
    }
  };
  if (dense) {
    Eigen::MatrixXd As(soft.size(), N);
    for (std::size_t k = 0; k < soft.size(); ++k) As.row(static_cast<Eigen::Index>(k)) = A_in.row(soft[k]);
    if (scale) {
      const PetscScalar* a;
      VecGetArrayRead(scale, &a);
      As = As * Eigen::Map<const Eigen::VectorXd>(a, N).asDiagonal();
      VecRestoreArrayRead(scale, &a);
    }
    Hs = As.transpose() * As;
    fill_dense_hessian();
    check(MatCreateSeqDense(PETSC_COMM_SELF, N, N, Hd.data(), &H), "MatCreateSeqDense(H)");
  } else {
    PetscInt nloc;
    VecGetLocalSize(w, &nloc);
    check(MatCreateShell(comm, nloc, nloc, N, N, &p, &H), "MatCreateShell");
    MatShellSetOperation(H, MATOP_MULT, reinterpret_cast<void (*)(void)>(hessian_mult));
    MatShellSetOperation(H, MATOP_GET_DIAGONAL, reinterpret_cast<void (*)(void)>(hessian_diagonal));
  }

  Tao tao;
  check(TaoCreate(comm, &tao), "TaoCreate");
  TaoSetOptionsPrefix(tao, "dynamite_");
  // "auto", chosen by measurement (docs/performance.md, Weights): BNLS (0.19 s on the reference
  // system, the fastest; exact alone), but BQNLS ahead of the finish on a large problem, where
  // matrix-free BNLS needs 1.5 s per iteration (mid-size) and BQNLS 0.03 s.
  const bool large = N > opt.dense_hessian_limit;
  const std::string algorithm = opt.algorithm != "auto" ? opt.algorithm : opt.polish && large ? "bqnls" : "bnls";
  check(TaoSetType(tao, algorithm.c_str()), "TaoSetType");
  TaoSetSolution(tao, w);
  TaoSetVariableBounds(tao, lo, hi);
  TaoSetObjectiveAndGradient(tao, nullptr, objective_gradient, &p);
  TaoSetHessian(tao, H, H, hessian_noop, &p);
  // Polishing: stop once the projected gradient fell by polish_gttol from where the solve began
  // (a relative-to-objective test is meaningless while the penalty term dominates the objective).
  if (opt.polish)
    TaoSetTolerances(tao, 0.0, 0.0, opt.polish_gttol);
  else
    TaoSetTolerances(tao, 0.0, opt.grtol, 0.0);
  TaoSetMaximumIterations(tao, opt.polish ? opt.polish_max_iterations : opt.max_iterations);
  if (!dense) PetscOptionsSetValue(nullptr, "-dynamite_tao_subset_type", "matrixfree");
  KSP ksp = nullptr;
  if (TaoGetKSP(tao, &ksp) == 0 && ksp) {
    PC pc;
    KSPGetPC(ksp, &pc);
    if (dense) {
      KSPSetType(ksp, KSPPREONLY);
      PCSetType(pc, PCLU);
    } else {
      KSPSetType(ksp, KSPCG);
      PCSetType(pc, PCJACOBI);
      // Inexact Newton: a loose inner solve; the outer iteration and the finish make up for it.
      KSPSetTolerances(ksp, 1e-3, PETSC_DEFAULT, PETSC_DEFAULT, 100);
    }
  }
  TaoSetFromOptions(tao);

  SolveResult res;
  res.solver = "tao:" + algorithm;
  TaoConvergedReason reason = TAO_CONTINUE_ITERATING;
  int outer = 0, total_its = 0;
  double violation = 0, soft_rss = 0, previous_error = std::numeric_limits<double>::infinity();
  bool constraints_met = n_stiff == 0;
  const int max_outer = opt.polish ? opt.polish_max_outer : opt.max_outer;
  const bool skip_tao = opt.polish && opt.polish_max_iterations <= 0;  // the finish alone, from zero
  if (skip_tao) reason = TAO_CONVERGED_USER;
  for (outer = 0; outer <= max_outer && !skip_tao; ++outer) {
    check(TaoSolve(tao), "TaoSolve");
    TaoGetConvergedReason(tao, &reason);
    PetscInt its = 0;
    TaoGetIterationNumber(tao, &its);
    total_its += static_cast<int>(its);
    if (reason <= 0 && !(reason == TAO_DIVERGED_MAXITS && (opt.polish || n_stiff > 0))) break;
    // Residuals in the original rows' units.
    MatMult(p.A, w, p.r);
    VecAXPY(p.r, -1.0, p.b);
    PetscReal rn;
    VecNorm(p.r, NORM_2, &rn);
    soft_rss = rn * rn;
    violation = 0;
    double worst = 0;
    std::vector<double> e(n_stiff);
    for (int i = 0; i < n_stiff; ++i) {
      e[i] = p.constraint(i, w);
      violation += std::pow(p.row_norm[i] * e[i], 2);
      worst = std::max(worst, std::abs(e[i]));
    }
    // Polishing, the constraint only has to be met well enough to tell the active set.
    const double tol = opt.polish ? std::sqrt(opt.constraint_tol) : opt.constraint_tol;
    constraints_met = violation <= tol * std::max(soft_rss, 1e-300);
    spdlog::debug("TAO outer {}: {} its, reason {}, soft {:.9g}, violation {:.3g}, rho {:.3g}, lambda {:.6g}", outer, its,
                 TaoConvergedReasons[reason], soft_rss, violation, p.rho.empty() ? 0 : p.rho[0],
                 p.lambda.empty() ? 0 : p.lambda[0]);
    if (constraints_met || n_stiff == 0) break;
    // Method of multipliers; the penalty grows when the constraint error fell by less than 4x.
    for (int i = 0; i < n_stiff; ++i) p.lambda[i] += p.rho[i] * e[i];
    if (worst > 0.25 * previous_error) {
      for (auto& r : p.rho) r *= 10;
      if (dense) fill_dense_hessian();
      if (dense) MatAssemblyBegin(H, MAT_FINAL_ASSEMBLY), MatAssemblyEnd(H, MAT_FINAL_ASSEMBLY);
    }
    previous_error = worst;
  }

  // All weights to every rank.
  res.weights.resize(N);
  {
    VecScatter sc;
    Vec all;
    VecScatterCreateToAll(w, &sc, &all);
    VecScatterBegin(sc, w, all, INSERT_VALUES, SCATTER_FORWARD);
    VecScatterEnd(sc, w, all, INSERT_VALUES, SCATTER_FORWARD);
    const PetscScalar* a;
    VecGetArrayRead(all, &a);
    for (PetscInt j = 0; j < N; ++j) res.weights(j) = std::max(0.0, static_cast<double>(a[j]));
    VecRestoreArrayRead(all, &a);
    if (scale) {
      VecScatterBegin(sc, scale, all, INSERT_VALUES, SCATTER_FORWARD);
      VecScatterEnd(sc, scale, all, INSERT_VALUES, SCATTER_FORWARD);
      VecGetArrayRead(all, &a);
      for (PetscInt j = 0; j < N; ++j) res.weights(j) *= a[j];
      VecRestoreArrayRead(all, &a);
    }
    VecScatterDestroy(&sc);
    VecDestroy(&all);
  }
  res.iterations = total_its;
  if (opt.polish) {
    const double t_tao = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (opt.finish == TaoFinish::lawson_hanson)
      polish_with_lawson_hanson(comm, A_in, b_in, res);
    else
      polish_with_normal_equations(comm, A_in, b_in, opt, res);
    const double t_all = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    res.status = fmt::format("{} ({:.3g} s) after TAO ({:.3g} s, {} iterations, {}; {} stiff row(s), {} multiplier update(s))",
                             res.status, t_all - t_tao, t_tao, total_its, TaoConvergedReasons[reason], n_stiff, outer);
  } else {
    const bool inner_ok = reason > 0;
    res.converged = inner_ok && constraints_met;
    if (!inner_ok)
      res.status = fmt::format("inner solve failed: {}", TaoConvergedReasons[reason]);
    else if (!constraints_met)
      res.status = fmt::format("equality rows not met after {} multiplier updates (squared residual {:.3g} of {:.3g})",
                               outer, violation, soft_rss);
    else
      res.status = fmt::format("{}; {} stiff row(s) as constraints, {} multiplier update(s)", TaoConvergedReasons[reason],
                               n_stiff, outer);
  }
  double rss_loc = (A_in * res.weights - b_in).squaredNorm();
  MPI_Allreduce(&rss_loc, &res.residual_norm2, 1, MPI_DOUBLE, MPI_SUM, comm);

  TaoDestroy(&tao);
  if (!dense) PetscOptionsClearValue(nullptr, "-dynamite_tao_subset_type");
  MatDestroy(&H), MatDestroy(&p.A);
  for (auto& ci : p.c) VecDestroy(&ci);
  if (scale) VecDestroy(&scale);
  VecDestroy(&w), VecDestroy(&lo), VecDestroy(&hi), VecDestroy(&p.b), VecDestroy(&p.r), VecDestroy(&p.diag), VecDestroy(&p.tmp);
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

}  // namespace dynamite::weights
