// Spec builders compile cleanly and render to SVG with the expected text and marks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileSpec, specToSvg, specToSvgWithWarnings } from '../../src/viz/render.js';
import { barSpec, latentScatterSpec, lineSpec, lossCurveSpec, type LossRow } from '../../src/viz/specs.js';

const lossRows: LossRow[] = [];
for (let epoch = 1; epoch <= 5; epoch++) {
  lossRows.push({ epoch, series: 'train ELBO', value: 100 + 50 / epoch });
  lossRows.push({ epoch, series: 'test ELBO', value: 105 + 50 / epoch });
  lossRows.push({ epoch, series: 'KL', value: 20 - 5 / epoch });
}

// Deterministic, irregular points: 37 points over 4 labels.
const points = Array.from({ length: 37 }, (_, i) => ({ x: Math.sin(i * 1.7), y: Math.cos(i * 0.9), label: i % 4 }));

/** Items inside the plotted (not legend) symbol mark group of a Vega SVG. */
function countDataSymbols(svg: string): number {
  const open = '<g class="mark-symbol role-mark marks"';
  const start = svg.indexOf(open);
  assert.ok(start >= 0, 'no symbol mark group in SVG');
  const end = svg.indexOf('</g>', start);
  return (svg.slice(start, end).match(/<path /g) ?? []).length;
}

test('every spec builder compiles with Vega-Lite without warnings', () => {
  const specs = [
    lossCurveSpec(lossRows, { title: 'Loss', yTitle: 'nats' }),
    lossCurveSpec(lossRows, { title: 'Loss', yTitle: 'nats', logScale: true }),
    latentScatterSpec(points, { title: 'Latents' }),
    latentScatterSpec([{ x: 0, y: 1 }, { x: 1, y: 0 }], { title: 'Unlabelled' }),
    lineSpec([{ x: 0, y: 1 }, { x: 1, y: 2 }], { title: 'Line', xTitle: 'step', yTitle: 'lr' }),
    barSpec([{ category: 0, value: 1.5 }, { category: 1, value: 0.001 }], {
      title: 'KL per unit',
      xTitle: 'unit',
      yTitle: 'KL',
      threshold: 0.01,
    }),
  ];
  for (const spec of specs) assert.deepEqual(compileSpec(spec).warnings, []);
});

test('the loss-curve SVG shows the title, axis titles and every series name, with no runtime warnings', async () => {
  const { svg, warnings } = await specToSvgWithWarnings(
    lossCurveSpec(lossRows, { title: 'VAE loss by epoch', yTitle: 'nats per image' }),
  );
  assert.deepEqual(warnings, []);
  for (const text of ['VAE loss by epoch', 'nats per image', 'epoch', 'train ELBO', 'test ELBO', 'KL']) {
    assert.ok(svg.includes(`>${text}</text>`), `missing text "${text}"`);
  }
});

test('the scatter SVG has one symbol per point and a legend entry per label', async () => {
  const svg = await specToSvg(latentScatterSpec(points, { title: 'Latent space' }));
  assert.ok(svg.includes('>Latent space</text>'));
  assert.equal(countDataSymbols(svg), points.length);
  assert.equal((svg.match(/role-legend-symbol/g) ?? []).length, 4);
});

test('SVG rendering is deterministic', async () => {
  const spec = latentScatterSpec(points, { title: 'Same twice' });
  assert.equal(await specToSvg(spec), await specToSvg(spec));
});

test('numeric labels are ordered numerically in the colour domain', () => {
  const spec = latentScatterSpec(
    [10, 2, 1].map((label) => ({ x: label, y: label, label })),
    { title: 't' },
  );
  assert.deepEqual(JSON.stringify(spec).match(/"domain":\[[^\]]*\]/)?.[0], '"domain":["1","2","10"]');
});

test('a log-scaled loss curve rejects non-positive values, naming the row', () => {
  assert.throws(
    () => lossCurveSpec([{ epoch: 1, series: 'a', value: 3 }, { epoch: 2, series: 'a', value: -1 }], {
      title: 't',
      yTitle: 'y',
      logScale: true,
    }),
    { message: 'lossCurveSpec: log scale needs positive values (row 1 is -1)' },
  );
});

test('non-finite losses become gaps (null) instead of breaking the chart', async () => {
  const spec = lossCurveSpec([{ epoch: 1, series: 'a', value: 3 }, { epoch: 2, series: 'a', value: NaN }], {
    title: 't',
    yTitle: 'y',
  });
  assert.ok(JSON.stringify(spec).includes('"y":null'));
  assert.ok((await specToSvg(spec)).includes('>t</text>'));
});
