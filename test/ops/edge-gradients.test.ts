// Gradients at the points finite differences cannot check: kinks and ties
// (documented subgradients), zeros of pow, and saturated inputs at |x| = 1000.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Tensor, abs, bceWithLogits, clamp, grad, logsumexp, max, maximum, min, pow, powScalar, relu, sigmoid, softplus, sum, tensor,
} from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';

const f64 = { dtype: 'float64' } as const;
const t = (v: number[]): Tensor => tensor(v, f64);
const g1 = (f: (x: Tensor) => Tensor, x: number[]): number[] => Array.from(grad(f)(t(x))[0]!.contiguousData());

forEachBackend(() => {
  describe('kinks and ties', () => {
    test('max and min split the gradient equally among tied entries', () => {
      assert.deepEqual(g1((x) => max(x), [1, 3, 3]), [0, 0.5, 0.5]);
      assert.deepEqual(g1((x) => min(x), [2, 2, 2, 5]), [1 / 3, 1 / 3, 1 / 3, 0]);
    });

    test('maximum sends half the gradient each way on a tie', () => {
      assert.deepEqual(g1((x) => sum(maximum(x, 1)), [1, 3, 0]), [0.5, 1, 0]);
    });

    test('relu and abs take the zero subgradient at 0', () => {
      assert.deepEqual(g1((x) => sum(relu(x)), [-1, 0, 2]), [0, 0, 1]);
      assert.deepEqual(g1((x) => sum(abs(x)), [-1, 0, 2]), [-1, 0, 1]);
    });

    test('clamp passes the gradient strictly inside the bounds only', () => {
      assert.deepEqual(g1((x) => sum(clamp(x, -1, 1)), [-2, -1, 0, 1, 2]), [0, 0, 1, 0, 0]);
    });
  });

  describe('pow at zero', () => {
    test('powScalar(x, 0) has zero gradient everywhere, including x = 0 (not 0·∞ = NaN)', () => {
      assert.deepEqual(g1((x) => sum(powScalar(x, 0)), [0, 2]), [0, 0]);
      assert.deepEqual(g1((x) => sum(powScalar(x, 2)), [0, 2]), [0, 4]);
    });

    test('pow(a, b): ∂/∂b is 0 where a = 0 and b ≥ 0, ∂/∂a is 0 where b = 0', () => {
      const [ga, gb] = grad((a: Tensor, b: Tensor) => sum(pow(a, b)))(t([0, 2, 0]), t([2, 3, 0]));
      assert.deepEqual(Array.from(ga!.contiguousData()), [0, 12, 0]);
      assert.deepEqual(Array.from(gb!.contiguousData()), [0, 8 * Math.log(2), 0]);
    });
  });

  describe('saturated inputs', () => {
    test('sigmoid and softplus gradients are finite and exact at ±1000', () => {
      assert.deepEqual(g1((x) => sum(softplus(x)), [1000, -1000, 0]), [1, 0, 0.5]);
      assert.deepEqual(g1((x) => sum(sigmoid(x)), [1000, -1000, 0]), [0, 0, 0.25]);
    });

    test('bceWithLogits gradient is σ(x) − y, finite at logits ±1000', () => {
      const [gx] = grad((x: Tensor) => bceWithLogits(x, t([1, 0, 0, 1]), 'sum'))(t([1000, -1000, 1000, -1000]));
      assert.deepEqual(Array.from(gx!.contiguousData()), [0, 0, 1, -1]);
    });

    test('logsumexp gradient is the softmax, finite at ±1000', () => {
      const g = g1((x) => logsumexp(x), [1000, 1000, -1000]);
      assert.deepEqual(g, [0.5, 0.5, 0]);
    });
  });
});
