// @ts-nocheck — AssemblyScript, compiled by scripts/build-wasm.mjs (asc); tsc cannot type v128/usize.
// float32 elementwise kernels that give the JS backend's results bit for bit: single IEEE ops
// (f32 rounding of an f64 +,−,×,÷ equals the direct f32 op), sums in the JS order, Adam in f64.

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

// out[i] = a[i] ∘ b[i] over n with a or b repeating every `period` elements (period = n: no repeat;
// 1: a scalar; inner: a bias row). which: 0 neither repeats, 1 a repeats, 2 b repeats.
@inline function binaryLoop(op: i32, a: usize, b: usize, out: usize, n: i32, period: i32, which: i32): void {
  if (period == 1 && which != 0) {
    // A scalar operand: splat it once.
    const x = which == 1 ? load<f32>(a) : load<f32>(b);
    const s = f32x4.splat(x);
    const y = which == 1 ? b : a;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      v128.store(out + o, which == 1 ? vop(op, s, v128.load(y + o)) : vop(op, v128.load(y + o), s));
    }
    for (; j < n; j++) {
      const o = <usize>j << 2;
      store<f32>(out + o, which == 1 ? sop(op, x, load<f32>(y + o)) : sop(op, load<f32>(y + o), x));
    }
    return;
  }
  const rows = n / period;
  for (let r = 0; r < rows; r++) {
    const ro = <usize>(r * period) << 2;
    const ar = which == 1 ? a : a + ro;
    const br = which == 2 ? b : b + ro;
    const or = out + ro;
    let j = 0;
    for (; j + 4 <= period; j += 4) {
      const o = <usize>j << 2;
      v128.store(or + o, vop(op, v128.load(ar + o), v128.load(br + o)));
    }
    for (; j < period; j++) {
      const o = <usize>j << 2;
      store<f32>(or + o, sop(op, load<f32>(ar + o), load<f32>(br + o)));
    }
  }
}

/** out = a ∘ b for n floats; `which` operand (1 = a, 2 = b, 0 = none) has only `period` floats, repeated. */
export function binaryF32(op: i32, a: usize, b: usize, out: usize, n: i32, period: i32, which: i32): void {
  // One instantiation per op, so the op test is hoisted out of the loops.
  if (op == ADD) binaryLoop(ADD, a, b, out, n, period, which);
  else if (op == SUB) binaryLoop(SUB, a, b, out, n, period, which);
  else if (op == MUL) binaryLoop(MUL, a, b, out, n, period, which);
  else binaryLoop(DIV, a, b, out, n, period, which);
}

// Unary ops, numbered as in index.ts.
const NEG: i32 = 0;
const RELU: i32 = 1;
const STEP: i32 = 2;
const SQUARE: i32 = 3;
const ABS: i32 = 4;

@inline function unaryLoop(op: i32, x: usize, out: usize, n: i32): void {
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(x + o);
    let r: v128;
    if (op == NEG) r = f32x4.neg(v);
    // NOTE: JS's `v > 0 ? v : 0` maps NaN and -0 to 0; a compare-and-mask does the same, f32x4.max would not.
    else if (op == RELU) r = v128.and(v, f32x4.gt(v, zero));
    else if (op == STEP) r = v128.and(one, f32x4.gt(v, zero));
    else if (op == SQUARE) r = f32x4.mul(v, v);
    else r = f32x4.abs(v);
    v128.store(out + o, r);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    let r: f32;
    if (op == NEG) r = -v;
    else if (op == RELU) r = v > 0 ? v : 0;
    else if (op == STEP) r = v > 0 ? 1 : 0;
    else if (op == SQUARE) r = v * v;
    else r = abs<f32>(v);
    store<f32>(out + o, r);
  }
}

/** out[i] = f(x[i]) for the ops that are exact in float32. */
export function unaryF32(op: i32, x: usize, out: usize, n: i32): void {
  if (op == NEG) unaryLoop(NEG, x, out, n);
  else if (op == RELU) unaryLoop(RELU, x, out, n);
  else if (op == STEP) unaryLoop(STEP, x, out, n);
  else if (op == SQUARE) unaryLoop(SQUARE, x, out, n);
  else unaryLoop(ABS, x, out, n);
}

/**
 * Sum the middle axis of [outer, n, inner] into [outer, inner], adding rows in order as the JS
 * backend does (so the float32 roundings match): vectorized across inner, never across n.
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
 * Adam/AdamW on float32 storage with the JS backend's float64 arithmetic in the same order, two
 * lanes at a time, so p, m and v come out bit-identical. Scalars arrive precomputed by index.ts.
 */
export function adamF32(
  p: usize, g: usize, m: usize, v: usize, n: i32,
  stepSize: f64, sqrtBc2: f64, shrink: f64, l2: f64, beta1: f64, oneMinusBeta1: f64, beta2: f64, oneMinusBeta2: f64, eps: f64,
): void {
  const vShrink = f64x2.splat(shrink), vL2 = f64x2.splat(l2), vB1 = f64x2.splat(beta1), vC1 = f64x2.splat(oneMinusBeta1);
  const vB2 = f64x2.splat(beta2), vC2 = f64x2.splat(oneMinusBeta2), vStep = f64x2.splat(stepSize);
  const vSqrtBc2 = f64x2.splat(sqrtBc2), vEps = f64x2.splat(eps);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const o = <usize>i << 2;
    const p0 = f64x2.promote_low_f32x4(v128.load64_zero(p + o));
    const g0 = f64x2.promote_low_f32x4(v128.load64_zero(g + o));
    const m0 = f64x2.promote_low_f32x4(v128.load64_zero(m + o));
    const v0 = f64x2.promote_low_f32x4(v128.load64_zero(v + o));
    const pi = f64x2.mul(p0, vShrink);
    const gi = f64x2.add(g0, f64x2.mul(vL2, p0));
    const mi = f64x2.add(f64x2.mul(vB1, m0), f64x2.mul(vC1, gi));
    const vi = f64x2.add(f64x2.mul(vB2, v0), f64x2.mul(f64x2.mul(vC2, gi), gi));
    const upd = f64x2.div(f64x2.mul(vStep, mi), f64x2.add(f64x2.div(f64x2.sqrt(vi), vSqrtBc2), vEps));
    v128.store64_lane(m + o, f32x4.demote_f64x2_zero(mi), 0);
    v128.store64_lane(v + o, f32x4.demote_f64x2_zero(vi), 0);
    v128.store64_lane(p + o, f32x4.demote_f64x2_zero(f64x2.sub(pi, upd)), 0);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const p0 = <f64>load<f32>(p + o);
    const gi = <f64>load<f32>(g + o) + l2 * p0;
    const mi = beta1 * <f64>load<f32>(m + o) + oneMinusBeta1 * gi;
    const vi = beta2 * <f64>load<f32>(v + o) + oneMinusBeta2 * gi * gi;
    store<f32>(m + o, <f32>mi);
    store<f32>(v + o, <f32>vi);
    store<f32>(p + o, <f32>(p0 * shrink - (stepSize * mi) / (Math.sqrt(vi) / sqrtBc2 + eps)));
  }
}
