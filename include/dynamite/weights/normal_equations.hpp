// The weight problem's normal equations, and an exact active-set NNLS on them.
//
// Why: Lawson-Hanson on A itself moves one orbit per step, and each step streams the passive
// columns of a 15,000-row matrix (and their QR factors); a production library needs thousands of
// steps (502 s for 15,001 x 13,000). Here G = A^T A is formed once, block by block of rows with
// similar sparsity so that only the columns a block touches enter its product (A is ~75 % zeros:
// orbits light only what lies inside their radius), and the same active-set method then works on
// G with an updated Cholesky factor of the free block, adding up to `batch` of the most negative
// duals per step: each step costs O(n |F|) instead of O(m |F|) plus the dual over A. It reaches the
// same optimum as Lawson-Hanson (the same support, residual equal to rounding).
//
// Tried first and not kept: Kim & Park's block principal pivoting (exchanging every infeasible
// variable at once). On these systems, whose columns are nearly dependent (many orbits alike), its
// free sets become singular and its iterates meaningless (weights of 1e14); the active-set method
// never leaves the feasible region and passes over a column in the span of the free ones.
//
// The stiff rows (the total-mass row, error 1e-8, norm ~1e6 times the others) would make G singular
// to working precision; they are kept apart as unit-norm rows with their squared norms, and enter
// each solve through a k x k Schur complement (Sherman-Morrison-Woodbury), in which only O(1)
// quantities appear. G then has the conditioning of the ordinary rows, in variables scaled to unit
// column norms (u_j = w_j |S_j|).
#pragma once

#include <mpi.h>

#include <Eigen/Dense>
#include <string>
#include <vector>

#include "dynamite/weights/nnls.hpp"

namespace dynamite::weights {

/// min ||A w - b||^2 as 1/2 u^T G u - c^T u + 1/2 sum_i W_i^2 (C_i . u - d_i)^2 + const, w = scale .* u.
struct NormalEquations {
  Eigen::MatrixXd G;            ///< S^T S of the ordinary rows S, scaled variables (full symmetric)
  Eigen::VectorXd c;            ///< S^T b_S, scaled
  Eigen::MatrixXd C;            ///< the stiff rows as unit-norm columns (scaled variables), n x k
  Eigen::VectorXd d;            ///< their targets divided by their norms
  Eigen::VectorXd inv_weight2;  ///< 1 / W_i^2, W_i the stiff rows' norms
  Eigen::VectorXd scale;        ///< w = scale .* u (1 / column norms of S; 1 for an empty column)
  double gram_flops = 0;        ///< multiply-adds spent on G (all ranks), against m n^2 / 2 for the dense triangle
  std::string kernel;           ///< the dense kernel used on rank 0: avx512, avx2 or baseline (DYNAMITE_SIMD)
};

/// This rank's rows split into stiff ones (norm > ratio x the median row norm over all ranks) and
/// the ordinary rest, each in increasing order.
struct RowSplit {
  std::vector<int> stiff, ordinary;
};
RowSplit split_stiff_rows(MPI_Comm comm, const Eigen::MatrixXd& A_rows, double ratio);

/// Collective over `comm` (each rank its block of rows, as solve_tao); the result is complete on
/// rank 0 only (G, c and C are empty elsewhere). Stiff rows: norm > stiff_row_ratio x median.
NormalEquations normal_equations(MPI_Comm comm, const Eigen::MatrixXd& A_rows, const Eigen::VectorXd& b_rows,
                                 double stiff_row_ratio = 1e3);

struct NnlsGramOptions {
  int batch = 16;                ///< columns added per step (the most negative duals); 1 = Lawson-Hanson's rule
  double pivot_tolerance = 1e-11;  ///< a column whose part outside the free span is below sqrt(this) is passed over
  double dual_tolerance = 1e-11;   ///< optimal when no dual is below -this x max |c|
  int max_steps = 0;             ///< <= 0: 3 n
};

/// Exact active-set NNLS (Lawson-Hanson's, adding up to `batch` columns per step) on the normal
/// equations, with an updated Cholesky factor of the free block. `start` (optional, weights w): its
/// positive entries form the first free set. Returns w (unscaled) on the rank that has G;
/// residual_norm2 is left 0 (the caller, who has A, computes it).
SolveResult nnls_normal_equations(const NormalEquations& ne, const Eigen::VectorXd* start = nullptr,
                                  const NnlsGramOptions& opt = {});

/// Serial convenience: the normal equations of A w = b and their exact NNLS solution, with the
/// residual ||A w - b||^2 computed from A and the time spent in all of it. Should columns too
/// close to the free span for G to resolve still have a negative dual (not optimal), Lawson-Hanson
/// on A finishes from that point (TAO's finish does the same).
SolveResult solve_normal_equations(const Eigen::MatrixXd& A, const Eigen::VectorXd& b, const NnlsGramOptions& opt = {});

}  // namespace dynamite::weights
