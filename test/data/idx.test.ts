// IDX parser: round trips for every dtype and exact error messages for broken files.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeIdx, idxImagesToDataset, parseIdx, type IdxDType } from '../../src/data/idx.js';

test('a hand-built 2×2×3 uint8 images file parses to its header dims and bytes', () => {
  const bytes = new Uint8Array([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3, 0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
  const idx = parseIdx(bytes, 'tiny');
  assert.deepEqual(idx.dims, [2, 2, 3]);
  assert.equal(idx.dtype, 'uint8');
  assert.deepEqual([...idx.data], [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
});

const cases: [IdxDType, number[]][] = [
  ['uint8', [0, 7, 255]],
  ['int8', [-128, -1, 0, 127]],
  ['int16', [-32768, -2, 300, 32767]],
  ['int32', [-2147483648, -5, 70000, 2147483647]],
  ['float32', [-1.5, 0, 3.25, 1e-3]],
  ['float64', [-Math.PI, 0, 1e300, 5e-324]],
];
for (const [dtype, values] of cases) {
  test(`encodeIdx → parseIdx round-trips ${dtype} values exactly (big-endian on disk)`, () => {
    const idx = parseIdx(encodeIdx([values.length], dtype, values), 'x');
    assert.equal(idx.dtype, dtype);
    assert.deepEqual(idx.dims, [values.length]);
    const expected = dtype === 'float32' ? [...Float32Array.from(values)] : values;
    assert.deepEqual([...idx.data], expected);
  });
}

test('multi-byte values are stored big-endian: int16 258 is bytes 01 02', () => {
  const bytes = encodeIdx([1], 'int16', [258]);
  assert.deepEqual([...bytes], [0, 0, 0x0b, 1, 0, 0, 0, 1, 1, 2]);
});

test('a truncated images file names the file, the header shape and the bytes present', () => {
  const full = encodeIdx([60000, 28, 28], 'uint8', new Uint8Array(60000 * 28 * 28));
  const cut = full.subarray(0, 16 + 1000);
  assert.throws(() => parseIdx(cut, 'train-images-idx3-ubyte'), {
    message: 'idx: train-images-idx3-ubyte is truncated: header says 60000×28×28 = 47040000 bytes of data, file has 1000 bytes after the 16-byte header',
  });
});

test('a truncated float32 file states the dtype in the expected size', () => {
  const cut = encodeIdx([3, 2], 'float32', [1, 2, 3, 4, 5, 6]).subarray(0, 12 + 20);
  assert.throws(() => parseIdx(cut, 'f.idx'), {
    message: 'idx: f.idx is truncated: header says 3×2 float32 = 24 bytes of data, file has 20 bytes after the 12-byte header',
  });
});

test('trailing bytes after the data are an error, not silently ignored', () => {
  const bytes = new Uint8Array([...encodeIdx([2], 'uint8', [1, 2]), 9, 9]);
  assert.throws(() => parseIdx(bytes, 'l'), {
    message: 'idx: l has 2 trailing bytes: header says 2 = 2 bytes of data, file has 4 bytes after the 8-byte header',
  });
});

test('a header cut inside the dimension sizes is reported as truncated', () => {
  assert.throws(() => parseIdx(new Uint8Array([0, 0, 8, 3, 0, 0, 0, 2]), 'h'), {
    message: 'idx: h is truncated: a header with 3 dimensions needs 16 bytes, file has 8',
  });
  assert.throws(() => parseIdx(new Uint8Array([0, 0]), 'h2'), /h2 is too short to be an IDX file: 2 bytes/);
});

test('a non-IDX file is rejected with its magic number in hex', () => {
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]);
  assert.throws(() => parseIdx(png, 'photo.png'), {
    message: 'idx: photo.png is not an IDX file: magic number is 0x89504e47, expected 0x0000TTDD (two zero bytes, a data type, a dimension count), e.g. 0x00000803 for images',
  });
});

test('an unknown data type byte is named together with the supported ones', () => {
  assert.throws(() => parseIdx(new Uint8Array([0, 0, 0x07, 1, 0, 0, 0, 0]), 'odd'), {
    message: 'idx: odd has unknown data type 0x07 in magic number 0x00000701, expected one of 0x08 (uint8), 0x09 (int8), 0x0b (int16), 0x0c (int32), 0x0d (float32), 0x0e (float64)',
  });
  assert.throws(() => parseIdx(new Uint8Array([0, 0, 8, 0]), 'zero'), /zero declares 0 dimensions/);
});

test('uint8 images become a Dataset scaled to [0,1] with imageShape and labels', () => {
  const images = parseIdx(encodeIdx([3, 2, 2], 'uint8', [0, 255, 51, 102, 1, 2, 3, 4, 5, 6, 7, 8]), 'imgs');
  const labels = parseIdx(encodeIdx([3], 'uint8', [7, 0, 9]), 'labs');
  const ds = idxImagesToDataset(images, labels);
  assert.equal(ds.n, 3);
  assert.equal(ds.dim, 4);
  assert.deepEqual(ds.imageShape, [2, 2]);
  assert.equal(ds.name, 'imgs');
  assert.deepEqual([...ds.labels!], [7, 0, 9]);
  assert.deepEqual([...ds.x.subarray(0, 4)], [...Float32Array.from([0, 1, 0.2, 0.4])]);
});

test('limit keeps the first examples and their labels only', () => {
  const images = parseIdx(encodeIdx([3, 1, 2], 'uint8', [0, 0, 255, 255, 0, 255]), 'imgs');
  const labels = parseIdx(encodeIdx([3], 'uint8', [1, 2, 3]), 'labs');
  const ds = idxImagesToDataset(images, labels, { limit: 2, name: 'small' });
  assert.equal(ds.n, 2);
  assert.equal(ds.name, 'small');
  assert.deepEqual([...ds.x], [0, 0, 1, 1]);
  assert.deepEqual([...ds.labels!], [1, 2]);
});

test('non-uint8 images are converted without scaling', () => {
  const ds = idxImagesToDataset(parseIdx(encodeIdx([2, 2], 'float32', [-1, 2, 3.5, 4]), 'f'));
  assert.deepEqual([...ds.x], [-1, 2, 3.5, 4]);
  assert.equal(ds.imageShape, undefined);
});

test('a label count different from the image count names both files and counts', () => {
  const images = parseIdx(encodeIdx([3, 1, 1], 'uint8', [1, 2, 3]), 'train-images-idx3-ubyte');
  const labels = parseIdx(encodeIdx([2], 'uint8', [1, 2]), 'train-labels-idx1-ubyte');
  assert.throws(() => idxImagesToDataset(images, labels), {
    message: 'idx: label count does not match image count: train-labels-idx1-ubyte has 2 labels, train-images-idx3-ubyte has 3 images',
  });
});

test('swapped images and labels files are rejected by their dimension counts', () => {
  const images = parseIdx(encodeIdx([2, 1, 1], 'uint8', [1, 2]), 'imgs');
  const labels = parseIdx(encodeIdx([2], 'uint8', [1, 2]), 'labs');
  assert.throws(() => idxImagesToDataset(labels, images), {
    message: 'idx: labs has 1 dimension (2), expected images: n×rows×cols (magic 0x00000803) or n×dim',
  });
  assert.throws(() => idxImagesToDataset(images, images), /imgs has 3 dimensions \(2×1×1\), expected labels: 1 dimension \(magic 0x00000801\)/);
});
