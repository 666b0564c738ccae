// Node output: PNG round trips through pngjs, and rasterised specs are real pictures.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { PNG } from 'pngjs';
import { Rng } from '../../src/tensor/random.js';
import { imageGrid } from '../../src/viz/grid.js';
import { svgToPng, writePng, writeSpecPng, writeSpecSvg } from '../../src/viz/node.js';
import { specToSvg } from '../../src/viz/render.js';
import { latentScatterSpec, lossCurveSpec } from '../../src/viz/specs.js';

const dir = mkdtempSync(join(tmpdir(), 'elbo-viz-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function distinctPixels(png: PNG): number {
  const seen = new Set<number>();
  const words = new Uint32Array(png.data.buffer, png.data.byteOffset, png.width * png.height);
  for (const w of words) seen.add(w);
  return seen.size;
}

test('writePng writes a PNG that decodes to the same size and pixels, leaving no .tmp behind', () => {
  const rng = new Rng(7);
  const images = Float32Array.from({ length: 5 * 6 * 4 }, () => rng.uniform());
  const grid = imageGrid(images, 5, 6, 4, { cols: 3, padding: 1 });
  const path = join(dir, 'grid.png');
  writePng(path, grid);
  assert.ok(!existsSync(`${path}.tmp`));
  const back = PNG.sync.read(readFileSync(path));
  assert.equal(back.width, grid.width);
  assert.equal(back.height, grid.height);
  assert.deepEqual(new Uint8Array(back.data), new Uint8Array(grid.rgba));
});

test('a rasterised loss-curve spec is a sizeable PNG of the SVG size × scale with many colours', async () => {
  const rows = [1, 2, 3, 4].flatMap((epoch) => [
    { epoch, series: 'train', value: 10 / epoch },
    { epoch, series: 'test', value: 12 / epoch },
  ]);
  const svg = await specToSvg(lossCurveSpec(rows, { title: 'Loss', yTitle: 'nats' }));
  const [, w, h] = svg.match(/width="(\d+)" height="(\d+)"/) ?? [];
  const png = PNG.sync.read(svgToPng(svg, { scale: 2 }));
  assert.equal(png.width, 2 * Number(w));
  assert.equal(png.height, 2 * Number(h));
  assert.ok(png.width > 400 && png.height > 300, `${png.width}×${png.height}`);
  // Lines, grid, antialiased text and two series colours: far from uniform.
  assert.ok(distinctPixels(png) > 50, `only ${distinctPixels(png)} distinct pixel values`);
});

test('text is actually drawn: the title area of the PNG has dark pixels', () => {
  const svg =
    '<svg xmlns="http://www.w3.org/2000/svg" width="80" height="30"><rect width="80" height="30" fill="white"/>' +
    '<text x="2" y="22" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="20" fill="black">Title</text></svg>';
  const png = PNG.sync.read(svgToPng(svg, { scale: 1 }));
  let dark = 0;
  for (let i = 0; i < png.data.length; i += 4) if (png.data[i]! < 100) dark++;
  assert.ok(dark > 30, `only ${dark} dark pixels: text did not render`);
});

test('writeSpecPng and writeSpecSvg write decodable files atomically', async () => {
  const spec = latentScatterSpec(
    Array.from({ length: 20 }, (_, i) => ({ x: i, y: (i * 7) % 11, label: i % 3 })),
    { title: 'Scatter' },
  );
  const pngPath = join(dir, 'scatter.png');
  const svgPath = join(dir, 'scatter.svg');
  await writeSpecPng(pngPath, spec, { scale: 1 });
  await writeSpecSvg(svgPath, spec);
  assert.ok(!existsSync(`${pngPath}.tmp`) && !existsSync(`${svgPath}.tmp`));
  const png = PNG.sync.read(readFileSync(pngPath));
  assert.ok(png.width > 300 && distinctPixels(png) > 20);
  assert.ok(readFileSync(svgPath, 'utf8').startsWith('<svg'));
});
