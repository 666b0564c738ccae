// Minibatch iterator: every row exactly once per epoch (property-tested), seeded
// reproducibility, dropLast, and rows matching their labels and indices.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { batchCount, batches } from '../../src/data/batches.js';
import type { Dataset } from '../../src/data/dataset.js';
import { Rng } from '../../src/tensor/random.js';

// Row i is [i, -i] with label i, so a batch row can be traced back to its source.
function tagged(n: number): Dataset {
  const x = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) [x[2 * i], x[2 * i + 1]] = [i, -i];
  return { x, n, dim: 2, labels: Int32Array.from({ length: n }, (_, i) => i), name: 'tagged' };
}

test('one epoch visits every row exactly once, in batches of batchSize (property)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1, max: 64 }), fc.integer(), fc.boolean(), (n, bs, seed, shuffle) => {
      const seen = new Array<number>(n).fill(0);
      const all = [...batches(tagged(n), bs, { shuffle, rng: new Rng(seed) })];
      assert.equal(all.length, batchCount(n, bs));
      all.forEach((b, k) => {
        assert.equal(b.size, k < all.length - 1 ? bs : n - bs * (all.length - 1));
        assert.equal(b.x.length, 2 * b.size);
        for (let r = 0; r < b.size; r++) {
          const i = b.indices[r]!;
          seen[i]!++;
          assert.equal(b.labels![r], i);
          assert.equal(b.x[2 * r], i);
          assert.equal(b.x[2 * r + 1], -i);
        }
      });
      assert.ok(seen.every((c) => c === 1));
    }),
    { seed: 7, numRuns: 300 },
  );
});

test('dropLast yields only full batches and covers each kept row once (property)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1, max: 64 }), fc.integer(), (n, bs, seed) => {
      const all = [...batches(tagged(n), bs, { rng: new Rng(seed), dropLast: true })];
      assert.equal(all.length, Math.floor(n / bs));
      assert.ok(all.every((b) => b.size === bs));
      const idx = all.flatMap((b) => [...b.indices]);
      assert.equal(new Set(idx).size, idx.length);
    }),
    { seed: 8, numRuns: 200 },
  );
});

test('the same seed gives the same batches; successive epochs on one rng differ', () => {
  const ds = tagged(50);
  const order = (rng: Rng): number[] => [...batches(ds, 8, { rng })].flatMap((b) => [...b.indices]);
  const r1 = new Rng(123);
  const r2 = new Rng(123);
  const e1 = order(r1);
  assert.deepEqual(e1, order(r2));
  assert.notDeepEqual(e1, [...Array(50).keys()], 'shuffled');
  assert.notDeepEqual(order(r1), e1, 'the next epoch draws a new permutation');
});

test('shuffle: false yields rows in dataset order without needing an rng', () => {
  const idx = [...batches(tagged(5), 2, { shuffle: false })].map((b) => [...b.indices]);
  assert.deepEqual(idx, [[0, 1], [2, 3], [4]]);
});

test('kept batches stay valid after iteration moves on (no shared buffers)', () => {
  const all = [...batches(tagged(6), 2, { shuffle: false })];
  assert.deepEqual([...all[0]!.x], [0, -0, 1, -1]);
  assert.deepEqual([...all[0]!.indices], [0, 1]);
});

test('bad arguments fail when batches() is called, not at the first next()', () => {
  assert.throws(() => batches(tagged(3), 2), {
    message: 'batches: shuffle needs an rng (pass { rng: new Rng(seed) }, or { shuffle: false })',
  });
  assert.throws(() => batches(tagged(3), 0, { shuffle: false }), { message: 'batches: batchSize must be a positive integer (got 0)' });
});

test('unlabeled datasets yield batches without labels', () => {
  const ds: Dataset = { x: new Float32Array(4), n: 2, dim: 2, name: 'u' };
  const [b] = [...batches(ds, 5, { shuffle: false })];
  assert.equal(b!.labels, undefined);
  assert.equal(b!.size, 2);
});
