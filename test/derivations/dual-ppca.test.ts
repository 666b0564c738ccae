// Seed derivation 3: dual PPCA / linear GPLVM, L(X) = −(D/2)·log|K| − ½·tr(K⁻¹YYᵀ)
// with K = αXXᵀ + β⁻¹I. Correct: ∂L/∂X = −Dα·K⁻¹X + α·K⁻¹YYᵀK⁻¹X. The K⁻² form
// found in some textbooks treats K⁻¹ and YYᵀ as commuting; it is shown to fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Tensor, Rng, add, cholesky, choleskySolve, eye, grad, gradcheck, inverse, logdet, matmul, mul, randn, slogdet, solve, sub,
  trace, transpose,
} from '../../src/index.js';
import { relErr } from '../helpers/compare.js';

const N = 6;
const q = 2;
const D = 4;
const alpha = 1.3;
const beta = 2;

function kernel(X: Tensor): Tensor {
  return add(mul(matmul(X, transpose(X)), alpha), mul(eye(N, { dtype: 'float64' }), 1 / beta));
}

/** L via Cholesky: log|K| = 2Σ log Lᵢᵢ and K⁻¹YYᵀ by two triangular solves. */
function likelihood(Y: Tensor) {
  const S = matmul(Y, transpose(Y));
  return (X: Tensor): Tensor => {
    const K = kernel(X);
    return sub(mul(logdet(K), -D / 2), mul(trace(choleskySolve(cholesky(K), S)), 0.5));
  };
}

/** The same L through LU: slogdet and a general solve. */
function likelihoodLu(Y: Tensor) {
  const S = matmul(Y, transpose(Y));
  return (X: Tensor): Tensor => {
    const K = kernel(X);
    return sub(mul(slogdet(K).logAbsDet, -D / 2), mul(trace(solve(K, S)), 0.5));
  };
}

function draw(seed: number): { X: Tensor; Y: Tensor } {
  const rng = new Rng(seed);
  return { X: randn([N, q], rng, { dtype: 'float64' }), Y: randn([N, D], rng, { dtype: 'float64' }) };
}

function closedForm(X: Tensor, Y: Tensor): Tensor {
  const Ki = inverse(kernel(X));
  const KiX = matmul(Ki, X);
  return add(mul(KiX, -D * alpha), mul(matmul(Ki, matmul(matmul(Y, transpose(Y)), KiX)), alpha));
}

function textbookK2(X: Tensor, Y: Tensor): Tensor {
  const Ki = inverse(kernel(X));
  return add(mul(matmul(Ki, X), -D * alpha), mul(matmul(matmul(Ki, Ki), matmul(matmul(Y, transpose(Y)), X)), alpha));
}

test('autodiff ∂L/∂X equals −Dα·K⁻¹X + α·K⁻¹YYᵀK⁻¹X (Cholesky and LU paths, random float64 inputs)', () => {
  for (const seed of [21, 22, 23, 24, 25]) {
    const { X, Y } = draw(seed);
    const expected = closedForm(X, Y);
    const [viaChol] = grad(likelihood(Y))(X);
    const [viaLu] = grad(likelihoodLu(Y))(X);
    assert.ok(relErr(viaChol!, expected) < 1e-10, `seed ${seed}: Cholesky path rel error ${relErr(viaChol!, expected)}`);
    assert.ok(relErr(viaLu!, expected) < 1e-10, `seed ${seed}: LU path rel error ${relErr(viaLu!, expected)}`);
  }
});

test('the K⁻² form −Dα·K⁻¹X + α·K⁻²YYᵀX is wrong: it differs from autodiff by a large margin', () => {
  for (const seed of [21, 22, 23, 24, 25]) {
    const { X, Y } = draw(seed);
    const [g] = grad(likelihood(Y))(X);
    const err = relErr(g!, textbookK2(X, Y));
    assert.ok(err > 0.05, `seed ${seed}: K⁻² form unexpectedly close (rel error ${err})`);
  }
});

test('finite differences of L agree with the closed form, independently of the reverse pass', () => {
  const { X, Y } = draw(26);
  const L = likelihood(Y);
  const expected = closedForm(X, Y).contiguousData();
  const h = 1e-5;
  const x = X.contiguousData().slice();
  const numeric = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const at = (d: number): number => { const y = x.slice(); y[i]! += d; return L(new Tensor(y, X.shape)).item(); };
    numeric[i] = (at(h) - at(-h)) / (2 * h);
  }
  assert.ok(relErr(numeric, expected) < 1e-7, `rel error ${relErr(numeric, expected)}`);
  assert.ok(gradcheck(L, [X]).ok);
});
