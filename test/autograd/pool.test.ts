// Buffer recycling of backward temporaries: gradients stay correct across
// steps, and leaf gradients are never handed out again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, Tensor, mul, randn, sum, exp, add } from '../../src/index.js';
import { recycleScope, takeFree, clearPool } from '../../src/tensor/pool.js';
import { allocate } from '../../src/tensor/dtype.js';

test('buffers allocated inside a recycle scope return to the free list, kept ones do not', () => {
  clearPool();
  let a: Float32Array | Float64Array | null = null;
  let b: Float32Array | Float64Array | null = null;
  recycleScope((keep) => {
    a = allocate('float32', 12345);
    b = allocate('float32', 12345);
    keep(b);
  });
  const again = takeFree(false, 12345);
  assert.equal(again, a);
  assert.equal(takeFree(false, 12345), null);
});

test('a recycled buffer comes back zero-filled from allocate', () => {
  clearPool();
  recycleScope(() => {
    allocate('float64', 7).fill(3);
  });
  assert.deepEqual([...allocate('float64', 7)], [0, 0, 0, 0, 0, 0, 0]);
});

test('repeated backward passes reuse temporaries yet give identical gradients and untouched leaf grads', () => {
  clearPool();
  const rng = new Rng(3);
  const w = randn([64, 64], rng, { dtype: 'float64' }).requiresGrad_();
  const x = randn([64, 64], rng, { dtype: 'float64' });
  const grads: Float64Array[] = [];
  let firstGrad: Tensor | null = null;
  for (let s = 0; s < 3; s++) {
    w.grad = null;
    sum(exp(mul(add(mul(w, x), w), 0.01))).backward();
    if (s === 0) firstGrad = w.grad;
    grads.push(w.grad!.contiguousData().slice() as Float64Array);
  }
  assert.deepEqual(grads[1], grads[0]);
  assert.deepEqual(grads[2], grads[0]);
  // The first step's leaf gradient was kept out of the pool, so later steps never overwrote it.
  assert.deepEqual(firstGrad!.contiguousData(), grads[0]);
});
