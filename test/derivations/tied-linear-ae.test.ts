// Seed derivation 2: tied linear autoencoder L = ½‖WᵀWx − x‖². W appears
// twice, so ∂L/∂W = W(r xᵀ + x rᵀ) with r = WᵀWx − x: the sum of both paths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, Rng, grad, matmul, mul, outer, randn, square, sub, sum, transpose, add } from '../../src/index.js';
import { relErr } from '../helpers/compare.js';

const n = 7;
const h = 3;

function loss(x: Tensor) {
  return (W: Tensor): Tensor => mul(sum(square(sub(matmul(transpose(W), matmul(W, x)), x))), 0.5);
}

test('autodiff ∂L/∂W equals the two-path closed form W(r xᵀ + x rᵀ) (random float64 inputs)', () => {
  for (const seed of [11, 12, 13, 14, 15]) {
    const rng = new Rng(seed);
    const W = randn([h, n], rng, { dtype: 'float64' });
    const x = randn([n], rng, { dtype: 'float64' });
    const [dW] = grad(loss(x))(W);
    const r = sub(matmul(transpose(W), matmul(W, x)), x);
    const closed = matmul(W, add(outer(r, x), outer(x, r)));
    assert.deepEqual(dW!.shape, [h, n]);
    assert.ok(relErr(dW!, closed) < 1e-10, `seed ${seed}: relative error ${relErr(dW!, closed)}`);
    // Either path alone (W r xᵀ or W x rᵀ) is not the gradient.
    assert.ok(relErr(dW!, matmul(W, outer(r, x))) > 0.1, `seed ${seed}: one-path W r xᵀ should differ`);
    assert.ok(relErr(dW!, matmul(W, outer(x, r))) > 0.1, `seed ${seed}: one-path W x rᵀ should differ`);
  }
});
