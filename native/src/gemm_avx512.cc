// AVX-512F + FMA GEMM kernels (built with -mavx512f -mfma; only called after
// __builtin_cpu_supports says so). 32 zmm registers allow a 16×16 float tile
// with room to spare, and 16 divides every reference VAE shape exactly.
#include <immintrin.h>

#include "gemm_driver.h"

namespace elbo {
namespace {

struct F32x16 {
  using T = float;
  using V = __m512;
  static constexpr int W = 16;
  static V zero() { return _mm512_setzero_ps(); }
  static V load(const T* p) { return _mm512_loadu_ps(p); }
  static V bcast(const T* p) { return _mm512_set1_ps(*p); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
  static void store(T* p, V v) { _mm512_storeu_ps(p, v); }
};

struct F64x8 {
  using T = double;
  using V = __m512d;
  static constexpr int W = 8;
  static V zero() { return _mm512_setzero_pd(); }
  static V load(const T* p) { return _mm512_loadu_pd(p); }
  static V bcast(const T* p) { return _mm512_set1_pd(*p); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_pd(a, b, c); }
  static V add(V a, V b) { return _mm512_add_pd(a, b); }
  static void store(T* p, V v) { _mm512_storeu_pd(p, v); }
};

using F32 = Driver<Micro<F32x16, 16, 1>, 128, 384, 512>;
using F64 = Driver<Micro<F64x8, 16, 2>, 128, 256, 384>;

}  // namespace

KernelSet kernelsAvx512() { return {"avx512", makeKernel<F32>(), makeKernel<F64>()}; }

}  // namespace elbo
