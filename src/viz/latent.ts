// Latent-space helpers for figures and the web explorer: the inverse normal CDF grid of Kingma &
// Welling (2014, fig. 4) for a 2-D manifold, a 2-D PCA projection for scatters when d > 2 and its
// way back (plane point → latent), and straight-line interpolation between latents. Browser-safe.
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

export interface Pca2Result {
  /** n×2 row-major projections of the centred rows. */
  points: Float64Array;
  /** Variance along each component (NaN when d ≤ 2). */
  explained: [number, number];
  /** Total variance, the trace of the covariance (NaN when d ≤ 2). */
  total: number;
  /** The d column means that were subtracted. */
  mean: Float64Array;
  /** 2×d row-major unit axes (the first two standard axes when d ≤ 2). */
  components: Float64Array;
}

/**
 * Project n rows of d features onto their first two principal components (power iteration with
 * deflation on the d×d covariance, in float64). Returns n×2 row-major, the variance each
 * component explains, their total, the mean and the axes. For d ≤ 2 the centred input is returned (padded
 * with zeros when d = 1).
 */
export function pca2(x: ArrayLike<number>, n: number, d: number): Pca2Result {
  if (x.length !== n * d) throw new Error(`pca2: expected n×d = ${n}×${d} = ${n * d} values, got ${x.length}`);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += x[i * d + j]! / n;
  const points = new Float64Array(n * 2);
  if (d <= 2) {
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) points[2 * i + j] = x[i * d + j]! - mean[j]!;
    const axes = new Float64Array(2 * d);
    for (let j = 0; j < d; j++) axes[j * d + j] = 1;
    return { points, explained: [NaN, NaN], total: NaN, mean, components: axes };
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
  const components = new Float64Array(2 * d);
  components.set(comps[0]!, 0);
  components.set(comps[1]!, d);
  let total = 0;
  for (let a = 0; a < d; a++) total += C[a * d + a]!;
  return { points, explained, total, mean, components };
}

/** A 2-D view of a d-dimensional latent space: where latents land on the plane, and the latent a plane point stands for. */
export interface LatentPlane {
  readonly latentDim: number;
  /** 'latent': the plane is (z₁, z₂) itself (d ≤ 2); 'pca': the top two principal components of the fitted latents. */
  readonly kind: 'latent' | 'pca';
  readonly axisTitles: readonly [string, string];
  /** Fraction of the fitted latents' total variance along each axis ('pca' only). */
  readonly explainedFraction?: readonly [number, number];
  /** n×2 row-major plane coordinates of the latents the plane was fitted on. */
  readonly points: Float64Array;
  /** The latent at plane point (u, v): mean + u·c₁ + v·c₂, i.e. every other principal component at its mean (0). */
  toLatent(u: number, v: number): Float32Array;
  /** Where latent z lands on the plane (its projection). */
  toPlane(z: ArrayLike<number>): [number, number];
}

/**
 * The plane of n latents (n×d row-major): (z₁, z₂) when d ≤ 2 (z₁ and 0 when d = 1), else their
 * top two principal components (pca2), so toLatent(toPlane(z)) = z exactly when d ≤ 2 and is the
 * projection of z onto the principal plane otherwise.
 */
export function latentPlane(z: ArrayLike<number>, n: number, d: number): LatentPlane {
  if (!Number.isInteger(d) || d < 1) throw new Error(`latentPlane: latent dimension must be a positive integer (got ${d})`);
  if (!Number.isInteger(n) || n < 1) throw new Error(`latentPlane: needs at least one latent (got n = ${n})`);
  if (z.length !== n * d) throw new Error(`latentPlane: expected n×d = ${n}×${d} = ${n * d} values, got ${z.length}`);
  if (d <= 2) {
    const points = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) points[2 * i + j] = z[i * d + j]!;
    return {
      latentDim: d,
      kind: 'latent',
      axisTitles: d === 2 ? ['z₁', 'z₂'] : ['z₁', ''],
      points,
      toLatent: (u, v) => Float32Array.from(d === 2 ? [u, v] : [u]),
      toPlane: (p) => [p[0]!, d === 2 ? p[1]! : 0],
    };
  }
  const { points, explained, total, mean, components: C } = pca2(z, n, d);
  return {
    latentDim: d,
    kind: 'pca',
    axisTitles: ['PC 1', 'PC 2'],
    explainedFraction: total > 0 ? [explained[0] / total, explained[1] / total] : [0, 0],
    points,
    toLatent: (u, v) => {
      const out = new Float32Array(d);
      for (let j = 0; j < d; j++) out[j] = mean[j]! + u * C[j]! + v * C[d + j]!;
      return out;
    },
    toPlane: (p) => {
      let u = 0;
      let v = 0;
      for (let j = 0; j < d; j++) {
        const c = p[j]! - mean[j]!;
        u += c * C[j]!;
        v += c * C[d + j]!;
      }
      return [u, v];
    },
  };
}

/** steps latents on the segment from a to b, ends included: row i is a + (i/(steps−1))·(b − a). */
export function interpolateLatents(a: ArrayLike<number>, b: ArrayLike<number>, steps: number): Float32Array {
  if (a.length !== b.length) throw new Error(`interpolateLatents: endpoints differ in length (${a.length} and ${b.length})`);
  if (!Number.isInteger(steps) || steps < 2) throw new Error(`interpolateLatents: steps must be an integer >= 2 (got ${steps})`);
  const d = a.length;
  const out = new Float32Array(steps * d);
  for (let i = 0; i < steps; i++) {
    const t = i / (steps - 1);
    for (let j = 0; j < d; j++) out[i * d + j] = a[j]! + t * (b[j]! - a[j]!);
  }
  return out;
}

/**
 * An n×n grid of 2-D points at the cell centres of the box [x0, x1] × [y0, y1], row-major with the
 * first row at the top (largest y), like manifoldLatents: the manifold of a model without a prior.
 */
export function boxLatents(n: number, x0: number, x1: number, y0: number, y1: number): Float32Array {
  if (!Number.isInteger(n) || n < 1) throw new Error(`boxLatents: n must be a positive integer (got ${n})`);
  if (!(x1 > x0 && y1 > y0)) throw new Error(`boxLatents: the box must have x0 < x1 and y0 < y1 (got [${x0}, ${x1}] × [${y0}, ${y1}])`);
  const z = new Float32Array(n * n * 2);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      z[2 * (r * n + c)] = x0 + ((c + 0.5) / n) * (x1 - x0);
      z[2 * (r * n + c) + 1] = y1 - ((r + 0.5) / n) * (y1 - y0);
    }
  }
  return z;
}
