// AVX2 + FMA GEMM kernels (built with -mavx2 -mfma; only called after
// __builtin_cpu_supports says so). 16 ymm registers hold a 6×16 float
// (6×8 double) accumulator tile plus two B vectors and one broadcast.
#include <immintrin.h>

#include "gemm_driver.h"
#include "vec_f32x8.h"

namespace elbo {
namespace {

struct F64x4 {
  using T = double;
  using V = __m256d;
  static constexpr int W = 4;
  static V zero() { return _mm256_setzero_pd(); }
  static V load(const T* p) { return _mm256_loadu_pd(p); }
  static V bcast(const T* p) { return _mm256_broadcast_sd(p); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_pd(a, b, c); }
  static V add(V a, V b) { return _mm256_add_pd(a, b); }
  static void store(T* p, V v) { _mm256_storeu_pd(p, v); }
};

using F32 = Driver<Micro<F32x8, 6, 2>, 120, 256, 512>;
using F64 = Driver<Micro<F64x4, 6, 2>, 120, 256, 256>;

}  // namespace

KernelSet kernelsAvx2() { return {"avx2", makeKernel<F32>(), makeKernel<F64>()}; }

}  // namespace elbo
