// AVX-512F + FMA GEMM kernels (built with -mavx512f -mfma; only called after
// __builtin_cpu_supports says so). 32 zmm registers allow a 16×16 float tile
// with room to spare; 16 divides the reference VAE's 784 and 400, and edge
// tiles (fewer rows, narrower vectors) cover its latent width 20 in place.
#include <immintrin.h>

#include "gemm_driver.h"
#include "vec_f32x8.h"

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
  static __mmask16 mask(int cols) { return static_cast<__mmask16>((1u << cols) - 1); }
  static V loadPart(const T* p, int cols) { return _mm512_maskz_loadu_ps(mask(cols), p); }
  static void storePart(T* p, V v, int cols) { _mm512_mask_storeu_ps(p, mask(cols), v); }
};

// Narrower float vectors for edge tiles: on Zen 4 a 512-bit FMA occupies both
// 256-bit FMA pipes, so a 4- or 8-column edge costs a half of a zmm tile's FMA
// slots in xmm/ymm instead of a full one (F32x8 is in vec_f32x8.h). Only
// whole vectors (cols = W).
struct F32x4 {
  using T = float;
  using V = __m128;
  static constexpr int W = 4;
  static V zero() { return _mm_setzero_ps(); }
  static V load(const T* p) { return _mm_loadu_ps(p); }
  static V bcast(const T* p) { return _mm_broadcast_ss(p); }
  static V fma(V a, V b, V c) { return _mm_fmadd_ps(a, b, c); }
  static V add(V a, V b) { return _mm_add_ps(a, b); }
  static V loadPart(const T* p, int) { return _mm_loadu_ps(p); }
  static void storePart(T* p, V v, int) { _mm_storeu_ps(p, v); }
};

// Edges of the 16×16 float tile (m = 20, n = 20 in the reference VAE's latent
// layers): rows in runs of 16, 8, 4, 2, 1; columns as ymm + xmm when a multiple
// of 4, else one masked zmm. Every edge is thus computed in place.
struct EdgeF32 {
  static constexpr bool kInPlace = true;
  template <class VT>
  static void rows(long kc, long mr, const float* a, long aStep, long aRow, const float* b, long bStep, float* c, long ldc,
                   bool beta1, int cols) {
    for (long i = 0; i < mr;) {
      const long left = mr - i;
      const float* ai = a + i * aRow;
      float* ci = c + i * ldc;
      if (left >= 16) {
        edgeTile<VT, 16>(kc, ai, aStep, aRow, b, bStep, ci, ldc, beta1, cols);
        i += 16;
      } else if (left >= 8) {
        edgeTile<VT, 8>(kc, ai, aStep, aRow, b, bStep, ci, ldc, beta1, cols);
        i += 8;
      } else if (left >= 4) {
        edgeTile<VT, 4>(kc, ai, aStep, aRow, b, bStep, ci, ldc, beta1, cols);
        i += 4;
      } else if (left >= 2) {
        edgeTile<VT, 2>(kc, ai, aStep, aRow, b, bStep, ci, ldc, beta1, cols);
        i += 2;
      } else {
        edgeTile<VT, 1>(kc, ai, aStep, aRow, b, bStep, ci, ldc, beta1, cols);
        i += 1;
      }
    }
  }
  static bool run(long kc, long mr, long nr, const float* a, long aStep, long aRow, const float* b, long bStep, float* c,
                  long ldc, bool beta1) {
    if (nr == 16 || nr % 4 != 0)
      return rows<F32x16>(kc, mr, a, aStep, aRow, b, bStep, c, ldc, beta1, static_cast<int>(nr)), true;
    long j = 0;
    if (nr >= 8) {
      rows<F32x8>(kc, mr, a, aStep, aRow, b, bStep, c, ldc, beta1, 8);
      j = 8;
    }
    if (nr - j == 4) rows<F32x4>(kc, mr, a, aStep, aRow, b + j, bStep, c + j, ldc, beta1, 4);
    return true;
  }
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

// 16×16 float transpose in registers (unpack, then 128-bit lane shuffles):
// the packing of non-transposed A and transposed B, ~4× faster than scalar.
// Rows past `rows` read as zero; columns past kc are masked off.
template <>
void packTransposed<float, 16>(const float* __restrict src, long ld, long rows, long kc, float* __restrict dst) {
  for (long p0 = 0; p0 < kc; p0 += 16) {
    const long run = minL(16, kc - p0);
    const __mmask16 mask = static_cast<__mmask16>((1u << run) - 1);
    __m512 r[16], t[16];
    for (int i = 0; i < 16; ++i)
      r[i] = i < rows ? _mm512_maskz_loadu_ps(mask, src + i * ld + p0) : _mm512_setzero_ps();
    for (int i = 0; i < 16; i += 2) {
      t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
      t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    // u[4g + c], lane L = rows 4g..4g+3 of column 4L + c.
    for (int g = 0; g < 4; ++g) {
      const __m512 lo0 = t[4 * g], hi0 = t[4 * g + 1], lo1 = t[4 * g + 2], hi1 = t[4 * g + 3];
      r[4 * g] = _mm512_shuffle_ps(lo0, lo1, 0x44);
      r[4 * g + 1] = _mm512_shuffle_ps(lo0, lo1, 0xEE);
      r[4 * g + 2] = _mm512_shuffle_ps(hi0, hi1, 0x44);
      r[4 * g + 3] = _mm512_shuffle_ps(hi0, hi1, 0xEE);
    }
    // Column 4L + c gathers lane L of u[c], u[4 + c], u[8 + c], u[12 + c].
    float* out = dst + p0 * 16;
    for (int c = 0; c < 4; ++c) {
      const __m512 x0 = _mm512_shuffle_f32x4(r[c], r[4 + c], 0x44), x1 = _mm512_shuffle_f32x4(r[c], r[4 + c], 0xEE);
      const __m512 y0 = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0x44),
                   y1 = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0xEE);
      const __m512 cols[4] = {_mm512_shuffle_f32x4(x0, y0, 0x88), _mm512_shuffle_f32x4(x0, y0, 0xDD),
                              _mm512_shuffle_f32x4(x1, y1, 0x88), _mm512_shuffle_f32x4(x1, y1, 0xDD)};
      for (int L = 0; L < 4; ++L)
        if (4 * L + c < run) _mm512_storeu_ps(out + (4 * L + c) * 16, cols[L]);
    }
  }
}

using F32 = Driver<Micro<F32x16, 16, 1>, 128, 384, 512, EdgeF32>;
using F64 = Driver<Micro<F64x8, 16, 2>, 128, 256, 384>;

}  // namespace

KernelSet kernelsAvx512() { return {"avx512", makeKernel<F32>(), makeKernel<F64>()}; }

}  // namespace elbo
