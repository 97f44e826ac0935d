// The dense kernels of the normal-equations solver (normal_equations.cpp): C = X Y^T for A^T A, and
// the lower triangular solve that appends columns to the free set's Cholesky factor, with Eigen
// compiled for one instruction set (AVX2+FMA or AVX-512), selected at run time by the CPU.
//
// Why a shared library per instruction set: the rest of the program is compiled for baseline
// x86-64 (SSE2), where Eigen's product runs at a quarter of what AVX-512 gives (13 against 47-69
// GFlop/s here). Compiling one source file with -mavx2 in the same static link would let the
// linker merge its Eigen template instances with the baseline ones of the same name (one
// definition rule): either slow code in the fast path or AVX code where the CPU lacks it. Inside a
// shared library with hidden visibility the instances stay private; only the C function is seen.
#include "dense_kernels.hpp"

#ifndef DYNAMITE_ISA
#error "DYNAMITE_ISA (avx2 or avx512: the exported functions' suffix) must be defined by the build"
#endif
#define DYNAMITE_PASTE2(a, b) a##b
#define DYNAMITE_PASTE(a, b) DYNAMITE_PASTE2(a, b)
#define DYNAMITE_EXPORT extern "C" __attribute__((visibility("default")))

DYNAMITE_EXPORT void DYNAMITE_PASTE(dynamite_gemm_nt_, DYNAMITE_ISA)(long m, long n, long k, const double* X, long ldx,
                                                                    const double* Y, long ldy, double* C, long ldc) {
  dynamite::weights::kernels::gemm_nt(m, n, k, X, ldx, Y, ldy, C, ldc);
}

DYNAMITE_EXPORT void DYNAMITE_PASTE(dynamite_trsm_lower_, DYNAMITE_ISA)(long p, long k, const double* L, long ldl,
                                                                       double* B, long ldb) {
  dynamite::weights::kernels::trsm_lower(p, k, L, ldl, B, ldb);
}
