// Autoencoders: every variant learns; the course preset's parameter count; the
// tied linear autoencoder recovers the top-k PCA subspace (principal angles ≈ 0).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { gaussianBlobs, lowRank, twoMoons } from '../../src/data/synthetic.js';
import { Autoencoder, TiedLinearAutoencoder, undercompleteAutoencoder } from '../../src/models/autoencoder.js';
import { symmetricEigen } from '../../src/models/pca.js';
import { binaryData, train } from './helpers.js';

/** Orthonormal basis (d×k, columns) of the span of k vectors given as rows of a k×d matrix (Gram–Schmidt). */
function orthonormalRows(W: ArrayLike<number>, k: number, d: number): Float64Array {
  const Q = new Float64Array(d * k);
  for (let j = 0; j < k; j++) {
    const v = Float64Array.from({ length: d }, (_, r) => W[j * d + r]!);
    for (let p = 0; p < j; p++) {
      let dot = 0;
      for (let r = 0; r < d; r++) dot += v[r]! * Q[r * k + p]!;
      for (let r = 0; r < d; r++) v[r]! -= dot * Q[r * k + p]!;
    }
    const norm = Math.hypot(...v);
    for (let r = 0; r < d; r++) Q[r * k + j] = v[r]! / norm;
  }
  return Q;
}

/** Principal angles (radians) between span(Q1) and span(Q2), both d×k with orthonormal columns: cos θ = singular values of Q1ᵀQ2. */
function principalAngles(Q1: Float64Array, Q2: Float64Array, d: number, k: number): number[] {
  const M = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) {
    let s = 0;
    for (let r = 0; r < d; r++) s += Q1[r * k + i]! * Q2[r * k + j]!;
    M[i * k + j] = s;
  }
  const MtM = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) {
    let s = 0;
    for (let r = 0; r < k; r++) s += M[r * k + i]! * M[r * k + j]!;
    MtM[i * k + j] = s;
  }
  return Array.from(symmetricEigen(MtM, k).values, (s2) => Math.acos(Math.min(1, Math.sqrt(Math.max(0, s2)))));
}

test('jacobiEigen reconstructs a random symmetric matrix as V·diag(λ)·Vᵀ', () => {
  const rng = new Rng(3);
  const n = 6;
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) A[i * n + j] = A[j * n + i] = rng.normal();
  const { values, vectors } = symmetricEigen(A, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += vectors[i * n + k]! * values[k]! * vectors[j * n + k]!;
    assert.ok(Math.abs(s - A[i * n + j]!) < 1e-10);
  }
});

test('the tied linear autoencoder trained on low-rank data spans the top-k PCA subspace (principal angles ≈ 0)', () => {
  const rng = new Rng(11);
  const d = 8;
  const k = 3;
  const ds = lowRank(400, d, k, rng, { noise: 0.05 });
  const model = new TiedLinearAutoencoder({ inputDim: d, latentDim: k }, new Rng(2));
  const { first, last } = train(model, ds.x, 600, rng, { lr: 1e-2, batch: 100 });
  assert.ok(last < 0.2 * first, `loss ${first} → ${last}`);
  // Covariance of the data and its top-k eigenvectors.
  const n = ds.n;
  const mu = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let r = 0; r < d; r++) mu[r]! += ds.x[i * d + r]! / n;
  const C = new Float64Array(d * d);
  for (let i = 0; i < n; i++) for (let r = 0; r < d; r++) for (let s = 0; s < d; s++) {
    C[r * d + s]! += ((ds.x[i * d + r]! - mu[r]!) * (ds.x[i * d + s]! - mu[s]!)) / (n - 1);
  }
  const { vectors } = symmetricEigen(C, d);
  const top = new Float64Array(d * k);
  for (let r = 0; r < d; r++) for (let j = 0; j < k; j++) top[r * k + j] = vectors[r * d + j]!;
  const angles = principalAngles(orthonormalRows(model.weight.data, k, d), top, d, k);
  assert.ok(Math.max(...angles) < 0.05, `principal angles ${angles.map((a) => a.toFixed(4)).join(', ')}`);
});

test('the undercomplete preset has 2nh weights without biases and 2nh + n + h with them', () => {
  const n = 10;
  const h = 4;
  assert.equal(undercompleteAutoencoder(n, h, new Rng(0), { bias: false }).parameterCount(), 2 * n * h);
  assert.equal(undercompleteAutoencoder(n, h, new Rng(0)).parameterCount(), 2 * n * h + n + h);
});

test('the undercomplete preset has a sigmoid code in (0, 1) and a linear output, and learns two moons', () => {
  const rng = new Rng(5);
  const ds = twoMoons(256, rng, { noise: 0.05 });
  const model = undercompleteAutoencoder(2, 8, new Rng(1));
  const z = model.encode(new Tensor(ds.x.slice(0, 20), [10, 2])).data;
  assert.ok(z.every((v) => v > 0 && v < 1));
  const { first, last } = train(model, ds.x, 400, rng, { lr: 1e-2 });
  assert.ok(last < 0.3 * first, `loss ${first} → ${last}`);
});

test('a deep MLP autoencoder with squared error learns Gaussian blobs through a 1-D code', () => {
  const rng = new Rng(6);
  const ds = gaussianBlobs(256, 3, rng, { std: 0.3 });
  const model = new Autoencoder({ inputDim: 2, latentDim: 1, hidden: [16, 16], activation: 'tanh' }, new Rng(2));
  const { first, last } = train(model, ds.x, 300, rng, { lr: 1e-2 });
  assert.ok(last < 0.2 * first, `loss ${first} → ${last}`);
});

test('an autoencoder with a BCE loss on binary data learns, and decodeMean is a probability', () => {
  const rng = new Rng(7);
  const x = binaryData(512, 12, rng);
  const model = new Autoencoder({ inputDim: 12, latentDim: 2, hidden: [32], loss: 'bce' }, new Rng(3));
  const { first, last } = train(model, x, 300, rng, { lr: 1e-2 });
  assert.ok(last < 0.6 * first, `loss ${first} → ${last}`);
  const p = model.reconstruct(new Tensor(x.slice(0, 24), [2, 12])).data;
  assert.ok(p.every((v) => v >= 0 && v <= 1));
});

test('autoencoders name the expected shape in errors', () => {
  const model = new Autoencoder({ inputDim: 5, latentDim: 2 }, new Rng(0));
  const x = new Tensor(new Float32Array(12), [3, 4]);
  assert.throws(() => model.loss(x, { rng: new Rng(0), step: 0, stepsPerEpoch: 1 }), /Autoencoder\.loss: x has shape \[3,4\], expected \[\*,5\]/);
  const tied = new TiedLinearAutoencoder({ inputDim: 5, latentDim: 2 }, new Rng(0));
  assert.throws(() => tied.encode(x), /TiedLinearAutoencoder\.encode: x has shape \[3,4\], expected \[\*,5\]/);
  assert.throws(() => new Autoencoder({ inputDim: 5, latentDim: 2, activation: 'gelu' as 'relu' }, new Rng(0)), /unknown|must be one of/);
});
