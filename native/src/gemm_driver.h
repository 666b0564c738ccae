// GotoBLAS/BLIS-style blocked GEMM driver shared by every ISA translation unit:
// op(A) and op(B) are packed into MR-row / NR-column panels (or read in place
// where their layout allows), so transposes only change how panels are read,
// and a register-tile microkernel does the FMAs.
// NOTE: everything here has internal linkage on purpose. Each ISA TU is built
// with different -m flags; an inline function with external linkage would be
// merged by the linker and could run AVX-512 code on a CPU without it.
#pragma once

#include <cstring>

#include "gemm.h"

namespace elbo {
namespace {

inline long minL(long a, long b) { return a < b ? a : b; }
inline long roundUp(long a, long b) { return (a + b - 1) / b * b; }

// dst[p·R + r] = src[r·ld + p] for r < rows (rows ≤ R), zero for rows ≤ r < R:
// one transposed packed panel. An ISA TU may specialize this for its tile
// width; the generic loop walks p in short runs so both sides stay in cache.
template <typename T, int R>
void packTransposed(const T* __restrict src, long ld, long rows, long kc, T* __restrict dst) {
  constexpr long kRun = 16;
  for (long p0 = 0; p0 < kc; p0 += kRun) {
    const long run = minL(kRun, kc - p0);
    for (long r = 0; r < rows; ++r) {
      const T* in = src + r * ld + p0;
      for (long p = 0; p < run; ++p) dst[(p0 + p) * R + r] = in[p];
    }
    for (long r = rows; r < R; ++r)
      for (long p = 0; p < run; ++p) dst[(p0 + p) * R + r] = T(0);
  }
}

// Zero skipping, as the reference BLAS skips zero entries of B: a k step whose
// A panel (or B sliver) holds only ±0 adds exactly zero to the tile, so the
// microkernel may leave it out. MNIST pixels are 81% zeros, and about half of
// the k steps of an 8-image panel of them are zero in every image. NaN and ±Inf
// count as live, and a list is used only when the other operand's values that
// it pairs with are all finite (0·NaN and 0·Inf are NaN), so NaN propagates as
// in the full product.
//
// A Skip policy scans panels; the driver only calls it when Skip::kOn:
//   across<W>(kc, v, step, idx): panel of W (MR or NR) values per step, contiguous, steps `step` apart;
//   along<MR>(kc, v, lane, idx): panel of MR rows `lane` apart, steps contiguous (a row-major A in place);
//   rows<NR>(kc, v, ld, slivers, idx, stride, live): every NR-wide sliver of a row-major B read in place,
//     row by row (slivers apart in memory would each touch a cache line per step); sliver s lists
//     its steps at idx + s·stride and its count (or -1) goes to live[s];
//   allFinite(v, rows, cols, ld): cols contiguous values per row, rows ld apart.
// The scans list the live steps in order in idx and return their count, or -1
// when skipping would not pay (see worthSkipping). NoSkip is for ISAs whose scans
// would cost more than they save.
struct NoSkip {
  static constexpr bool kOn = false;
  template <int W, typename T>
  static long across(long, const T*, long, int*) { return -1; }
  template <int R, typename T>
  static long along(long, const T*, long, int*) { return -1; }
  template <int W, typename T>
  static void rows(long, const T*, long, long, int*, long, int*) {}
  template <typename T>
  static bool allFinite(const T*, long, long, long) { return false; }
};

// A full scan costs a few percent of the tile work it may save, so dense panels are
// caught early: one whose first kSkipProbe steps are almost all live is taken as
// dense, and k blocks shorter than kSkipMinK are never scanned.
constexpr long kSkipProbe = 32;
constexpr long kSkipMinK = 64;
// Skipping pays once an eighth of the steps are zero.
inline bool worthSkipping(long live, long steps) { return live * 8 <= steps * 7; }

// Register tile of MR rows × NV vectors (NR = NV·W columns) of C, kept in
// MR·NV accumulators; A values are broadcast, B rows loaded as vectors.
template <class VT, int MR_, int NV>
struct Micro {
  using T = typename VT::T;
  using V = typename VT::V;
  static constexpr int MR = MR_;
  static constexpr int NR = NV * VT::W;

  // C[MR×NR] (row stride ldc) = Ap·Bp + beta·C over kc steps; step p reads A
  // value i at Ap + p·aStep + i·aRow (packed panels: aStep = MR, aRow = 1; a
  // row-major A read in place: aStep = 1, aRow = lda) and B's row at Bp + p·bStep.
  // NOTE: run and runSteps stay out of line: inlined into the driver loops, the
  // tile competes with their state for registers (measured 7% slower).
  __attribute__((noinline)) static void run(long kc, const T* __restrict Ap, long aStep, long aRow,
                                            const T* __restrict Bp, long bStep, T* __restrict C, long ldc, bool beta1) {
    tile(AllSteps{kc}, Ap, aStep, aRow, Bp, bStep, C, ldc, beta1);
  }

  // The same tile over only the k steps listed in steps[0..n): the caller leaves
  // out steps whose A panel or B sliver is all zeros, which add exactly zero.
  __attribute__((noinline)) static void runSteps(const int* __restrict steps, long n, const T* __restrict Ap,
                                                 long aStep, long aRow, const T* __restrict Bp, long bStep,
                                                 T* __restrict C, long ldc, bool beta1) {
    tile(ListedSteps{steps, n}, Ap, aStep, aRow, Bp, bStep, C, ldc, beta1);
  }

 private:
  // Step sequences for tile(): every p < n, or the listed ones. With AllSteps the
  // compiler turns p·aStep into pointers that advance by aStep, as hand-written.
  struct AllSteps {
    long n;
    long operator[](long q) const { return q; }
  };
  struct ListedSteps {
    const int* idx;
    long n;
    long operator[](long q) const { return idx[q]; }
  };

  template <class Steps>
  __attribute__((always_inline)) static void tile(Steps steps, const T* __restrict Ap, long aStep, long aRow,
                                                  const T* __restrict Bp, long bStep, T* __restrict C, long ldc,
                                                  bool beta1) {
    V acc[MR][NV];
#pragma GCC unroll 64
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 8
      for (int v = 0; v < NV; ++v) acc[i][v] = VT::zero();
    if (aRow == 1) {
      for (long q = 0; q < steps.n; ++q) {
        const long p = steps[q];
        step(acc, Bp + p * bStep, [&](int i) { return Ap + p * aStep + i; });
      }
    } else if constexpr (MR % 4 == 0) {
      // Rows 4q + s sit at group pointer q plus s·aRow, s < 4, which x86 addresses
      // as base + index·{1, 2} (s = 3 through a second index): a pointer per row
      // would not fit in the general registers.
      const long aRow3 = 3 * aRow;
      for (long q = 0; q < steps.n; ++q) {
        const long p = steps[q];
        const T* a0 = Ap + p * aStep;
        step(acc, Bp + p * bStep, [&](int i) {
          const T* g = a0 + (i / 4) * 4 * aRow;
          const int s = i % 4;
          return s == 0 ? g : s == 1 ? g + aRow : s == 2 ? g + 2 * aRow : g + aRow3;
        });
      }
    } else {
      for (long q = 0; q < steps.n; ++q) {
        const long p = steps[q];
        step(acc, Bp + p * bStep, [&](int i) { return Ap + p * aStep + i * aRow; });
      }
    }
    if (beta1) {
#pragma GCC unroll 64
      for (int i = 0; i < MR; ++i)
#pragma GCC unroll 8
        for (int v = 0; v < NV; ++v) acc[i][v] = VT::add(acc[i][v], VT::load(C + i * ldc + v * VT::W));
    }
#pragma GCC unroll 64
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 8
      for (int v = 0; v < NV; ++v) VT::store(C + i * ldc + v * VT::W, acc[i][v]);
  }

  // One k step: acc[i][v] += A(i)·B[v], with A(i) the address of row i's value.
  template <class AddrA>
  __attribute__((always_inline)) static void step(V (&acc)[MR][NV], const T* __restrict Bp, AddrA addrA) {
    V b[NV];
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) b[v] = VT::load(Bp + v * VT::W);
#pragma GCC unroll 64
    for (int i = 0; i < MR; ++i) {
      const V a = VT::bcast(addrA(i));
#pragma GCC unroll 8
      for (int v = 0; v < NV; ++v) acc[i][v] = VT::fma(a, b[v], acc[i][v]);
    }
  }
};

// R rows × one W-wide vector of C at the edges that a full MR×NR tile would
// overhang, reading the same panels as Micro (A's k steps aStep apart and rows
// aRow apart, B rows bStep apart). VT::loadPart / storePart touch only the
// first `cols` columns of B and C, so the edge is written in place, and B may
// be read in place too.
template <class VT, int R>
void edgeTile(long kc, const typename VT::T* __restrict Ap, long aStep, long aRow, const typename VT::T* __restrict Bp,
              long bStep, typename VT::T* __restrict C, long ldc, bool beta1, int cols) {
  using V = typename VT::V;
  V acc[R];
#pragma GCC unroll 16
  for (int i = 0; i < R; ++i) acc[i] = VT::zero();
  for (long p = 0; p < kc; ++p) {
    const V b = VT::loadPart(Bp, cols);
#pragma GCC unroll 16
    for (int i = 0; i < R; ++i) acc[i] = VT::fma(VT::bcast(Ap + i * aRow), b, acc[i]);
    Ap += aStep;
    Bp += bStep;
  }
#pragma GCC unroll 16
  for (int i = 0; i < R; ++i) {
    if (beta1) acc[i] = VT::add(acc[i], VT::loadPart(C + i * ldc, cols));
    VT::storePart(C + i * ldc, acc[i], cols);
  }
}

// The edge tiles an ISA without narrower vectors uses: none, so edges go
// through a full tile computed into a buffer, which needs zero-padded panels:
// operands are always packed (kInPlace = false).
struct NoEdge {
  static constexpr bool kInPlace = false;
  template <typename T>
  static bool run(long, long, long, const T*, long, long, const T*, long, T*, long, bool) {
    return false;
  }
};

// MC×KC blocks of A and KC×NC blocks of B; the packed B block is sized for L2
// and one A micro-panel (MR×KC) for L1, since the loop below keeps an A panel
// hot while sweeping B panels. With Edge::kInPlace, operands that need no
// transposition are read in place: op(B) = B (NR contiguous values per k step,
// packing it was a pure copy), and op(A) whichever way it is stored, since its
// values are broadcast one by one anyway.
template <class K, long MC, long KC, long NC, class Edge = NoEdge, class Skip = NoSkip>
struct Driver {
  using T = typename K::T;
  static constexpr long MR = K::MR;
  static constexpr long NR = K::NR;
  // Zero-skipping step lists, ints after the edge tile: the current A panel's,
  // then a count and a list per B sliver of the block (none without skipping, so
  // the pointers to them end at the buffer's end).
  static constexpr long kSlivers = Skip::kOn ? NC / NR : 0;
  static constexpr size_t kStepInts = KC + kSlivers + kSlivers * KC;
  static constexpr size_t kWorkElems =
      (MC + MR) * KC + (NC + NR) * KC + MR * NR + (kStepInts * sizeof(int) + sizeof(T) - 1) / sizeof(T);

  // Whether run() reads op(A) / op(B) where they are instead of packing them.
  // NOTE: a row-major A whose rows are a multiple of 2 KiB apart is packed: its
  // 16 rows would fall into a few L1 sets and evict each other every k step.
  static bool inPlaceA(const GemmArgs<T>& g) {
    return Edge::kInPlace && (g.transA || (g.lda * static_cast<long>(sizeof(T))) % 2048 != 0);
  }
  static bool inPlaceB(const GemmArgs<T>& g) { return Edge::kInPlace && !g.transB; }

  // k is cut into equal blocks of at most KC: 784 = 2·392 rather than 384 + 384 + 16,
  // whose thin last block would reload and store every C tile for 16 FMA steps.
  static long kBlock(long k) {
    const long blocks = (k + KC - 1) / KC;
    return (k + blocks - 1) / blocks;
  }
  // Blocks start on panel boundaries, so a prepacked operand can be indexed per block.
  static_assert(MC % MR == 0 && NC % NR == 0, "cache blocks must be whole register tiles");

  // Panels of MR rows: dst[(panel·kc + p)·MR + ii] = op(A)[i0 + panel·MR + ii][p0 + p], zero-padded.
  static void packA(const GemmArgs<T>& g, long i0, long mc, long p0, long kc, T* __restrict dst) {
    for (long ir = 0; ir < mc; ir += MR) {
      const long mr = minL(MR, mc - ir);
      if (!g.transA) {
        packTransposed<T, MR>(g.a + (i0 + ir) * g.lda + p0, g.lda, mr, kc, dst);
      } else {
        const T* src = g.a + p0 * g.lda + i0 + ir;
        for (long p = 0; p < kc; ++p) {
          const T* row = src + p * g.lda;
          T* out = dst + p * MR;
          if (mr == MR) {
            std::memcpy(out, row, sizeof(T) * MR);
          } else {
            for (long ii = 0; ii < mr; ++ii) out[ii] = row[ii];
            for (long ii = mr; ii < MR; ++ii) out[ii] = T(0);
          }
        }
      }
      dst += MR * kc;
    }
  }

  // Panels of NR columns: dst[(panel·kc + p)·NR + jj] = op(B)[p0 + p][j0 + panel·NR + jj], zero-padded.
  static void packB(const GemmArgs<T>& g, long j0, long nc, long p0, long kc, T* __restrict dst) {
    for (long jr = 0; jr < nc; jr += NR) {
      const long nr = minL(NR, nc - jr);
      if (!g.transB) {
        const T* src = g.b + p0 * g.ldb + j0 + jr;
        for (long p = 0; p < kc; ++p) {
          const T* row = src + p * g.ldb;
          T* out = dst + p * NR;
          if (nr == NR) {
            std::memcpy(out, row, sizeof(T) * NR);
          } else {
            for (long jj = 0; jj < nr; ++jj) out[jj] = row[jj];
            for (long jj = nr; jj < NR; ++jj) out[jj] = T(0);
          }
        }
      } else {
        packTransposed<T, NR>(g.b + (j0 + jr) * g.ldb + p0, g.ldb, nr, kc, dst);
      }
      dst += NR * kc;
    }
  }

  // Layout run() expects in packedA: the panels of k-block pc start at roundUp(m, MR)·pc.
  static void packAllA(const GemmArgs<T>& g, T* dst) {
    const long kb = kBlock(g.k);
    for (long pc = 0; pc < g.k; pc += kb) packA(g, 0, g.m, pc, minL(kb, g.k - pc), dst + roundUp(g.m, MR) * pc);
  }

  // Layout run() expects in packedB: the panels of k-block pc start at roundUp(n, NR)·pc.
  static void packAllB(const GemmArgs<T>& g, T* dst) {
    const long kb = kBlock(g.k);
    for (long pc = 0; pc < g.k; pc += kb) packB(g, 0, g.n, pc, minL(kb, g.k - pc), dst + roundUp(g.n, NR) * pc);
  }

  // The A panel at a (full, MR rows) over kc steps: its live steps into idx and their count, or -1.
  static long scanPanel(long kc, const T* a, long aStep, long aRow, int* idx) {
    return aRow == 1 ? Skip::template across<MR>(kc, a, aStep, idx) : Skip::template along<MR>(kc, a, aRow, idx);
  }

  // Lists of every full panel of an A read in place, per k block: entry (block, panel) at
  // (block·panels + panel)·(KC + 1) is the count (or -1), then the steps.
  static size_t aListInts(const GemmArgs<T>& g) {
    if (!Skip::kOn || !inPlaceA(g) || g.k <= 0) return 0;
    const long kb = kBlock(g.k);
    return static_cast<size_t>((g.k + kb - 1) / kb) * ((g.m + MR - 1) / MR) * (KC + 1);
  }

  static void scanAllA(const GemmArgs<T>& g, int* lists) {
    const long kb = kBlock(g.k), panels = (g.m + MR - 1) / MR;
    for (long pc = 0, block = 0; pc < g.k; pc += kb, ++block) {
      const long kc = minL(kb, g.k - pc);
      for (long panel = 0; panel < panels; ++panel) {
        int* entry = lists + (block * panels + panel) * (KC + 1);
        const long i0 = panel * MR;
        entry[0] = static_cast<int>(
            g.m - i0 < MR ? -1
            : g.transA    ? scanPanel(kc, g.a + pc * g.lda + i0, g.lda, 1, entry + 1)
                          : scanPanel(kc, g.a + i0 * g.lda + pc, 1, g.lda, entry + 1));
      }
    }
  }

  static void run(const GemmArgs<T>& g, T* work, const T* packedA, const T* packedB, const int* aLists) {
    if (g.m <= 0 || g.n <= 0) return;
    if (g.k <= 0) {
      if (!g.beta1)
        for (long i = 0; i < g.m; ++i) std::memset(g.c + i * g.ldc, 0, sizeof(T) * g.n);
      return;
    }
    const bool directA = !packedA && inPlaceA(g), directB = !packedB && inPlaceB(g);
    T* Ap = work;
    T* Bp = Ap + (MC + MR) * KC;
    T* tmp = Bp + (NC + NR) * KC;
    int* const aSteps = reinterpret_cast<int*>(tmp + MR * NR);
    int* const bLive = aSteps + KC;
    int* const bSteps = bLive + kSlivers;
    for (long jc = 0; jc < g.n; jc += NC) {
      const long nc = minL(NC, g.n - jc);
      for (long pc = 0, kb = kBlock(g.k); pc < g.k; pc += kb) {
        const long kc = minL(kb, g.k - pc);
        // Later k-blocks accumulate onto what the first one wrote.
        const bool beta1 = pc > 0 || g.beta1;
        // Column jr's panel starts at Bblock + jr·bCol; its rows are bStep apart.
        const T* Bblock = Bp;
        long bStep = NR, bCol = kc;
        if (packedB) {
          Bblock = packedB + roundUp(g.n, NR) * pc + jc * kc;
        } else if (directB) {
          Bblock = g.b + pc * g.ldb + jc;
          bStep = g.ldb;
          bCol = 1;
        } else {
          packB(g, jc, nc, pc, kc, Bp);
        }
        if constexpr (Skip::kOn) {
          if (bCol == 1) {
            Skip::template rows<NR>(kc, Bblock, bStep, nc / NR, bSteps, KC, bLive);
            if (nc % NR != 0) bLive[nc / NR] = -1;
          } else {
            for (long jr = 0; jr < nc; jr += NR)
              bLive[jr / NR] = nc - jr >= NR ? Skip::template across<NR>(kc, Bblock + jr * bCol, bStep, bSteps + jr / NR * KC) : -1;
          }
        }
        // Checked once per block, and only if some A panel has a list to use.
        int bFinite = -1;
        const auto blockFinite = [&] {
          if (bFinite < 0)
            bFinite = bCol == 1 ? Skip::allFinite(Bblock, kc, nc, bStep) : Skip::allFinite(Bblock, 1, roundUp(nc, NR) * kc, 0);
          return bFinite == 1;
        };
        for (long ic = 0; ic < g.m; ic += MC) {
          const long mc = minL(MC, g.m - ic);
          // Row ir's panel starts at Ablock + ir·aPanel; its k steps are aStep
          // apart and its rows aRow apart.
          const T* Ablock = Ap;
          long aStep = MR, aRow = 1, aPanel = kc;
          if (packedA) {
            Ablock = packedA + roundUp(g.m, MR) * pc + ic * kc;
          } else if (directA && g.transA) {
            Ablock = g.a + pc * g.lda + ic;
            aStep = g.lda;
            aPanel = 1;
          } else if (directA) {
            Ablock = g.a + ic * g.lda + pc;
            aStep = 1;
            aRow = aPanel = g.lda;
          } else {
            packA(g, ic, mc, pc, kc, Ap);
          }
          for (long ir = 0; ir < mc; ir += MR) {
            const long mr = minL(MR, mc - ir);
            const T* a = Ablock + ir * aPanel;
            const int* aList = aSteps;
            long aLive = -1;
            if (aLists) {
              const long panels = (g.m + MR - 1) / MR;
              const int* entry = aLists + ((pc / kBlock(g.k)) * panels + (ic + ir) / MR) * (KC + 1);
              aLive = entry[0];
              aList = entry + 1;
            } else if (Skip::kOn && mr == MR) {
              aLive = scanPanel(kc, a, aStep, aRow, aSteps);
            }
            if (aLive >= 0 && !blockFinite()) aLive = -1;
            int aFinite = -1;
            const auto panelFinite = [&] {
              if (aFinite < 0) aFinite = aRow == 1 ? Skip::allFinite(a, kc, MR, aStep) : Skip::allFinite(a, MR, kc, aRow);
              return aFinite == 1;
            };
            for (long jr = 0; jr < nc; jr += NR) {
              const long nr = minL(NR, nc - jr);
              const T* b = Bblock + jr * bCol;
              T* c = g.c + (ic + ir) * g.ldc + jc + jr;
              if (mr == MR && nr == NR) {
                // Walk the shorter list of live steps, if either side has one.
                const long bl = Skip::kOn && bLive[jr / NR] >= 0 && panelFinite() ? bLive[jr / NR] : -1;
                if (aLive >= 0 && (bl < 0 || aLive <= bl))
                  K::runSteps(aList, aLive, a, aStep, aRow, b, bStep, c, g.ldc, beta1);
                else if (bl >= 0)
                  K::runSteps(bSteps + jr / NR * KC, bl, a, aStep, aRow, b, bStep, c, g.ldc, beta1);
                else
                  K::run(kc, a, aStep, aRow, b, bStep, c, g.ldc, beta1);
              } else if (!Edge::run(kc, mr, nr, a, aStep, aRow, b, bStep, c, g.ldc, beta1)) {
                // Zero-padded packed panels only (Edge::kInPlace is false here).
                K::run(kc, a, aStep, aRow, b, bStep, tmp, NR, false);
                for (long i = 0; i < mr; ++i)
                  for (long j = 0; j < nr; ++j)
                    c[i * g.ldc + j] = (beta1 ? c[i * g.ldc + j] : T(0)) + tmp[i * NR + j];
              }
            }
          }
        }
      }
    }
  }
};

template <class D>
GemmKernel<typename D::T> makeKernel() {
  return {&D::run, &D::packAllA, &D::packAllB, &D::aListInts, &D::scanAllA, &D::inPlaceA, &D::inPlaceB, D::MR, D::NR, D::kWorkElems};
}

}  // namespace
}  // namespace elbo
