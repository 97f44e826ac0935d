// Bound-constrained least squares with PETSc/TAO: min ||A w - b||^2, w >= 0.
//
// The weight problem has one row unlike the others: the total-mass row, whose error of 1e-8 makes
// its norm 1e5-1e6 times the others' and A^T A singular to working precision (condition ~1e16),
// so no Newton or gradient method reaches the exact optimum on it as it stands. Such "stiff"
// rows (norm above stiff_row_ratio times the median row norm) are what they mean, equality
// constraints; they are taken out of the least-squares part and enforced by an augmented
// Lagrangian loop (method of multipliers) around TAO's bound-constrained solver. The remaining
// problem is as well conditioned as the data, and the residual reported is that of the full
// system, stiff rows included.
//
// The variables are scaled to unit column norms before TAO sees them (w = u / |A_j|): on the
// NGC6278 reference system this takes TRON from ~2,200 iterations to ~440, and BNLS reaches a
// residual within 1e-11 of Lawson-Hanson's in 83 iterations (0.2 s). With `polish` (the
// default), TAO is stopped early and its positive weights start an exact active-set finish on the
// normal equations (normal_equations.hpp; or Lawson-Hanson on A, `finish`), so the result is exact
// to rounding. At production size that finish does the work: TAO's methods identify the optimum's
// support slowly on these nearly dependent columns (docs/performance.md, Weights).
//
// The matrix may be distributed over the ranks of a communicator (each rank passes its block of
// rows), stored dense or sparse (PETSc AIJ when at most sparse_density_limit of it is non-zero).
#pragma once

#include <mpi.h>

#include <Eigen/Dense>
#include <string>

#include "dynamite/weights/nnls.hpp"

namespace dynamite::weights {

/// The exact finish after TAO: Lawson-Hanson on A (QR updates), or the active-set method on the
/// normal equations (normal_equations.hpp), A^T A formed over all ranks - much faster at production size.
enum class TaoFinish { normal_equations, lawson_hanson };

struct TaoOptions {
  std::string algorithm = "auto";   ///< TAO type (tron, bnls, gpcg, bqnls, ...); auto: bnls, or bqnls before the finish above dense_hessian_limit orbits
  bool polish = true;               ///< finish with an exact active-set method started from TAO's weights; else TAO alone
  TaoFinish finish = TaoFinish::normal_equations;
  /// Start the normal-equations finish from TAO's weights (what makes the TAO stage count). TAO
  /// leaves most weights just above zero (4,340 of 4,500 on the mid-size system, 873 at the
  /// optimum), so the finish from zero is faster (production size 9-12 s against 19.5 s after A^T A;
  /// docs/performance.md, Weights) - but then TAO's work would be thrown away.
  bool warm_start = true;
  double grtol = 1e-10;             ///< inner solves: projected gradient relative to the objective
  int max_iterations = 5000;        ///< inner solves: TAO iterations each
  double polish_gttol = 1e-6;       ///< polishing: stop inner solves when the projected gradient fell by this
  /// Iteration limit per inner solve when polishing (up to polish_max_outer + 1 solves). Short: more
  /// TAO iterations cost linearly and hardly shorten the finish (mid-size: 20 iterations 4.8 s in
  /// all, 400 iterations 15.9 s; production size 40 iterations 54 s, 400 iterations 138 s).
  int polish_max_iterations = 10;
  int polish_max_outer = 3;         ///< multiplier updates when polishing
  int max_outer = 30;               ///< augmented-Lagrangian (multiplier) updates
  double stiff_row_ratio = 1e3;     ///< rows with norm > this x median row norm are equality constraints
  double constraint_tol = 1e-10;    ///< stiff rows' squared residual, relative to the total, when done
  int dense_hessian_limit = 4000;   ///< serial problems up to this many orbits: explicit A^T A, direct solves
  double sparse_density_limit = 0.3;  ///< store A as sparse (AIJ) at or below this fraction of non-zeros
  bool scale_columns = true;        ///< solve for u = s w with unit column norms (equilibrated)
};

/// Initialise PETSc once per process (after MPI); a no-op when already initialised.
void ensure_petsc();
/// Finalise PETSc if ensure_petsc() initialised it (call before MPI_Finalize).
void finalize_petsc();

/// Serial solve (PETSC_COMM_SELF).
SolveResult solve_tao(const Eigen::MatrixXd& A, const Eigen::VectorXd& b, const TaoOptions& opt = {});

/// Distributed solve: collective over `comm`; each rank passes its own block of rows (any number,
/// zero included; the ranks' blocks in rank order make the system). Every rank receives all
/// weights and the full residual.
SolveResult solve_tao(MPI_Comm comm, const Eigen::MatrixXd& A_rows, const Eigen::VectorXd& b_rows,
                      const TaoOptions& opt = {});

}  // namespace dynamite::weights
