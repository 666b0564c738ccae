// @ts-nocheck — AssemblyScript, compiled by scripts/build-wasm.mjs (asc); tsc cannot type v128/usize.
// Packed-panel float32 GEMM on wasm linear memory (Goto/BLIS loop order): op(A) and op(B) are
// repacked into MR-row and NR-column panels so one f32x4 microkernel serves all transpose flags.

// Register block: MR rows × NR columns (2 f32x4). V8 maps v128 onto x64's 16 xmm registers and
// keeps xmm15 as scratch: 10 accumulators + 2 B + 1 broadcast A + 1 product (without FMA) fit,
// while 4×12 and 6×8 spill (measured: 5×8 ≈ 40 GFLOP/cpu-s mul+add, ≈ 50 with relaxed FMA).
const MR: i32 = 5;
const NR: i32 = 8;
// Cache blocks: a KC×NR micro-panel of B (8 KiB) lives in L1 across the MC rows of packed A
// (MC×KC, 160 KiB) that stream from L2; the packed B block (KC×NC) lives in L2/L3.
const KC: i32 = 256;
const MC: i32 = 160;
const NC: i32 = 1024;

const PACK_A_BYTES: usize = <usize>(MC * KC) << 2;
const PACK_B_BYTES: usize = <usize>(KC * NC) << 2;
const TILE_BYTES: usize = <usize>(MR * NR) << 2;

/** Bytes of scratch one gemm call (one thread) needs at `work`. */
export function gemmWorkBytes(): i32 {
  return <i32>(PACK_A_BYTES + PACK_B_BYTES + TILE_BYTES);
}

/** Column granularity a thread's [j0, j1) range should be aligned to. */
export function gemmNr(): i32 {
  return NR;
}

/** Row granularity a thread's share of rows should be aligned to. */
export function gemmMr(): i32 {
  return MR;
}

// a·b + c: fused where relaxed SIMD is compiled in (V8 emits vfmadd231ps), else mul then add.
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

// C[MR×NR] (+)= Ap·Bp over kc, Ap packed kc×MR, Bp packed kc×NR; ldc in bytes.
function micro(kc: i32, ap: usize, bp: usize, c: usize, ldc: usize, accumulate: bool): void {
  const c1 = c + ldc, c2 = c1 + ldc, c3 = c2 + ldc, c4 = c3 + ldc;
  let x00 = f32x4.splat(0), x01 = f32x4.splat(0);
  let x10 = f32x4.splat(0), x11 = f32x4.splat(0);
  let x20 = f32x4.splat(0), x21 = f32x4.splat(0);
  let x30 = f32x4.splat(0), x31 = f32x4.splat(0);
  let x40 = f32x4.splat(0), x41 = f32x4.splat(0);
  if (accumulate) {
    x00 = v128.load(c); x01 = v128.load(c, 16);
    x10 = v128.load(c1); x11 = v128.load(c1, 16);
    x20 = v128.load(c2); x21 = v128.load(c2, 16);
    x30 = v128.load(c3); x31 = v128.load(c3, 16);
    x40 = v128.load(c4); x41 = v128.load(c4, 16);
  }
  // NOTE: unrolling this loop makes V8 hoist the next step's loads and spill; keep it rolled.
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    x00 = madd(a, b0, x00); x01 = madd(a, b1, x01);
    a = v128.load32_splat(ap, 4);
    x10 = madd(a, b0, x10); x11 = madd(a, b1, x11);
    a = v128.load32_splat(ap, 8);
    x20 = madd(a, b0, x20); x21 = madd(a, b1, x21);
    a = v128.load32_splat(ap, 12);
    x30 = madd(a, b0, x30); x31 = madd(a, b1, x31);
    a = v128.load32_splat(ap, 16);
    x40 = madd(a, b0, x40); x41 = madd(a, b1, x41);
    ap += 20;
    bp += 32;
  }
  v128.store(c, x00); v128.store(c, x01, 16);
  v128.store(c1, x10); v128.store(c1, x11, 16);
  v128.store(c2, x20); v128.store(c2, x21, 16);
  v128.store(c3, x30); v128.store(c3, x31, 16);
  v128.store(c4, x40); v128.store(c4, x41, 16);
}

// 4×4 transpose of the rows at s, s+ld, s+2ld, s+3ld (bytes) into rows at d, d+dld, d+2dld, d+3dld.
@inline function transpose4(s: usize, ld: usize, d: usize, dld: usize): void {
  const v0 = v128.load(s), v1 = v128.load(s + ld), v2 = v128.load(s + 2 * ld), v3 = v128.load(s + 3 * ld);
  const t0 = i32x4.shuffle(v0, v1, 0, 4, 1, 5);
  const t1 = i32x4.shuffle(v2, v3, 0, 4, 1, 5);
  const t2 = i32x4.shuffle(v0, v1, 2, 6, 3, 7);
  const t3 = i32x4.shuffle(v2, v3, 2, 6, 3, 7);
  v128.store(d, i64x2.shuffle(t0, t1, 0, 2));
  v128.store(d + dld, i64x2.shuffle(t0, t1, 1, 3));
  v128.store(d + 2 * dld, i64x2.shuffle(t2, t3, 0, 2));
  v128.store(d + 3 * dld, i64x2.shuffle(t2, t3, 1, 3));
}

// Pack a w-wide panel (w ≤ width) of a strided operand into kb rows of `width` floats, zero-padded.
// rowMajor: element (p, j) is at src + (p·ld + j)·4 (adjacent j); else at src + (j·ld + p)·4.
@inline function packPanel(rowMajor: bool, src: usize, ld: usize, kb: i32, w: i32, width: i32, dst: usize): void {
  const dld = <usize>width << 2;
  if (w == width) {
    if (rowMajor) {
      for (let p = 0; p < kb; p++) {
        let j = 0;
        for (; j + 4 <= width; j += 4) v128.store(dst + (<usize>j << 2), v128.load(src + (<usize>j << 2)));
        for (; j < width; j++) store<f32>(dst + (<usize>j << 2), load<f32>(src + (<usize>j << 2)));
        src += ld;
        dst += dld;
      }
      return;
    }
    let p = 0;
    for (; p + 4 <= kb; p += 4) {
      const o = <usize>p << 2;
      let j = 0;
      for (; j + 4 <= width; j += 4) transpose4(src + <usize>j * ld + o, ld, dst + (<usize>j << 2), dld);
      for (; j < width; j++) {
        const s = src + <usize>j * ld + o;
        const d = dst + (<usize>j << 2);
        store<f32>(d, load<f32>(s));
        store<f32>(d + dld, load<f32>(s, 4));
        store<f32>(d + 2 * dld, load<f32>(s, 8));
        store<f32>(d + 3 * dld, load<f32>(s, 12));
      }
      dst += dld << 2;
    }
    for (; p < kb; p++) {
      const o = <usize>p << 2;
      for (let j = 0; j < width; j++) store<f32>(dst + (<usize>j << 2), load<f32>(src + <usize>j * ld + o));
      dst += dld;
    }
    return;
  }
  for (let p = 0; p < kb; p++) {
    for (let j = 0; j < width; j++) {
      const s = rowMajor ? src + <usize>p * ld + (<usize>j << 2) : src + <usize>j * ld + (<usize>p << 2);
      store<f32>(dst + (<usize>j << 2), j < w ? load<f32>(s) : 0);
    }
    dst += dld;
  }
}

// Pack op(A)[i0:i0+mb, p0:p0+kb] into ceil(mb/MR) panels of kb×MR.
function packA(transA: bool, a: usize, lda: i32, i0: i32, p0: i32, mb: i32, kb: i32, dst: usize): void {
  const ld = <usize>lda << 2;
  for (let ir = 0; ir < mb; ir += MR) {
    // transA: A is stored k×m, so a panel row (fixed p) is adjacent in memory.
    const src = transA ? a + ((<usize>p0 * lda + i0 + ir) << 2) : a + ((<usize>(i0 + ir) * lda + p0) << 2);
    packPanel(transA, src, ld, kb, min(MR, mb - ir), MR, dst + <usize>ir * kb * 4);
  }
}

// Pack op(B)[p0:p0+kb, j0:j0+nb] into ceil(nb/NR) panels of kb×NR.
function packB(transB: bool, b: usize, ldb: i32, p0: i32, j0: i32, kb: i32, nb: i32, dst: usize): void {
  const ld = <usize>ldb << 2;
  for (let jr = 0; jr < nb; jr += NR) {
    const src = transB ? b + ((<usize>(j0 + jr) * ldb + p0) << 2) : b + ((<usize>p0 * ldb + j0 + jr) << 2);
    packPanel(!transB, src, ld, kb, min(NR, nb - jr), NR, dst + <usize>jr * kb * 4);
  }
}

/** Bytes of op(A) (m×k) packed whole by prepackA: every KC block of k, all of m in MR-row panels. */
export function packedABytes(m: i32, k: i32): i32 {
  return ((m + MR - 1) / MR) * MR * k * 4;
}

/** Bytes of op(B) (k×n) packed whole by prepackB: every KC block of k, all of n in NR-column panels. */
export function packedBBytes(n: i32, k: i32): i32 {
  return ((n + NR - 1) / NR) * NR * k * 4;
}

/** Pack all of op(A) at dst, the layout gemm reads when given it, so threads splitting C by columns share one copy. */
export function prepackA(transA: bool, m: i32, k: i32, a: usize, lda: i32, dst: usize): void {
  const mPad = ((m + MR - 1) / MR) * MR;
  for (let pc = 0; pc < k; pc += KC) packA(transA, a, lda, 0, pc, m, min(KC, k - pc), dst + (<usize>pc * mPad << 2));
}

/** Pack all of op(B) at dst, the layout gemm reads when given it, so threads splitting C by rows share one copy. */
export function prepackB(transB: bool, n: i32, k: i32, b: usize, ldb: i32, dst: usize): void {
  const nPad = ((n + NR - 1) / NR) * NR;
  for (let pc = 0; pc < k; pc += KC) packB(transB, b, ldb, pc, 0, min(KC, k - pc), n, dst + (<usize>pc * nPad << 2));
}

/**
 * Columns [j0, j1) of C = op(A)·op(B) + beta·C, all float32 row-major at byte addresses a, b, c
 * with leading dimensions in elements. `work` is gemmWorkBytes() of private scratch, so threads
 * given disjoint column ranges run concurrently on shared memory. preA (preB), when not 0, holds
 * all of op(A) (op(B)) from prepackA (prepackB) and is read instead of packing (j0 a multiple of NR then).
 */
export function gemm(
  transA: bool, transB: bool, m: i32, k: i32,
  a: usize, lda: i32, b: usize, ldb: i32,
  beta: i32, c: usize, ldc: i32, j0: i32, j1: i32, work: usize, preA: usize, preB: usize,
): void {
  const ldcB = <usize>ldc << 2;
  if (k == 0) {
    if (beta == 0) for (let i = 0; i < m; i++) memory.fill(c + <usize>i * ldcB + (<usize>j0 << 2), 0, <usize>(j1 - j0) << 2);
    return;
  }
  const mPad = <usize>(((m + MR - 1) / MR) * MR);
  // preB spans all of n, which a caller passing it never splits: j1 is then n.
  const nPad = <usize>(((j1 + NR - 1) / NR) * NR);
  const tile = work + PACK_A_BYTES + PACK_B_BYTES;
  for (let jc = j0; jc < j1; jc += NC) {
    const nb = min(NC, j1 - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kb = min(KC, k - pc);
      const accumulate = pc > 0 || beta != 0;
      let pb = work + PACK_A_BYTES;
      if (preB != 0) pb = preB + ((<usize>pc * nPad + <usize>jc * kb) << 2);
      else packB(transB, b, ldb, pc, jc, kb, nb, pb);
      for (let ic = 0; ic < m; ic += MC) {
        const mb = min(MC, m - ic);
        let pa = work;
        if (preA != 0) pa = preA + ((<usize>pc * mPad + <usize>ic * kb) << 2);
        else packA(transA, a, lda, ic, pc, mb, kb, pa);
        for (let jr = 0; jr < nb; jr += NR) {
          const cols = min(NR, nb - jr);
          const bp = pb + <usize>jr * kb * 4;
          for (let ir = 0; ir < mb; ir += MR) {
            const rows = min(MR, mb - ir);
            const ap = pa + <usize>ir * kb * 4;
            const cp = c + <usize>(ic + ir) * ldcB + (<usize>(jc + jr) << 2);
            if (rows == MR && cols == NR) {
              micro(kb, ap, bp, cp, ldcB, accumulate);
            } else {
              // Edge tile: compute the full padded tile aside, then merge the valid part.
              micro(kb, ap, bp, tile, NR << 2, false);
              for (let r = 0; r < rows; r++) {
                const crow = cp + <usize>r * ldcB;
                const trow = tile + (<usize>(r * NR) << 2);
                for (let j = 0; j < cols; j++) {
                  const o = <usize>j << 2;
                  const v = load<f32>(trow + o);
                  store<f32>(crow + o, accumulate ? load<f32>(crow + o) + v : v);
                }
              }
            }
          }
        }
      }
    }
  }
}
