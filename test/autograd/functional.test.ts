// grad and valueAndGrad: JAX-style function transforms that never touch the
// tensors passed in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, grad, valueAndGrad, matmul, mul, sum, tensor, exp, ones } from '../../src/index.js';

const f64 = { dtype: 'float64' } as const;

test('valueAndGrad returns f(x) and ∂f/∂xᵢ for every argument', () => {
  const f = (x: Tensor, y: Tensor): Tensor => sum(mul(mul(x, y), y));
  const x = tensor([1, 2], f64);
  const y = tensor([3, -1], f64);
  const { value, grads } = valueAndGrad(f)(x, y);
  assert.equal(value.item(), 1 * 9 + 2 * 1);
  assert.equal(value.requiresGrad, false);
  assert.deepEqual(Array.from(grads[0]!.contiguousData()), [9, 1]);
  assert.deepEqual(Array.from(grads[1]!.contiguousData()), [6, -4]);
});

test('grad leaves its inputs untouched (no .grad, no requiresGrad) and can be called repeatedly', () => {
  const g = grad((a: Tensor) => sum(exp(a)));
  const a = tensor([0, 1], f64);
  const first = g(a);
  const second = g(a);
  assert.equal(a.grad, null);
  assert.equal(a.requiresGrad, false);
  assert.deepEqual(Array.from(first[0]!.contiguousData()), [1, Math.E]);
  assert.deepEqual(Array.from(second[0]!.contiguousData()), [1, Math.E]);
});

test('an argument f does not use gets a zero gradient of its shape', () => {
  const [gx, gy] = grad((x: Tensor, _y: Tensor) => sum(x))(ones([2], f64), ones([2, 3], f64));
  assert.deepEqual(Array.from(gx!.contiguousData()), [1, 1]);
  assert.deepEqual(gy!.shape, [2, 3]);
  assert.deepEqual(Array.from(gy!.contiguousData()), [0, 0, 0, 0, 0, 0]);
});

test('grad of a quadratic form xᵀAx is (A + Aᵀ)x', () => {
  const A = tensor([[1, 2], [0, 3]], f64);
  const [gx] = grad((x: Tensor) => matmul(x, matmul(A, x)))(tensor([1, -1], f64));
  assert.deepEqual(Array.from(gx!.contiguousData()), [1 * 2 + 2 * -1, 2 * 1 + 6 * -1]);
});

test('valueAndGrad refuses a non-scalar function', () => {
  assert.throws(() => valueAndGrad((x: Tensor) => mul(x, 2))(ones([2, 2], f64)), {
    message: 'valueAndGrad: f must return a scalar, got shape [2,2]',
  });
});
