// Reverse-mode tape semantics: accumulation over multiple uses and repeated
// backward calls, noGrad and detach, and an iterative topological order that
// survives a 100,000-node chain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Tensor, add, exp, isGradEnabled, matmul, mul, noGrad, ones, slice, sum, tensor, transpose, square, concat,
} from '../../src/index.js';

const f64 = { dtype: 'float64' } as const;

function values(t: Tensor | null): number[] {
  assert.ok(t, 'expected a gradient');
  return Array.from(t.contiguousData());
}

test('a tensor used twice receives the sum of both gradients (y = x·x + 3x ⇒ dy/dx = 2x + 3)', () => {
  const x = tensor([1.5, -2, 0.25], { ...f64, requiresGrad: true });
  sum(add(mul(x, x), mul(x, 3))).backward();
  assert.deepEqual(values(x.grad), [6, -1, 3.5]);
});

test('gradients from different views of one leaf accumulate (x and xᵀ in one expression)', () => {
  const x = tensor([[1, 2], [3, 4]], { ...f64, requiresGrad: true });
  // d/dX Σ (X ⊙ Xᵀ) = 2Xᵀ
  sum(mul(x, transpose(x))).backward();
  assert.deepEqual(values(x.grad), [2, 6, 4, 8]);
});

test('a diamond graph sums both paths exactly once', () => {
  const x = tensor([0.5], { ...f64, requiresGrad: true });
  const a = exp(x);
  const out = sum(add(mul(a, 2), square(a)));
  out.backward();
  const e = Math.exp(0.5);
  assert.ok(Math.abs(values(x.grad)[0]! - (2 * e + 2 * e * e)) < 1e-15);
});

test('.grad accumulates across backward calls until cleared', () => {
  const x = tensor([1, 2], { ...f64, requiresGrad: true });
  sum(mul(x, 3)).backward();
  sum(mul(x, 3)).backward();
  assert.deepEqual(values(x.grad), [6, 6]);
  x.grad = null;
  sum(mul(x, 3)).backward();
  assert.deepEqual(values(x.grad), [3, 3]);
});

test('only leaves keep .grad, and a leaf gradient owns its storage', () => {
  const x = tensor([1, 2], { ...f64, requiresGrad: true });
  const h = mul(x, 2);
  const seed = tensor([1, 1], f64);
  h.backward(seed);
  assert.equal(h.grad, null);
  assert.notEqual(x.grad!.data, seed.data);
  seed.data[0] = 100;
  assert.deepEqual(values(x.grad), [2, 2]);
});

test('backward with an explicit cotangent computes the vector–Jacobian product', () => {
  const A = tensor([[1, 2], [3, 4]], { ...f64, requiresGrad: true });
  const v = tensor([1, -1], { ...f64, requiresGrad: true });
  matmul(A, v).backward(tensor([2, 5], f64));
  assert.deepEqual(values(A.grad), [2, -2, 5, -5]);
  assert.deepEqual(values(v.grad), [17, 24]);
});

test('gradients flow through slices and concat back to the right entries', () => {
  const x = tensor([1, 2, 3, 4], { ...f64, requiresGrad: true });
  const y = concat([mul(slice(x, [[2, 4]]), 10), slice(x, [[0, 1]])]);
  sum(mul(y, tensor([1, 2, 3], f64))).backward();
  assert.deepEqual(values(x.grad), [3, 0, 10, 20]);
});

test('noGrad records no graph and restores recording afterwards, even after a throw', () => {
  const x = ones([2], { requiresGrad: true });
  const y = noGrad(() => {
    assert.equal(isGradEnabled(), false);
    return mul(x, 2);
  });
  assert.equal(y.node, null);
  assert.equal(y.requiresGrad, false);
  assert.equal(isGradEnabled(), true);
  assert.throws(() => noGrad(() => { throw new Error('boom'); }), { message: 'boom' });
  assert.equal(isGradEnabled(), true);
  const nested = noGrad(() => noGrad(() => mul(x, 2)));
  assert.equal(nested.node, null);
  assert.equal(isGradEnabled(), true);
});

test('detach stops the gradient but shares storage (d/dx of x·detach(x) is detach(x))', () => {
  const x = tensor([2, -3], { ...f64, requiresGrad: true });
  const d = x.detach();
  assert.equal(d.data, x.data);
  assert.equal(d.requiresGrad, false);
  assert.equal(d.node, null);
  sum(mul(x, d)).backward();
  assert.deepEqual(values(x.grad), [2, -3]);
});

test('ops on tensors that need no gradient record nothing', () => {
  const y = mul(ones([2]), 2);
  assert.equal(y.node, null);
  assert.equal(y.requiresGrad, false);
});

test('requiresGrad_ refuses non-leaf tensors', () => {
  const x = ones([2], { requiresGrad: true });
  assert.throws(() => mul(x, 2).requiresGrad_(false), { message: 'requiresGrad_: only leaf tensors can change requiresGrad; use detach() first' });
});

test('a 100,000-node chain runs backward without overflowing the stack', () => {
  const x = tensor([0.5], { ...f64, requiresGrad: true });
  let h: Tensor = x;
  for (let i = 0; i < 100_000; i++) h = add(h, 1e-6);
  sum(h).backward();
  assert.deepEqual(values(x.grad), [1]);
});
