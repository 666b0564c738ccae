// Rng.fillNormal is randn's fast path: it must be the normal() stream itself, so that seeded runs,
// checkpoints and resumes are unchanged by which of the two a caller uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Rng } from '../../src/tensor/random.js';

test('fillNormal writes exactly the draws of repeated normal() and leaves the same state, spare included', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 301 }), (seed, before, n) => {
      const a = new Rng(seed);
      const b = new Rng(seed);
      // An odd number of earlier draws leaves a Box–Muller spare pending.
      for (let i = 0; i < before; i++) assert.equal(a.normal(), b.normal());
      const expected = new Float64Array(n);
      for (let i = 0; i < n; i++) expected[i] = a.normal();
      const got = new Float64Array(n);
      b.fillNormal(got);
      assert.deepEqual(got, expected);
      assert.deepEqual(b.getState(), a.getState());
      assert.equal(b.normal(), a.normal());
    }),
    { numRuns: 200 },
  );
});

test('fillNormal into float32 rounds each draw as an element assignment would', () => {
  const a = new Rng(7);
  const b = new Rng(7);
  const want = Float32Array.from({ length: 1001 }, () => a.normal());
  const got = new Float32Array(1001);
  b.fillNormal(got);
  assert.deepEqual(got, want);
});
