// The dense kernel of A^T A (normal_equations.cpp): C = X Y^T, with Eigen compiled for one
// instruction set (AVX2+FMA or AVX-512), selected at run time by the CPU.
//
// Why a shared library per instruction set: the rest of the program is compiled for baseline
// x86-64 (SSE2), where Eigen's product runs at a quarter of what AVX-512 gives (13 against 47-69
// GFlop/s here). Compiling one source file with -mavx2 in the same static link would let the
// linker merge its Eigen template instances with the baseline ones of the same name (one
// definition rule): either slow code in the fast path or AVX code where the CPU lacks it. Inside a
// shared library with hidden visibility the instances stay private; only the C function is seen.
#include <Eigen/Dense>

#ifndef DYNAMITE_GEMM_NT_NAME
#error "DYNAMITE_GEMM_NT_NAME (the exported function's name) must be defined by the build"
#endif

/// C (m x n) = X (m x k) Y (n x k)^T, all column-major with leading dimensions ldx, ldy, ldc.
extern "C" __attribute__((visibility("default"))) void DYNAMITE_GEMM_NT_NAME(long m, long n, long k, const double* X,
                                                                              long ldx, const double* Y, long ldy,
                                                                              double* C, long ldc) {
  using Stride = Eigen::OuterStride<>;
  const Eigen::Map<const Eigen::MatrixXd, 0, Stride> x(X, m, k, Stride(ldx)), y(Y, n, k, Stride(ldy));
  Eigen::Map<Eigen::MatrixXd, 0, Stride> c(C, m, n, Stride(ldc));
  c.noalias() = x * y.transpose();
}
