// Preprocessing: scaling ranges, standardization statistics (property-tested),
// and static / dynamic binarization with a seeded rng.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Dataset } from '../../src/data/dataset.js';
import {
  binarizeBernoulli, binarizeThreshold, divideBy255, dynamicBinarize, minMaxScale, standardize,
} from '../../src/data/preprocess.js';
import { Rng } from '../../src/tensor/random.js';

const ds = (values: number[], dim: number): Dataset => ({
  x: Float32Array.from(values), n: values.length / dim, dim, name: 't', labels: Int32Array.from({ length: values.length / dim }, (_, i) => i),
});

test('divideBy255 maps bytes to [0,1] and keeps labels', () => {
  const out = divideBy255(ds([0, 255, 51], 1));
  assert.deepEqual([...out.x], [...Float32Array.from([0, 1, 0.2])]);
  assert.deepEqual([...out.labels!], [0, 1, 2]);
});

test('minMaxScale maps the dataset range onto [0,1] and can reuse a range', () => {
  const r = minMaxScale(ds([-2, 0, 2, 6], 2));
  assert.equal(r.min, -2);
  assert.equal(r.max, 6);
  assert.deepEqual([...r.dataset.x], [0, 0.25, 0.5, 1]);
  assert.deepEqual([...minMaxScale(ds([10], 1), r).dataset.x], [1.5]);
  assert.deepEqual([...minMaxScale(ds([3, 3], 1)).dataset.x], [0, 0], 'a constant dataset maps to 0, not NaN');
});

test('standardize gives every column mean ≈ 0 and std ≈ 1 (property)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 2, max: 20 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      fc.double({ min: -100, max: 100, noNaN: true }),
      fc.double({ min: 0.01, max: 100, noNaN: true }),
      (n, dim, seed, shift, scale) => {
        const rng = new Rng(seed);
        const values = Array.from({ length: n * dim }, () => shift + scale * rng.normal());
        const { dataset, mean, std } = standardize(ds(values, dim));
        for (let c = 0; c < dim; c++) {
          let m = 0;
          let v = 0;
          for (let r = 0; r < n; r++) m += dataset.x[r * dim + c]!;
          m /= n;
          for (let r = 0; r < n; r++) v += (dataset.x[r * dim + c]! - m) ** 2;
          const s = Math.sqrt(v / n);
          assert.ok(Math.abs(m) < 1e-4, `column ${c} mean ${m}`);
          if (std[c]! > 1e-3 * scale) assert.ok(Math.abs(s - 1) < 1e-3, `column ${c} std ${s}`);
          assert.ok(Number.isFinite(mean[c]!));
        }
      },
    ),
    { seed: 42, numRuns: 200 },
  );
});

test('standardize floors the std so constant columns become 0, not NaN', () => {
  const r = standardize(ds([5, 1, 5, 3], 2));
  assert.deepEqual([...r.mean], [5, 2]);
  assert.deepEqual([...r.std], [1e-6, 1]);
  assert.deepEqual([...r.dataset.x], [0, -1, 0, 1]);
});

test('standardize with given stats applies them instead of recomputing', () => {
  const train = standardize(ds([0, 2], 1));
  const val = standardize(ds([4], 1), { stats: train });
  assert.deepEqual([...val.dataset.x], [3]);
  assert.throws(() => standardize(ds([1, 2], 2), { stats: train }), /stats are for 1 columns, dataset "t" has 2/);
});

test('binarizeThreshold sets values above the threshold to 1, others to 0', () => {
  assert.deepEqual([...binarizeThreshold(ds([0.1, 0.5, 0.51, 1], 1)).x], [0, 0, 1, 1]);
  assert.deepEqual([...binarizeThreshold(ds([0.1, 0.3], 1), 0.2).x], [0, 1]);
});

test('Bernoulli binarization is seeded, binary, keeps 0 and 1 fixed, and matches p on average', () => {
  const p = ds(Array.from({ length: 20000 }, (_, i) => (i % 4 === 0 ? 0 : i % 4 === 1 ? 1 : 0.3)), 4);
  const a = binarizeBernoulli(p, new Rng(1));
  const b = binarizeBernoulli(p, new Rng(1));
  assert.deepEqual(a.x, b.x);
  let ones = 0;
  for (let i = 0; i < a.x.length; i++) {
    const v = a.x[i]!;
    assert.ok(v === 0 || v === 1);
    if (i % 4 === 0) assert.equal(v, 0);
    if (i % 4 === 1) assert.equal(v, 1);
    if (i % 4 >= 2) ones += v;
  }
  assert.ok(Math.abs(ones / 10000 - 0.3) < 0.02, `frequency ${ones / 10000}`);
});

test('dynamic binarization draws a fresh sample on each call and can write in place', () => {
  const batch = new Float32Array(64).fill(0.5);
  const rng = new Rng(3);
  const first = dynamicBinarize(batch, rng);
  const second = dynamicBinarize(batch, rng);
  assert.notDeepEqual(first, second);
  assert.deepEqual(dynamicBinarize(batch, new Rng(3)), first, 'the same seed gives the same sample');
  const inPlace = batch.slice();
  assert.equal(dynamicBinarize(inPlace, new Rng(3), inPlace), inPlace);
  assert.deepEqual(inPlace, first);
});

test('binarization by sampling rejects values outside [0,1] with their index', () => {
  assert.throws(() => dynamicBinarize(Float32Array.from([0.5, 2]), new Rng(0)), {
    message: 'dynamicBinarize: value 2 at index 1 is not a probability in [0, 1]',
  });
  assert.throws(() => binarizeBernoulli(ds([-1], 1), new Rng(0)), /binarizeBernoulli \(dataset "t"\): value -1 at index 0/);
});
