// Eight-float (ymm) vector traits for the GEMM microkernels, shared by the AVX2
// and the AVX-512 translation units (the latter uses them for 8-column edges).
// NOTE: internal linkage, like gemm_driver.h: each TU compiles its own copy
// with its own -m flags.
#pragma once

#include <immintrin.h>

namespace elbo {
namespace {

struct F32x8 {
  using T = float;
  using V = __m256;
  static constexpr int W = 8;
  static V zero() { return _mm256_setzero_ps(); }
  static V load(const T* p) { return _mm256_loadu_ps(p); }
  static V bcast(const T* p) { return _mm256_broadcast_ss(p); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static void store(T* p, V v) { _mm256_storeu_ps(p, v); }
  // Edge tiles use only whole vectors (cols = W), so the part forms are plain.
  static V loadPart(const T* p, int) { return _mm256_loadu_ps(p); }
  static void storePart(T* p, V v, int) { _mm256_storeu_ps(p, v); }
};

}  // namespace
}  // namespace elbo
