// Elementwise, broadcasting, reduction and strided-copy kernels in plain JS.
// Each op gets its own tight loop (a switch outside the loop, never inside),
// so V8 sees monomorphic code on the hot paths.
import type { BiasAct, BinaryKernel, FloatArray, ReduceKernel, UnaryKernel } from '../backend.js';
import { checkBceLogitsGrad, checkBiasAct, checkBroadcast, checkLengths, checkReduce, checkRows, checkView } from '../checks.js';

export function unary(op: UnaryKernel, x: FloatArray, out: FloatArray, p0: number, p1: number): void {
  const n = x.length;
  if (out.length !== n) throw new RangeError(`unary: out has ${out.length} elements, x has ${n}`);
  switch (op) {
    case 'neg': for (let i = 0; i < n; i++) out[i] = -x[i]!; return;
    case 'exp': for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]!); return;
    case 'log': for (let i = 0; i < n; i++) out[i] = Math.log(x[i]!); return;
    case 'log1p': for (let i = 0; i < n; i++) out[i] = Math.log1p(x[i]!); return;
    case 'expm1': for (let i = 0; i < n; i++) out[i] = Math.expm1(x[i]!); return;
    case 'sqrt': for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]!); return;
    case 'abs': for (let i = 0; i < n; i++) out[i] = Math.abs(x[i]!); return;
    case 'square': for (let i = 0; i < n; i++) { const v = x[i]!; out[i] = v * v; } return;
    case 'sign': for (let i = 0; i < n; i++) out[i] = Math.sign(x[i]!); return;
    case 'reciprocal': for (let i = 0; i < n; i++) out[i] = 1 / x[i]!; return;
    case 'sigmoid':
      // NOTE: split by sign so exp never overflows for large |x|.
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        if (v >= 0) out[i] = 1 / (1 + Math.exp(-v));
        else { const e = Math.exp(v); out[i] = e / (1 + e); }
      }
      return;
    case 'tanh': for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]!); return;
    case 'relu': for (let i = 0; i < n; i++) { const v = x[i]!; out[i] = v > 0 ? v : 0; } return;
    case 'step': for (let i = 0; i < n; i++) out[i] = x[i]! > 0 ? 1 : 0; return;
    case 'softplus':
      // softplus(x) = max(x,0) + log1p(exp(-|x|)): exact and overflow-free.
      for (let i = 0; i < n; i++) { const v = x[i]!; out[i] = (v > 0 ? v : 0) + Math.log1p(Math.exp(-Math.abs(v))); }
      return;
    case 'powScalar':
      if (p0 === 2) for (let i = 0; i < n; i++) { const v = x[i]!; out[i] = v * v; }
      else for (let i = 0; i < n; i++) out[i] = Math.pow(x[i]!, p0);
      return;
    case 'clamp': for (let i = 0; i < n; i++) { const v = x[i]!; out[i] = v < p0 ? p0 : v > p1 ? p1 : v; } return;
    case 'leakyRelu': for (let i = 0; i < n; i++) { const v = x[i]!; out[i] = v > 0 ? v : p0 * v; } return;
    case 'elu': for (let i = 0; i < n; i++) { const v = x[i]!; out[i] = v > 0 ? v : p0 * Math.expm1(v); } return;
  }
}

export function biasActInplace(x: FloatArray, bias: FloatArray, m: number, n: number, act: BiasAct): void {
  checkBiasAct(x, bias, m, n, act);
  const f32 = x instanceof Float32Array;
  for (let i = 0, o = 0; i < m; i++, o += n) {
    switch (act) {
      case 'identity': for (let j = 0; j < n; j++) x[o + j] += bias[j]!; break;
      case 'relu': for (let j = 0; j < n; j++) { const v = x[o + j]! + bias[j]!; x[o + j] = v > 0 ? v : 0; } break;
      case 'sigmoid':
        // As unary's sigmoid of the stored sum (rounded to float32 first, for float32), split by
        // sign so exp never overflows.
        for (let j = 0; j < n; j++) {
          const v = f32 ? Math.fround(x[o + j]! + bias[j]!) : x[o + j]! + bias[j]!;
          if (v >= 0) x[o + j] = 1 / (1 + Math.exp(-v));
          else { const e = Math.exp(v); x[o + j] = e / (1 + e); }
        }
        break;
    }
  }
}

function binLoop(
  op: BinaryKernel, n: number,
  a: FloatArray, ai: number, as: number,
  b: FloatArray, bi: number, bs: number,
  out: FloatArray, oi: number,
): void {
  switch (op) {
    case 'add': for (let j = 0; j < n; j++) out[oi + j] = a[ai + j * as]! + b[bi + j * bs]!; return;
    case 'sub': for (let j = 0; j < n; j++) out[oi + j] = a[ai + j * as]! - b[bi + j * bs]!; return;
    case 'mul': for (let j = 0; j < n; j++) out[oi + j] = a[ai + j * as]! * b[bi + j * bs]!; return;
    case 'div': for (let j = 0; j < n; j++) out[oi + j] = a[ai + j * as]! / b[bi + j * bs]!; return;
    case 'pow': for (let j = 0; j < n; j++) out[oi + j] = Math.pow(a[ai + j * as]!, b[bi + j * bs]!); return;
    case 'maximum': for (let j = 0; j < n; j++) out[oi + j] = Math.max(a[ai + j * as]!, b[bi + j * bs]!); return;
    case 'minimum': for (let j = 0; j < n; j++) out[oi + j] = Math.min(a[ai + j * as]!, b[bi + j * bs]!); return;
    case 'gt': for (let j = 0; j < n; j++) out[oi + j] = a[ai + j * as]! > b[bi + j * bs]! ? 1 : 0; return;
    case 'ge': for (let j = 0; j < n; j++) out[oi + j] = a[ai + j * as]! >= b[bi + j * bs]! ? 1 : 0; return;
    case 'lt': for (let j = 0; j < n; j++) out[oi + j] = a[ai + j * as]! < b[bi + j * bs]! ? 1 : 0; return;
    case 'le': for (let j = 0; j < n; j++) out[oi + j] = a[ai + j * as]! <= b[bi + j * bs]! ? 1 : 0; return;
    case 'eq': for (let j = 0; j < n; j++) out[oi + j] = a[ai + j * as]! === b[bi + j * bs]! ? 1 : 0; return;
  }
}

/** Row-major strides of `shape` with 0 on broadcast (size-1) axes of an operand. */
function bstrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = shape[i] === 1 && outShape[i] !== 1 ? 0 : acc;
    acc *= shape[i]!;
  }
  return s;
}

export function binary(
  op: BinaryKernel,
  a: FloatArray, aShape: readonly number[],
  b: FloatArray, bShape: readonly number[],
  out: FloatArray, outShape: readonly number[],
): void {
  checkBroadcast('binary', outShape, out, { a: [a, aShape], b: [b, bShape] });
  const total = out.length;
  if (total === 0) return;
  if (a.length === total && b.length === total) return binLoop(op, total, a, 0, 1, b, 0, 1, out, 0);
  if (b.length === 1 && a.length === total) return binLoop(op, total, a, 0, 1, b, 0, 0, out, 0);
  if (a.length === 1 && b.length === total) return binLoop(op, total, a, 0, 0, b, 0, 1, out, 0);
  const rank = outShape.length;
  const sa = bstrides(aShape, outShape);
  const sb = bstrides(bShape, outShape);
  const inner = outShape[rank - 1]!;
  const outer = total / inner;
  const idx = new Array<number>(rank - 1).fill(0);
  let ai = 0;
  let bi = 0;
  for (let o = 0; o < outer; o++) {
    binLoop(op, inner, a, ai, sa[rank - 1]!, b, bi, sb[rank - 1]!, out, o * inner);
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]!++;
      ai += sa[d]!;
      bi += sb[d]!;
      if (idx[d]! < outShape[d]!) break;
      ai -= sa[d]! * outShape[d]!;
      bi -= sb[d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
}

export function where(
  cond: FloatArray, cShape: readonly number[],
  a: FloatArray, aShape: readonly number[],
  b: FloatArray, bShape: readonly number[],
  out: FloatArray, outShape: readonly number[],
): void {
  checkBroadcast('where', outShape, out, { cond: [cond, cShape], a: [a, aShape], b: [b, bShape] });
  const rank = outShape.length;
  const sc = bstrides(cShape, outShape);
  const sa = bstrides(aShape, outShape);
  const sb = bstrides(bShape, outShape);
  const idx = new Array<number>(rank).fill(0);
  let ci = 0;
  let ai = 0;
  let bi = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = cond[ci]! !== 0 ? a[ai]! : b[bi]!;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      ci += sc[d]!;
      ai += sa[d]!;
      bi += sb[d]!;
      if (idx[d]! < outShape[d]!) break;
      ci -= sc[d]! * outShape[d]!;
      ai -= sa[d]! * outShape[d]!;
      bi -= sb[d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
}

export function reduce(op: ReduceKernel, x: FloatArray, outer: number, n: number, inner: number, out: FloatArray): void {
  checkReduce(x, outer, n, inner, out);
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    const ob = o * inner;
    if (n === 0) {
      out.fill(op === 'sum' ? 0 : op === 'max' ? -Infinity : Infinity, ob, ob + inner);
      continue;
    }
    for (let j = 0; j < inner; j++) out[ob + j] = x[base + j]!;
    for (let r = 1; r < n; r++) {
      const rb = base + r * inner;
      switch (op) {
        case 'sum': for (let j = 0; j < inner; j++) out[ob + j] += x[rb + j]!; break;
        case 'max': for (let j = 0; j < inner; j++) { const v = x[rb + j]!; if (v > out[ob + j]! || v !== v) out[ob + j] = v; } break;
        case 'min': for (let j = 0; j < inner; j++) { const v = x[rb + j]!; if (v < out[ob + j]! || v !== v) out[ob + j] = v; } break;
      }
    }
  }
}

/** Runs at least this long are copied by TypedArray.set, whose call costs more than a short loop. */
const MIN_RUN = 64;

export function copyStrided(
  src: FloatArray, srcOff: number, shape: readonly number[], strides: readonly number[], out: FloatArray,
): void {
  checkView(src, srcOff, shape, strides, out);
  const rank = shape.length;
  if (rank === 0) {
    out[0] = src[srcOff]!;
    return;
  }
  const total = out.length;
  if (total === 0) return;
  const inner = shape[rank - 1]!;
  const is = strides[rank - 1]!;
  // Long contiguous runs are copied whole; one run repeated for every outer index (a bias row
  // broadcast over a batch) is copied once and the filled part doubled: log₂ copies, not one per row.
  const runs = is === 1 && inner >= MIN_RUN;
  if (runs && strides.every((st, d) => st === 0 || d === rank - 1)) {
    out.set(src.subarray(srcOff, srcOff + inner), 0);
    for (let filled = inner; filled < total; filled *= 2) out.copyWithin(filled, 0, Math.min(filled, total - filled));
    return;
  }
  const idx = new Array<number>(rank - 1).fill(0);
  let si = srcOff;
  for (let o = 0; o < total; o += inner) {
    if (runs) out.set(src.subarray(si, si + inner), o);
    else for (let j = 0; j < inner; j++) out[o + j] = src[si + j * is]!;
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]!++;
      si += strides[d]!;
      if (idx[d]! < shape[d]!) break;
      si -= strides[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
}

export function allFinite(x: FloatArray): boolean {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i]!)) return false;
  return true;
}

export function gather(x: FloatArray, outer: number, n: number, inner: number, idx: Int32Array, out: FloatArray): void {
  checkRows('gather', outer, n, inner, idx, ['x', x], ['out', out]);
  const r = idx.length;
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < r; k++) {
      const src = (o * n + idx[k]!) * inner;
      out.set(x.subarray(src, src + inner), (o * r + k) * inner);
    }
  }
}

export function scatterAdd(g: FloatArray, outer: number, n: number, inner: number, idx: Int32Array, out: FloatArray): void {
  checkRows('scatterAdd', outer, n, inner, idx, ['out', out], ['g', g]);
  const r = idx.length;
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < r; k++) {
      const dst = (o * n + idx[k]!) * inner;
      const src = (o * r + k) * inner;
      for (let i = 0; i < inner; i++) out[dst + i] += g[src + i]!;
    }
  }
}

export function bceLogits(logits: FloatArray, target: FloatArray, out: FloatArray, sig: FloatArray): void {
  checkLengths('bceLogits', { logits, target, out, sig });
  const n = logits.length;
  for (let i = 0; i < n; i++) {
    const l = logits[i]!;
    // e = exp(−|ℓ|) ≤ 1 never overflows; softplus(ℓ) = max(ℓ, 0) + log1p(e).
    const e = Math.exp(-Math.abs(l));
    out[i] = (l > 0 ? l : 0) + Math.log1p(e) - l * target[i]!;
    sig[i] = l >= 0 ? 1 / (1 + e) : e / (1 + e);
  }
}

export function bceLogitsGrad(g: FloatArray, sig: FloatArray, target: FloatArray, cols: number, out: FloatArray): void {
  checkBceLogitsGrad(g, sig, target, cols, out);
  const n = out.length;
  for (let r = 0, i = 0; i < n; r++) {
    const gr = g[r]!;
    for (const end = Math.min(n, i + cols); i < end; i++) out[i] = gr * (sig[i]! - target[i]!);
  }
}

export function normalKl(locP: FloatArray, logScaleP: FloatArray, locQ: FloatArray, logScaleQ: FloatArray, out: FloatArray): void {
  checkLengths('normalKl', { out, locP, logScaleP, locQ, logScaleQ });
  const n = out.length;
  for (let i = 0; i < n; i++) {
    const r = 2 * (logScaleP[i]! - logScaleQ[i]!);
    const d = (locP[i]! - locQ[i]!) * Math.exp(-logScaleQ[i]!);
    // NOTE: expm1(r) − r, not exp(r) − r − 1, keeps the relative accuracy when σp ≈ σq.
    out[i] = 0.5 * (Math.expm1(r) - r) + 0.5 * d * d;
  }
}

// ∂/∂μp = (μp − μq)/σq², ∂/∂μq = −∂/∂μp, ∂/∂log σp = eʳ − 1, ∂/∂log σq = −(eʳ − 1) − (μp − μq)²/σq².
export function normalKlGrad(
  g: FloatArray, locP: FloatArray, logScaleP: FloatArray, locQ: FloatArray, logScaleQ: FloatArray,
  dLocP: FloatArray, dLogScaleP: FloatArray, dLocQ: FloatArray, dLogScaleQ: FloatArray,
): void {
  checkLengths('normalKlGrad', { g, locP, logScaleP, locQ, logScaleQ, dLocP, dLogScaleP, dLocQ, dLogScaleQ });
  const n = g.length;
  for (let i = 0; i < n; i++) {
    const gi = g[i]!;
    const invVarQ = Math.exp(-2 * logScaleQ[i]!);
    const dm = locP[i]! - locQ[i]!;
    const em1 = Math.expm1(2 * (logScaleP[i]! - logScaleQ[i]!));
    dLocP[i] = gi * dm * invVarQ;
    dLocQ[i] = -gi * dm * invVarQ;
    dLogScaleP[i] = gi * em1;
    dLogScaleQ[i] = -gi * (em1 + dm * dm * invVarQ);
  }
}
