// Small seeded synthetic datasets with known structure, for tests and demos:
// Gaussian blobs (known clusters), two moons (nonlinear manifold), and low-rank
// linear data (known subspace, what a linear autoencoder / PCA should recover).

import type { Rng } from '../tensor/random.js';
import { featureArray, type Dataset } from './dataset.js';

function checkCount(who: string, what: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new Error(`${who}: ${what} must be an integer ≥ ${min} (got ${v})`);
}

export interface BlobsOptions {
  /** Standard deviation of each blob (default 0.5). */
  std?: number;
  /** Centers sit on a circle of this radius, evenly spaced (default 4). */
  radius?: number;
}

export interface BlobsDataset extends Dataset {
  /** k×2 row-major centers; labels index into these. */
  centers: Float32Array;
}

/**
 * n points in 2-D from k isotropic Gaussians. Centers are evenly spaced on a circle
 * (with a random rotation) so clusters are always separated; labels are balanced
 * (i mod k) and rows are in random order.
 */
export function gaussianBlobs(n: number, k: number, rng: Rng, opts: BlobsOptions = {}): BlobsDataset {
  checkCount('gaussianBlobs', 'n', n, 0);
  checkCount('gaussianBlobs', 'k', k, 1);
  const std = opts.std ?? 0.5;
  const radius = opts.radius ?? 4;
  const phase = 2 * Math.PI * rng.uniform();
  const centers = new Float32Array(2 * k);
  for (let j = 0; j < k; j++) {
    const a = phase + (2 * Math.PI * j) / k;
    centers[2 * j] = radius * Math.cos(a);
    centers[2 * j + 1] = radius * Math.sin(a);
  }
  const perm = rng.permutation(n);
  const x = featureArray(2 * n);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const r = perm[i]!;
    const j = i % k;
    labels[r] = j;
    x[2 * r] = centers[2 * j]! + std * rng.normal();
    x[2 * r + 1] = centers[2 * j + 1]! + std * rng.normal();
  }
  return { x, n, dim: 2, labels, name: `blobs(k=${k})`, centers };
}

/**
 * Two interleaving half circles (as in scikit-learn's make_moons): ceil(n/2) points
 * on the upper moon (label 0), the rest on the lower (label 1), positions evenly
 * spaced along each arc plus N(0, noise²) jitter; rows are in random order.
 */
export function twoMoons(n: number, rng: Rng, opts: { noise?: number } = {}): Dataset {
  checkCount('twoMoons', 'n', n, 0);
  const noise = opts.noise ?? 0.1;
  if (!(noise >= 0)) throw new Error(`twoMoons: noise must be ≥ 0 (got ${noise})`);
  const nOuter = Math.ceil(n / 2);
  const nInner = n - nOuter;
  const perm = rng.permutation(n);
  const x = featureArray(2 * n);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const r = perm[i]!;
    const inner = i >= nOuter;
    const m = inner ? nInner : nOuter;
    const t = (Math.PI * (inner ? i - nOuter : i)) / Math.max(m - 1, 1);
    const px = inner ? 1 - Math.cos(t) : Math.cos(t);
    const py = inner ? 0.5 - Math.sin(t) : Math.sin(t);
    labels[r] = inner ? 1 : 0;
    x[2 * r] = px + noise * rng.normal();
    x[2 * r + 1] = py + noise * rng.normal();
  }
  return { x, n, dim: 2, labels, name: 'moons' };
}

export interface LowRankDataset extends Dataset {
  /** d×k row-major basis A with orthonormal columns. */
  basis: Float32Array;
  /** n×k row-major latents Z ~ N(0, I). */
  latents: Float32Array;
  rank: number;
}

/**
 * X = Z·Aᵀ + noise·ε with Z ~ N(0, I_k), ε ~ N(0, I_d), A a random d×k basis with
 * orthonormal columns. The covariance is A·Aᵀ + noise²·I: eigenvalues 1 + noise²
 * (k times) and noise² (d − k times), so the data has rank k up to the noise.
 */
export function lowRank(n: number, d: number, k: number, rng: Rng, opts: { noise?: number } = {}): LowRankDataset {
  checkCount('lowRank', 'n', n, 0);
  checkCount('lowRank', 'd', d, 1);
  checkCount('lowRank', 'k', k, 1);
  if (k > d) throw new Error(`lowRank: rank k = ${k} exceeds dimension d = ${d}`);
  const noise = opts.noise ?? 0.01;
  if (!(noise >= 0)) throw new Error(`lowRank: noise must be ≥ 0 (got ${noise})`);
  const A = randomOrthonormal(d, k, rng);
  const Z = new Float64Array(n * k);
  for (let i = 0; i < Z.length; i++) Z[i] = rng.normal();
  const x = featureArray(n * d);
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < d; r++) {
      let s = 0;
      for (let j = 0; j < k; j++) s += Z[i * k + j]! * A[r * k + j]!;
      x[i * d + r] = s + noise * rng.normal();
    }
  }
  return {
    x, n, dim: d, name: `lowrank(d=${d},k=${k})`,
    basis: Float32Array.from(A), latents: Float32Array.from(Z), rank: k,
  };
}

// Modified Gram–Schmidt on a Gaussian d×k matrix: its column span is uniformly
// distributed, and orthonormal columns make the stated covariance exact.
function randomOrthonormal(d: number, k: number, rng: Rng): Float64Array {
  const A = new Float64Array(d * k);
  for (let j = 0; j < k; j++) {
    for (;;) {
      for (let r = 0; r < d; r++) A[r * k + j] = rng.normal();
      for (let p = 0; p < j; p++) {
        let dot = 0;
        for (let r = 0; r < d; r++) dot += A[r * k + j]! * A[r * k + p]!;
        for (let r = 0; r < d; r++) A[r * k + j]! -= dot * A[r * k + p]!;
      }
      let norm = 0;
      for (let r = 0; r < d; r++) norm += A[r * k + j]! ** 2;
      norm = Math.sqrt(norm);
      // NOTE: a draw almost inside the span of earlier columns would amplify rounding; redraw.
      if (norm > 1e-6) {
        for (let r = 0; r < d; r++) A[r * k + j]! /= norm;
        break;
      }
    }
  }
  return A;
}
