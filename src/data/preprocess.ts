// Feature preprocessing: scaling, standardization and binarization. Each step
// returns a new Dataset plus the statistics it used, so a validation set can be
// transformed with the training set's statistics.

import type { Rng } from '../tensor/random.js';
import { featureArray, withFeatures, type Dataset } from './dataset.js';

/** x / 255: byte-valued pixels to [0, 1]. */
export function divideBy255(ds: Dataset): Dataset {
  const x = featureArray(ds.x.length);
  for (let i = 0; i < x.length; i++) x[i] = ds.x[i]! / 255;
  return withFeatures(ds, x);
}

export interface MinMax {
  min: number;
  max: number;
}

/**
 * (x − min) / (max − min) with one min and max for the whole dataset (not per
 * column, so images keep their relative contrast). Pass `stats` to reuse a
 * training set's range; values outside it then fall outside [0, 1].
 */
export function minMaxScale(ds: Dataset, stats?: MinMax): { dataset: Dataset } & MinMax {
  let min = Infinity;
  let max = -Infinity;
  if (stats !== undefined) {
    ({ min, max } = stats);
  } else {
    for (let i = 0; i < ds.x.length; i++) {
      const v = ds.x[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (ds.x.length === 0) [min, max] = [0, 1];
  }
  // NOTE: a constant dataset has max = min; it maps to all zeros instead of NaN.
  const range = max - min;
  const inv = range > 0 ? 1 / range : 0;
  const x = featureArray(ds.x.length);
  for (let i = 0; i < x.length; i++) x[i] = (ds.x[i]! - min) * inv;
  return { dataset: withFeatures(ds, x), min, max };
}

export interface Standardization {
  /** Per-column mean. */
  mean: Float64Array;
  /** Per-column population standard deviation, floored at `stdFloor`. */
  std: Float64Array;
}

export interface StandardizeOptions {
  /** Smallest std divided by (default 1e-6): constant columns map to 0 instead of NaN. */
  stdFloor?: number;
  /** Reuse these statistics (e.g. the training set's) instead of computing them. */
  stats?: Standardization;
}

/** Per column: (x − mean) / max(std, stdFloor). Statistics are accumulated in float64. */
export function standardize(ds: Dataset, opts: StandardizeOptions = {}): { dataset: Dataset } & Standardization {
  const { n, dim } = ds;
  const stdFloor = opts.stdFloor ?? 1e-6;
  if (!(stdFloor > 0)) throw new Error(`standardize: stdFloor must be positive (got ${stdFloor})`);
  let mean: Float64Array;
  let std: Float64Array;
  if (opts.stats !== undefined) {
    ({ mean, std } = opts.stats);
    if (mean.length !== dim || std.length !== dim) {
      throw new Error(`standardize: stats are for ${mean.length} columns, dataset "${ds.name}" has ${dim}`);
    }
  } else {
    if (n === 0) throw new Error(`standardize: dataset "${ds.name}" has no rows to compute statistics from`);
    mean = new Float64Array(dim);
    std = new Float64Array(dim);
    for (let r = 0; r < n; r++) for (let c = 0; c < dim; c++) mean[c]! += ds.x[r * dim + c]!;
    for (let c = 0; c < dim; c++) mean[c]! /= n;
    // Two-pass variance: Σ(x − mean)² avoids the cancellation of E[x²] − E[x]².
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < dim; c++) {
        const d = ds.x[r * dim + c]! - mean[c]!;
        std[c]! += d * d;
      }
    }
    for (let c = 0; c < dim; c++) std[c] = Math.max(Math.sqrt(std[c]! / n), stdFloor);
  }
  const x = featureArray(ds.x.length);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < dim; c++) x[r * dim + c] = (ds.x[r * dim + c]! - mean[c]!) / Math.max(std[c]!, stdFloor);
  }
  return { dataset: withFeatures(ds, x), mean, std };
}

/** Static binarization by threshold: 1 where x > threshold, else 0. */
export function binarizeThreshold(ds: Dataset, threshold = 0.5): Dataset {
  const x = featureArray(ds.x.length);
  for (let i = 0; i < x.length; i++) x[i] = ds.x[i]! > threshold ? 1 : 0;
  return withFeatures(ds, x);
}

/**
 * Static stochastic binarization: each value is replaced once by a Bernoulli(x)
 * draw (the fixed binarized-MNIST protocol). Values must lie in [0, 1].
 */
export function binarizeBernoulli(ds: Dataset, rng: Rng): Dataset {
  return withFeatures(ds, sampleBernoulli(ds.x, rng, featureArray(ds.x.length), `binarizeBernoulli (dataset "${ds.name}")`));
}

/**
 * Dynamic binarization: a fresh Bernoulli(x) sample of a batch, drawn on every
 * call (per batch / per epoch), which regularizes compared to a fixed sample.
 * Writes into `out` when given (it may be `batch` itself).
 */
export function dynamicBinarize(batch: Float32Array, rng: Rng, out: Float32Array = new Float32Array(batch.length)): Float32Array {
  if (out.length !== batch.length) throw new Error(`dynamicBinarize: out has length ${out.length}, batch has ${batch.length}`);
  return sampleBernoulli(batch, rng, out, 'dynamicBinarize');
}

function sampleBernoulli(p: Float32Array, rng: Rng, out: Float32Array, who: string): Float32Array {
  for (let i = 0; i < p.length; i++) {
    const v = p[i]!;
    if (!(v >= 0 && v <= 1)) throw new Error(`${who}: value ${v} at index ${i} is not a probability in [0, 1]`);
    out[i] = rng.uniform() < v ? 1 : 0;
  }
  return out;
}
