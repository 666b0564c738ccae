// Dataset helpers: subset, takeFirst and trainValSplit copy rows with their labels.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkDataset, featureArray, subset, takeFirst, trainValSplit, type Dataset } from '../../src/data/dataset.js';
import { setBufferSource } from '../../src/tensor/pool.js';
import { Rng } from '../../src/tensor/random.js';

function rows(n: number, dim: number): Dataset {
  const x = Float32Array.from({ length: n * dim }, (_, i) => Math.floor(i / dim) * 10 + (i % dim));
  return { x, n, dim, labels: Int32Array.from({ length: n }, (_, i) => i), name: 'rows' };
}

test('subset copies the chosen rows and labels in the given order, repeats allowed', () => {
  const ds = rows(4, 2);
  const s = subset(ds, [3, 0, 3]);
  assert.deepEqual([...s.x], [30, 31, 0, 1, 30, 31]);
  assert.deepEqual([...s.labels!], [3, 0, 3]);
  s.x[0] = -1;
  assert.equal(ds.x[6], 30, 'subset does not alias the source');
});

test('subset rejects out-of-range indices with the position and size', () => {
  assert.throws(() => subset(rows(3, 1), [0, 3]), {
    message: 'subset: index 3 at position 1 is out of range for dataset "rows" with 3 rows',
  });
});

test('takeFirst keeps the first rows and clamps to the dataset size', () => {
  const ds = { ...rows(3, 2), imageShape: [1, 2] as [number, number] };
  const t = takeFirst(ds, 2);
  assert.equal(t.n, 2);
  assert.deepEqual([...t.x], [0, 1, 10, 11]);
  assert.deepEqual(t.imageShape, [1, 2]);
  assert.equal(takeFirst(ds, 10).n, 3);
  assert.throws(() => takeFirst(ds, -1), /takeFirst: n must be a non-negative integer/);
});

test('trainValSplit partitions the rows and is reproducible from the seed', () => {
  const ds = rows(10, 3);
  const a = trainValSplit(ds, 0.3, new Rng(5));
  const b = trainValSplit(ds, 0.3, new Rng(5));
  assert.equal(a.val.n, 3);
  assert.equal(a.train.n, 7);
  assert.deepEqual([...a.val.labels!], [...b.val.labels!]);
  const all = [...a.train.labels!, ...a.val.labels!].sort((p, q) => p - q);
  assert.deepEqual(all, [...Array(10).keys()]);
  for (const part of [a.train, a.val]) {
    checkDataset(part);
    for (let r = 0; r < part.n; r++) assert.equal(part.x[r * 3], part.labels![r]! * 10, 'rows keep their labels');
  }
  assert.equal(a.train.name, 'rows:train');
});

test('checkDataset reports inconsistent sizes', () => {
  assert.throws(() => checkDataset({ x: new Float32Array(5), n: 2, dim: 3, name: 'bad' }), {
    message: 'dataset "bad": x has 5 values, expected n×dim = 2×3 = 6',
  });
});

test('featureArray takes storage from the backend\'s buffer source as handed, with no fill pass (so a wasm backend gathers batches in its memory), and rejects a source that gives float64', () => {
  const handed: Float32Array[] = [];
  setBufferSource((f64, n) => {
    const b = f64 ? new Float64Array(n) : new Float32Array(n).fill(7);
    if (b instanceof Float32Array) handed.push(b);
    return b;
  });
  try {
    const x = featureArray(5);
    assert.equal(handed[0], x);
    assert.deepEqual([...x], [7, 7, 7, 7, 7]); // untouched: every dataset maker writes all values
    const sub = subset({ x: Float32Array.of(1, 2, 3, 4), n: 2, dim: 2, name: 'd' }, [1]);
    assert.equal(handed[1], sub.x);
    setBufferSource(() => new Float64Array(3));
    assert.throws(() => featureArray(3), /featureArray: the backend's buffer source gave a Float64Array for float32/);
  } finally {
    setBufferSource(null);
  }
});
