// Evaluation over datasets: batching does not change the numbers; the ELBO,
// IWAE estimate, active units and reconstruction error mean what they say.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { gaussianBlobs } from '../../src/data/synthetic.js';
import { VAE } from '../../src/models/vae.js';
import { TiedLinearAutoencoder } from '../../src/models/autoencoder.js';
import { activeUnits, evaluateElbo, evaluateIwae, evaluateLoss, reconstructionError } from '../../src/models/evaluate.js';
import { binaryData, train } from './helpers.js';

const close = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

test('evaluateLoss averages per sample: batch sizes that split the data unevenly give the same value', () => {
  const x = binaryData(100, 16, new Rng(1));
  const vae = new VAE({ inputDim: 16, latentDim: 2, hidden: [16] }, new Rng(2));
  // The same rng and batching give the same draws, hence the same numbers.
  const a = evaluateLoss(vae, x, new Rng(3), { batchSize: 100 });
  const b = evaluateLoss(vae, x, new Rng(3), { batchSize: 100 });
  assert.deepEqual(a, b);
  const c = evaluateLoss(vae, x, new Rng(3), { batchSize: 33 });
  // Different batching draws different ε, so the estimates agree only statistically.
  assert.ok(close(a.loss, c.loss, 0.05), `${a.loss} vs ${c.loss}`);
  assert.ok(close(a.loss, a.terms.recon! + a.terms.kl!, 1e-5));
});

test('evaluateElbo is −(recon + kl) with β = 1 even for a β-VAE', () => {
  const x = binaryData(64, 16, new Rng(4));
  const vae = new VAE({ inputDim: 16, latentDim: 2, hidden: [16], beta: 4 }, new Rng(5));
  const e = evaluateElbo(vae, x, new Rng(6), { batchSize: 20 });
  assert.ok(close(e.elbo, -(e.recon + e.kl), 1e-9));
  assert.ok(e.kl > 0);
});

test('evaluateIwae lower-bounds log p(x) above the ELBO after training, and the estimate grows with k', () => {
  const rng = new Rng(7);
  const x = binaryData(512, 16, rng);
  const vae = new VAE({ inputDim: 16, latentDim: 2, hidden: [32] }, new Rng(8));
  train(vae, x, 150, rng, { lr: 1e-2 });
  const held = x.slice(0, 200 * 16);
  const elbo = evaluateElbo(vae, held, new Rng(9)).elbo;
  const iw10 = evaluateIwae(vae, held, 10, new Rng(10), { batchSize: 64 });
  const iw100 = evaluateIwae(vae, held, 100, new Rng(11));
  assert.equal(iw10.k, 10);
  assert.ok(elbo < iw10.logLikelihood && iw10.logLikelihood < iw100.logLikelihood, `ELBO ${elbo}, IWAE10 ${iw10.logLikelihood}, IWAE100 ${iw100.logLikelihood}`);
  assert.ok(iw100.logLikelihood < 0);
});

test('activeUnits counts a dead latent dimension (constant posterior mean) as inactive', () => {
  const ds = gaussianBlobs(300, 3, new Rng(12));
  const vae = new VAE({ inputDim: 2, latentDim: 4, hidden: [16] }, new Rng(13));
  const W = vae.muHead.weight.data;
  const H = 16;
  for (let j = 0; j < H; j++) {
    W[2 * H + j] = 0;
    for (const u of [0, 1, 3]) W[u * H + j]! *= 10;
  }
  const au = activeUnits(vae, ds.x, { batchSize: 64 });
  assert.equal(au.variances[2], 0);
  assert.equal(au.count, 3, `variances ${Array.from(au.variances)}`);
  assert.equal(au.threshold, 0.01);
  assert.equal(activeUnits(vae, ds.x, { threshold: Infinity }).count, 0);
});

test('activeUnits variances equal the population variance of the encoder means', () => {
  const ds = gaussianBlobs(50, 2, new Rng(14));
  const vae = new VAE({ inputDim: 2, latentDim: 3, hidden: [8] }, new Rng(15));
  const m = vae.encodeMean(new Tensor(ds.x, [50, 2])).data;
  const au = activeUnits(vae, ds.x, { batchSize: 7 });
  for (let u = 0; u < 3; u++) {
    let s = 0;
    for (let i = 0; i < 50; i++) s += m[i * 3 + u]! / 50;
    let v = 0;
    for (let i = 0; i < 50; i++) v += (m[i * 3 + u]! - s) ** 2 / 50;
    assert.ok(close(au.variances[u]!, v, 1e-5), `unit ${u}: ${au.variances[u]} vs ${v}`);
  }
});

test('reconstructionError is zero for a perfect reconstruction and the summed squared error otherwise', () => {
  const d = 3;
  const ae = new TiedLinearAutoencoder({ inputDim: d, latentDim: d, bias: false }, new Rng(16));
  ae.weight.data.set([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  const x = Float32Array.from([1, 2, 3, 4, 5, 6]);
  assert.deepEqual(reconstructionError(ae, x), { sumSquaredError: 0, meanSquaredError: 0 });
  ae.weight.data.set([1, 0, 0, 0, 1, 0, 0, 0, 0]);
  const r = reconstructionError(ae, x, { batchSize: 1 });
  assert.ok(close(r.sumSquaredError, (9 + 36) / 2, 1e-6));
  assert.ok(close(r.meanSquaredError, (9 + 36) / 6, 1e-6));
});

test('evaluation functions reject data that does not fill whole rows', () => {
  const ae = new TiedLinearAutoencoder({ inputDim: 3, latentDim: 1 }, new Rng(0));
  assert.throws(() => reconstructionError(ae, new Float32Array(7)), /reconstructionError: data has 7 values, not a multiple of inputDim 3/);
  assert.throws(() => reconstructionError(ae, new Float32Array(0)), /data is empty/);
  assert.throws(() => reconstructionError(ae, new Float32Array(6), { batchSize: 0 }), /batchSize must be a positive integer/);
});
