// Non-negative least squares: min ||A w - b||^2 subject to w >= 0.
//
// nnls_lawson_hanson is the exact active-set algorithm of Lawson & Hanson (1974, ch. 23), the one
// scipy.optimize.nnls implements and the original DYNAMITE uses; each passive-set subproblem is
// solved by a column-pivoting Householder QR (Eigen), so the result is accurate to rounding. It is
// the accuracy reference and the solver for small problems.
//
// One deliberate difference from scipy's: rows whose norm is > 1e3 x the median (the total-mass row,
// error 1e-8) do not enter the dual test through their rounded residual, which can shift every
// column's dual by far more than the tolerance and stop the iteration at a point that is not
// optimal (the original can be; see lawson_hanson.cpp). The result is the exact optimum of the same
// problem, so its residual is never larger than the original's.
#pragma once

#include <Eigen/Dense>
#include <string>

namespace dynamite::weights {

struct SolveResult {
  Eigen::VectorXd weights;
  double residual_norm2 = 0;  ///< ||A w - b||^2
  bool converged = false;
  std::string solver;
  std::string status;
  int iterations = 0;
  double seconds = 0;
};

/// `max_iterations` <= 0 means 3 * n_columns (scipy's default). `start` (optional, non-negative):
/// a guess of the solution, e.g. from an iterative solver; its positive entries, pruned of those
/// whose unconstrained coefficient is negative, form the first passive set (factorised in blocks),
/// which saves the one-column-at-a-time build-up when the guess is close.
SolveResult nnls_lawson_hanson(const Eigen::MatrixXd& A, const Eigen::VectorXd& b, int max_iterations = 0,
                               const Eigen::VectorXd* start = nullptr);

}  // namespace dynamite::weights
