#include <chrono>
#include <cmath>
#include <fmt/format.h>

#include "dynamite/core/error.hpp"
#include "dynamite/weights/nnls.hpp"

namespace dynamite::weights {

namespace {

/// Least-squares solution on the passive columns P (others zero).
Eigen::VectorXd passive_solution(const Eigen::MatrixXd& A, const Eigen::VectorXd& b, const std::vector<int>& P) {
  Eigen::MatrixXd Ap(A.rows(), static_cast<Eigen::Index>(P.size()));
  for (std::size_t k = 0; k < P.size(); ++k) Ap.col(static_cast<Eigen::Index>(k)) = A.col(P[k]);
  const Eigen::VectorXd zp = Ap.colPivHouseholderQr().solve(b);
  Eigen::VectorXd z = Eigen::VectorXd::Zero(A.cols());
  for (std::size_t k = 0; k < P.size(); ++k) z(P[k]) = zp(static_cast<Eigen::Index>(k));
  return z;
}

}  // namespace

SolveResult nnls_lawson_hanson(const Eigen::MatrixXd& A, const Eigen::VectorXd& b, int max_iterations) {
  const auto t0 = std::chrono::steady_clock::now();
  if (A.rows() != b.size()) throw Error(fmt::format("nnls_lawson_hanson: A has {} rows, b {}", A.rows(), b.size()));
  if (!A.allFinite() || !b.allFinite()) throw NumericalError("nnls_lawson_hanson: A or b contains NaN or inf");
  const Eigen::Index n = A.cols();
  if (max_iterations <= 0) max_iterations = static_cast<int>(3 * n);
  SolveResult res;
  res.solver = "lawson-hanson";
  Eigen::VectorXd x = Eigen::VectorXd::Zero(n);
  std::vector<char> passive(n, 0);
  // Tolerance on the dual as scipy / Lawson-Hanson: 10 * eps * max|A^T b| scale.
  const double tol = 10 * std::numeric_limits<double>::epsilon() * A.cwiseAbs().maxCoeff() * std::max<Eigen::Index>(A.rows(), n);
  int it = 0;
  while (true) {
    const Eigen::VectorXd w = A.transpose() * (b - A * x);  // dual (negative gradient)
    Eigen::Index jmax = -1;
    double wmax = tol;
    for (Eigen::Index j = 0; j < n; ++j)
      if (!passive[j] && w(j) > wmax) wmax = w(j), jmax = j;
    if (jmax < 0) {
      res.converged = true;
      res.status = "converged";
      break;
    }
    if (it >= max_iterations) {
      res.status = fmt::format("iteration limit {} reached", max_iterations);
      break;
    }
    passive[jmax] = 1;
    // Inner loop: keep the passive solution feasible.
    while (true) {
      ++it;
      std::vector<int> P;
      for (Eigen::Index j = 0; j < n; ++j)
        if (passive[j]) P.push_back(static_cast<int>(j));
      const Eigen::VectorXd z = passive_solution(A, b, P);
      bool feasible = true;
      for (int j : P)
        if (z(j) <= 0) feasible = false;
      if (feasible) {
        x = z;
        break;
      }
      double alpha = 1.0;
      for (int j : P)
        if (z(j) <= 0) alpha = std::min(alpha, x(j) / (x(j) - z(j)));
      x += alpha * (z - x);
      // Variables driven to (numerically) zero leave the passive set.
      const double zero = 1e-14 * std::max(1.0, x.cwiseAbs().maxCoeff());
      for (int j : P)
        if (x(j) <= zero) passive[j] = 0, x(j) = 0;
      if (it >= max_iterations) break;
    }
  }
  res.weights = x;
  res.residual_norm2 = (A * x - b).squaredNorm();
  res.iterations = it;
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

}  // namespace dynamite::weights
