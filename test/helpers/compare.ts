// Comparison helpers for float64 tests: relative error of whole tensors
// (max |a − b| over max |b|), so a tolerance reads as "agrees to 10 digits".
import assert from 'node:assert/strict';
import { Tensor } from '../../src/tensor/tensor.js';
import { fmtShape, shapesEqual } from '../../src/tensor/shape.js';

export function relErr(actual: Tensor | ArrayLike<number>, expected: Tensor | ArrayLike<number>): number {
  const a = actual instanceof Tensor ? actual.contiguousData() : actual;
  const e = expected instanceof Tensor ? expected.contiguousData() : expected;
  assert.equal(a.length, e.length, 'relErr: sizes differ');
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - e[i]!));
    den = Math.max(den, Math.abs(e[i]!));
  }
  return den === 0 ? num : num / den;
}

/** Assert same shape and relative error below tol. */
export function assertRelClose(actual: Tensor, expected: Tensor, tol: number, what: string): void {
  assert.ok(shapesEqual(actual.shape, expected.shape), `${what}: shape ${fmtShape(actual.shape)} vs ${fmtShape(expected.shape)}`);
  const err = relErr(actual, expected);
  assert.ok(err < tol, `${what}: relative error ${err.toExponential(2)} ≥ ${tol}`);
}
