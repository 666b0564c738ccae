// Seed derivation 1: undercomplete autoencoder x̂ = Wᵀσ(Vᵀx) (sigmoid hidden
// layer, linear output, no biases). Autodiff in float64 equals the closed forms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, Rng, grad, matmul, mlp, randn, sigmoid, slice, sum, square, sub, mul, transpose, outer } from '../../src/index.js';
import { relErr } from '../helpers/compare.js';

const n = 6;
const h = 3;
const sig = (z: number): number => 1 / (1 + Math.exp(-z));

function draw(seed: number): { x: Tensor; V: Tensor; W: Tensor } {
  const rng = new Rng(seed);
  return {
    x: randn([n], rng, { dtype: 'float64' }),
    V: randn([n, h], rng, { dtype: 'float64' }),
    W: randn([h, n], rng, { dtype: 'float64' }),
  };
}

/** x̂ = Wᵀσ(Vᵀx), with V [n,h] (column j is v_j) and W [h,n]. */
function reconstruct(x: Tensor, V: Tensor, W: Tensor): Tensor {
  return matmul(transpose(W), sigmoid(matmul(transpose(V), x)));
}

const at = (t: Tensor, i: number, j: number): number => t.contiguousData()[i * t.shape[1]! + j]!;
const seeds = [1, 2, 3, 4, 5];

test('∂x̂₁/∂w₁₁ = σ(v₁ᵀx) and ∂x̂₁/∂v₁₁ = w₁₁σ(z₁)(1−σ(z₁))x₁ (random float64 inputs)', () => {
  for (const seed of seeds) {
    const { x, V, W } = draw(seed);
    const xd = Array.from(x.contiguousData());
    const [dV, dW] = grad((v: Tensor, w: Tensor) => sum(slice(reconstruct(x, v, w), [[0, 1]])))(V, W);
    let z1 = 0;
    for (let i = 0; i < n; i++) z1 += at(V, i, 0) * xd[i]!;
    const s1 = sig(z1);
    assert.ok(relErr([at(dW!, 0, 0)], [s1]) < 1e-10, `seed ${seed}: ∂x̂₁/∂w₁₁`);
    assert.ok(relErr([at(dV!, 0, 0)], [at(W, 0, 0) * s1 * (1 - s1) * xd[0]!]) < 1e-10, `seed ${seed}: ∂x̂₁/∂v₁₁`);
  }
});

test('squared-error loss L = ½‖x̂ − x‖²: ∂L/∂w₁₁ = (x̂₁ − x₁)σ(z₁) and ∂L/∂v₁₁ = σ′(z₁)x₁ Σᵢ w₁ᵢ(x̂ᵢ − xᵢ)', () => {
  for (const seed of seeds) {
    const { x, V, W } = draw(seed);
    const loss = (v: Tensor, w: Tensor): Tensor => mul(sum(square(sub(reconstruct(x, v, w), x))), 0.5);
    const [dV, dW] = grad(loss)(V, W);
    const xd = Array.from(x.contiguousData());
    const z = Array.from({ length: h }, (_, j) => xd.reduce((s, xi, i) => s + at(V, i, j) * xi, 0));
    const s = z.map(sig);
    const xhat = Array.from({ length: n }, (_, i) => s.reduce((acc, sj, j) => acc + at(W, j, i) * sj, 0));
    const r = xhat.map((v, i) => v - xd[i]!);
    assert.ok(relErr([at(dW!, 0, 0)], [r[0]! * s[0]!]) < 1e-10, `seed ${seed}: ∂L/∂w₁₁`);
    const wr1 = r.reduce((acc, ri, i) => acc + at(W, 0, i) * ri, 0);
    assert.ok(relErr([at(dV!, 0, 0)], [s[0]! * (1 - s[0]!) * xd[0]! * wr1]) < 1e-10, `seed ${seed}: ∂L/∂v₁₁`);
    // The same rules for every entry: ∂L/∂W = σ(z) rᵀ, ∂L/∂V = x (σ′(z) ⊙ W r)ᵀ.
    const fullW = Array.from({ length: h * n }, (_, k) => s[Math.floor(k / n)]! * r[k % n]!);
    const delta = s.map((sj, j) => sj * (1 - sj) * r.reduce((acc, ri, i) => acc + at(W, j, i) * ri, 0));
    const fullV = Array.from({ length: n * h }, (_, k) => xd[Math.floor(k / h)]! * delta[k % h]!);
    assert.ok(relErr(dW!, fullW) < 1e-10, `seed ${seed}: ∂L/∂W`);
    assert.ok(relErr(dV!, fullV) < 1e-10, `seed ${seed}: ∂L/∂V`);
    assert.ok(relErr(dV!, outer(x, new Tensor(Float64Array.from(delta), [h]))) < 1e-10);
  }
});

test('parameter count of an n-h-n autoencoder without biases is 2nh', () => {
  for (const [ni, hi] of [[6, 3], [784, 32], [10, 1]] as const) {
    const ae = mlp([ni, hi, ni], new Rng(0), { bias: false, activation: sigmoid });
    assert.equal(ae.parameterCount(), 2 * ni * hi);
  }
});
