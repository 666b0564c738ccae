// Latent-space helpers for figures: the inverse normal CDF grid of Kingma & Welling (2014,
// fig. 4) for a 2-D manifold, and a 2-D PCA projection for scatters when d > 2. Browser-safe.
import { normalIcdf } from '../distributions/normal.js';

/**
 * An n×n grid of 2-D latent points z = (Φ⁻¹(u), Φ⁻¹(v)) with u, v at the cell centres (i + ½)/n,
 * so equal areas of prior mass get equal space. Row-major, first row at the top (largest z₂),
 * ready to decode and tile with imageGrid(…, { cols: n }).
 */
export function manifoldLatents(n: number): Float32Array {
  if (!Number.isInteger(n) || n < 1) throw new Error(`manifoldLatents: n must be a positive integer (got ${n})`);
  const z = new Float32Array(n * n * 2);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      z[2 * (r * n + c)] = normalIcdf((c + 0.5) / n);
      z[2 * (r * n + c) + 1] = normalIcdf(1 - (r + 0.5) / n);
    }
  }
  return z;
}

/**
 * Project n rows of d features onto their first two principal components (power iteration with
 * deflation on the d×d covariance, in float64). Returns n×2 row-major and the variance each
 * component explains. For d ≤ 2 the centred input is returned (padded with zeros when d = 1).
 */
export function pca2(x: ArrayLike<number>, n: number, d: number): { points: Float64Array; explained: [number, number] } {
  if (x.length !== n * d) throw new Error(`pca2: expected n×d = ${n}×${d} = ${n * d} values, got ${x.length}`);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += x[i * d + j]! / n;
  const points = new Float64Array(n * 2);
  if (d <= 2) {
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) points[2 * i + j] = x[i * d + j]! - mean[j]!;
    return { points, explained: [NaN, NaN] };
  }
  const C = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < d; a++) {
      const va = x[i * d + a]! - mean[a]!;
      for (let b = a; b < d; b++) C[a * d + b]! += (va * (x[i * d + b]! - mean[b]!)) / Math.max(1, n - 1);
    }
  }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) C[a * d + b] = C[b * d + a]!;
  const comps: Float64Array[] = [];
  const explained: [number, number] = [0, 0];
  for (let k = 0; k < 2; k++) {
    // Deterministic start that is not orthogonal to any axis-aligned component.
    let v = new Float64Array(d).map((_, j) => 1 + j / d);
    let lambda = 0;
    for (let it = 0; it < 500; it++) {
      const w = new Float64Array(d);
      for (let a = 0; a < d; a++) {
        let s = 0;
        for (let b = 0; b < d; b++) s += C[a * d + b]! * v[b]!;
        w[a] = s;
      }
      for (const u of comps) {
        let dot = 0;
        for (let a = 0; a < d; a++) dot += w[a]! * u[a]!;
        for (let a = 0; a < d; a++) w[a]! -= dot * u[a]!;
      }
      const norm = Math.hypot(...w);
      if (norm === 0) break;
      for (let a = 0; a < d; a++) w[a]! /= norm;
      const done = Math.abs(norm - lambda) <= 1e-12 * norm;
      lambda = norm;
      v = w;
      if (done) break;
    }
    comps.push(v);
    explained[k] = lambda;
  }
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 2; k++) {
      let s = 0;
      for (let a = 0; a < d; a++) s += (x[i * d + a]! - mean[a]!) * comps[k]![a]!;
      points[2 * i + k] = s;
    }
  }
  return { points, explained };
}
