// Comparison helpers for float64 tests: relative error of whole tensors
// (max |a − b| over max |b|), so a tolerance reads as "agrees to 10 digits".
import assert from 'node:assert/strict';
import type { Tensor } from '../../src/tensor/tensor.js';
import { relErr } from '../../src/models/derivations.js';

export { relErr };
import { fmtShape, shapesEqual } from '../../src/tensor/shape.js';

/** Largest entrywise |a − b|. */
export function maxAbsDiff(a: Tensor, b: Tensor): number {
  const x = a.contiguousData();
  const y = b.contiguousData();
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!));
  return m;
}

/** Assert same shape and relative error below tol. */
export function assertRelClose(actual: Tensor, expected: Tensor, tol: number, what: string): void {
  assert.ok(shapesEqual(actual.shape, expected.shape), `${what}: shape ${fmtShape(actual.shape)} vs ${fmtShape(expected.shape)}`);
  const err = relErr(actual, expected);
  assert.ok(err < tol, `${what}: relative error ${err.toExponential(2)} ≥ ${tol}`);
}
