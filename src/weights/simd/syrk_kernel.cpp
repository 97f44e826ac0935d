// The dense kernel of A^T A (normal_equations.cpp): T += X X^T on the lower triangle, with Eigen
// compiled for one instruction set (AVX2+FMA or AVX-512), selected at run time by the CPU.
//
// Why a shared library per instruction set: the rest of the program is compiled for baseline
// x86-64 (SSE2), where Eigen's product runs at a quarter of what AVX-512 gives (13 against 47
// GFlop/s here). Compiling one source file with -mavx2 in the same static link would let the
// linker merge its Eigen template instances with the baseline ones of the same name (one
// definition rule): either slow code in the fast path or AVX code where the CPU lacks it. Inside a
// shared library with hidden visibility the instances stay private; only the C function is seen.
#include <Eigen/Dense>

#ifndef DYNAMITE_SYRK_NAME
#error "DYNAMITE_SYRK_NAME (the exported function's name) must be defined by the build"
#endif

extern "C" __attribute__((visibility("default"))) void DYNAMITE_SYRK_NAME(long n, long k, const double* X, long ldx,
                                                                           double* T, long ldt) {
  const Eigen::Map<const Eigen::MatrixXd, 0, Eigen::OuterStride<>> x(X, n, k, Eigen::OuterStride<>(ldx));
  Eigen::Map<Eigen::MatrixXd, 0, Eigen::OuterStride<>> t(T, n, n, Eigen::OuterStride<>(ldt));
  t.selfadjointView<Eigen::Lower>().rankUpdate(x);
}
