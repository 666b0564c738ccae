// isFiniteTensor is exact: its fast path (one sum) never hides a NaN or ±Inf,
// and finite values whose sum overflows are still reported finite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isFiniteTensor, tensor } from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';

forEachBackend(() => {
  test('isFiniteTensor finds a single NaN, +Inf or −Inf anywhere, in float32 and float64', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      for (const bad of [NaN, Infinity, -Infinity]) {
        for (const at of [0, 500, 999]) {
          const v = Array.from({ length: 1000 }, (_, i) => (i === at ? bad : i * 0.5 - 7));
          assert.equal(isFiniteTensor(tensor(v, { dtype })), false, `${dtype} ${bad} at ${at}`);
        }
      }
      assert.equal(isFiniteTensor(tensor([Infinity, -Infinity], { dtype })), false);
      assert.equal(isFiniteTensor(tensor([1, 2, 3], { dtype })), true);
    }
  });

  test('isFiniteTensor reports finite float32 values whose sum overflows as finite', () => {
    assert.equal(isFiniteTensor(tensor([3e38, 3e38, 3e38], { dtype: 'float32' })), true);
    assert.equal(isFiniteTensor(tensor([1.7e308, 1.7e308], { dtype: 'float64' })), true);
  });
});
