// Figure helpers: the Φ⁻¹ manifold grid, the PCA projection used for latent scatters, and the
// report's links to the images it names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/random.js';
import { manifoldLatents, pca2 } from '../../src/viz/latent.js';
import { renderReport } from '../../src/train/report.js';

test('the manifold grid is Φ⁻¹ of cell centres: symmetric about 0, z₁ rising along rows, z₂ falling down columns', () => {
  const n = 5;
  const z = manifoldLatents(n);
  assert.equal(z.length, n * n * 2);
  const at = (r: number, c: number): [number, number] => [z[2 * (r * n + c)]!, z[2 * (r * n + c) + 1]!];
  assert.ok(Math.abs(at(2, 2)[0]) < 1e-7 && Math.abs(at(2, 2)[1]) < 1e-7, 'centre cell is the origin');
  assert.ok(Math.abs(at(0, 0)[0] + at(0, 4)[0]) < 1e-6, 'symmetric in z₁');
  assert.ok(Math.abs(at(0, 0)[0] - -1.2815516) < 1e-6, 'Φ⁻¹(0.1)');
  for (let c = 1; c < n; c++) assert.ok(at(0, c)[0] > at(0, c - 1)[0]);
  for (let r = 1; r < n; r++) assert.ok(at(r, 0)[1] < at(r - 1, 0)[1]);
});

test('pca2 finds the dominant directions of data stretched along a known axis', () => {
  const rng = new Rng(1);
  const n = 2000;
  const d = 5;
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const a = 10 * rng.normal();
    const b = 3 * rng.normal();
    for (let j = 0; j < d; j++) x[i * d + j] = 0.1 * rng.normal() + 7;
    // Main axis (1,1,0,0,0)/√2 with variance 100, second axis e₃ with variance 9.
    x[i * d] = x[i * d]! + a / Math.SQRT2;
    x[i * d + 1] = x[i * d + 1]! + a / Math.SQRT2;
    x[i * d + 2] = x[i * d + 2]! + b;
  }
  const { points, explained } = pca2(x, n, d);
  assert.ok(Math.abs(explained[0] / 100 - 1) < 0.1, `first variance ${explained[0]}`);
  assert.ok(Math.abs(explained[1] / 9 - 1) < 0.1, `second variance ${explained[1]}`);
  // The first projection is (up to sign) the coordinate along the main axis.
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const u = points[2 * i]!;
    const v = (x[i * d]! + x[i * d + 1]! - 14) / Math.SQRT2;
    sxy += u * v;
    sxx += u * u;
    syy += v * v;
  }
  assert.ok(Math.abs(sxy / Math.sqrt(sxx * syy)) > 0.99, 'first component tracks the main axis');
  assert.throws(() => pca2(new Float64Array(3), 2, 2), /expected n×d = 2×2 = 4 values, got 3/);
});

test('the report states the results and links every figure it was given', () => {
  const md = renderReport({
    name: 'runs/x',
    config: { kind: 'vae', inputDim: 784, latentDim: 20 },
    settings: { epochs: 1, batchSize: 128, optimizer: 'adam', lr: 1e-3, seed: 0, data: 'mnist' },
    metrics: [{ epoch: 1, step: 469, trainLoss: 120, train: {}, testLoss: 110, test: { recon: 90, kl: 20 }, testElbo: -110, trainSeconds: 10, evalSeconds: 1 }],
    backend: 'js',
    parameterCount: 1000,
    figures: { samples: 'samples.png', lossCurves: 'loss-curves.png' },
    iwae: { k: 1000, n: 100, logLikelihood: -105, elbo: -110, seconds: 3 },
    checkpoint: 'checkpoint.safetensors',
  });
  assert.match(md, /\| final test loss \| 110\.000 \|/);
  assert.match(md, /IWAE log p\(x\), k = 1000 \(first 100 test examples\) \| -105\.000/);
  assert.match(md, /!\[Samples from the prior\]\(samples\.png\)/);
  assert.match(md, /!\[Loss curves\]\(loss-curves\.png\)/);
  assert.doesNotMatch(md, /manifold\.png/);
});
