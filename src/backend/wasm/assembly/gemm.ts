// @ts-nocheck — AssemblyScript, compiled by scripts/build-wasm.mjs (asc); tsc cannot type v128/usize.
// Packed-panel float32 GEMM on wasm linear memory (Goto/BLIS loop order): op(A) and op(B) are
// repacked into MR-row and NR-column panels so one f32x4 microkernel serves all transpose flags.
// Packers of sparse-looking operands also list each panel's k-steps that are not all ±0, and the
// microkernel walks the shorter list that may stand for the tile (MNIST pixels are 81% zeros). An
// op(A) with zeros scattered too finely for that goes through a row kernel that skips each zero.

import { madd } from './simd';

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

// Steps of one packed kb×width panel (kb ≤ KC = 256), in STEPS_BYTES after the panels (see
// panelSteps): from 0 the steps with a value that is not ±0 as ascending u8 (only when some step
// is all ±0), at STEP_COUNT their count (kb for a panel not scanned), at STEP_NONFINITE 1 when a
// value is NaN or ±∞, 0 when none is, −1 not yet known; from STEP_BITS the steps as bit masks.
const STEP_COUNT: usize = KC;
const STEP_NONFINITE: usize = KC + 4;
const STEP_BITS: usize = KC + 8;
const STEPS_BYTES: usize = KC + 64;
// A sparse operand (see looksSparse): at least SPARSE_HITS of PROBES sampled panel steps all ±0.
const PROBES: i32 = 32;
const SPARSE_HITS: i32 = 4;
// Listing a panel's steps costs about one or two microkernel steps per step; each all-zero step
// saves one per panel of the other operand. Scan when the expected saving is SCAN_PAYOFF times that.
const SCAN_PAYOFF: i32 = 4;
// The skip argument of gemm and prepackModeA/B: 0 lists no zero steps, SKIP_AUTO lists them where
// looksSparse says it pays, SKIP_ALWAYS for every operand (tests: the skipping on any shape).
const SKIP_AUTO: i32 = 1;
const SKIP_ALWAYS: i32 = 2;

// Row lists (the row kernel, for op(A) with many zeros scattered, not whole panel steps): per row
// of op(A)'s block, a record per step p where it is not ±0, their count at ROW_COUNT. A record is
// the u32 byte offset of the step in the other operand and the f32 value, read by one 64-bit load:
// the kernel then loads once per step besides the strip's, ≈ 15% faster than a u8 step number and
// the value loaded through it (its loads, not its multiply-adds, bound it; measured on one thread).
const REC: usize = 8;
const ROW_COUNT: usize = <usize>KC * REC;
const ROW_BYTES: usize = ROW_COUNT + 16;
// Row kernel strip: 4 NR panels of packed B, 8 accumulators (12 measured no faster: loads bound it).
const STRIP: i32 = 4 * NR;
// Row mode for op(A) when at least ROW_HITS of ROW_PROBES sampled elements are ±0 (≈ 37%).
// Measured with records, two threads, against the 5×8 kernel on h·W2ᵀ (128×784×400) with h's
// zeros scattered: even at 35% zeros, 10% faster at 40%, 16% at 45% (on one thread even at 27%);
// the column kernel on gᵀ·h (784×400×128) even at 35%, 7% faster at 40%, 13% at 45%. The VAE's
// decoder ReLU output has 35–40% zeros in epoch 1 and 44% from epoch 2, which 64 samples put under
// 27 hits (the threshold before records) a third of the time. At MNIST's 81% the row kernel is
// ≈ 20% faster than skipping whole panel steps.
const ROW_PROBES: i32 = 64;
const ROW_HITS: i32 = 24;

const PACK_A_BYTES: usize = <usize>(MC * KC) << 2;
const PACK_B_BYTES: usize = <usize>(KC * NC) << 2;
const STEPS_A_BYTES: usize = <usize>(MC / MR) * STEPS_BYTES;
const STEPS_B_BYTES: usize = <usize>(NC / NR) * STEPS_BYTES;
const TILE_BYTES: usize = <usize>(MR * NR) << 2;
// Offsets in `work`: packed A, packed B, their panels' steps, the edge tile.
const WORK_PB: usize = PACK_A_BYTES;
const WORK_SA: usize = WORK_PB + PACK_B_BYTES;
const WORK_SB: usize = WORK_SA + STEPS_A_BYTES;
const WORK_TILE: usize = WORK_SB + STEPS_B_BYTES;
const WORK_ROWS: usize = WORK_TILE + TILE_BYTES; // the tile holds MR·NR ≥ STRIP floats
const WORK_ALL: usize = WORK_ROWS + <usize>MC * ROW_BYTES; // a row's records of every step

/** Bytes of scratch one gemm call (one thread) needs at `work`. */
export function gemmWorkBytes(): i32 {
  return <i32>(WORK_ALL + ROW_COUNT);
}

/** Column granularity a thread's [j0, j1) range should be aligned to. */
export function gemmNr(): i32 {
  return NR;
}

/** Column granularity of a thread's [j0, j1) range when op(A) is in row lists (prepackModeA returned 2). */
export function gemmRowStrip(): i32 {
  return STRIP;
}

/**
 * C[i, j] = (beta ? C[i, j] : 0) + T[j, i] for the m×n block of C (row stride ldc) and the n×m T: a
 * product computed transposed (runGemm in index.ts), added as native's gemm adds it.
 */
export function addTransposed(t: usize, m: i32, n: i32, c: usize, ldc: i32, beta: i32): void {
  for (let i = 0; i < m; i++) {
    const row = c + ((<usize>i * ldc) << 2);
    for (let j = 0; j < n; j++) {
      const o = <usize>j << 2;
      store<f32>(row + o, (beta != 0 ? load<f32>(row + o) : 0) + load<f32>(t + ((<usize>j * m + i) << 2)));
    }
  }
}

/** Row granularity a thread's share of rows should be aligned to. */
export function gemmMr(): i32 {
  return MR;
}

// C[MR×NR] (+)= Ap·Bp, Ap packed kb×MR and Bp kb×NR; ldc in bytes. Over steps 0..n−1, or when
// `indexed` over the n steps listed at idx (ascending u8 step numbers; see gemm for which steps
// may be left out). Inlined with a constant `indexed` (microDense, microIndexed).
@inline function microBody(indexed: bool, n: i32, idx: usize, ap: usize, bp: usize, c: usize, ldc: usize, accumulate: bool): void {
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
  for (let i = 0; i < n; i++) {
    let a = ap, b = bp;
    if (indexed) {
      const p = <usize>load<u8>(idx + <usize>i);
      a += p * (MR << 2);
      b += p * (NR << 2);
    } else {
      ap += MR << 2;
      bp += NR << 2;
    }
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let s = v128.load32_splat(a);
    x00 = madd(s, b0, x00); x01 = madd(s, b1, x01);
    s = v128.load32_splat(a, 4);
    x10 = madd(s, b0, x10); x11 = madd(s, b1, x11);
    s = v128.load32_splat(a, 8);
    x20 = madd(s, b0, x20); x21 = madd(s, b1, x21);
    s = v128.load32_splat(a, 12);
    x30 = madd(s, b0, x30); x31 = madd(s, b1, x31);
    s = v128.load32_splat(a, 16);
    x40 = madd(s, b0, x40); x41 = madd(s, b1, x41);
  }
  v128.store(c, x00); v128.store(c, x01, 16);
  v128.store(c1, x10); v128.store(c1, x11, 16);
  v128.store(c2, x20); v128.store(c2, x21, 16);
  v128.store(c3, x30); v128.store(c3, x31, 16);
  v128.store(c4, x40); v128.store(c4, x41, 16);
}

function microDense(n: i32, ap: usize, bp: usize, c: usize, ldc: usize, accumulate: bool): void {
  microBody(false, n, 0, ap, bp, c, ldc, accumulate);
}

function microIndexed(n: i32, idx: usize, ap: usize, bp: usize, c: usize, ldc: usize, accumulate: bool): void {
  microBody(true, n, idx, ap, bp, c, ldc, accumulate);
}

// C[MR×NR] (+)= the product over the n steps at idx, or over all kb when n = kb.
@inline function micro(kb: i32, n: i32, idx: usize, ap: usize, bp: usize, c: usize, ldc: usize, accumulate: bool): void {
  if (n == kb) microDense(kb, ap, bp, c, ldc, accumulate);
  else microIndexed(n, idx, ap, bp, c, ldc, accumulate);
}

// |x| as int bits is 0 only for ±0 and above FINITE_MAX only for NaN and ±∞.
const MAGNITUDE: i32 = 0x7fffffff;
const FINITE_MAX: i32 = 0x7f7fffff;

// The steps (see STEPS_BYTES) of the packed kb×width panel at src (width ≥ 4) into dst: when
// `scan`, each step's lanewise max |value| over f32x4 loads (overlapping where width is not a
// multiple of 4) marks it in bit masks (so no step waits on the previous one's count), expanded to
// the list when some step is all ±0; else the panel counts as dense, its NaN check left for later.
@inline function panelSteps(scan: bool, src: usize, kb: i32, width: i32, dst: usize): void {
  if (!scan) {
    store<i32>(dst + STEP_COUNT, kb);
    store<i32>(dst + STEP_NONFINITE, -1);
    return;
  }
  const magnitude = i32x4.splat(MAGNITUDE);
  const rowBytes = <usize>width << 2;
  const last = <usize>(width - 4) << 2;
  let all = i32x4.splat(0);
  let count = 0;
  for (let w = 0; w < KC >> 6; w++) {
    let bits: u64 = 0;
    const end = min(kb, (w + 1) << 6);
    for (let p = w << 6; p < end; p++) {
      const row = src + <usize>p * rowBytes;
      let big = v128.and(v128.load(row), magnitude);
      for (let j: usize = 16; j < last; j += 16) big = i32x4.max_s(big, v128.and(v128.load(row + j), magnitude));
      if (last > 0) big = i32x4.max_s(big, v128.and(v128.load(row + last), magnitude));
      bits |= <u64>v128.any_true(big) << <u64>(p & 63);
      all = i32x4.max_s(all, big);
    }
    store<u64>(dst + STEP_BITS + (<usize>w << 3), bits);
    count += <i32>popcnt(bits);
  }
  if (count < kb) {
    let n: usize = 0;
    for (let w = 0; w < KC >> 6; w++) {
      let bits = load<u64>(dst + STEP_BITS + (<usize>w << 3));
      while (bits != 0) {
        store<u8>(dst + n, <u8>((w << 6) + <i32>ctz(bits)));
        n++;
        bits &= bits - 1;
      }
    }
  }
  store<i32>(dst + STEP_COUNT, count);
  store<i32>(dst + STEP_NONFINITE, <i32>v128.any_true(i32x4.gt_s(all, i32x4.splat(FINITE_MAX))));
}

// Whether the packed kb×width panel at src (steps at meta) has a NaN or ±∞, found and recorded on
// first use. NOTE: threads sharing a prepacked operand may race to record it; all write the same value.
function nonFinite(meta: usize, src: usize, kb: i32, width: i32): bool {
  let known = load<i32>(meta + STEP_NONFINITE);
  if (known < 0) {
    const magnitude = i32x4.splat(MAGNITUDE);
    const bytes = <usize>(kb * width) << 2;
    // kb·width ≥ 4 floats; the last load overlaps the one before when not a multiple of 4.
    let all = v128.and(v128.load(src + bytes - 16), magnitude);
    for (let o: usize = 0; o + 16 <= bytes; o += 16) all = i32x4.max_s(all, v128.and(v128.load(src + o), magnitude));
    known = <i32>v128.any_true(i32x4.gt_s(all, i32x4.splat(FINITE_MAX)));
    store<i32>(meta + STEP_NONFINITE, known);
  }
  return known != 0;
}

// Whether op(X)'s panels (element (p, j) as packPanel's rowMajor says, j < w across the panel
// width, p < k along the steps) are worth scanning against `others` panels of the other operand:
// enough of PROBES panel steps at spread positions all ±0 (see SPARSE_HITS, SCAN_PAYOFF). A wrong
// guess costs time only (a scan for nothing, or a skip missed).
function looksSparse(rowMajor: bool, x: usize, ld: i32, w: i32, k: i32, width: i32, others: i32): bool {
  const panels = (w + width - 1) / width;
  let hits = 0;
  for (let s = 0; s < PROBES; s++) {
    const h = <u32>s * 0x9e3779b1;
    const p = <i32>(h % <u32>k);
    const j0 = <i32>((h >>> 7) % <u32>panels) * width;
    const j1 = min(w, j0 + width);
    let or: u32 = 0;
    for (let j = j0; j < j1; j++) {
      const e = rowMajor ? <usize>p * ld + j : <usize>j * ld + p;
      or |= load<u32>(x + (e << 2));
    }
    hits += <i32>((or & MAGNITUDE) == 0);
  }
  return hits >= SPARSE_HITS && hits * others >= SCAN_PAYOFF * PROBES;
}

// A record (see REC) of step byte offset o and value bits v.
@inline function record(o: u32, v: u32): u64 {
  return (<u64>v << 32) | <u64>o;
}

// The record of step p of op(A)'s row at src for the row kernel: p's offset into packed panels of B.
@inline function stepRecord(src: usize, p: i32): u64 {
  return record(<u32>p * (NR << 2), load<u32>(src + (<usize>p << 2)));
}

// C[1×panels·NR] (+)= Σ s·B over the n records at rec (see REC), with B's `panels` (1–4) runs of
// NR floats at bp0..bp3 + o. The row kernel: s a row of op(A)'s value at step p, o = p·NR·4 into
// packed panels of B. The column kernel (see colGemm): s a column of B's value at step p, o A's
// row p in bytes, the panels runs of that row. For each C element the products add in the 5×8
// kernel's order, so they agree with it bit for bit. Inlined with a constant `panels` (see
// stripMicro): a block's last strip of fewer panels (400 = 12.5 strips) costs its own columns.
@inline function stripBody(
  panels: i32, n: i32, rec: usize, bp0: usize, bp1: usize, bp2: usize, bp3: usize, c: usize, accumulate: bool,
): void {
  let x0 = f32x4.splat(0), x1 = f32x4.splat(0), x2 = f32x4.splat(0), x3 = f32x4.splat(0);
  let x4 = f32x4.splat(0), x5 = f32x4.splat(0), x6 = f32x4.splat(0), x7 = f32x4.splat(0);
  if (accumulate) {
    x0 = v128.load(c); x1 = v128.load(c, 16);
    if (panels > 1) { x2 = v128.load(c, 32); x3 = v128.load(c, 48); }
    if (panels > 2) { x4 = v128.load(c, 64); x5 = v128.load(c, 80); }
    if (panels > 3) { x6 = v128.load(c, 96); x7 = v128.load(c, 112); }
  }
  for (let q: usize = 0; q < <usize>n; q++) {
    const r = load<u64>(rec + q * REC);
    const o = <usize><u32>r;
    const s = f32x4.splat(reinterpret<f32>(<u32>(r >> 32)));
    x0 = madd(s, v128.load(bp0 + o), x0); x1 = madd(s, v128.load(bp0 + o, 16), x1);
    if (panels > 1) { x2 = madd(s, v128.load(bp1 + o), x2); x3 = madd(s, v128.load(bp1 + o, 16), x3); }
    if (panels > 2) { x4 = madd(s, v128.load(bp2 + o), x4); x5 = madd(s, v128.load(bp2 + o, 16), x5); }
    if (panels > 3) { x6 = madd(s, v128.load(bp3 + o), x6); x7 = madd(s, v128.load(bp3 + o, 16), x7); }
  }
  v128.store(c, x0); v128.store(c, x1, 16);
  if (panels > 1) { v128.store(c, x2, 32); v128.store(c, x3, 48); }
  if (panels > 2) { v128.store(c, x4, 64); v128.store(c, x5, 80); }
  if (panels > 3) { v128.store(c, x6, 96); v128.store(c, x7, 112); }
}

// NOTE: the kernel stays out of line, one function (called from three places, which keeps Binaryen
// from inlining it): inlined into the block loops, V8 spills its accumulators (colGemm measured
// 2.7× slower). Each call, per row (or column) and strip, picks the body for its panel count.
function stripMicro(panels: i32, n: i32, rec: usize, bp0: usize, bp1: usize, bp2: usize, bp3: usize, c: usize, accumulate: bool): void {
  if (panels == 4) stripBody(4, n, rec, bp0, bp1, bp2, bp3, c, accumulate);
  else if (panels == 3) stripBody(3, n, rec, bp0, bp1, bp2, 0, c, accumulate);
  else if (panels == 2) stripBody(2, n, rec, bp0, bp1, 0, 0, c, accumulate);
  else stripBody(1, n, rec, bp0, 0, 0, 0, c, accumulate);
}

// Row lists (see ROW_BYTES) of op(A)[i0:i0+mb, p0:p0+kb] for A not transposed, into dst.
function packRows(a: usize, lda: i32, i0: i32, p0: i32, mb: i32, kb: i32, dst: usize): void {
  const magnitude = i32x4.splat(MAGNITUDE);
  for (let r = 0; r < mb; r++) {
    const src = a + ((<usize>(i0 + r) * lda + p0) << 2);
    const row = dst + <usize>r * ROW_BYTES;
    let n: usize = 0;
    let p = 0;
    for (; p + 4 <= kb; p += 4) {
      let bits = i32x4.bitmask(i32x4.ne(v128.and(v128.load(src + (<usize>p << 2)), magnitude), i32x4.splat(0)));
      while (bits != 0) {
        store<u64>(row + n * REC, stepRecord(src, p + ctz(bits)));
        n++;
        bits &= bits - 1;
      }
    }
    for (; p < kb; p++) {
      const r = stepRecord(src, p);
      store<u64>(row + n * REC, r);
      n += <usize>((<u32>(r >> 32) & MAGNITUDE) != 0);
    }
    store<i32>(row + ROW_COUNT, <i32>n);
  }
}

// Records of every step of op(A)'s row at `src` (kb steps, zeros too) into dst, for a strip of B
// with a NaN or ±∞, where a ±0 of A may not be left out.
function recordAll(src: usize, kb: i32, dst: usize): void {
  for (let p = 0; p < kb; p++) store<u64>(dst + <usize>p * REC, stepRecord(src, p));
}

// C[0:mb, 0:nb] (+)= op(A)[i0:i0+mb, p0:p0+kb]·Bp in the row kernel, Bp the packed B block
// (panel steps at sb), c at C's block, A not transposed; its row lists at lists (made here when
// `pack`), tile and all-steps records in work.
function rowBlock(
  a: usize, lda: i32, i0: i32, p0: i32, mb: i32, kb: i32, nb: i32, pb: usize, sb: usize,
  c: usize, ldcB: usize, accumulate: bool, lists: usize, pack: bool, work: usize,
): void {
  const tile = work + WORK_TILE;
  const panelBytes = <usize>(NR * kb) << 2;
  // Rows and columns of the block in the 5×8 kernel's full tiles.
  const fullRows = mb - mb % MR;
  const fullCols = nb - nb % NR;
  if (pack) packRows(a, lda, i0, p0, mb, kb, lists);
  for (let js = 0; js < nb; js += STRIP) {
    const cols = min(STRIP, nb - js);
    const panels = (cols + NR - 1) / NR;
    const bp = pb + <usize>js * kb * 4;
    // A ±0 of A may be left out only where the strip's B is finite (0·NaN and 0·∞ are NaN).
    let finite = true;
    for (let q = 0; q < panels; q++) if (nonFinite(sb + <usize>(js / NR + q) * STEPS_BYTES, bp + <usize>q * panelBytes, kb, NR)) finite = false;
    // Panels past the block's last repeat it; their columns are discarded.
    const b1 = bp + <usize>min(1, panels - 1) * panelBytes;
    const b2 = bp + <usize>min(2, panels - 1) * panelBytes;
    const b3 = bp + <usize>min(3, panels - 1) * panelBytes;
    for (let r = 0; r < mb; r++) {
      let rec = lists + <usize>r * ROW_BYTES;
      let n = load<i32>(rec + ROW_COUNT);
      if (!finite) {
        rec = work + WORK_ALL;
        n = kb;
        recordAll(a + ((<usize>(i0 + r) * lda + p0) << 2), kb, rec);
      }
      const cp = c + <usize>r * ldcB + (<usize>js << 2);
      // A strip within the block's full tiles (then whole panels) sums straight onto C.
      if (r < fullRows && js + cols <= fullCols) {
        stripMicro(panels, n, rec, bp, b1, b2, b3, cp, accumulate);
        continue;
      }
      // As the 5×8 kernel: a C element of a full tile sums onto C, one of an edge tile (last
      // rows or columns of the block) sums from 0 and then adds C, so the bits agree.
      for (let j = 0; j < STRIP; j++) {
        const fused = accumulate && j < cols && r < fullRows && js + j < fullCols;
        store<f32>(tile + (<usize>j << 2), fused ? load<f32>(cp + (<usize>j << 2)) : 0);
      }
      stripMicro(4, n, rec, bp, b1, b2, b3, tile, true);
      for (let j = 0; j < cols; j++) {
        const o = <usize>j << 2;
        const v = load<f32>(tile + o);
        const edge = accumulate && !(r < fullRows && js + j < fullCols);
        store<f32>(cp + o, edge ? load<f32>(cp + o) + v : v);
      }
    }
  }
}

// Whether the row kernel should take op(A) (m×k, not transposed) against n columns of op(B), as
// `skip` says (see SKIP_AUTO): automatically when ROW_HITS of ROW_PROBES sampled elements are ±0 and
// n fills a strip.
function rowMode(skip: i32, transA: bool, a: usize, lda: i32, m: i32, n: i32, k: i32): bool {
  if (skip == 0 || transA) return false;
  if (skip == SKIP_ALWAYS) return true;
  if (n < STRIP) return false;
  let hits = 0;
  for (let s = 0; s < ROW_PROBES; s++) {
    const h = <u32>s * 0x9e3779b1;
    const e = <usize>((h >>> 7) % <u32>m) * lda + <usize>(h % <u32>k);
    hits += <i32>((load<u32>(a + (e << 2)) & MAGNITUDE) == 0);
  }
  return hits >= ROW_HITS;
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

// Column mode: C = Aᵀ·B (A k×m, B k×n, row-major, k ≤ KC) with B's zeros scattered (MNIST images
// as B, in a first layer's weight gradient gᵀ·x), which whole NR-wide panel steps of B rarely
// catch (60% of 8-pixel steps against 81% of pixels). Per column j of C, the steps p where B[p, j]
// is not ±0 (lists as the row kernel's); strips of STRIP rows of C sum A[p, strip]·B[p, j] over
// them into a tile of four columns, which a transpose puts into C. Only shapes whose C elements
// the 5×8 kernel sums the same way, so both agree bit for bit: one k block, and with beta 1 no
// edge tiles (m whole MR-row panels, n whole NR-column ones). Taken, as the row kernel, when
// ROW_HITS of ROW_PROBES sampled elements of B are ±0 (see ROW_HITS; gᵀ·x on MNIST 21–30% faster
// than the 5×8 kernel, measured on one thread before records).
const PACK_COLS: i32 = 3;

function colMode(skip: i32, transA: bool, transB: bool, m: i32, n: i32, k: i32, b: usize, ldb: i32, beta: i32): bool {
  if (skip == 0 || !transA || transB || k > KC || m % NR != 0 || n % 4 != 0 || (beta != 0 && (m % MR != 0 || n % NR != 0))) return false;
  if (skip == SKIP_ALWAYS) return true;
  if (m < STRIP) return false;
  let hits = 0;
  for (let s = 0; s < ROW_PROBES; s++) {
    const h = <u32>s * 0x9e3779b1;
    const e = <usize>(h % <u32>k) * ldb + <usize>((h >>> 7) % <u32>n);
    hits += <i32>((load<u32>(b + (e << 2)) & MAGNITUDE) == 0);
  }
  return hits >= ROW_HITS;
}

// Whether A[0:k, i0:i1] (row-major, i1 ≥ 4) holds a NaN or ±∞; a last load overlaps the one
// before (or columns before i0) when i1 − i0 is not a multiple of 4.
function nonFiniteCols(a: usize, lda: i32, k: i32, i0: i32, i1: i32): bool {
  const magnitude = i32x4.splat(MAGNITUDE);
  const bytes = <usize>(i1 - i0) << 2;
  let all = i32x4.splat(0);
  for (let p = 0; p < k; p++) {
    const row = a + ((<usize>p * lda + i0) << 2);
    let o: usize = 0;
    for (; o + 16 <= bytes; o += 16) all = i32x4.max_s(all, v128.and(v128.load(row + o), magnitude));
    if (o < bytes) all = i32x4.max_s(all, v128.and(v128.load(row + bytes - 16), magnitude));
  }
  return v128.any_true(i32x4.gt_s(all, i32x4.splat(FINITE_MAX)));
}

// Column lists (as ROW_BYTES) of B[0:k, j0:j0+nb] (nb a multiple of 4) into dst, four columns a
// load: records of A's row byte offset p·ldaB and the value; every step when not `skip` (A is not
// finite: 0·NaN and 0·∞ are NaN).
function packCols(b: usize, ldb: i32, k: i32, j0: i32, nb: i32, dst: usize, skip: bool, ldaB: u32): void {
  const magnitude = i32x4.splat(MAGNITUDE);
  for (let j = 0; j < nb; j++) store<i32>(dst + <usize>j * ROW_BYTES + ROW_COUNT, 0);
  for (let jj = 0; jj < nb; jj += 4) {
    const col = b + (<usize>(j0 + jj) << 2);
    for (let p = 0; p < k; p++) {
      const at = col + ((<usize>p * ldb) << 2);
      let bits = skip ? i32x4.bitmask(i32x4.ne(v128.and(v128.load(at), magnitude), i32x4.splat(0))) : 15;
      while (bits != 0) {
        const lane = <usize>ctz(bits);
        const list = dst + (<usize>jj + lane) * ROW_BYTES;
        const n = load<i32>(list + ROW_COUNT);
        store<u64>(list + <usize>n * REC, record(<u32>p * ldaB, load<u32>(at + (lane << 2))));
        store<i32>(list + ROW_COUNT, n + 1);
        bits &= bits - 1;
      }
    }
  }
}

// Columns [j0, j1) of C (+)= Aᵀ·B in column mode (see colMode); `finite` at flag (when not 0, set by
// prepackAPart's PACK_COLS) or found here: a ±0 of B may be left out only where A is finite.
function colGemm(
  m: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32, beta: i32, c: usize, ldc: i32, j0: i32, j1: i32, work: usize, flag: usize,
): void {
  const finite = flag != 0 ? load<i32>(flag) == 0 : !nonFiniteCols(a, lda, k, 0, m);
  const accumulate = beta != 0;
  const ldaB = <usize>lda << 2;
  const ldcB = <usize>ldc << 2;
  // The tile: four columns of a strip, STRIP floats each, in the (unused) packed-A area.
  const tile = work;
  const tileRow = <usize>STRIP << 2;
  const lists = work + WORK_ROWS;
  for (let jb = j0; jb < j1; jb += MC) {
    const nb = min(MC, j1 - jb);
    packCols(b, ldb, k, jb, nb, lists, finite, <u32>ldaB);
    for (let is = 0; is < m; is += STRIP) {
      const panels = min(STRIP, m - is) / NR;
      // A's row runs of the strip: panel q at strip + q·NR·4.
      const strip = a + (<usize>is << 2);
      const s1 = strip + (NR << 2), s2 = strip + (NR << 3), s3 = strip + 3 * (NR << 2);
      for (let jj = 0; jj < nb; jj += 4) {
        const cp = c + <usize>is * ldcB + (<usize>(jb + jj) << 2);
        if (accumulate) for (let i = 0; i < panels * NR; i += 4) transpose4(cp + <usize>i * ldcB, ldcB, tile + (<usize>i << 2), tileRow);
        for (let q = 0; q < 4; q++) {
          const list = lists + <usize>(jj + q) * ROW_BYTES;
          stripMicro(panels, load<i32>(list + ROW_COUNT), list, strip, s1, s2, s3, tile + <usize>q * tileRow, accumulate);
        }
        for (let i = 0; i < panels * NR; i += 4) transpose4(tile + (<usize>i << 2), tileRow, cp + <usize>i * ldcB, ldcB);
      }
    }
  }
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

// Pack op(A)[i0:i0+mb, p0:p0+kb] into ceil(mb/MR) panels of kb×MR, their steps at steps.
function packA(transA: bool, a: usize, lda: i32, i0: i32, p0: i32, mb: i32, kb: i32, dst: usize, steps: usize, scan: bool): void {
  const ld = <usize>lda << 2;
  for (let ir = 0; ir < mb; ir += MR) {
    // transA: A is stored k×m, so a panel row (fixed p) is adjacent in memory.
    const src = transA ? a + ((<usize>p0 * lda + i0 + ir) << 2) : a + ((<usize>(i0 + ir) * lda + p0) << 2);
    const panel = dst + <usize>ir * kb * 4;
    packPanel(transA, src, ld, kb, min(MR, mb - ir), MR, panel);
    panelSteps(scan, panel, kb, MR, steps + <usize>(ir / MR) * STEPS_BYTES);
  }
}

// Pack op(B)[p0:p0+kb, j0:j0+nb] into ceil(nb/NR) panels of kb×NR, their steps at steps.
function packB(transB: bool, b: usize, ldb: i32, p0: i32, j0: i32, kb: i32, nb: i32, dst: usize, steps: usize, scan: bool): void {
  const ld = <usize>ldb << 2;
  for (let jr = 0; jr < nb; jr += NR) {
    const src = transB ? b + ((<usize>(j0 + jr) * ldb + p0) << 2) : b + ((<usize>p0 * ldb + j0 + jr) << 2);
    const panel = dst + <usize>jr * kb * 4;
    packPanel(!transB, src, ld, kb, min(NR, nb - jr), NR, panel);
    panelSteps(scan, panel, kb, NR, steps + <usize>(jr / NR) * STEPS_BYTES);
  }
}

// Whole-operand packing (prepackAPart/BPart): the panels of every KC block of k, then from stepsOffset
// their steps, block by block, panel by panel.
@inline function stepsOffset(panels: i32, k: i32, width: i32): usize {
  return (<usize>panels * width * k * 4 + 63) & ~63;
}

@inline function packedBytes(panels: i32, k: i32, width: i32): i32 {
  return <i32>(stepsOffset(panels, k, width) + <usize>((k + KC - 1) / KC) * panels * STEPS_BYTES);
}

/**
 * Bytes of op(A) (m×k) packed whole by prepackAPart: every KC block of k, all of m in MR-row panels
 * and their steps, or the row lists of every KC block (see ROW_BYTES).
 */
export function packedABytes(m: i32, k: i32): i32 {
  return max(packedBytes((m + MR - 1) / MR, k, MR), <i32>(<usize>((k + KC - 1) / KC) * m * ROW_BYTES));
}

/** Bytes of op(B) (k×n) packed whole by prepackBPart: every KC block of k, all of n in NR-column panels, and their steps. */
export function packedBBytes(n: i32, k: i32): i32 {
  return packedBytes((n + NR - 1) / NR, k, NR);
}

// Packing modes of a whole operand (prepackModeA/B, prepackAPart/BPart).
const PACK_PANELS: i32 = 0;
const PACK_SCAN: i32 = 1;
const PACK_ROWS: i32 = 2;

/** Whether gemm takes C = op(A)·op(B) + beta·C in column mode (then prepackAPart's mode is 3, PACK_COLS). */
export function gemmColMode(transA: bool, transB: bool, m: i32, n: i32, k: i32, b: usize, ldb: i32, beta: i32, skip: i32): bool {
  return colMode(skip, transA, transB, m, n, k, b, ldb, beta);
}

/**
 * How prepackAPart packs all of op(A) (m×k) for n columns of C, as `skip` says (see SKIP_AUTO):
 * 2 for the row kernel's row lists, 1 for MR-row panels with their zero steps listed, 0 for plain
 * panels (gemm's preModeA; 3, column mode, is gemmColMode's). Decided once, from samples, so
 * threads packing parts agree.
 */
export function prepackModeA(transA: bool, m: i32, n: i32, k: i32, a: usize, lda: i32, skip: i32): i32 {
  if (rowMode(skip, transA, a, lda, m, n, k)) return PACK_ROWS;
  const scan = skip == SKIP_ALWAYS || (skip == SKIP_AUTO && looksSparse(transA, a, lda, m, k, MR, (n + NR - 1) / NR));
  return scan ? PACK_SCAN : PACK_PANELS;
}

/** How prepackBPart packs all of op(B) (k×n) for m rows of C: 1 with zero steps listed, else 0. */
export function prepackModeB(transB: bool, m: i32, n: i32, k: i32, b: usize, ldb: i32, skip: i32): i32 {
  const scan = skip == SKIP_ALWAYS || (skip == SKIP_AUTO && looksSparse(!transB, b, ldb, n, k, NR, (m + MR - 1) / MR));
  return scan ? PACK_SCAN : PACK_PANELS;
}

/**
 * Pack rows [q0·MR, q1·MR) of op(A) at dst in `mode` (prepackModeA), in the layout gemm reads as
 * preA for all of op(A), so threads splitting C by columns share one copy that they packed in parts.
 * In column mode, a part with a NaN or ±∞ sets the i32 at dst (which the caller zeroed) to 1.
 */
export function prepackAPart(transA: bool, m: i32, k: i32, a: usize, lda: i32, dst: usize, mode: i32, q0: i32, q1: i32): void {
  const i0 = q0 * MR;
  const mb = min(m, q1 * MR) - i0;
  if (mb <= 0) return;
  if (mode == PACK_COLS) {
    if (nonFiniteCols(a, lda, k, i0, i0 + mb)) store<i32>(dst, 1);
    return;
  }
  if (mode == PACK_ROWS) {
    for (let pc = 0; pc < k; pc += KC) packRows(a, lda, i0, pc, mb, min(KC, k - pc), dst + (<usize>(pc / KC) * m + i0) * ROW_BYTES);
    return;
  }
  const panels = (m + MR - 1) / MR;
  const steps = dst + stepsOffset(panels, k, MR);
  for (let pc = 0; pc < k; pc += KC) {
    const kb = min(KC, k - pc);
    const at = dst + ((<usize>pc * panels * MR + <usize>i0 * kb) << 2);
    packA(transA, a, lda, i0, pc, mb, kb, at, steps + (<usize>(pc / KC) * panels + q0) * STEPS_BYTES, mode == PACK_SCAN);
  }
}

/**
 * Pack columns [q0·NR, q1·NR) of op(B) at dst in `mode` (prepackModeB), in the layout gemm reads
 * as preB for all of op(B), so threads splitting C by rows share one copy that they packed in parts.
 */
export function prepackBPart(transB: bool, n: i32, k: i32, b: usize, ldb: i32, dst: usize, mode: i32, q0: i32, q1: i32): void {
  const j0 = q0 * NR;
  const nb = min(n, q1 * NR) - j0;
  if (nb <= 0) return;
  const panels = (n + NR - 1) / NR;
  const steps = dst + stepsOffset(panels, k, NR);
  for (let pc = 0; pc < k; pc += KC) {
    const kb = min(KC, k - pc);
    const at = dst + ((<usize>pc * panels * NR + <usize>j0 * kb) << 2);
    packB(transB, b, ldb, pc, j0, kb, nb, at, steps + (<usize>(pc / KC) * panels + q0) * STEPS_BYTES, mode == PACK_SCAN);
  }
}

/**
 * Columns [j0, j1) of C = op(A)·op(B) + beta·C, all float32 row-major at byte addresses a, b, c
 * with leading dimensions in elements. `work` is gemmWorkBytes() of private scratch, so threads
 * given disjoint column ranges run concurrently on shared memory. preA (preB), when not 0, holds
 * all of op(A) (op(B)) from prepackAPart (prepackBPart) and is read instead of packing (j0 a multiple of NR
 * then; preModeA is prepackModeA's mode for it). Steps where an operand is all ±0
 * are left out (exactly) as `skip` says (see SKIP_AUTO).
 */
export function gemm(
  transA: bool, transB: bool, m: i32, k: i32,
  a: usize, lda: i32, b: usize, ldb: i32,
  beta: i32, c: usize, ldc: i32, j0: i32, j1: i32, work: usize, preA: usize, preB: usize, skip: i32, preModeA: i32,
): void {
  const ldcB = <usize>ldc << 2;
  if (k == 0) {
    if (beta == 0) for (let i = 0; i < m; i++) memory.fill(c + <usize>i * ldcB + (<usize>j0 << 2), 0, <usize>(j1 - j0) << 2);
    return;
  }
  if (preA != 0 ? preModeA == PACK_COLS : preB == 0 && colMode(skip, transA, transB, m, j1, k, b, ldb, beta)) {
    colGemm(m, k, a, lda, b, ldb, beta, c, ldc, j0, j1, work, preA);
    return;
  }
  const aPanels = (m + MR - 1) / MR;
  // preB spans all of n, which a caller passing it never splits: j1 is then n.
  const bPanels = (j1 + NR - 1) / NR;
  const aSteps = preA != 0 ? preA + stepsOffset(aPanels, k, MR) : work + WORK_SA;
  const bSteps = preB != 0 ? preB + stepsOffset(bPanels, k, NR) : work + WORK_SB;
  // Row mode (see rowBlock) for an op(A) with scattered zeros, listed in records; else panel steps.
  const rowsA = preA != 0 ? preModeA == PACK_ROWS : rowMode(skip, transA, a, lda, m, j1 - j0, k);
  const scanA = preA == 0 && !rowsA && (skip == SKIP_ALWAYS || (skip == SKIP_AUTO && looksSparse(transA, a, lda, m, k, MR, (j1 - j0 + NR - 1) / NR)));
  // This call's columns of op(B) start at j0.
  const scanB = preB == 0 && !rowsA && (skip == SKIP_ALWAYS
    || (skip == SKIP_AUTO && looksSparse(!transB, b + (transB ? <usize>j0 * ldb : <usize>j0) * 4, ldb, j1 - j0, k, NR, aPanels)));
  const tile = work + WORK_TILE;
  for (let jc = j0; jc < j1; jc += NC) {
    const nb = min(NC, j1 - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kb = min(KC, k - pc);
      const accumulate = pc > 0 || beta != 0;
      let pb = work + WORK_PB;
      let sb = bSteps;
      if (preB != 0) {
        pb = preB + ((<usize>pc * bPanels * NR + <usize>jc * kb) << 2);
        sb = bSteps + (<usize>(pc / KC) * bPanels + jc / NR) * STEPS_BYTES;
      } else {
        packB(transB, b, ldb, pc, jc, kb, nb, pb, sb, scanB);
      }
      for (let ic = 0; ic < m; ic += MC) {
        const mb = min(MC, m - ic);
        if (rowsA) {
          const lists = preA != 0 ? preA + (<usize>(pc / KC) * m + ic) * ROW_BYTES : work + WORK_ROWS;
          rowBlock(a, lda, ic, pc, mb, kb, nb, pb, sb, c + (<usize>ic * ldcB) + (<usize>jc << 2), ldcB, accumulate, lists, preA == 0, work);
          continue;
        }
        let pa = work;
        let sa = aSteps;
        if (preA != 0) {
          pa = preA + ((<usize>pc * aPanels * MR + <usize>ic * kb) << 2);
          sa = aSteps + (<usize>(pc / KC) * aPanels + ic / MR) * STEPS_BYTES;
        } else {
          packA(transA, a, lda, ic, pc, mb, kb, pa, sa, scanA);
        }
        for (let jr = 0; jr < nb; jr += NR) {
          const cols = min(NR, nb - jr);
          const bp = pb + <usize>jr * kb * 4;
          const stB = sb + <usize>(jr / NR) * STEPS_BYTES;
          for (let ir = 0; ir < mb; ir += MR) {
            const rows = min(MR, mb - ir);
            const ap = pa + <usize>ir * kb * 4;
            const stA = sa + <usize>(ir / MR) * STEPS_BYTES;
            const cp = c + <usize>(ic + ir) * ldcB + (<usize>(jc + jr) << 2);
            // A step may be left out when one operand's panel is all ±0 there and the other's is
            // finite everywhere: each product is then ±0, adding nothing (reference BLAS skips zeros
            // of B likewise, but also 0·NaN). So the A list serves when B has no NaN or ±∞, and vice
            // versa; the shorter one that may is walked. NOTE: C then matches the dense product
            // bit for bit, except that −0 may stay −0 where the dense sum adds a +0 product.
            let steps: usize = 0;
            let n = kb;
            if (load<i32>(stA + STEP_COUNT) < n && !nonFinite(stB, bp, kb, NR)) {
              steps = stA;
              n = load<i32>(stA + STEP_COUNT);
            }
            if (load<i32>(stB + STEP_COUNT) < n && !nonFinite(stA, ap, kb, MR)) {
              steps = stB;
              n = load<i32>(stB + STEP_COUNT);
            }
            if (rows == MR && cols == NR) {
              micro(kb, n, steps, ap, bp, cp, ldcB, accumulate);
            } else {
              // Edge tile: compute the full padded tile aside, then merge the valid part.
              micro(kb, n, steps, ap, bp, tile, NR << 2, false);
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
