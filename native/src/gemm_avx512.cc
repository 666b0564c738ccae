// AVX-512F + FMA GEMM kernels (built with -mavx512f -mfma; only called after
// __builtin_cpu_supports says so). The float tile is 8 rows × 32 columns (two
// zmm of B, eight broadcasts of A, 16 accumulators): 10 loads per 16 FMAs, where
// a 16×16 tile needs 17, which bounds it below the FMA rate of cores with full
// 512-bit FMA units. 8 divides the reference VAE's batch 128 and widths 784 and
// 400; edge tiles (fewer rows, narrower vectors) cover the rest in place.
// Float GEMMs skip k steps that are zero across a whole panel (SkipF32), and
// a column kernel (colsF32) skips each zero of a mostly-zero B in Aᵀ·B.
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

// Edges of the 8×32 float tile (m = 20, n = 20 in the reference VAE's latent
// layers): rows in runs of 16, 8, 4, 2, 1; columns in runs of 16, the last as
// ymm + xmm when a multiple of 4, else one masked zmm. Every edge is thus
// computed in place.
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
  // Up to 16 columns: one zmm, or ymm / xmm / both when a multiple of 4, else one masked zmm.
  static void cols16(long kc, long mr, long nr, const float* a, long aStep, long aRow, const float* b, long bStep,
                     float* c, long ldc, bool beta1) {
    if (nr == 16 || nr % 4 != 0) return rows<F32x16>(kc, mr, a, aStep, aRow, b, bStep, c, ldc, beta1, static_cast<int>(nr));
    long j = 0;
    if (nr >= 8) {
      rows<F32x8>(kc, mr, a, aStep, aRow, b, bStep, c, ldc, beta1, 8);
      j = 8;
    }
    if (nr - j == 4) rows<F32x4>(kc, mr, a, aStep, aRow, b + j, bStep, c + j, ldc, beta1, 4);
  }
  static bool run(long kc, long mr, long nr, const float* a, long aStep, long aRow, const float* b, long bStep, float* c,
                  long ldc, bool beta1) {
    for (long j = 0; j < nr; j += 16) cols16(kc, mr, minL(16, nr - j), a, aStep, aRow, b + j, bStep, c + j, ldc, beta1);
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

// 16×16 float transposes in registers (unpack, then 128-bit lane shuffles):
// the packing of transposed B into 32-wide panels, ~4× faster than scalar.
// Rows 16·h .. 16·h + 15 of a panel R wide go to columns 16·h onward of each
// packed step; rows past `rows` read as zero; columns past kc are masked off.
// r[i] = row i of a 16×16 block becomes r[j] = its column j, in registers.
inline void transpose16(__m512 (&r)[16]) {
  __m512 t[16];
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
  for (int c = 0; c < 4; ++c) {
    const __m512 x0 = _mm512_shuffle_f32x4(r[c], r[4 + c], 0x44), x1 = _mm512_shuffle_f32x4(r[c], r[4 + c], 0xEE);
    const __m512 y0 = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0x44), y1 = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0xEE);
    t[c] = _mm512_shuffle_f32x4(x0, y0, 0x88);
    t[4 + c] = _mm512_shuffle_f32x4(x0, y0, 0xDD);
    t[8 + c] = _mm512_shuffle_f32x4(x1, y1, 0x88);
    t[12 + c] = _mm512_shuffle_f32x4(x1, y1, 0xDD);
  }
  for (int j = 0; j < 16; ++j) r[j] = t[j];
}

template <int R>
void packTransposed16(const float* __restrict src, long ld, long rows, long kc, float* __restrict dst) {
  static_assert(R % 16 == 0, "panels of whole 16-row groups");
  for (long p0 = 0; p0 < kc; p0 += 16) {
    const long run = minL(16, kc - p0);
    const __mmask16 mask = static_cast<__mmask16>((1u << run) - 1);
    for (int h = 0; h < R / 16; ++h) {
      __m512 r[16];
      for (int i = 0; i < 16; ++i)
        r[i] = 16 * h + i < rows ? _mm512_maskz_loadu_ps(mask, src + (16 * h + i) * ld + p0) : _mm512_setzero_ps();
      transpose16(r);
      float* out = dst + p0 * R + 16 * h;
      for (int j = 0; j < run; ++j) _mm512_storeu_ps(out + j * R, r[j]);
    }
  }
}

template <>
void packTransposed<float, 32>(const float* __restrict src, long ld, long rows, long kc, float* __restrict dst) {
  packTransposed16<32>(src, ld, rows, kc, dst);
}

// Zero-skipping scans for float panels of 8 (A) and 32 (B) values per step
// (see NoSkip in gemm_driver.h): a step's values are tested at once, and the
// live steps of each run of 16 are written to the list by one compress-store of
// their indices.
struct SkipF32 {
  static constexpr bool kOn = true;

  // Bits other than the sign: zero for ±0 only.
  static __m512i magnitude() { return _mm512_set1_epi32(0x7fffffff); }
  static __mmask16 firstSteps(long n) { return n >= 16 ? 0xffff : static_cast<__mmask16>((1u << n) - 1); }

  // The W contiguous values at v (W = 8, 16 or 32) OR'd lanewise, as integer bits.
  template <int W>
  static __m512i bits(const float* v) {
    static_assert(W == 8 || W == 16 || W == 32, "panel widths of the float tile");
    if constexpr (W == 8) return _mm512_maskz_loadu_epi32(0xff, v);
    const __m512i lo = _mm512_castps_si512(_mm512_loadu_ps(v));
    if constexpr (W == 16) return lo;
    return _mm512_or_si512(lo, _mm512_castps_si512(_mm512_loadu_ps(v + 16)));
  }

  // Appends the steps p0 + s for the set bits s of live; true while the panel
  // still looks worth skipping after its first kSkipProbe steps.
  static bool append(__mmask16 live, long p0, int* idx, long& n) {
    const __m512i steps = _mm512_add_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                                           _mm512_set1_epi32(static_cast<int>(p0)));
    _mm512_mask_compressstoreu_epi32(idx + n, live, steps);
    n += __builtin_popcount(live);
    return p0 + 16 != kSkipProbe || worthSkipping(n, kSkipProbe);
  }

  template <int W>
  static long across(long kc, const float* v, long step, int* idx) {
    if (kc < kSkipMinK) return -1;
    long n = 0;
    for (long p0 = 0; p0 < kc; p0 += 16) {
      unsigned live = 0;
      for (long s = 0, e = minL(16, kc - p0); s < e; ++s, v += step)
        live |= (_mm512_test_epi32_mask(bits<W>(v), magnitude()) != 0) << s;
      if (!append(static_cast<__mmask16>(live), p0, idx, n)) return -1;
    }
    return worthSkipping(n, kc) ? n : -1;
  }

  template <int R>
  static long along(long kc, const float* v, long lane, int* idx) {
    if (kc < kSkipMinK) return -1;
    long n = 0;
    for (long p0 = 0; p0 < kc; p0 += 16) {
      const __mmask16 m = firstSteps(kc - p0);
      __m512i any = _mm512_setzero_si512();
      for (int l = 0; l < R; ++l) any = _mm512_or_si512(any, _mm512_maskz_loadu_epi32(m, v + l * lane + p0));
      if (!append(_mm512_test_epi32_mask(any, magnitude()), p0, idx, n)) return -1;
    }
    return worthSkipping(n, kc) ? n : -1;
  }

  template <int W>
  static void rows(long kc, const float* v, long ld, long slivers, int* idx, long stride, int* live) {
    for (long s = 0; s < slivers; ++s) live[s] = kc < kSkipMinK ? -1 : 0;
    if (kc < kSkipMinK) return;
    for (long p = 0; p < kc; ++p, v += ld) {
      for (long s = 0; s < slivers; ++s) {
        if (live[s] < 0) continue;
        idx[s * stride + live[s]] = static_cast<int>(p);
        live[s] += _mm512_test_epi32_mask(bits<W>(v + s * W), magnitude()) != 0;
      }
      if (p + 1 == kSkipProbe)
        for (long s = 0; s < slivers; ++s)
          if (!worthSkipping(live[s], kSkipProbe)) live[s] = -1;
    }
    for (long s = 0; s < slivers; ++s)
      if (live[s] >= 0 && !worthSkipping(live[s], kc)) live[s] = -1;
  }

  static bool allFinite(const float* v, long rows, long cols, long ld) {
    const __m512i exponent = _mm512_set1_epi32(0x7f800000);
    __mmask16 bad = 0;
    for (long r = 0; r < rows; ++r, v += ld)
      for (long c = 0; c < cols; c += 16) {
        const __m512i x = _mm512_maskz_loadu_epi32(firstSteps(cols - c), v + c);
        bad |= _mm512_cmpeq_epi32_mask(_mm512_and_si512(x, exponent), exponent);
      }
    return bad == 0;
  }
};

using F32 = Driver<Micro<F32x16, 8, 2>, 128, 384, 512, EdgeF32, SkipF32>;
using F64 = Driver<Micro<F64x8, 16, 2>, 128, 256, 384>;

// The column kernel: C = Aᵀ·B + beta·C (A k×m, B k×n, row-major) for a B whose
// zeros are scattered one by one, as MNIST's pixels in a first layer's weight
// gradient gᵀ·x: an 8×32 tile's 32-pixel slivers of one image vanish at 30% of
// its k steps, single pixels are 81% zeros. Per column j of B, the steps p where
// B[p, j] is not ±0 are listed with their values and A's row offsets; a strip of
// kColStrip rows of C sums A[p, strip]·B[p, j] over them into a tile of 16
// columns, which 16×16 transposes put in place. Each C element adds the same
// products in the same order as F32 (from zero over one k block, then + C), so
// the two agree bit for bit up to the sign of a zero sum. The caller (addon.cc)
// hands A over with 64-byte-aligned rows, since each vector load of A feeds one FMA.
constexpr long kColBlock = 64;  // columns listed at once
constexpr long kColStrip = 64;  // rows of C a pass: 4 zmm, and A's strip (32 KB at k = 128) stays in L1

// x[v] = Σ val0[q]·base[off0[q] + 16v, +16) over q < n0, and y likewise over the
// second list (none when n1 < 0), each list's products added in its order. Two
// lists at once, so that 2·NV accumulator chains hide the FMA latency (one list's
// NV chains wait on each other). Shared by the column and row kernels.
template <int NV>
__attribute__((always_inline)) inline void listSums(const float* __restrict base, const int* __restrict off0,
                                                    const float* __restrict val0, long n0, const int* __restrict off1,
                                                    const float* __restrict val1, long n1, __m512 (&x)[NV],
                                                    __m512 (&y)[NV]) {
  for (int v = 0; v < NV; ++v) x[v] = y[v] = _mm512_setzero_ps();
  const long both = n0 < n1 ? n0 : n1 < 0 ? 0 : n1;
  for (long q = 0; q < both; ++q) {
    const __m512 s0 = _mm512_set1_ps(val0[q]), s1 = _mm512_set1_ps(val1[q]);
    const float* r0 = base + off0[q];
    const float* r1 = base + off1[q];
    for (int v = 0; v < NV; ++v) {
      x[v] = _mm512_fmadd_ps(s0, _mm512_loadu_ps(r0 + 16 * v), x[v]);
      y[v] = _mm512_fmadd_ps(s1, _mm512_loadu_ps(r1 + 16 * v), y[v]);
    }
  }
  for (long q = both; q < n0; ++q) {
    const __m512 s0 = _mm512_set1_ps(val0[q]);
    for (int v = 0; v < NV; ++v) x[v] = _mm512_fmadd_ps(s0, _mm512_loadu_ps(base + off0[q] + 16 * v), x[v]);
  }
  for (long q = both; q < n1; ++q) {
    const __m512 s1 = _mm512_set1_ps(val1[q]);
    for (int v = 0; v < NV; ++v) y[v] = _mm512_fmadd_ps(s1, _mm512_loadu_ps(base + off1[q] + 16 * v), y[v]);
  }
}

// Two columns at once: t0[0, 16·NV) = Σ val0[q]·A row (a + off0[q]) over q < n0,
// likewise t1.
template <int NV>
__attribute__((noinline)) void colRun(const float* __restrict a, long n0, const int* __restrict off0,
                                      const float* __restrict val0, float* __restrict t0, long n1,
                                      const int* __restrict off1, const float* __restrict val1, float* __restrict t1) {
  __m512 x[NV], y[NV];
  listSums<NV>(a, off0, val0, n0, off1, val1, n1, x, y);
  for (int v = 0; v < NV; ++v) {
    _mm512_storeu_ps(t0 + 16 * v, x[v]);
    _mm512_storeu_ps(t1 + 16 * v, y[v]);
  }
}

void colsF32(const GemmArgs<float>& g, long j0, long j1, float* work, bool skip) {
  const long k = g.k;
  int* const off = reinterpret_cast<int*>(work);
  float* const val = work + kColBlock * k;
  int* const count = reinterpret_cast<int*>(val + kColBlock * k);
  float* const tile = reinterpret_cast<float*>(count + kColBlock);
  const __m512i magnitude = _mm512_set1_epi32(0x7fffffff);
  for (long jb = j0; jb < j1; jb += kColBlock) {
    const long nb = minL(kColBlock, j1 - jb);
    for (long j = 0; j < nb; ++j) count[j] = 0;
    for (long p = 0; p < k; ++p) {
      const float* row = g.b + p * g.ldb + jb;
      const int rowOff = static_cast<int>(p * g.lda);
      for (long j = 0; j < nb; j += 16) {
        unsigned live = skip ? _mm512_test_epi32_mask(_mm512_castps_si512(_mm512_loadu_ps(row + j)), magnitude) : 0xffffu;
        for (; live; live &= live - 1) {
          const long c = j + __builtin_ctz(live);
          off[c * k + count[c]] = rowOff;
          val[c * k + count[c]++] = row[c];
        }
      }
    }
    for (long i0 = 0; i0 < g.m; i0 += kColStrip) {
      const long rows = minL(kColStrip, g.m - i0);
      const float* a = g.a + i0;
      for (long jg = 0; jg < nb; jg += 16) {
        for (long jj = 0; jj < 16; jj += 2) {
          const long c = jg + jj;
          float* t = tile + jj * kColStrip;
          const auto run = [&](auto kernel) {
            kernel(a, count[c], off + c * k, val + c * k, t, count[c + 1], off + (c + 1) * k, val + (c + 1) * k, t + kColStrip);
          };
          switch (rows / 16) {
            case 4: run(colRun<4>); break;
            case 3: run(colRun<3>); break;
            case 2: run(colRun<2>); break;
            default: run(colRun<1>); break;
          }
        }
        for (long h = 0; h < rows; h += 16) {
          __m512 r[16];
          for (int jj = 0; jj < 16; ++jj) r[jj] = _mm512_loadu_ps(tile + jj * kColStrip + h);
          transpose16(r);
          float* cp = g.c + (i0 + h) * g.ldc + jb + jg;
          for (int i = 0; i < 16; ++i) {
            const __m512 v = g.beta1 ? _mm512_add_ps(r[i], _mm512_loadu_ps(cp + i * g.ldc)) : r[i];
            _mm512_storeu_ps(cp + i * g.ldc, v);
          }
        }
      }
    }
  }
}

// The row kernel: C = A·op(B) + beta·C for an A whose zeros are scattered one by
// one (MNIST's pixels as x in a first layer's x·Wᵀ: 81% zeros, but an 8-image
// panel step of the tile is all zeros at only about half of the k steps). Per row
// of A and k block of F32 (392 + 392 for k = 784), the steps where A is not ±0 are
// listed with their values once per call (rowsScanF32); a chunk packs op(B)'s
// columns [j0, j1) as a strip of kRowStrip floats per step and sums, for two rows
// at once, val·strip row over each row's list into up to four zmm per row. Each C
// element adds the same products in the same order as F32 (from zero over a k
// block, then + C), so the two agree bit for bit up to the sign of a zero sum.
// NOTE: a block's strip (100 KB) is read from L2, at about a third of the FMA rate;
// cutting blocks into 64-step segments whose strip rows stay in L1, with the sums
// kept in memory between them, measured 20% slower (12 entries a row a segment).
constexpr long kRowStrip = 64;

// Lists of rows × blocks: the running count of each row's entries at the end of
// each block, then per row `stride` entry slots of step offsets p·kRowStrip (ints),
// then as many of values. A row's k slots have 16 spare ones after them, so the
// scan's full-vector stores past a row's count stay in its own slots (the rows of
// one call are scanned on two threads).
struct RowLists {
  long blocks, stride;
  int* ends;
  int* offs;
  float* vals;
  RowLists(const GemmArgs<float>& g, int* base)
      : blocks(count(g.k)),
        stride(g.k + 16),
        ends(base),
        offs(base + g.m * blocks),
        vals(reinterpret_cast<float*>(offs + g.m * stride)) {}
  static long count(long k) { return (k + F32::kBlock(k) - 1) / F32::kBlock(k); }
  static size_t ints(const GemmArgs<float>& g) { return static_cast<size_t>(g.m * (count(g.k) + 2 * (g.k + 16))); }
};

size_t rowsListIntsF32(const GemmArgs<float>& g) { return RowLists::ints(g); }

// Rows [i0, i1): compress in registers and store whole vectors (past the count,
// into the row's spare slots), since Zen 4's compress to memory is microcoded.
void rowsScanF32(const GemmArgs<float>& g, int* base, long i0, long i1) {
  const RowLists l(g, base);
  const long kb = F32::kBlock(g.k);
  const __m512i magnitude = _mm512_set1_epi32(0x7fffffff);
  const __m512i lane = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
  for (long i = i0; i < i1; ++i) {
    const float* row = g.a + i * g.lda;
    int* offs = l.offs + i * l.stride;
    float* vals = l.vals + i * l.stride;
    long n = 0;
    for (long pc = 0, b = 0; pc < g.k; pc += kb, ++b) {
      const long end = minL(pc + kb, g.k);
      for (long p = pc; p < end; p += 16) {
        const __mmask16 in = static_cast<__mmask16>(end - p >= 16 ? 0xffffu : (1u << (end - p)) - 1);
        const __m512 v = _mm512_maskz_loadu_ps(in, row + p);
        const __mmask16 live = _mm512_mask_test_epi32_mask(in, _mm512_castps_si512(v), magnitude);
        const __m512i at = _mm512_slli_epi32(_mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(p)), lane), 6);
        _mm512_storeu_si512(offs + n, _mm512_maskz_compress_epi32(live, at));
        _mm512_storeu_ps(vals + n, _mm512_maskz_compress_ps(live, v));
        n += __builtin_popcount(live);
      }
      l.ends[i * l.blocks + b] = static_cast<int>(n);
    }
  }
}
static_assert(kRowStrip == 1 << 6, "rowsScanF32 scales steps by a shift");

// Rows r and s of C (+)= their lists against the strip: NV zmm of columns each, the
// last of them masked to `last`; s absent when n1 < 0.
template <int NV>
__attribute__((noinline)) void rowRun(const float* __restrict strip, const int* __restrict off0,
                                      const float* __restrict val0, long n0, float* c0, const int* __restrict off1,
                                      const float* __restrict val1, long n1, float* c1, bool beta1, __mmask16 last) {
  __m512 x[NV], y[NV];
  listSums<NV>(strip, off0, val0, n0, off1, val1, n1, x, y);
  for (int v = 0; v < NV; ++v) {
    const __mmask16 m = v == NV - 1 ? last : static_cast<__mmask16>(0xffffu);
    if (beta1) x[v] = _mm512_add_ps(x[v], _mm512_maskz_loadu_ps(m, c0 + 16 * v));
    _mm512_mask_storeu_ps(c0 + 16 * v, m, x[v]);
    if (n1 < 0) continue;
    if (beta1) y[v] = _mm512_add_ps(y[v], _mm512_maskz_loadu_ps(m, c1 + 16 * v));
    _mm512_mask_storeu_ps(c1 + 16 * v, m, y[v]);
  }
}

bool rowsF32(const GemmArgs<float>& g, long j0, long j1, float* work, const int* base) {
  const long w = j1 - j0, k = g.k;
  float* const strip = work;
  if (g.transB) {
    packTransposed16<kRowStrip>(g.b + j0 * g.ldb, g.ldb, w, k, strip);
  } else {
    for (long p = 0; p < k; ++p)
      for (long j = 0; j < kRowStrip; j += 16) {
        const long left = w - j;
        const __mmask16 in = static_cast<__mmask16>(left >= 16 ? 0xffffu : left > 0 ? (1u << left) - 1 : 0);
        _mm512_storeu_ps(strip + p * kRowStrip + j, _mm512_maskz_loadu_ps(in, g.b + p * g.ldb + j0 + j));
      }
  }
  // A ±0 of A may be left out only where B is finite (0·NaN and 0·∞ are NaN).
  if (!SkipF32::allFinite(strip, 1, k * kRowStrip, 0)) return false;
  const RowLists l(g, const_cast<int*>(base));
  const long kb = F32::kBlock(k);
  const int nv = static_cast<int>((w + 15) / 16);
  const __mmask16 last = static_cast<__mmask16>(w % 16 ? (1u << (w % 16)) - 1 : 0xffffu);
  for (long pc = 0, b = 0; pc < k; pc += kb, ++b) {
    const bool beta1 = pc > 0 || g.beta1;
    for (long i = 0; i < g.m; i += 2) {
      const bool pair = i + 1 < g.m;
      const long i1 = pair ? i + 1 : i;
      const long from0 = b ? l.ends[i * l.blocks + b - 1] : 0, to0 = l.ends[i * l.blocks + b];
      const long from1 = b ? l.ends[i1 * l.blocks + b - 1] : 0, to1 = pair ? l.ends[i1 * l.blocks + b] : from1 - 1;
      const auto run = [&](auto kernel) {
        kernel(strip, l.offs + i * l.stride + from0, l.vals + i * l.stride + from0, to0 - from0, g.c + i * g.ldc + j0,
               l.offs + i1 * l.stride + from1, l.vals + i1 * l.stride + from1, to1 - from1, g.c + i1 * g.ldc + j0, beta1,
               last);
      };
      switch (nv) {
        case 4: run(rowRun<4>); break;
        case 3: run(rowRun<3>); break;
        case 2: run(rowRun<2>); break;
        default: run(rowRun<1>); break;
      }
    }
  }
  return true;
}

GemmKernel<float> f32Kernel() {
  GemmKernel<float> k = makeKernel<F32>();
  k.cols = &colsF32;
  // One k block of F32's (KC = 384), whose lists and tile fit its scratch.
  k.colsMaxK = 384;
  k.colsAlign = 16;
  static_assert(kColBlock * 384 * 2 + kColBlock + 16 * kColStrip <= F32::kWorkElems, "the column kernel's scratch");
  k.rowsListInts = &rowsListIntsF32;
  k.rowsScan = &rowsScanF32;
  k.rows = &rowsF32;
  // The packed strip, k steps of kRowStrip floats, in the per-thread scratch.
  k.rowsMaxK = static_cast<long>(F32::kWorkElems) / kRowStrip;
  k.rowsWidth = kRowStrip;
  return k;
}

}  // namespace

KernelSet kernelsAvx512() { return {"avx512", f32Kernel(), makeKernel<F64>()}; }

}  // namespace elbo
