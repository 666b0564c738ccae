// The data layer's one container: n rows of dim float32 features, row-major, plus
// optional integer labels. Plain typed arrays so it works before (and without) Tensor.

import type { Rng } from '../tensor/random.js';
import { freshBuffer } from '../tensor/pool.js';

export interface Dataset {
  /** Row-major n×dim features. */
  x: Float32Array;
  n: number;
  dim: number;
  /** [rows, cols] when each row is a flattened image (rows·cols = dim). */
  imageShape?: [number, number];
  /** One class index per row. */
  labels?: Int32Array;
  /** Class names when labels came from categorical strings (labels index into this). */
  labelNames?: string[];
  name: string;
}

/** Throws unless x, labels and imageShape agree with n and dim. */
export function checkDataset(ds: Dataset): void {
  const where = `dataset "${ds.name}"`;
  if (!Number.isInteger(ds.n) || ds.n < 0) throw new Error(`${where}: n must be a non-negative integer (got ${ds.n})`);
  if (!Number.isInteger(ds.dim) || ds.dim < 0) throw new Error(`${where}: dim must be a non-negative integer (got ${ds.dim})`);
  if (ds.x.length !== ds.n * ds.dim) {
    throw new Error(`${where}: x has ${ds.x.length} values, expected n×dim = ${ds.n}×${ds.dim} = ${ds.n * ds.dim}`);
  }
  if (ds.labels !== undefined && ds.labels.length !== ds.n) {
    throw new Error(`${where}: ${ds.labels.length} labels for ${ds.n} rows`);
  }
  if (ds.imageShape !== undefined && ds.imageShape[0] * ds.imageShape[1] !== ds.dim) {
    throw new Error(`${where}: imageShape ${ds.imageShape[0]}×${ds.imageShape[1]} does not match dim ${ds.dim}`);
  }
}

/**
 * Storage for a new dataset's n features, from the active backend's buffers (wasm memory under the
 * wasm backend, whose minibatch gather then runs there), never recycled with a step's temporaries.
 * Its contents are arbitrary: every maker of a dataset writes all n values (no fill pass over
 * MNIST's 188 MB first).
 */
export function featureArray(n: number): Float32Array {
  const x = freshBuffer(false, n, false);
  if (!(x instanceof Float32Array)) throw new Error(`featureArray: the backend's buffer source gave a ${x.constructor.name} for float32`);
  return x;
}

/** Copies the metadata that survives row selection and feature-wise maps. */
export function withRows(ds: Dataset, x: Float32Array, n: number, labels: Int32Array | undefined, name: string): Dataset {
  const out: Dataset = { x, n, dim: ds.dim, name };
  if (ds.imageShape !== undefined) out.imageShape = [ds.imageShape[0], ds.imageShape[1]];
  if (labels !== undefined) out.labels = labels;
  if (ds.labelNames !== undefined) out.labelNames = ds.labelNames.slice();
  return out;
}

/** Same rows and labels, new features (for preprocessing steps). */
export function withFeatures(ds: Dataset, x: Float32Array): Dataset {
  return withRows(ds, x, ds.n, ds.labels?.slice(), ds.name);
}

/** The rows at `indices`, in that order (repeats allowed), copied. */
export function subset(ds: Dataset, indices: ArrayLike<number>, name = ds.name): Dataset {
  const m = indices.length;
  const { dim } = ds;
  const x = featureArray(m * dim);
  const labels = ds.labels === undefined ? undefined : new Int32Array(m);
  for (let r = 0; r < m; r++) {
    const i = indices[r]!;
    if (!Number.isInteger(i) || i < 0 || i >= ds.n) {
      throw new Error(`subset: index ${i} at position ${r} is out of range for dataset "${ds.name}" with ${ds.n} rows`);
    }
    x.set(ds.x.subarray(i * dim, (i + 1) * dim), r * dim);
    if (labels !== undefined) labels[r] = ds.labels![i]!;
  }
  return withRows(ds, x, m, labels, name);
}

/** The first min(n, ds.n) rows, copied. */
export function takeFirst(ds: Dataset, n: number): Dataset {
  if (!Number.isInteger(n) || n < 0) throw new Error(`takeFirst: n must be a non-negative integer (got ${n})`);
  const m = Math.min(n, ds.n);
  return withRows(ds, ds.x.slice(0, m * ds.dim), m, ds.labels?.slice(0, m), ds.name);
}

/**
 * Random split: `valFraction` of the rows (rounded) go to `val`, the rest to `train`.
 * Draws one permutation from rng; each side keeps the permuted order.
 */
export function trainValSplit(ds: Dataset, valFraction: number, rng: Rng): { train: Dataset; val: Dataset } {
  if (!(valFraction >= 0 && valFraction <= 1)) {
    throw new Error(`trainValSplit: valFraction must be in [0, 1] (got ${valFraction})`);
  }
  const nVal = Math.round(ds.n * valFraction);
  const perm = rng.permutation(ds.n);
  return {
    train: subset(ds, perm.subarray(nVal), `${ds.name}:train`),
    val: subset(ds, perm.subarray(0, nVal), `${ds.name}:val`),
  };
}

/** [rows, cols] of the images in ds: its imageShape, or a square when dim is a perfect square. */
export function imageShapeOf(ds: Pick<Dataset, 'dim' | 'imageShape'>): [number, number] | null {
  if (ds.imageShape) return ds.imageShape;
  const s = Math.round(Math.sqrt(ds.dim));
  return s * s === ds.dim && s > 1 ? [s, s] : null;
}
