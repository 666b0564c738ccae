// @ts-nocheck — AssemblyScript, compiled by scripts/build-wasm.mjs (asc); tsc cannot type v128/usize.
// float32 elementwise kernels. Most give the JS backend's results bit for bit: single IEEE ops
// (f32 rounding of an f64 +,−,×,÷ equals the direct f32 op), sums in the JS order. Adam runs in
// float32 (a few ulp from JS).
// exp, sigmoid and softplus use float32 polynomials (Cephes) and agree with JS to a few ulp.
// Their polynomials (and normalKl's float64 ones) step by multiply-add (./simd.ts), fused in the
// relaxed-SIMD build, as native's fmaF is: each element's ops form one long dependent chain,
// and the out-of-order window holds only a few elements' chains, so latency bounds these loops;
// a fused step is one op and shorter. Measured on a Zen 4 host, one thread: exp ×0.82,
// bceLogits ×0.86, normalKl ×0.76, normalKlGrad ×0.78.

import { madd, maddD } from './simd';

// Binary ops, numbered as in index.ts.
const ADD: i32 = 0;
const SUB: i32 = 1;
const MUL: i32 = 2;
const DIV: i32 = 3;

@inline function vop(op: i32, a: v128, b: v128): v128 {
  if (op == ADD) return f32x4.add(a, b);
  if (op == SUB) return f32x4.sub(a, b);
  if (op == MUL) return f32x4.mul(a, b);
  return f32x4.div(a, b);
}

@inline function sop(op: i32, a: f32, b: f32): f32 {
  if (op == ADD) return a + b;
  if (op == SUB) return a - b;
  if (op == MUL) return a * b;
  return a / b;
}

// One row of out = a ∘ b over n floats; a (b) is a vector when aVec (bVec), else the scalar at a (b).
@inline function binaryRow(op: i32, a: usize, aVec: bool, b: usize, bVec: bool, out: usize, n: i32): void {
  const x = f32x4.splat(load<f32>(a));
  const y = f32x4.splat(load<f32>(b));
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    v128.store(out + o, vop(op, aVec ? v128.load(a + o) : x, bVec ? v128.load(b + o) : y));
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    store<f32>(out + o, sop(op, load<f32>(aVec ? a + o : a), load<f32>(bVec ? b + o : b)));
  }
}

@inline function binaryLoop(op: i32, a: usize, aRows: bool, aCols: bool, b: usize, bRows: bool, bCols: bool, out: usize, m: i32, n: i32): void {
  const rowBytes = <usize>n << 2;
  const aStep: usize = aRows ? (aCols ? rowBytes : 4) : 0;
  const bStep: usize = bRows ? (bCols ? rowBytes : 4) : 0;
  for (let i = 0; i < m; i++) {
    const ar = a + <usize>i * aStep;
    const br = b + <usize>i * bStep;
    const or = out + <usize>i * rowBytes;
    // Separate loops per operand kind, so the inner one has no per-element choice.
    if (aCols && bCols) binaryRow(op, ar, true, br, true, or, n);
    else if (aCols) binaryRow(op, ar, true, br, false, or, n);
    else if (bCols) binaryRow(op, ar, false, br, true, or, n);
    else binaryRow(op, ar, false, br, false, or, n);
  }
}

/**
 * out = a ∘ b over an m×n output. Each operand varies along the rows (aRows) and/or the columns
 * (aCols): full m×n, a row of n repeated down, a column of m repeated across, or a scalar.
 */
export function binaryF32(op: i32, a: usize, aRows: bool, aCols: bool, b: usize, bRows: bool, bCols: bool, out: usize, m: i32, n: i32): void {
  // One function per op, each passing its op as a constant, so every loop is specialized. As
  // branches of one function (binaryLoop(ADD, …) else binaryLoop(SUB, …) …), Binaryen's code
  // folding merged the four identical-looking loops into one that tested the op per vector:
  // half the speed on 2560 floats (measured), likewise unaryF32.
  if (op == ADD) binaryAdd(a, aRows, aCols, b, bRows, bCols, out, m, n);
  else if (op == SUB) binarySub(a, aRows, aCols, b, bRows, bCols, out, m, n);
  else if (op == MUL) binaryMul(a, aRows, aCols, b, bRows, bCols, out, m, n);
  else binaryDiv(a, aRows, aCols, b, bRows, bCols, out, m, n);
}

function binaryAdd(a: usize, aRows: bool, aCols: bool, b: usize, bRows: bool, bCols: bool, out: usize, m: i32, n: i32): void {
  binaryLoop(ADD, a, aRows, aCols, b, bRows, bCols, out, m, n);
}
function binarySub(a: usize, aRows: bool, aCols: bool, b: usize, bRows: bool, bCols: bool, out: usize, m: i32, n: i32): void {
  binaryLoop(SUB, a, aRows, aCols, b, bRows, bCols, out, m, n);
}
function binaryMul(a: usize, aRows: bool, aCols: bool, b: usize, bRows: bool, bCols: bool, out: usize, m: i32, n: i32): void {
  binaryLoop(MUL, a, aRows, aCols, b, bRows, bCols, out, m, n);
}
function binaryDiv(a: usize, aRows: bool, aCols: bool, b: usize, bRows: bool, bCols: bool, out: usize, m: i32, n: i32): void {
  binaryLoop(DIV, a, aRows, aCols, b, bRows, bCols, out, m, n);
}

// The row i of an operand varying along rows (vRows) and/or columns (vCols) of an m×n output:
// the row itself when it varies along columns, else its one value splatted into slot.
@inline function whereRow(x: usize, vRows: bool, vCols: bool, i: i32, n: i32, slot: usize): usize {
  if (vCols) return x + (vRows ? (<usize>i * <usize>n) << 2 : 0);
  v128.store(slot, v128.load32_splat(x + (vRows ? <usize>i << 2 : 0)));
  return slot;
}

/**
 * out = c ≠ 0 ? a : b over an m×n output, each operand full, a row, a column or a scalar (as in
 * binaryF32). NaN conditions pick a, ±0 pick b, as the JS kernel's `c !== 0`. A selection, so
 * bit-identical to it.
 */
export function whereF32(
  c: usize, cRows: bool, cCols: bool, a: usize, aRows: bool, aCols: bool, b: usize, bRows: bool, bCols: bool,
  out: usize, m: i32, n: i32,
): void {
  // A broadcast operand stays on its splat (step 0); a full row advances.
  const cStep: usize = cCols ? 16 : 0, aStep: usize = aCols ? 16 : 0, bStep: usize = bCols ? 16 : 0;
  const zero = f32x4.splat(0);
  for (let i = 0; i < m; i++) {
    let cp = whereRow(c, cRows, cCols, i, n, WHERE_SPLATS);
    let ap = whereRow(a, aRows, aCols, i, n, WHERE_SPLATS + 16);
    let bp = whereRow(b, bRows, bCols, i, n, WHERE_SPLATS + 32);
    let o = out + ((<usize>i * <usize>n) << 2);
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      v128.store(o, v128.bitselect(v128.load(ap), v128.load(bp), f32x4.ne(v128.load(cp), zero)));
      cp += cStep;
      ap += aStep;
      bp += bStep;
      o += 16;
    }
    for (; j < n; j++) {
      store<f32>(o, load<f32>(cp) != 0 ? load<f32>(ap) : load<f32>(bp));
      cp += cStep >> 2;
      ap += aStep >> 2;
      bp += bStep >> 2;
      o += 4;
    }
  }
}

// Unary ops, numbered as in index.ts.
const NEG: i32 = 0;
const RELU: i32 = 1;
const STEP: i32 = 2;
const SQUARE: i32 = 3;
const ABS: i32 = 4;
const EXP: i32 = 5;
const SIGMOID: i32 = 6;
const SOFTPLUS: i32 = 7;

// The loops' constant vectors live in memory at CONSTS (in the page index.ts leaves below its
// scratch; written once by initConstants): V8 rematerializes a v128.const in every loop iteration
// (3 instructions each), while a load from here is one, often folded into the arithmetic.
const CONSTS: usize = 1024;
const ONE: i32 = 0;
const EXP_LO: i32 = 1;
const EXP_HI: i32 = 2;
const LOG2E: i32 = 3;
const ROUNDER: i32 = 4;
const LN2_HI: i32 = 5;
const LN2_LO: i32 = 6;
const EXP_P: i32 = 7; // 6 slots
const SQRT2_M1: i32 = 13;
const LOG_P: i32 = 14; // 9 slots
const HALF: i32 = 23;
const ROUNDER_BITS: i32 = 24;
const EXP_BIAS: i32 = 25;
const SIGN: i32 = 29;
// whereF32 splats an operand that is one value per row (or per call) into slots 32–34 (main
// thread only: where is never split over threads). The float64 kernels' constants follow.
const WHERE_SPLATS: usize = CONSTS + (32 << 4);
const D_LO: i32 = 40;
const D_HI: i32 = 41;
const D_LOG2E: i32 = 42;
const D_SHIFT: i32 = 43;
const D_LN2_HI: i32 = 44;
const D_LN2_LO: i32 = 45;
const D_EXP_P: i32 = 46; // 12 slots
const D_EM1_Q: i32 = 58; // 13 slots
const D_ONE: i32 = 71;
const D_HALF: i32 = 72;
const D_TWO: i32 = 73;
const D_MINUS_TWO: i32 = 74;
const D_BIAS: i32 = 75;

@inline function kc(slot: i32): v128 {
  return v128.load(CONSTS + (<usize>slot << 4));
}

@inline function setF(slot: i32, x: f32): void {
  v128.store(CONSTS + (<usize>slot << 4), f32x4.splat(x));
}

@inline function setI(slot: i32, x: i32): void {
  v128.store(CONSTS + (<usize>slot << 4), i32x4.splat(x));
}

@inline function setD(slot: i32, x: f64): void {
  v128.store(CONSTS + (<usize>slot << 4), f64x2.splat(x));
}

/** Write the constant vectors; index.ts calls it once, before any kernel. */
export function initConstants(): void {
  setF(ONE, 1);
  setF(EXP_LO, -104);
  setF(EXP_HI, 89);
  setF(LOG2E, 1.44269504088896341);
  setF(ROUNDER, ROUND);
  setF(LN2_HI, 0.693359375);
  setF(LN2_LO, -2.12194440e-4);
  // Cephes expf P(r), highest degree first.
  setF(EXP_P, 1.9875691500e-4);
  setF(EXP_P + 1, 1.3981999507e-3);
  setF(EXP_P + 2, 8.3334519073e-3);
  setF(EXP_P + 3, 4.1665795894e-2);
  setF(EXP_P + 4, 1.6666665459e-1);
  setF(EXP_P + 5, 5.0000001201e-1);
  setF(SQRT2_M1, 0.414213562373095049);
  // Cephes logf P(f), highest degree first.
  setF(LOG_P, 7.0376836292e-2);
  setF(LOG_P + 1, -1.1514610310e-1);
  setF(LOG_P + 2, 1.1676998740e-1);
  setF(LOG_P + 3, -1.2420140846e-1);
  setF(LOG_P + 4, 1.4249322787e-1);
  setF(LOG_P + 5, -1.6668057665e-1);
  setF(LOG_P + 6, 2.0000714765e-1);
  setF(LOG_P + 7, -2.4999993993e-1);
  setF(LOG_P + 8, 3.3333331174e-1);
  setF(HALF, 0.5);
  setI(ROUNDER_BITS, 0x4b400000);
  setI(EXP_BIAS, 127);
  setI(SIGN, 0x80000000);
  setD(D_LO, -708);
  setD(D_HI, 709);
  setD(D_LOG2E, 1.4426950408889634);
  setD(D_SHIFT, SHIFT_D);
  setD(D_LN2_HI, 6.93147180369123816490e-01);
  setD(D_LN2_LO, 1.90821492927058770002e-10);
  // e^r's Taylor coefficients 1/11!, 1/10!, …, 1/1!, 1/0!, highest degree first.
  let f: f64 = 39916800;
  for (let k = 0; k < 12; k++) {
    setD(D_EXP_P + k, 1 / f);
    f /= <f64>max(1, 11 - k);
  }
  // e^r − 1 − r = r²·Σ r^j/(j+2)!: 1/14!, 1/13!, …, 1/2!.
  f = 87178291200;
  for (let k = 0; k < 13; k++) {
    setD(D_EM1_Q + k, 1 / f);
    f /= <f64>(14 - k);
  }
  setD(D_ONE, 1);
  setD(D_HALF, 0.5);
  setD(D_TWO, 2);
  setD(D_MINUS_TWO, -2);
  v128.store(CONSTS + (<usize>D_BIAS << 4), i64x2.splat(1023));
}

// 1.5·2^23: adding it to a float in (−2^22, 2^22) rounds that to an integer (ties to even, as
// f32x4.nearest) and leaves the integer in the low mantissa bits.
const ROUND: f32 = 12582912;

// e^x = 2^n·e^r with n = round(x·log₂e) and r = x − n·ln2 split in two (Cody–Waite), |r| ≤ ln2/2;
// e^r = 1 + r + r²·P(r), P from Cephes expf (≈ 1 ulp). 2^n is applied as 2^(n>>1)·2^(n−n>>1), so
// both factors stay normal and results underflow gradually to subnormals and overflow to ∞ like a
// correctly rounded exp. NaN passes through the clamp (pmin/pmax keep their first operand when
// unordered) and everything after it.
@inline function expV(x: v128): v128 {
  x = f32x4.pmin(f32x4.pmax(x, kc(EXP_LO)), kc(EXP_HI));
  const t = f32x4.add(f32x4.mul(x, kc(LOG2E)), kc(ROUNDER));
  const n = f32x4.sub(t, kc(ROUNDER));
  let r = f32x4.sub(x, f32x4.mul(n, kc(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(n, kc(LN2_LO)));
  let p = kc(EXP_P);
  p = madd(p, r, kc(EXP_P + 1));
  p = madd(p, r, kc(EXP_P + 2));
  p = madd(p, r, kc(EXP_P + 3));
  p = madd(p, r, kc(EXP_P + 4));
  p = madd(p, r, kc(EXP_P + 5));
  const y = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(r, r), p), r), kc(ONE));
  const ni = i32x4.sub(t, kc(ROUNDER_BITS)); // bits(ROUND + n) − bits(ROUND) = n
  const n1 = i32x4.shr_s(ni, 1);
  const n2 = i32x4.sub(ni, n1);
  const p1 = i32x4.shl(i32x4.add(n1, kc(EXP_BIAS)), 23);
  const p2 = i32x4.shl(i32x4.add(n2, kc(EXP_BIAS)), 23);
  return f32x4.mul(f32x4.mul(y, p1), p2);
}

// log1p(t) for t in [0, 1] (t = e^(−|v|) here) without a division: ln(1 + f) = f − f²/2 + f³·P(f), P
// from Cephes logf (≈ 1 ulp for |f| ≤ √2 − 1). Below √2 − 1, f = t exactly. Above, 1 + t rounds to
// u = 2(1 + f) with f = u/2 − 1 in (−0.293, 0] (exact), so ln(1 + t) = ln 2 + ln(1 + f) + c/u, where
// c = t − (u − 1) is the rounding of 1 + t (exact, Fast2Sum) and 1/u ≈ ½(1 − f + f²) (off by f³, on
// c ≤ 2⁻²⁴): no division.
@inline function log1pV(t: v128): v128 {
  const one = kc(ONE);
  const half = kc(HALF);
  const u = f32x4.add(t, one);
  const big = f32x4.gt(t, kc(SQRT2_M1));
  const f = v128.bitselect(f32x4.sub(f32x4.mul(u, half), one), t, big);
  const f2 = f32x4.mul(f, f);
  let p = kc(LOG_P);
  p = madd(p, f, kc(LOG_P + 1));
  p = madd(p, f, kc(LOG_P + 2));
  p = madd(p, f, kc(LOG_P + 3));
  p = madd(p, f, kc(LOG_P + 4));
  p = madd(p, f, kc(LOG_P + 5));
  p = madd(p, f, kc(LOG_P + 6));
  p = madd(p, f, kc(LOG_P + 7));
  p = madd(p, f, kc(LOG_P + 8));
  let y = f32x4.mul(f32x4.mul(p, f), f2);
  const c = f32x4.sub(t, f32x4.sub(u, one));
  const invU = f32x4.mul(half, f32x4.add(f32x4.sub(one, f), f2));
  y = f32x4.add(y, v128.and(f32x4.add(kc(LN2_LO), f32x4.mul(c, invU)), big));
  y = f32x4.sub(y, f32x4.mul(f2, half));
  return f32x4.add(f32x4.add(f, y), v128.and(kc(LN2_HI), big));
}

// The first `lanes` (1–3) floats at p in lanes 0.., zeros above: a partial vector that reads nothing past the array.
@inline function loadTail(p: usize, lanes: i32): v128 {
  let v = f32x4.replace_lane(f32x4.splat(0), 0, load<f32>(p));
  if (lanes > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (lanes > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

// Lanes 0..lanes−1 of v to p, writing nothing past the array.
@inline function storeTail(p: usize, v: v128, lanes: i32): void {
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (lanes > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (lanes > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

@inline function unaryV(op: i32, v: v128): v128 {
  const zero = f32x4.splat(0);
  const one = kc(ONE);
  if (op == NEG) return f32x4.neg(v);
  // NOTE: JS's `v > 0 ? v : 0` maps NaN and -0 to 0; a compare-and-mask does the same, f32x4.max would not.
  if (op == RELU) return v128.and(v, f32x4.gt(v, zero));
  if (op == STEP) return v128.and(one, f32x4.gt(v, zero));
  if (op == SQUARE) return f32x4.mul(v, v);
  if (op == ABS) return f32x4.abs(v);
  if (op == EXP) return expV(v);
  // Both via e = exp(−|x|) ≤ 1, never overflowing (as the JS kernel splits by sign).
  const e = expV(v128.or(v, kc(SIGN))); // e^(−|v|)
  // sigmoid = (x ≥ 0 ? 1 : e) / (1 + e);  softplus = max(x, 0) + log1p(e).
  if (op == SIGMOID) return f32x4.div(v128.bitselect(one, e, f32x4.ge(v, zero)), f32x4.add(one, e));
  return f32x4.add(v128.and(v, f32x4.gt(v, zero)), log1pV(e));
}

@inline function unaryLoop(op: i32, x: usize, out: usize, n: i32): void {
  let i = 0;
  // Two vectors a step: a polynomial's chain of dependent ops (≈ 20 for exp) fills the scheduler
  // before the next iteration's independent chain is reached, so pairing two chains in one step
  // ran exp, sigmoid and softplus 20–25% faster (100k floats, one thread, measured).
  for (; i + 8 <= n; i += 8) {
    const o = <usize>i << 2;
    const a = unaryV(op, v128.load(x + o));
    const b = unaryV(op, v128.load(x + o, 16));
    v128.store(out + o, a);
    v128.store(out + o, b, 16);
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, unaryV(op, v128.load(x + o)));
  }
  if (i < n) {
    const o = <usize>i << 2;
    storeTail(out + o, unaryV(op, loadTail(x + o, n - i)), n - i);
  }
}

/** out[i] = f(x[i]) for n floats (x and out may be the same array). */
export function unaryF32(op: i32, x: usize, out: usize, n: i32): void {
  // One function per op, as binaryF32 (the op constant specializes each loop).
  if (op == NEG) unaryNeg(x, out, n);
  else if (op == RELU) unaryRelu(x, out, n);
  else if (op == STEP) unaryStep(x, out, n);
  else if (op == SQUARE) unarySquare(x, out, n);
  else if (op == ABS) unaryAbs(x, out, n);
  else if (op == EXP) unaryExp(x, out, n);
  else if (op == SIGMOID) unarySigmoid(x, out, n);
  else unarySoftplus(x, out, n);
}

function unaryNeg(x: usize, out: usize, n: i32): void { unaryLoop(NEG, x, out, n); }
function unaryRelu(x: usize, out: usize, n: i32): void { unaryLoop(RELU, x, out, n); }
function unaryStep(x: usize, out: usize, n: i32): void { unaryLoop(STEP, x, out, n); }
function unarySquare(x: usize, out: usize, n: i32): void { unaryLoop(SQUARE, x, out, n); }
function unaryAbs(x: usize, out: usize, n: i32): void { unaryLoop(ABS, x, out, n); }
function unaryExp(x: usize, out: usize, n: i32): void { unaryLoop(EXP, x, out, n); }
function unarySigmoid(x: usize, out: usize, n: i32): void { unaryLoop(SIGMOID, x, out, n); }
function unarySoftplus(x: usize, out: usize, n: i32): void { unaryLoop(SOFTPLUS, x, out, n); }

// biasActF32's code for no activation (the others are unary codes).
const IDENTITY: i32 = -1;

@inline function biasActRows(op: i32, x: usize, bias: usize, m: i32, n: i32): void {
  const rowBytes = <usize>n << 2;
  for (let i = 0; i < m; i++) {
    const row = x + <usize>i * rowBytes;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      const v = f32x4.add(v128.load(row + o), v128.load(bias + o));
      v128.store(row + o, op == IDENTITY ? v : unaryV(op, v));
    }
    if (j < n) {
      const o = <usize>j << 2;
      const v = f32x4.add(loadTail(row + o, n - j), loadTail(bias + o, n - j));
      storeTail(row + o, op == IDENTITY ? v : unaryV(op, v), n - j);
    }
  }
}

/** x[i·n + j] = act(x[i·n + j] + bias[j]) in place for m rows of n floats; act is RELU, SIGMOID or IDENTITY. */
export function biasActF32(x: usize, bias: usize, m: i32, n: i32, act: i32): void {
  if (act == RELU) biasActRows(RELU, x, bias, m, n);
  else if (act == SIGMOID) biasActRows(SIGMOID, x, bias, m, n);
  else biasActRows(IDENTITY, x, bias, m, n);
}

// Lanes 2, 3 of x moved to 0, 1, ready for f64x2.promote_low_f32x4.
@inline function high(x: v128): v128 {
  return i32x4.shuffle(x, x, 2, 3, 0, 1);
}

// (r + p) − l·t in float64, as the JS kernel orders it, rounded once to float32; r, p, l, t are float32 lanes.
@inline function bceCombine(r: v128, p: v128, l: v128, t: v128): v128 {
  const lo = f64x2.sub(
    f64x2.add(f64x2.promote_low_f32x4(r), f64x2.promote_low_f32x4(p)),
    f64x2.mul(f64x2.promote_low_f32x4(l), f64x2.promote_low_f32x4(t)));
  const hi = f64x2.sub(
    f64x2.add(f64x2.promote_low_f32x4(high(r)), f64x2.promote_low_f32x4(high(p))),
    f64x2.mul(f64x2.promote_low_f32x4(high(l)), f64x2.promote_low_f32x4(high(t))));
  return i64x2.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 2);
}

// BCE loss lane values for logits v and targets y (see bceF32).
@inline function bceLoss(v: v128, e: v128, y: v128): v128 {
  return bceCombine(v128.and(v, f32x4.gt(v, f32x4.splat(0))), log1pV(e), v, y);
}

@inline function bceSig(v: v128, e: v128): v128 {
  const one = kc(ONE);
  return f32x4.div(v128.bitselect(one, e, f32x4.ge(v, f32x4.splat(0))), f32x4.add(one, e));
}

// Floats per block of bceF32's two passes (12 KiB of ℓ, e and σ: L1-resident between the passes).
const BCE_BLOCK: i32 = 1024;

// Whether byte ranges [a, a + bytes) and [b, b + bytes) do not overlap.
@inline function disjoint(a: usize, b: usize, bytes: usize): bool {
  return a + bytes <= b || b + bytes <= a;
}

/**
 * Fused BCE from logits: out = softplus(ℓ) − ℓ·y and sig = σ(ℓ), from one e = exp(−|ℓ|) per element.
 * The softplus terms are summed with −ℓ·y in float64 (as in JS), so ℓ·y's cancellation costs nothing;
 * only exp/log1p carry the polynomials' few ulp. Block by block, e and σ first (e parked in out),
 * then the loss: the same operations as one pass, ≈ 28% faster since neither loop spills (measured);
 * each loop takes two vectors a step, as unaryLoop, another 20% (measured).
 * Outputs that overlap the inputs (allowed) take the one-pass loop.
 */
export function bceF32(l: usize, t: usize, out: usize, sig: usize, n: i32): void {
  const bytes = <usize>n << 2;
  let i = 0;
  if (disjoint(out, l, bytes) && disjoint(out, t, bytes) && disjoint(sig, l, bytes) && disjoint(sig, t, bytes)) {
    for (; i + 4 <= n; ) {
      const end = i + min(BCE_BLOCK, (n - i) & ~3);
      let j = i;
      for (; j + 8 <= end; j += 8) {
        const o = <usize>j << 2;
        const v = v128.load(l + o);
        const w = v128.load(l + o, 16);
        const e = expV(v128.or(v, kc(SIGN))); // e^(−|v|)
        const f = expV(v128.or(w, kc(SIGN)));
        v128.store(out + o, e);
        v128.store(out + o, f, 16);
        v128.store(sig + o, bceSig(v, e));
        v128.store(sig + o, bceSig(w, f), 16);
      }
      for (; j < end; j += 4) {
        const o = <usize>j << 2;
        const v = v128.load(l + o);
        const e = expV(v128.or(v, kc(SIGN))); // e^(−|v|)
        v128.store(out + o, e);
        v128.store(sig + o, bceSig(v, e));
      }
      for (; i + 8 <= end; i += 8) {
        const o = <usize>i << 2;
        const a = bceLoss(v128.load(l + o), v128.load(out + o), v128.load(t + o));
        const b = bceLoss(v128.load(l + o, 16), v128.load(out + o, 16), v128.load(t + o, 16));
        v128.store(out + o, a);
        v128.store(out + o, b, 16);
      }
      for (; i < end; i += 4) {
        const o = <usize>i << 2;
        v128.store(out + o, bceLoss(v128.load(l + o), v128.load(out + o), v128.load(t + o)));
      }
    }
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(l + o);
    const e = expV(v128.or(v, kc(SIGN))); // e^(−|v|)
    v128.store(out + o, bceLoss(v, e, v128.load(t + o)));
    v128.store(sig + o, bceSig(v, e));
  }
  if (i < n) {
    const o = <usize>i << 2;
    const lanes = n - i;
    const v = loadTail(l + o, lanes);
    const e = expV(v128.or(v, kc(SIGN))); // e^(−|v|)
    storeTail(out + o, bceLoss(v, e, loadTail(t + o, lanes)), lanes);
    storeTail(sig + o, bceSig(v, e), lanes);
  }
}

/**
 * The BCE-from-logits gradient out = g[r]·(σ − y) over n floats in rows of `cols` (the last may
 * be short), one g per row (Backend.bceLogitsGrad). In float64 and rounded once, as the JS and
 * native kernels, so bit-identical to them (two float32 ops would round twice).
 */
export function bceGradF32(g: usize, sig: usize, y: usize, out: usize, n: i32, cols: i32): void {
  for (let r = 0, i = 0; i < n; r++) {
    const gr = f64x2.splat(<f64>load<f32>(g + (<usize>r << 2)));
    const end = min(n, i + cols);
    for (; i < end; i += 4) {
      const o = <usize>i << 2;
      const lanes = min(4, end - i);
      const s = loadPart(sig + o, lanes), t = loadPart(y + o, lanes);
      const lo = f64x2.mul(gr, f64x2.sub(lo64(s), lo64(t)));
      const hi = f64x2.mul(gr, f64x2.sub(hi64(s), hi64(t)));
      storePart(out + o, toF32(lo, hi), lanes);
    }
    i = end;
  }
}

/**
 * 1 when some of the n floats at x is NaN or ±∞ (all exponent bits set), else 0: a bit test, so
 * cheaper than a sum, for the trainer's check of every gradient before the optimizer step.
 */
export function nonFiniteF32(x: usize, n: i32): i32 {
  const exponent = i32x4.splat(0x7f800000);
  let a0 = i32x4.splat(0), a1 = i32x4.splat(0), a2 = i32x4.splat(0), a3 = i32x4.splat(0);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const p = x + (<usize>i << 2);
    a0 = v128.or(a0, i32x4.eq(v128.and(v128.load(p), exponent), exponent));
    a1 = v128.or(a1, i32x4.eq(v128.and(v128.load(p, 16), exponent), exponent));
    a2 = v128.or(a2, i32x4.eq(v128.and(v128.load(p, 32), exponent), exponent));
    a3 = v128.or(a3, i32x4.eq(v128.and(v128.load(p, 48), exponent), exponent));
  }
  let bad = v128.any_true(v128.or(v128.or(a0, a1), v128.or(a2, a3)));
  for (; i < n; i++) bad = bad || (load<u32>(x + (<usize>i << 2)) & 0x7f800000) == 0x7f800000;
  return bad ? 1 : 0;
}

// Copy `bytes` (a multiple of 4) from s to d, 64 bytes at a time (JS copies into shared memory go
// word by word).
@inline function copyRow(d: usize, s: usize, bytes: usize): void {
  let b: usize = 0;
  for (; b + 64 <= bytes; b += 64) {
    v128.store(d + b, v128.load(s + b));
    v128.store(d + b, v128.load(s + b, 16), 16);
    v128.store(d + b, v128.load(s + b, 32), 32);
    v128.store(d + b, v128.load(s + b, 48), 48);
  }
  for (; b + 16 <= bytes; b += 16) v128.store(d + b, v128.load(s + b));
  for (; b < bytes; b += 4) store<f32>(d + b, load<f32>(s + b));
}

/**
 * Row i of the m×n out is the n floats at src + i·stride floats (stride ≥ 0; 0 repeats one row, as a
 * bias broadcast over a batch): Backend.copyStrided's contiguous runs.
 */
export function copyRowsF32(src: usize, stride: i32, m: i32, n: i32, out: usize): void {
  const rowBytes = <usize>n << 2;
  const step = <usize>stride << 2;
  for (let i = 0; i < m; i++) copyRow(out + <usize>i * rowBytes, src + <usize>i * step, rowBytes);
}

/**
 * out[o, k, :] = x[o, idx[k], :] (Backend.gather) for x of shape [outer, n, inner] and the r
 * indices at idx, which the caller has checked against n: a minibatch drawn from a dataset in
 * wasm memory.
 */
export function gatherF32(x: usize, outer: i32, n: i32, inner: i32, idx: usize, r: i32, out: usize): void {
  const rowBytes = <usize>inner << 2;
  let dst = out;
  for (let o = 0; o < outer; o++) {
    const base = x + <usize>o * <usize>n * rowBytes;
    let k = 0;
    // Four rows at a time: rows drawn at random from a large dataset wait on memory, and four
    // streams in flight hide more of that wait than one.
    for (; k + 4 <= r; k += 4) {
      const s0 = base + <usize>load<i32>(idx + (<usize>k << 2)) * rowBytes;
      const s1 = base + <usize>load<i32>(idx + (<usize>k << 2), 4) * rowBytes;
      const s2 = base + <usize>load<i32>(idx + (<usize>k << 2), 8) * rowBytes;
      const s3 = base + <usize>load<i32>(idx + (<usize>k << 2), 12) * rowBytes;
      const d1 = dst + rowBytes, d2 = d1 + rowBytes, d3 = d2 + rowBytes;
      let b: usize = 0;
      for (; b + 32 <= rowBytes; b += 32) {
        v128.store(dst + b, v128.load(s0 + b)); v128.store(dst + b, v128.load(s0 + b, 16), 16);
        v128.store(d1 + b, v128.load(s1 + b)); v128.store(d1 + b, v128.load(s1 + b, 16), 16);
        v128.store(d2 + b, v128.load(s2 + b)); v128.store(d2 + b, v128.load(s2 + b, 16), 16);
        v128.store(d3 + b, v128.load(s3 + b)); v128.store(d3 + b, v128.load(s3 + b, 16), 16);
      }
      for (; b < rowBytes; b += 4) {
        store<f32>(dst + b, load<f32>(s0 + b));
        store<f32>(d1 + b, load<f32>(s1 + b));
        store<f32>(d2 + b, load<f32>(s2 + b));
        store<f32>(d3 + b, load<f32>(s3 + b));
      }
      dst += rowBytes << 2;
    }
    for (; k < r; k++) {
      copyRow(dst, base + <usize>load<i32>(idx + (<usize>k << 2)) * rowBytes, rowBytes);
      dst += rowBytes;
    }
  }
}

// Σ x[0..n) in 16 float64 accumulators (8 f64x2), combined by halves: the native backend's sumDouble
// (native/src/elem_impl.h), so the two agree bit for bit. NOTE: not the JS kernel's sequential float
// sum; it differs by that sum's rounding error (and is the more accurate), the price of vectorizing.
function sumRow(x: usize, n: i32): f64 {
  let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0);
  let a4 = f64x2.splat(0), a5 = f64x2.splat(0), a6 = f64x2.splat(0), a7 = f64x2.splat(0);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const p = x + (<usize>i << 2);
    const v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(p, 32), v3 = v128.load(p, 48);
    a0 = f64x2.add(a0, f64x2.promote_low_f32x4(v0)); a1 = f64x2.add(a1, f64x2.promote_low_f32x4(high(v0)));
    a2 = f64x2.add(a2, f64x2.promote_low_f32x4(v1)); a3 = f64x2.add(a3, f64x2.promote_low_f32x4(high(v1)));
    a4 = f64x2.add(a4, f64x2.promote_low_f32x4(v2)); a5 = f64x2.add(a5, f64x2.promote_low_f32x4(high(v2)));
    a6 = f64x2.add(a6, f64x2.promote_low_f32x4(v3)); a7 = f64x2.add(a7, f64x2.promote_low_f32x4(high(v3)));
  }
  // The tail goes to accumulators 0, 1, … in order, as in the native loop.
  const t = n - i;
  const p = x + (<usize>i << 2);
  for (let k = 0; k < t; k++) {
    const v = f64x2.replace_lane(f64x2.splat(0), 0, <f64>load<f32>(p + (<usize>k << 2)));
    const w = (k & 1) == 0 ? v : i64x2.shuffle(v, v, 1, 0);
    const slot = k >> 1;
    if (slot == 0) a0 = f64x2.add(a0, w);
    else if (slot == 1) a1 = f64x2.add(a1, w);
    else if (slot == 2) a2 = f64x2.add(a2, w);
    else if (slot == 3) a3 = f64x2.add(a3, w);
    else if (slot == 4) a4 = f64x2.add(a4, w);
    else if (slot == 5) a5 = f64x2.add(a5, w);
    else if (slot == 6) a6 = f64x2.add(a6, w);
    else a7 = f64x2.add(a7, w);
  }
  // acc[k] += acc[k + w] for w = 8, 4, 2, 1.
  a0 = f64x2.add(a0, a4); a1 = f64x2.add(a1, a5); a2 = f64x2.add(a2, a6); a3 = f64x2.add(a3, a7);
  a0 = f64x2.add(a0, a2); a1 = f64x2.add(a1, a3);
  a0 = f64x2.add(a0, a1);
  return f64x2.extract_lane(a0, 0) + f64x2.extract_lane(a0, 1);
}

// A full sum of at least two blocks of this many floats adds the blocks' sumRow in order, as the
// native backend does (its blocks may run on different threads; the rounding does not change).
const SUM_BLOCK: i32 = 32768;

/** Floats per block of a long full sum (see sumBlocksF32). */
export function sumBlockLength(): i32 {
  return SUM_BLOCK;
}

/**
 * The float64 sums of blocks [b0, b1) of SUM_BLOCK floats of x[0..n) (the last may be short) into
 * out[b0..b1): a long full sum split over threads, which the caller adds in block order as sumF32 does.
 */
export function sumBlocksF32(x: usize, n: i32, b0: i32, b1: i32, out: usize): void {
  for (let b = b0; b < b1; b++) {
    const at = b * SUM_BLOCK;
    store<f64>(out + (<usize>b << 3), sumRow(x + (<usize>at << 2), min(SUM_BLOCK, n - at)));
  }
}

/**
 * Sum the middle axis of [outer, n, inner] into [outer, inner]. With inner > 1, rows are added in
 * order as the JS backend does (so the float32 roundings match), vectorized across inner; a full
 * reduction (inner = 1) uses sumRow, by blocks when long.
 */
export function sumF32(x: usize, outer: i32, n: i32, inner: i32, out: usize): void {
  const rowBytes = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const src = x + <usize>o * <usize>n * rowBytes;
    const dst = out + <usize>o * rowBytes;
    if (n == 0) {
      memory.fill(dst, 0, rowBytes);
      continue;
    }
    if (inner == 1) {
      let total: f64 = 0;
      if (outer == 1 && n >= 2 * SUM_BLOCK) for (let b = 0; b < n; b += SUM_BLOCK) total += sumRow(src + (<usize>b << 2), min(SUM_BLOCK, n - b));
      else total = sumRow(src, n);
      store<f32>(dst, <f32>total);
      continue;
    }
    let j = 0;
    for (; j + 16 <= inner; j += 16) {
      // Four vectors per pass keep four independent add chains in flight.
      const jo = <usize>j << 2;
      let s0 = v128.load(src + jo), s1 = v128.load(src + jo, 16), s2 = v128.load(src + jo, 32), s3 = v128.load(src + jo, 48);
      for (let r = 1; r < n; r++) {
        const p = src + <usize>r * rowBytes + jo;
        s0 = f32x4.add(s0, v128.load(p));
        s1 = f32x4.add(s1, v128.load(p, 16));
        s2 = f32x4.add(s2, v128.load(p, 32));
        s3 = f32x4.add(s3, v128.load(p, 48));
      }
      v128.store(dst + jo, s0); v128.store(dst + jo, s1, 16); v128.store(dst + jo, s2, 32); v128.store(dst + jo, s3, 48);
    }
    for (; j + 4 <= inner; j += 4) {
      const jo = <usize>j << 2;
      let s = v128.load(src + jo);
      for (let r = 1; r < n; r++) s = f32x4.add(s, v128.load(src + <usize>r * rowBytes + jo));
      v128.store(dst + jo, s);
    }
    for (; j < inner; j++) {
      const jo = <usize>j << 2;
      let s = load<f32>(src + jo);
      for (let r = 1; r < n; r++) s += load<f32>(src + <usize>r * rowBytes + jo);
      store<f32>(dst + jo, s);
    }
  }
}

/**
 * Adam/AdamW in float32, four lanes at a time, with the bias corrections folded into the scalars:
 * (lr/bc1)·m / (√v/√bc2 + eps) = (lr·√bc2/bc1)·m / (√v + eps·√bc2), one division and one square root
 * per element instead of the JS kernel's float64 two and one (those dominated this kernel). Each
 * step rounds to float32, so p, m and v agree with the JS backend to a few ulp, not bit for bit.
 * NOTE: the first moment of a weight whose gradient turns 0 (a rarely lit MNIST pixel) decays
 * geometrically, below FLT_MIN after ~830 steps, and x86 takes a microcode assist per subnormal
 * operand. As in the native kernel, moments below FLT_MIN become 0 (the update they would make is
 * below lr·1e-30); NaN stays NaN. The step is lr′·(m / (√v + eps′)), not (lr′·m) / (…), so a small
 * m (below FLT_MIN/lr′) makes no subnormal product on its way to the flush either.
 * Without weight decay (l2 = 0, shrink = 1: g + 0·p is g and p·1 is p for every finite p) the body
 * skips those two terms and takes eight floats a step: 13–17% faster on one thread (262 → 218–228 µs for
 * 313,600 floats, measured on a Zen 4 host), where V8 is bound by instructions rather than memory.
 */
export function adamF32(
  p: usize, g: usize, m: usize, v: usize, n: i32,
  stepSize: f64, sqrtBc2: f64, shrink: f64, l2: f64, beta1: f64, oneMinusBeta1: f64, beta2: f64, oneMinusBeta2: f64, eps: f64,
): void {
  const vShrink = f32x4.splat(<f32>shrink), vL2 = f32x4.splat(<f32>l2);
  const vB1 = f32x4.splat(<f32>beta1), vC1 = f32x4.splat(<f32>oneMinusBeta1);
  const vB2 = f32x4.splat(<f32>beta2), vC2 = f32x4.splat(<f32>oneMinusBeta2);
  const vStep = f32x4.splat(<f32>(stepSize * sqrtBc2)), vEps = f32x4.splat(<f32>(eps * sqrtBc2));
  const tiny = f32x4.splat(1.17549435e-38); // FLT_MIN
  let i = 0;
  if (l2 == 0 && shrink == 1) {
    // NOTE: a non-finite p leaves m and v finite here (the general body's 0·∞ would make them NaN);
    // p itself stays non-finite, and the trainer stops on the non-finite loss that follows.
    for (; i + 8 <= n; i += 8) {
      const o = <usize>i << 2;
      adamPlain(p + o, g + o, m + o, v + o, vB1, vC1, vB2, vC2, vStep, vEps, tiny);
      adamPlain(p + o + 16, g + o + 16, m + o + 16, v + o + 16, vB1, vC1, vB2, vC2, vStep, vEps, tiny);
    }
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const p0 = v128.load(p + o);
    const gi = f32x4.add(v128.load(g + o), f32x4.mul(vL2, p0));
    const mi = adamM(v128.load(m + o), gi, vB1, vC1, tiny);
    const vi = adamV(v128.load(v + o), gi, vB2, vC2, tiny);
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    v128.store(p + o, adamP(f32x4.mul(p0, vShrink), mi, vi, vStep, vEps));
  }
  if (i < n) {
    const o = <usize>i << 2;
    const lanes = n - i;
    const p0 = loadTail(p + o, lanes);
    const gi = f32x4.add(loadTail(g + o, lanes), f32x4.mul(vL2, p0));
    const mi = adamM(loadTail(m + o, lanes), gi, vB1, vC1, tiny);
    const vi = adamV(loadTail(v + o, lanes), gi, vB2, vC2, tiny);
    storeTail(m + o, mi, lanes);
    storeTail(v + o, vi, lanes);
    storeTail(p + o, adamP(f32x4.mul(p0, vShrink), mi, vi, vStep, vEps), lanes);
  }
}

// Adam's first moment β₁m + (1 − β₁)g, flushed to 0 below FLT_MIN (tiny), as adamF32 says.
@inline function adamM(m: v128, gi: v128, b1: v128, c1: v128, tiny: v128): v128 {
  const mi = f32x4.add(f32x4.mul(b1, m), f32x4.mul(c1, gi));
  return v128.andnot(mi, f32x4.lt(f32x4.abs(mi), tiny));
}

// Its second moment β₂v + (1 − β₂)g², likewise flushed.
@inline function adamV(v: v128, gi: v128, b2: v128, c2: v128, tiny: v128): v128 {
  const vi = f32x4.add(f32x4.mul(b2, v), f32x4.mul(f32x4.mul(c2, gi), gi));
  return v128.andnot(vi, f32x4.lt(vi, tiny));
}

// The parameter after the step, from p (already shrunk for AdamW): p − lr′·(m / (√v + eps′)).
@inline function adamP(p: v128, mi: v128, vi: v128, step: v128, eps: v128): v128 {
  return f32x4.sub(p, f32x4.mul(step, f32x4.div(mi, f32x4.add(f32x4.sqrt(vi), eps))));
}

// Four floats of Adam without weight decay, at p, g, m and v.
@inline function adamPlain(p: usize, g: usize, m: usize, v: usize, b1: v128, c1: v128, b2: v128, c2: v128, step: v128, eps: v128, tiny: v128): void {
  const gi = v128.load(g);
  const mi = adamM(v128.load(m), gi, b1, c1, tiny);
  const vi = adamV(v128.load(v), gi, b2, c2, tiny);
  v128.store(m, mi);
  v128.store(v, vi);
  v128.store(p, adamP(v128.load(p), mi, vi, step, eps));
}

// exp(x) in two float64 lanes, as the native backend's expD (native/src/elem_impl.h): x = n·ln2 + r,
// |r| ≤ ln2/2 (fdlibm's split of ln2), e^r by its Taylor series to r¹¹ (truncation < 1e-14
// relative; its steps fused in the relaxed build, where native rounds each), times 2^n, normal
// for the clamped x (n in [−1022, 1023]; native's two factors give the same product there).
// NaN passes the clamp (pmin/pmax keep their first operand when unordered) and the rest.
const SHIFT_D: f64 = 6755399441055744.0; // 1.5·2^52: adding it rounds to an integer held in the low bits
@inline function expD(x: v128): v128 {
  x = f64x2.pmin(f64x2.pmax(x, kc(D_LO)), kc(D_HI));
  const shifted = f64x2.add(f64x2.mul(x, kc(D_LOG2E)), kc(D_SHIFT));
  const n = f64x2.sub(shifted, kc(D_SHIFT));
  const r = f64x2.sub(f64x2.sub(x, f64x2.mul(n, kc(D_LN2_HI))), f64x2.mul(n, kc(D_LN2_LO)));
  let p = kc(D_EXP_P);
  for (let k = 1; k < 12; k++) p = maddD(p, r, kc(D_EXP_P + k));
  const ni = i64x2.sub(shifted, kc(D_SHIFT)); // bits(SHIFT_D + n) − bits(SHIFT_D) = n
  return f64x2.mul(p, i64x2.shl(i64x2.add(ni, kc(D_BIAS)), 52));
}

// e^r − 1 − r as the native expm1MinusD: its Taylor series r²(1/2! + r/3! + … + r¹²/14!) for
// |r| < ½, where e^r − 1 − r would cancel, else (e^r − 1) − r, which loses under 3 bits there.
// Each branch is computed only when a lane needs it.
@inline function expm1MinusD(r: v128): v128 {
  const small = f64x2.lt(f64x2.abs(r), kc(D_HALF));
  let q = r;
  if (v128.any_true(small)) {
    q = kc(D_EM1_Q);
    for (let k = 1; k < 13; k++) q = maddD(q, r, kc(D_EM1_Q + k));
    q = f64x2.mul(q, f64x2.mul(r, r));
    if (i64x2.all_true(small)) return q;
  }
  return v128.bitselect(q, f64x2.sub(f64x2.sub(expD(r), kc(D_ONE)), r), small);
}

// float32 lanes 0, 1 (lo) and 2, 3 (hi) of x as float64, and back, rounding once.
@inline function lo64(x: v128): v128 {
  return f64x2.promote_low_f32x4(x);
}
@inline function hi64(x: v128): v128 {
  return f64x2.promote_low_f32x4(high(x));
}
@inline function toF32(lo: v128, hi: v128): v128 {
  return i64x2.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 2);
}

// The first `lanes` (1–4) floats at p, zeros above.
@inline function loadPart(p: usize, lanes: i32): v128 {
  return lanes == 4 ? v128.load(p) : loadTail(p, lanes);
}

@inline function storePart(p: usize, v: v128, lanes: i32): void {
  if (lanes == 4) v128.store(p, v);
  else storeTail(p, v, lanes);
}

// KL(N(μp, σp²) ‖ N(μq, σq²)) = ½(eʳ − 1 − r) + ½((μp − μq)/σq)², r = 2(log σp − log σq), of two float64 lanes.
@inline function klD(lp: v128, sp: v128, lq: v128, sq: v128): v128 {
  const r = f64x2.mul(kc(D_TWO), f64x2.sub(sp, sq));
  const d = f64x2.mul(f64x2.sub(lp, lq), expD(f64x2.neg(sq)));
  const half = kc(D_HALF);
  return f64x2.add(f64x2.mul(half, expm1MinusD(r)), f64x2.mul(f64x2.mul(half, d), d));
}

/**
 * Elementwise Gaussian KL of n float32 lanes from locations and log-scales, in float64 with the
 * native backend's formulas and order (Backend.normalKl), rounded once to float32.
 */
export function normalKlF32(lp: usize, sp: usize, lq: usize, sq: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    const lanes = min(4, n - i);
    const a = loadPart(lp + o, lanes), b = loadPart(sp + o, lanes), c = loadPart(lq + o, lanes), d = loadPart(sq + o, lanes);
    storePart(out + o, toF32(klD(lo64(a), lo64(b), lo64(c), lo64(d)), klD(hi64(a), hi64(b), hi64(c), hi64(d))), lanes);
  }
}

// 1/σq² = e^(−2 log σq), μp − μq and eʳ − 1 of two float64 lanes, for normalKlGradF32.
@inline function invVarD(sq: v128): v128 {
  return expD(f64x2.mul(kc(D_MINUS_TWO), sq));
}
@inline function em1D(sp: v128, sq: v128): v128 {
  const r = f64x2.mul(kc(D_TWO), f64x2.sub(sp, sq));
  return f64x2.add(expm1MinusD(r), r);
}

/**
 * The four partials of normalKlF32 scaled by g (Backend.normalKlGrad), n float32 lanes:
 * ∂/∂μp = g(μp − μq)/σq², ∂/∂μq = −∂/∂μp, ∂/∂log σp = g(eʳ − 1), ∂/∂log σq = −g((eʳ − 1) + (μp − μq)²/σq²),
 * in float64 in the native kernel's order.
 */
export function normalKlGradF32(
  g: usize, lp: usize, sp: usize, lq: usize, sq: usize, dlp: usize, dsp: usize, dlq: usize, dsq: usize, n: i32,
): void {
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    const lanes = min(4, n - i);
    const gv = loadPart(g + o, lanes), a = loadPart(lp + o, lanes), b = loadPart(sp + o, lanes);
    const c = loadPart(lq + o, lanes), d = loadPart(sq + o, lanes);
    const gL = lo64(gv), gH = hi64(gv);
    const dmL = f64x2.sub(lo64(a), lo64(c)), dmH = f64x2.sub(hi64(a), hi64(c));
    const ivL = invVarD(lo64(d)), ivH = invVarD(hi64(d));
    const emL = em1D(lo64(b), lo64(d)), emH = em1D(hi64(b), hi64(d));
    const ngL = f64x2.neg(gL), ngH = f64x2.neg(gH);
    storePart(dlp + o, toF32(f64x2.mul(f64x2.mul(gL, dmL), ivL), f64x2.mul(f64x2.mul(gH, dmH), ivH)), lanes);
    storePart(dlq + o, toF32(f64x2.mul(f64x2.mul(ngL, dmL), ivL), f64x2.mul(f64x2.mul(ngH, dmH), ivH)), lanes);
    storePart(dsp + o, toF32(f64x2.mul(gL, emL), f64x2.mul(gH, emH)), lanes);
    storePart(dsq + o, toF32(
      f64x2.mul(ngL, f64x2.add(emL, f64x2.mul(f64x2.mul(dmL, dmL), ivL))),
      f64x2.mul(ngH, f64x2.add(emH, f64x2.mul(f64x2.mul(dmH, dmH), ivH)))), lanes);
  }
}
