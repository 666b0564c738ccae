// Shared test helpers: float64 tensors, closeness checks and seeded random SPD matrices.
import assert from 'node:assert/strict';
import { Rng, Tensor, tensor } from '../../src/index.js';

export const f64 = { dtype: 'float64' as const };

export function t64(v: number[] | number[][] | number[][][]): Tensor {
  return tensor(v, f64);
}

export function flat(t: Tensor): number[] {
  return Array.from(t.contiguousData());
}

/** |a − b| ≤ atol + rtol·|b| elementwise, with a message naming the worst entry. */
export function assertClose(actual: Tensor | number | number[], expected: Tensor | number | number[], atol: number, rtol = 0, what = 'value'): void {
  const a = typeof actual === 'number' ? [actual] : Array.isArray(actual) ? actual : flat(actual);
  const b = typeof expected === 'number' ? [expected] : Array.isArray(expected) ? expected : flat(expected);
  assert.equal(a.length, b.length, `${what}: ${a.length} values vs ${b.length}`);
  a.forEach((x, i) => {
    const ok = Math.abs(x - b[i]!) <= atol + rtol * Math.abs(b[i]!);
    assert.ok(ok, `${what}[${i}]: got ${x}, expected ${b[i]} (atol ${atol}, rtol ${rtol})`);
  });
}

/** A random d×d matrix with standard normal entries, as nested arrays. */
export function randomMatrix(d: number, rng: Rng): number[][] {
  return Array.from({ length: d }, () => Array.from({ length: d }, () => rng.normal()));
}

/** A Aᵀ + jitter·I for a random A: symmetric positive definite. */
export function randomSpd(d: number, rng: Rng, jitter = 0.5): number[][] {
  const A = randomMatrix(d, rng);
  return A.map((ri, i) => A.map((rj, j) => ri.reduce((s, v, k) => s + v * rj[k]!, 0) + (i === j ? jitter : 0)));
}

export function randomVector(d: number, rng: Rng, scale = 1): number[] {
  return Array.from({ length: d }, () => scale * rng.normal());
}
