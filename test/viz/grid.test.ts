// Image grid layout, clamping and error messages: the pixel arithmetic behind every sample page.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { heatmap, imageGrid, stackGrids, upscale, type RgbaImage } from '../../src/viz/grid.js';

function gray(img: RgbaImage, x: number, y: number): number {
  const i = 4 * (y * img.width + x);
  assert.equal(img.rgba[i], img.rgba[i + 1]);
  assert.equal(img.rgba[i], img.rgba[i + 2]);
  assert.equal(img.rgba[i + 3], 255);
  return img.rgba[i]!;
}

test('a 2×3 grid with padding places tile k at (p + c·(w+p), p + r·(h+p)) with the documented size', () => {
  const count = 6;
  const h = 2;
  const w = 3;
  const p = 1;
  // Tile k is uniformly (k+1)/10, so every pixel tells which tile it belongs to.
  const images = new Float32Array(count * h * w);
  for (let k = 0; k < count; k++) images.fill((k + 1) / 10, k * h * w, (k + 1) * h * w);
  const g = imageGrid(images, count, h, w, { cols: 3, padding: p, padValue: 0 });
  assert.equal(g.width, 3 * (w + p) + p); // 13
  assert.equal(g.height, 2 * (h + p) + p); // 7
  assert.equal(g.rgba.length, g.width * g.height * 4);
  const expected: number[][] = [];
  for (let y = 0; y < g.height; y++) {
    const row: number[] = [];
    for (let x = 0; x < g.width; x++) {
      const inX = (x - p) % (w + p) < w && x >= p;
      const inY = (y - p) % (h + p) < h && y >= p;
      const k = Math.floor((y - p) / (h + p)) * 3 + Math.floor((x - p) / (w + p));
      row.push(inX && inY ? Math.round(((k + 1) / 10) * 255) : 0);
    }
    expected.push(row);
  }
  const actual = expected.map((row, y) => row.map((_, x) => gray(g, x, y)));
  assert.deepEqual(actual, expected);
  // Spot checks written out by hand: tile 0 starts at (1,1), tile 5 (row 1, col 2) at (9,4).
  assert.equal(gray(g, 1, 1), Math.round(0.1 * 255));
  assert.equal(gray(g, 9, 4), Math.round(0.6 * 255));
  assert.equal(gray(g, 11, 5), Math.round(0.6 * 255));
  assert.equal(gray(g, 12, 6), 0);
});

test('values outside [0,1] are clamped and ±Infinity saturates', () => {
  const g = imageGrid(new Float32Array([-3, 0.5, 7, Infinity, -Infinity, 1]), 1, 2, 3, { padding: 0 });
  const px = [0, 1, 2].flatMap((x) => [0, 1].map((y) => [x, y] as const));
  const vals = Object.fromEntries(px.map(([x, y]) => [`${x},${y}`, gray(g, x, y)]));
  assert.deepEqual(vals, { '0,0': 0, '1,0': 128, '2,0': 255, '0,1': 255, '1,1': 0, '2,1': 255 });
});

test('NaN throws an error naming the image and pixel', () => {
  const images = new Float32Array(3 * 4 * 4).fill(0.5);
  images[2 * 16 + 1 * 4 + 3] = NaN;
  assert.throws(() => imageGrid(images, 3, 4, 4), {
    message: 'imageGrid: image 2 is NaN at pixel (row 1, col 3) (flat index 39)',
  });
});

test('a wrong buffer length is reported with the expected product', () => {
  assert.throws(() => imageGrid(new Float32Array(10), 2, 2, 3), {
    message: 'imageGrid: expected count*height*width = 2*2*3 = 12 values, got 10',
  });
});

test('empty cells of the last row take the pad value; default cols is ceil(sqrt(count))', () => {
  const g = imageGrid(new Float32Array(5).fill(0), 5, 1, 1, { padding: 0, padValue: 1 });
  assert.equal(g.width, 3);
  assert.equal(g.height, 2);
  assert.deepEqual([gray(g, 0, 1), gray(g, 1, 1), gray(g, 2, 1)], [0, 0, 255]);
});

test('stackGrids puts top above bottom with a gap and pads the narrower one', () => {
  const top = imageGrid(new Float32Array(2).fill(0), 2, 1, 1, { cols: 2, padding: 0 });
  const bottom = imageGrid(new Float32Array(1).fill(0.2), 1, 1, 1, { padding: 0 });
  const s = stackGrids(top, bottom, { gap: 1, padValue: 1 });
  assert.equal(s.width, 2);
  assert.equal(s.height, 3);
  assert.deepEqual(
    [0, 1, 2].map((y) => [gray(s, 0, y), gray(s, 1, y)]),
    [
      [0, 0],
      [255, 255],
      [51, 255],
    ],
  );
});

test('heatmap auto-ranges and maps min/max to the ends of viridis', () => {
  const h = heatmap(new Float32Array([-2, 0, 2]), 1, 3);
  assert.deepEqual([...h.rgba.subarray(0, 4)], [0x44, 0x01, 0x54, 255]);
  assert.deepEqual([...h.rgba.subarray(8, 12)], [0xfd, 0xe7, 0x25, 255]);
});

test('upscale by 2 repeats each pixel in a 2×2 block', () => {
  const g = imageGrid(new Float32Array([0, 1]), 1, 1, 2, { padding: 0 });
  const u = upscale(g, 2);
  assert.equal(u.width, 4);
  assert.equal(u.height, 2);
  assert.deepEqual(
    [0, 1].map((y) => [0, 1, 2, 3].map((x) => gray(u, x, y))),
    [
      [0, 0, 255, 255],
      [0, 0, 255, 255],
    ],
  );
});

test('a row label widens the left margin and draws glyph pixels centred on the row', () => {
  const g = imageGrid(new Float32Array(14 * 14).fill(0.5), 1, 14, 14, { rowLabels: ['i'], padding: 2 });
  // Margin: one 5-px glyph + max(padding, scale) = 7, so the tile starts at x = 7 + 2.
  assert.equal(g.width, 7 + (14 + 2) + 2);
  assert.equal(gray(g, 8, 2), 255);
  assert.equal(gray(g, 9, 2), 128);
  // 'I' row 0 is .###. and row 1 is ..#.., starting at (padding, padding + floor((14 - 7) / 2)).
  assert.deepEqual([2, 3, 4, 5, 6].map((x) => gray(g, x, 5)), [255, 0, 0, 0, 255]);
  assert.deepEqual([2, 3, 4, 5, 6].map((x) => gray(g, x, 6)), [255, 255, 0, 255, 255]);
});

test('labelChars gives stacked grids the same margin so their columns align', () => {
  const a = imageGrid(new Float32Array(4), 1, 2, 2, { rowLabels: ['in'], labelChars: 5 });
  const b = imageGrid(new Float32Array(4), 1, 2, 2, { rowLabels: ['recon'], labelChars: 5 });
  assert.equal(a.width, b.width);
  assert.throws(() => imageGrid(new Float32Array(4), 1, 2, 2, { rowLabels: ['a', 'b'] }), {
    message: 'imageGrid: 2 row labels for 1 rows',
  });
});
