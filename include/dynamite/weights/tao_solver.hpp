// Bound-constrained least squares with PETSc/TAO: min 1/2 ||A w - b||^2, w >= 0. The objective,
// gradient A^T (A w - b) and the Hessian A^T A (PETSc's implicit normal matrix: never formed, so
// production-size libraries fit) are handed to a TAO bound-constrained Newton method.
#pragma once

#include <Eigen/Dense>
#include <string>

#include "dynamite/weights/nnls.hpp"

namespace dynamite::weights {

struct TaoOptions {
  std::string algorithm = "bnls";  ///< TAO type: bnls, tron, bqnls, blmvm, ...
  double gatol = 1e-10;            ///< absolute gradient tolerance (of the projected gradient)
  double grtol = 1e-14;            ///< gradient tolerance relative to the objective
  int max_iterations = 2000;
  int dense_hessian_limit = 6000;  ///< form A^T A explicitly (direct inner solves) up to this many orbits
};

/// Initialise PETSc once per process (after MPI); a no-op when already initialised.
void ensure_petsc();
/// Finalise PETSc if ensure_petsc() initialised it (call before MPI_Finalize).
void finalize_petsc();

SolveResult solve_tao(const Eigen::MatrixXd& A, const Eigen::VectorXd& b, const TaoOptions& opt = {});

}  // namespace dynamite::weights
