// Latent-space helpers for figures: the inverse normal CDF grid of Kingma & Welling (2014,
// fig. 4) for a 2-D manifold, and a 2-D PCA projection for scatters when d > 2. Browser-safe.

/**
 * Φ⁻¹(p), the standard normal quantile, by Wichura's AS241 (PPND16), accurate to ~1e-16.
 * Throws outside (0, 1).
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`normalQuantile: p must be in (0, 1) (got ${p})`);
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (
      (q *
        (((((((2509.0809287301226727 * r + 33430.575583588128105) * r + 67265.770927008700853) * r + 45921.953931549871457) * r +
          13731.693765509461125) * r + 1971.5909503065514427) * r + 133.14166789178437745) * r + 3.387132872796366608)) /
      (((((((5226.495278852545925 * r + 28729.085735721942674) * r + 39307.89580009271061) * r + 21213.794301586595867) * r +
        5394.1960214247511077) * r + 687.1870074920579083) * r + 42.313330701600911252) * r + 1)
    );
  }
  let r = q < 0 ? p : 1 - p;
  r = Math.sqrt(-Math.log(r));
  let x: number;
  if (r <= 5) {
    r -= 1.6;
    x =
      (((((((7.7454501427834140764e-4 * r + 0.0227238449892691845833) * r + 0.24178072517745061177) * r + 1.27045825245236838258) * r +
        3.64784832476320460504) * r + 5.7694972214606914055) * r + 4.6303378461565452959) * r + 1.42343711074968357734) /
      (((((((1.05075007164441684324e-9 * r + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r + 0.14810397642748007459) * r +
        0.68976733498510000455) * r + 1.6763848301838038494) * r + 2.05319162663775882187) * r + 1);
  } else {
    r -= 5;
    x =
      (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r + 0.026532189526576123093) * r +
        0.29656057182850489123) * r + 1.7848265399172913358) * r + 5.4637849111641143699) * r + 6.6579046435011037772) /
      (((((((2.04426310338993978564e-15 * r + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r + 7.868691311456132591e-4) * r +
        0.0148753612908506148525) * r + 0.13692988092273580531) * r + 0.59983220655588793769) * r + 1);
  }
  return q < 0 ? -x : x;
}

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
      z[2 * (r * n + c)] = normalQuantile((c + 0.5) / n);
      z[2 * (r * n + c) + 1] = normalQuantile(1 - (r + 0.5) / n);
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
