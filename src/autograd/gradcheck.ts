// Finite-difference verification of reverse-mode gradients, in float64.
// Two checks: every entry by central differences against the VJP with a
// random cotangent v, and ⟨v, J·u⟩ ≈ ⟨Jᵀv, u⟩ along one random direction u.
// NOTE: the five-point stencil (error O(h⁴)) allows h = 1e-4, so round-off
// (≈ 1e-16·|f|/h) stays far below the 1e-6 relative tolerance.
import { Tensor } from '../tensor/tensor.js';
import { Rng } from '../tensor/random.js';
import { noGrad } from './tape.js';
import { fmtShape } from '../tensor/shape.js';

export interface GradcheckOptions {
  /** Finite-difference step (default 1e-4, for the five-point stencil). */
  eps?: number;
  /** Pass when |analytic − numeric| ≤ atol + rtol·max(|analytic|, |numeric|) (defaults 1e-7, 1e-6). */
  atol?: number;
  rtol?: number;
  /** Seed for the random cotangent and direction. */
  seed?: number;
  /** Skip the entrywise check for inputs larger than this (the directional check still runs). */
  maxEntries?: number;
}

export interface GradcheckResult {
  ok: boolean;
  /** Largest relative error over all checked entries and the directional check. */
  maxRelError: number;
  /** Human-readable mismatch descriptions (empty when ok). */
  failures: string[];
}

/**
 * f′(0) ≈ [8(f(h) − f(−h)) − (f(2h) − f(−2h))] / 12h (five-point central difference).
 * NOTE: differences are taken first, so an input f does not depend on gives exactly 0.
 */
function stencil(f: (h: number) => number, h: number): number {
  const m2 = f(-2 * h);
  const m1 = f(-h);
  const p1 = f(h);
  const p2 = f(2 * h);
  return (8 * (p1 - m1) - (p2 - m2)) / (12 * h);
}

function relError(a: number, n: number, atol: number): number {
  return Math.abs(a - n) / Math.max(Math.abs(a), Math.abs(n), atol);
}

/**
 * Check the gradients of fn at `inputs` (float64 tensors). fn may return any
 * shape; it is contracted with a fixed random cotangent.
 */
export function gradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[], opts: GradcheckOptions = {}): GradcheckResult {
  const eps = opts.eps ?? 1e-4;
  const atol = opts.atol ?? 1e-7;
  const rtol = opts.rtol ?? 1e-6;
  const maxEntries = opts.maxEntries ?? 400;
  const rng = new Rng(opts.seed ?? 1234);
  for (const [i, x] of inputs.entries()) {
    if (x.dtype !== 'float64') throw new Error(`gradcheck: input ${i} is ${x.dtype}; gradient checks need float64`);
  }
  const leaves = inputs.map((x) => new Tensor(x.contiguousData().slice(), x.shape, undefined, 0, true));
  const out0 = fn(...leaves);
  const v = new Float64Array(out0.size);
  for (let i = 0; i < v.length; i++) v[i] = rng.normal();
  const dot = (t: Tensor): number => {
    const d = t.contiguousData();
    let s = 0;
    for (let i = 0; i < d.length; i++) s += d[i]! * v[i]!;
    return s;
  };
  if (!out0.requiresGrad) throw new Error('gradcheck: the output does not depend on any input');
  out0.backward(new Tensor(v.slice(), out0.shape));
  const analytic = leaves.map((l) => (l.grad ? l.grad.contiguousData() : new Float64Array(l.size)));
  const evalAt = (): number => noGrad(() => dot(fn(...leaves)));
  const failures: string[] = [];
  let worst = 0;
  const tol = (a: number, n: number): boolean => Math.abs(a - n) <= atol + rtol * Math.max(Math.abs(a), Math.abs(n));

  for (const [k, leaf] of leaves.entries()) {
    if (leaf.size > maxEntries) continue;
    const d = leaf.data;
    for (let i = 0; i < d.length; i++) {
      const orig = d[i]!;
      const at = (h: number): number => {
        d[i] = orig + h;
        return evalAt();
      };
      const num = stencil(at, eps);
      d[i] = orig;
      const an = analytic[k]![i]!;
      worst = Math.max(worst, relError(an, num, atol));
      if (!tol(an, num)) failures.push(`input ${k} ${fmtShape(leaf.shape)} entry ${i}: analytic ${an}, numeric ${num}`);
    }
  }

  // Directional check: one central difference along a random u for all inputs at once.
  const us = leaves.map((l) => Float64Array.from({ length: l.size }, () => rng.normal()));
  const base = leaves.map((l) => l.data.slice());
  const along = (h: number): number => {
    leaves.forEach((l, k) => us[k]!.forEach((u, i) => (l.data[i] = base[k]![i]! + h * u)));
    return evalAt();
  };
  const jvp = stencil(along, eps);
  leaves.forEach((l, k) => l.data.set(base[k]!));
  let vjp = 0;
  leaves.forEach((_, k) => us[k]!.forEach((u, i) => (vjp += u * analytic[k]![i]!)));
  worst = Math.max(worst, relError(vjp, jvp, atol));
  if (!tol(vjp, jvp)) failures.push(`directional check: <J^T v, u> = ${vjp}, <v, J u> = ${jvp}`);
  return { ok: failures.length === 0, maxRelError: worst, failures };
}
