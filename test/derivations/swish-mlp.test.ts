// Seed derivation 4: two-layer MLP with Swish. swish′(z) = σ(z)(1 + z(1−σ(z)))
// elementwise, and the backprop chain ∂L/∂W₁ = (swish′(z₁) ⊙ W₂ᵀ∂L/∂z₂) xᵀ.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, Rng, add, grad, linspace, matmul, mul, randn, square, sub, sum, swish, transpose } from '../../src/index.js';
import { relErr } from '../helpers/compare.js';

const sig = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));
const swishPrime = (z: number): number => sig(z) * (1 + z * (1 - sig(z)));

test('autodiff swish′ equals σ(z)(1 + z(1−σ(z))) elementwise, including large |z|', () => {
  const grid = linspace(-30, 30, 241, { dtype: 'float64' });
  const randoms = randn([200], new Rng(31), { dtype: 'float64' });
  for (const z of [grid, mul(randoms, 4)]) {
    const [dz] = grad((t: Tensor) => sum(swish(t)))(z);
    const expected = Array.from(z.contiguousData(), swishPrime);
    const got = dz!.contiguousData();
    for (let i = 0; i < expected.length; i++) {
      const e = expected[i]!;
      assert.ok(Math.abs(got[i]! - e) <= 1e-10 * Math.max(Math.abs(e), 1e-300), `z = ${z.contiguousData()[i]}: ${got[i]} vs ${e}`);
    }
  }
});

const [d0, d1, d2] = [5, 4, 3];

test('∂L/∂W₁ = (swish′(z₁) ⊙ W₂ᵀ∂L/∂z₂) xᵀ for one input vector (random float64)', () => {
  for (const seed of [41, 42, 43, 44, 45]) {
    const rng = new Rng(seed);
    const f64 = { dtype: 'float64' } as const;
    const [x, y] = [randn([d0], rng, f64), randn([d2], rng, f64)];
    const [W1, b1, W2, b2] = [randn([d1, d0], rng, f64), randn([d1], rng, f64), randn([d2, d1], rng, f64), randn([d2], rng, f64)];
    // z₁ = W₁x + b₁, h = swish(z₁), z₂ = W₂h + b₂, L = ½‖z₂ − y‖².
    const loss = (w1: Tensor, c1: Tensor, w2: Tensor, c2: Tensor): Tensor => {
      const z2 = add(matmul(w2, swish(add(matmul(w1, x), c1))), c2);
      return mul(sum(square(sub(z2, y))), 0.5);
    };
    const [gW1, gb1, gW2] = grad(loss)(W1, b1, W2, b2);

    const xd = Array.from(x.contiguousData());
    const z1 = Array.from({ length: d1 }, (_, i) => b1.contiguousData()[i]! + xd.reduce((s, xv, j) => s + W1.contiguousData()[i * d0 + j]! * xv, 0));
    const hv = z1.map((z) => z * sig(z));
    const z2 = Array.from({ length: d2 }, (_, i) => b2.contiguousData()[i]! + hv.reduce((s, hj, j) => s + W2.contiguousData()[i * d1 + j]! * hj, 0));
    const dz2 = z2.map((z, i) => z - y.contiguousData()[i]!);
    const back = Array.from({ length: d1 }, (_, j) => dz2.reduce((s, g, i) => s + W2.contiguousData()[i * d1 + j]! * g, 0));
    const delta1 = back.map((b, j) => swishPrime(z1[j]!) * b);
    const expectedW1 = Array.from({ length: d1 * d0 }, (_, k) => delta1[Math.floor(k / d0)]! * xd[k % d0]!);
    const expectedW2 = Array.from({ length: d2 * d1 }, (_, k) => dz2[Math.floor(k / d1)]! * hv[k % d1]!);

    assert.ok(relErr(gW1!, expectedW1) < 1e-10, `seed ${seed}: ∂L/∂W₁ rel error ${relErr(gW1!, expectedW1)}`);
    assert.ok(relErr(gb1!, delta1) < 1e-10, `seed ${seed}: ∂L/∂b₁`);
    assert.ok(relErr(gW2!, expectedW2) < 1e-10, `seed ${seed}: ∂L/∂W₂ = ∂L/∂z₂ hᵀ`);
  }
});

test('the batched chain ∂L/∂W₁ = Δ₁ᵀX sums the per-example outer products (rows as examples, Linear layout)', () => {
  const rng = new Rng(46);
  const f64 = { dtype: 'float64' } as const;
  const B = 8;
  const [X, Y] = [randn([B, d0], rng, f64), randn([B, d2], rng, f64)];
  const [W1, W2] = [randn([d1, d0], rng, f64), randn([d2, d1], rng, f64)];
  const forward = (w1: Tensor, w2: Tensor): { z1: Tensor; z2: Tensor } => {
    const z1 = matmul(X, transpose(w1));
    return { z1, z2: matmul(swish(z1), transpose(w2)) };
  };
  const [gW1] = grad((w1: Tensor, w2: Tensor) => mul(sum(square(sub(forward(w1, w2).z2, Y))), 0.5))(W1, W2);
  const { z1, z2 } = forward(W1, W2);
  const dZ2 = sub(z2, Y);
  const sp = new Tensor(Float64Array.from(z1.contiguousData(), swishPrime), z1.shape);
  const delta1 = mul(sp, matmul(dZ2, W2));
  assert.ok(relErr(gW1!, matmul(transpose(delta1), X)) < 1e-10);
});
