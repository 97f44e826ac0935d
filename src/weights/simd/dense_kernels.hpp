// The dense kernels of the normal-equations solver, written once: compiled into the program for
// baseline x86-64 (normal_equations.cpp) and into the AVX2 and AVX-512 shared libraries
// (gram_kernel.cpp), whose Eigen instances stay private to them.
#pragma once

#include <Eigen/Dense>

namespace dynamite::weights::kernels {

using Stride = Eigen::OuterStride<>;

/// C (m x n) = X (m x k) Y (n x k)^T, all column-major with leading dimensions ldx, ldy, ldc.
inline void gemm_nt(long m, long n, long k, const double* X, long ldx, const double* Y, long ldy, double* C, long ldc) {
  const Eigen::Map<const Eigen::MatrixXd, 0, Stride> x(X, m, k, Stride(ldx)), y(Y, n, k, Stride(ldy));
  Eigen::Map<Eigen::MatrixXd, 0, Stride> c(C, m, n, Stride(ldc));
  c.noalias() = x * y.transpose();
}

/// B (p x k) = L^{-1} B, L the lower triangle of the p x p matrix at L (leading dimension ldl).
inline void trsm_lower(long p, long k, const double* L, long ldl, double* B, long ldb) {
  const Eigen::Map<const Eigen::MatrixXd, 0, Stride> l(L, p, p, Stride(ldl));
  Eigen::Map<Eigen::MatrixXd, 0, Stride> b(B, p, k, Stride(ldb));
  l.triangularView<Eigen::Lower>().solveInPlace(b);
}

}  // namespace dynamite::weights::kernels
