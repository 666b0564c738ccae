// Minibatch iteration over a Dataset. Shuffling is seeded through an explicit Rng
// (one permutation drawn per epoch), so a training run is reproducible from its seed.

import { getBackend } from '../backend/registry.js';
import { allocateUninit } from '../tensor/dtype.js';
import type { Rng } from '../tensor/random.js';
import type { Dataset } from './dataset.js';

export interface Batch {
  /** size×dim features, row-major; a fresh array the caller may keep or mutate. */
  x: Float32Array;
  labels?: Int32Array;
  /** Dataset row of each batch row. */
  indices: Int32Array;
  size: number;
}

export interface BatchOptions {
  /** Visit rows in a random order (default true). Requires `rng`. */
  shuffle?: boolean;
  rng?: Rng;
  /** Skip a final batch smaller than batchSize (default false). */
  dropLast?: boolean;
}

/** Number of batches one epoch yields. */
export function batchCount(n: number, batchSize: number, dropLast = false): number {
  return dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
}

/**
 * One epoch of minibatches. Each row appears in exactly one batch (or in none, when
 * dropLast drops the remainder). Arguments are checked and the permutation is drawn
 * from rng when batches() is called (not lazily at the first next()), so rng state is
 * predictable; calling batches() again with the same rng gives the next epoch's order.
 */
export function batches(ds: Dataset, batchSize: number, opts: BatchOptions = {}): Generator<Batch, void, undefined> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batches: batchSize must be a positive integer (got ${batchSize})`);
  const shuffle = opts.shuffle ?? true;
  if (shuffle && opts.rng === undefined) {
    throw new Error('batches: shuffle needs an rng (pass { rng: new Rng(seed) }, or { shuffle: false })');
  }
  const { n } = ds;
  // NOTE: batch indices are views into this per-epoch order; it is never reused,
  // so a kept batch.indices stays valid after iteration moves on.
  const order = shuffle ? opts.rng!.permutation(n) : Int32Array.from({ length: n }, (_, i) => i);
  const end = opts.dropLast === true ? n - (n % batchSize) : n;
  return generate(ds, order, end, batchSize);
}

function* generate(ds: Dataset, order: Int32Array, end: number, batchSize: number): Generator<Batch, void, undefined> {
  const { dim } = ds;
  for (let start = 0; start < end; start += batchSize) {
    const size = Math.min(batchSize, end - start);
    const indices = order.subarray(start, start + size);
    // From the buffer pool, so a training step that recycles its temporaries reuses it.
    const x = allocateUninit('float32', size * dim);
    // The backend's row gather: the native and wasm ones copy on every core (wasm's when the
    // dataset was loaded into its memory, see featureArray), since rows drawn at random from a
    // large dataset mostly wait on memory.
    getBackend().gather(ds.x, 1, ds.n, dim, indices, x);
    const batch: Batch = { x, indices, size };
    if (ds.labels !== undefined) {
      const labels = new Int32Array(size);
      for (let r = 0; r < size; r++) labels[r] = ds.labels[indices[r]!]!;
      batch.labels = labels;
    }
    yield batch;
  }
}
