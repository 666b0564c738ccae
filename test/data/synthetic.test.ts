// Synthetic generators: shapes, labels, seeded reproducibility, and the structure
// each promises (blob clusters, moon geometry, low-rank covariance spectrum).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkDataset } from '../../src/data/dataset.js';
import { gaussianBlobs, lowRank, twoMoons } from '../../src/data/synthetic.js';
import { Rng } from '../../src/tensor/random.js';
import { symmetricEigen } from '../../src/models/pca.js';

test('gaussianBlobs is n×2 with balanced labels 0..k-1 and reproducible from the seed', () => {
  const a = gaussianBlobs(300, 3, new Rng(1));
  checkDataset(a);
  assert.equal(a.dim, 2);
  assert.equal(a.centers.length, 6);
  const counts = [0, 0, 0];
  for (const l of a.labels!) counts[l]!++;
  assert.deepEqual(counts, [100, 100, 100]);
  assert.deepEqual(gaussianBlobs(300, 3, new Rng(1)), a);
  assert.notDeepEqual(gaussianBlobs(300, 3, new Rng(2)).x, a.x);
});

test('each blob point lies nearest its own center (std 0.5, radius 4)', () => {
  const ds = gaussianBlobs(500, 4, new Rng(9));
  for (let i = 0; i < ds.n; i++) {
    let best = -1;
    let bestD = Infinity;
    for (let j = 0; j < 4; j++) {
      const d = (ds.x[2 * i]! - ds.centers[2 * j]!) ** 2 + (ds.x[2 * i + 1]! - ds.centers[2 * j + 1]!) ** 2;
      if (d < bestD) [best, bestD] = [j, d];
    }
    assert.equal(best, ds.labels![i]);
  }
});

test('twoMoons without noise puts points exactly on the two unit half circles', () => {
  const ds = twoMoons(101, new Rng(0), { noise: 0 });
  checkDataset(ds);
  let zeros = 0;
  for (let i = 0; i < ds.n; i++) {
    const [px, py] = [ds.x[2 * i]!, ds.x[2 * i + 1]!];
    if (ds.labels![i] === 0) {
      zeros++;
      assert.ok(Math.abs(Math.hypot(px, py) - 1) < 1e-6 && py >= -1e-6);
    } else {
      assert.ok(Math.abs(Math.hypot(px - 1, py - 0.5) - 1) < 1e-6 && py <= 0.5 + 1e-6);
    }
  }
  assert.equal(zeros, 51);
});

test('twoMoons is reproducible from the seed and noise moves points off the arcs', () => {
  const a = twoMoons(200, new Rng(4), { noise: 0.2 });
  assert.deepEqual(twoMoons(200, new Rng(4), { noise: 0.2 }), a);
  let offArc = 0;
  for (let i = 0; i < a.n; i++) if (a.labels![i] === 0 && Math.abs(Math.hypot(a.x[2 * i]!, a.x[2 * i + 1]!) - 1) > 0.05) offArc++;
  assert.ok(offArc > 20);
});

test('lowRank data has k covariance eigenvalues ≈ 1 + noise² and the rest ≈ noise²', () => {
  const [n, d, k, noise] = [4000, 8, 3, 0.05];
  const ds = lowRank(n, d, k, new Rng(11), { noise });
  checkDataset(ds);
  assert.equal(ds.basis.length, d * k);
  assert.equal(ds.latents.length, n * k);
  const S = new Float64Array(d * d);
  for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) S[a * d + b]! += (ds.x[i * d + a]! * ds.x[i * d + b]!) / n;
  const ev = Array.from(symmetricEigen(S, d).values);
  for (let j = 0; j < k; j++) assert.ok(Math.abs(ev[j]! - 1) < 0.15, `signal eigenvalue ${j}: ${ev[j]}`);
  for (let j = k; j < d; j++) assert.ok(ev[j]! < 2 * noise * noise && ev[j]! > 0.5 * noise * noise, `noise eigenvalue ${j}: ${ev[j]}`);
});

test('lowRank basis columns are orthonormal and X = Z·Aᵀ exactly without noise', () => {
  const [n, d, k] = [20, 6, 2];
  const ds = lowRank(n, d, k, new Rng(3), { noise: 0 });
  for (let p = 0; p < k; p++) {
    for (let q = 0; q < k; q++) {
      let dot = 0;
      for (let r = 0; r < d; r++) dot += ds.basis[r * k + p]! * ds.basis[r * k + q]!;
      assert.ok(Math.abs(dot - (p === q ? 1 : 0)) < 1e-6);
    }
  }
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < d; r++) {
      let s = 0;
      for (let j = 0; j < k; j++) s += ds.latents[i * k + j]! * ds.basis[r * k + j]!;
      assert.ok(Math.abs(ds.x[i * d + r]! - s) < 1e-5);
    }
  }
});

test('lowRank is reproducible from the seed and rejects a rank above the dimension', () => {
  assert.deepEqual(lowRank(10, 4, 2, new Rng(5)), lowRank(10, 4, 2, new Rng(5)));
  assert.throws(() => lowRank(10, 3, 4, new Rng(0)), { message: 'lowRank: rank k = 4 exceeds dimension d = 3' });
});
