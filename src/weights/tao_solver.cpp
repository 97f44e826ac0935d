#include "dynamite/weights/tao_solver.hpp"

#include <fmt/format.h>
#include <mpi.h>
#include <petsctao.h>

#include <chrono>

#include "dynamite/core/error.hpp"

namespace dynamite::weights {

namespace {

bool g_we_initialised = false;

void check(PetscErrorCode ierr, const char* what) {
  if (ierr) throw NumericalError(fmt::format("TAO solver: PETSc error {} in {}", static_cast<int>(ierr), what));
}

struct Problem {
  Mat A;
  Vec b, r;  // r: residual work vector (rows)
};

PetscErrorCode objective_gradient(Tao, Vec w, PetscReal* f, Vec g, void* ctx) {
  auto* p = static_cast<Problem*>(ctx);
  PetscCall(MatMult(p->A, w, p->r));       // r = A w
  PetscCall(VecAXPY(p->r, -1.0, p->b));    // r = A w - b
  PetscReal n2;
  PetscCall(VecNorm(p->r, NORM_2, &n2));
  *f = 0.5 * n2 * n2;
  PetscCall(MatMultTranspose(p->A, p->r, g));  // g = A^T (A w - b)
  return 0;
}

PetscErrorCode hessian(Tao, Vec, Mat, Mat, void*) { return 0; }  // A^T A is constant

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

SolveResult solve_tao(const Eigen::MatrixXd& A_in, const Eigen::VectorXd& b_in, const TaoOptions& opt) {
  const auto t0 = std::chrono::steady_clock::now();
  if (A_in.rows() != b_in.size()) throw Error("solve_tao: A and b differ in rows");
  if (!A_in.allFinite() || !b_in.allFinite()) throw NumericalError("solve_tao: A or b contains NaN or inf");
  ensure_petsc();
  const PetscInt m = static_cast<PetscInt>(A_in.rows()), n = static_cast<PetscInt>(A_in.cols());
  Eigen::MatrixXd Acopy = A_in;  // PETSc's dense matrix uses the same column-major storage
  Problem p;
  check(MatCreateSeqDense(PETSC_COMM_SELF, m, n, Acopy.data(), &p.A), "MatCreateSeqDense");
  check(VecCreateSeq(PETSC_COMM_SELF, m, &p.b), "VecCreateSeq");
  check(VecDuplicate(p.b, &p.r), "VecDuplicate");
  for (PetscInt i = 0; i < m; ++i) VecSetValue(p.b, i, b_in(i), INSERT_VALUES);
  VecAssemblyBegin(p.b), VecAssemblyEnd(p.b);
  Vec w, lo, hi;
  check(VecCreateSeq(PETSC_COMM_SELF, n, &w), "VecCreateSeq");
  VecSet(w, 0.0);
  VecDuplicate(w, &lo), VecDuplicate(w, &hi);
  VecSet(lo, 0.0), VecSet(hi, PETSC_INFINITY);
  // Hessian A^T A: explicit and dense with a direct inner solve for up to a few thousand orbits
  // (robust for the badly scaled rows of the weight problem), implicit beyond.
  Mat H;
  Eigen::MatrixXd Hd;
  const bool dense = n <= opt.dense_hessian_limit;
  if (dense) {
    Hd = A_in.transpose() * A_in;
    check(MatCreateSeqDense(PETSC_COMM_SELF, n, n, Hd.data(), &H), "MatCreateSeqDense(H)");
  } else {
    check(MatCreateNormal(p.A, &H), "MatCreateNormal");
  }
  Tao tao;
  check(TaoCreate(PETSC_COMM_SELF, &tao), "TaoCreate");
  check(TaoSetType(tao, opt.algorithm.c_str()), "TaoSetType");
  TaoSetSolution(tao, w);
  TaoSetVariableBounds(tao, lo, hi);
  TaoSetObjectiveAndGradient(tao, nullptr, objective_gradient, &p);
  TaoSetHessian(tao, H, H, hessian, &p);
  TaoSetTolerances(tao, opt.gatol, opt.grtol, 0.0);
  TaoSetMaximumIterations(tao, opt.max_iterations);
  KSP ksp;
  if (TaoGetKSP(tao, &ksp) == 0 && ksp) {
    PC pc;
    KSPGetPC(ksp, &pc);
    if (dense) {
      KSPSetType(ksp, KSPPREONLY);
      PCSetType(pc, PCLU);
    } else {
      KSPSetType(ksp, KSPCG);
      PCSetType(pc, PCJACOBI);
    }
  }
  TaoSetFromOptions(tao);
  check(TaoSolve(tao), "TaoSolve");
  TaoConvergedReason reason;
  TaoGetConvergedReason(tao, &reason);
  PetscInt its = 0;
  TaoGetIterationNumber(tao, &its);
  SolveResult res;
  res.solver = "tao:" + opt.algorithm;
  res.weights.resize(n);
  const PetscScalar* wa;
  VecGetArrayRead(w, &wa);
  for (PetscInt i = 0; i < n; ++i) res.weights(i) = std::max(0.0, static_cast<double>(wa[i]));
  VecRestoreArrayRead(w, &wa);
  res.converged = reason > 0;
  res.status = TaoConvergedReasons[reason];
  res.iterations = static_cast<int>(its);
  res.residual_norm2 = (A_in * res.weights - b_in).squaredNorm();
  TaoDestroy(&tao);
  MatDestroy(&H), MatDestroy(&p.A);
  VecDestroy(&w), VecDestroy(&lo), VecDestroy(&hi), VecDestroy(&p.b), VecDestroy(&p.r);
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

}  // namespace dynamite::weights
