// The VAE: it learns with each likelihood and objective; its loss is recon + β·KL
// in the terms; analytic and Monte Carlo KL agree; free bits, IWAE, log-variance
// clamping and shape errors behave as stated; the reference layout matches PyTorch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { noGrad } from '../../src/autograd/tape.js';
import { mean, sum } from '../../src/ops/index.js';
import { gaussianBlobs } from '../../src/data/synthetic.js';
import { VAE, betaVae } from '../../src/models/vae.js';
import { batchOf, binaryData, finite, train } from './helpers.js';

const ctx0 = (seed: number, step = 0) => ({ rng: new Rng(seed), step, stepsPerEpoch: 10 });

function firstRows(x: Float32Array, dim: number, n: number): Tensor {
  return batchOf(x, dim, Array.from({ length: n }, (_, i) => i));
}

test('the reference VAE (784-400-20 with fc21/fc22 heads, 20-400-784 Bernoulli) has PyTorch\'s layout and 652,824 parameters', () => {
  const vae = new VAE({ inputDim: 784, latentDim: 20, hidden: [400] }, new Rng(0));
  const shapes = Object.fromEntries([...vae.stateDict()].map(([k, v]) => [k, v.shape.join('x')]));
  assert.deepEqual(shapes, {
    'encoder.layers.0.weight': '400x784', 'encoder.layers.0.bias': '400',
    'muHead.weight': '20x400', 'muHead.bias': '20',
    'logVarHead.weight': '20x400', 'logVarHead.bias': '20',
    'decoder.layers.0.weight': '400x20', 'decoder.layers.0.bias': '400',
    'decoder.layers.2.weight': '784x400', 'decoder.layers.2.bias': '784',
  });
  assert.equal(vae.parameterCount(), 652824);
  // PyTorch's default init: U(±1/√fanIn) for weights and biases.
  const w = vae.muHead.weight.data;
  assert.ok(w.every((v) => Math.abs(v) <= 1 / Math.sqrt(400)));
  assert.deepEqual(vae.config.decoder, 'bernoulli');
  assert.deepEqual(vae.config.kl, 'analytic');
});

test('a Bernoulli VAE learns binary data: the loss falls substantially', () => {
  const rng = new Rng(1);
  const x = binaryData(512, 16, rng);
  const vae = new VAE({ inputDim: 16, latentDim: 2, hidden: [32] }, new Rng(2));
  const { first, last } = train(vae, x, 300, rng, { lr: 1e-2 });
  assert.ok(last < 0.6 * first, `loss ${first} → ${last}`);
});

test('a unit-variance Gaussian VAE learns Gaussian blobs: the loss closes half its gap to the log 2π floor', () => {
  const rng = new Rng(3);
  const ds = gaussianBlobs(512, 3, rng, { std: 0.3 });
  const vae = new VAE({ inputDim: 2, latentDim: 2, hidden: [32], decoder: 'gaussian' }, new Rng(4));
  const { first, last } = train(vae, ds.x, 300, rng, { lr: 1e-2 });
  // −log N(x; μ, I) ≥ (D/2)·log 2π = log 2π in 2-D, whatever the fit.
  const floor = Math.log(2 * Math.PI);
  assert.ok(last - floor < 0.5 * (first - floor), `loss ${first} → ${last}`);
});

test('a learned-variance Gaussian VAE learns blobs and beats the unit-variance likelihood', () => {
  const ds = gaussianBlobs(512, 3, new Rng(5), { std: 0.2, radius: 3 });
  const fit = (decoder: 'gaussian' | 'gaussian-learned') =>
    train(new VAE({ inputDim: 2, latentDim: 2, hidden: [32], decoder }, new Rng(6)), ds.x, 400, new Rng(7), { lr: 3e-3 });
  const learned = fit('gaussian-learned');
  const unit = fit('gaussian');
  assert.ok(learned.last < 0.7 * learned.first, `loss ${learned.first} → ${learned.last}`);
  assert.ok(learned.last < unit.last - 0.3, `learned variance ${learned.last}, unit variance ${unit.last}`);
});

test('the IWAE objective trains a Bernoulli VAE', () => {
  const rng = new Rng(7);
  const x = binaryData(512, 16, rng);
  const vae = new VAE({ inputDim: 16, latentDim: 2, hidden: [32], objective: 'iwae', k: 5 }, new Rng(8));
  const { first, last } = train(vae, x, 200, rng, { lr: 1e-2 });
  assert.ok(last < 0.7 * first, `loss ${first} → ${last}`);
});

test('the training loss equals recon + β·kl in the terms (β = 2.5, half-way through linear warm-up)', () => {
  const rng = new Rng(9);
  const x = firstRows(binaryData(64, 16, rng), 16, 64);
  const vae = betaVae({ inputDim: 16, latentDim: 3, hidden: [32], beta: 2.5, warmup: { kind: 'linear', epochs: 2 } }, new Rng(10));
  const out = vae.loss(x, ctx0(1, 10));
  assert.equal(out.terms.beta, 1.25);
  const loss = out.loss.item();
  assert.ok(Math.abs(loss - (out.terms.recon! + out.terms.beta! * out.terms.kl!)) <= 1e-5 * Math.abs(loss), JSON.stringify(out.terms));
  const ev = vae.evalLoss(x, new Rng(1));
  assert.equal(ev.terms.beta, 2.5);
  assert.ok(Math.abs(ev.loss.item() - (ev.terms.recon! + 2.5 * ev.terms.kl!)) <= 1e-5 * Math.abs(ev.loss.item()));
});

test('the Gaussian reconstruction term is ½‖x − μ‖² + (D/2)·log 2π', () => {
  const vae = new VAE({ inputDim: 3, latentDim: 2, hidden: [8], decoder: 'gaussian' }, new Rng(11));
  const x = new Tensor(Float32Array.from([0.5, -1, 2, 1, 0, -0.5]), [2, 3]);
  const z = new Tensor(Float32Array.from([0.1, -0.2, 0.3, 0.4]), [2, 2]);
  const mu = vae.decodeMean(z).data;
  const logp = vae.logLikelihood(x, z).data;
  for (let i = 0; i < 2; i++) {
    let sq = 0;
    for (let d = 0; d < 3; d++) sq += (x.data[i * 3 + d]! - mu[i * 3 + d]!) ** 2;
    assert.ok(Math.abs(-logp[i]! - (0.5 * sq + 1.5 * Math.log(2 * Math.PI))) < 1e-5);
  }
});

test('the analytic KL equals the Monte Carlo KL within 4 standard errors', () => {
  const rng = new Rng(12);
  const ds = gaussianBlobs(8, 2, rng);
  const vae = new VAE({ inputDim: 2, latentDim: 3, hidden: [16] }, new Rng(13));
  // Spread the posteriors so the KL is far from 0.
  for (let i = 0; i < vae.logVarHead.bias!.data.length; i++) vae.logVarHead.bias!.data[i] = -1 + i;
  const reps = 4000;
  const rows = Array.from({ length: 8 * reps }, (_, i) => i % 8);
  const x = batchOf(ds.x, 2, rows);
  noGrad(() => {
    const mc = sum(vae.elboParts(x, new Rng(14), 'mc').klPerDim, -1).data;
    const an = sum(vae.elboParts(firstRows(ds.x, 2, 8), new Rng(14), 'analytic').klPerDim, -1).data;
    for (let r = 0; r < 8; r++) {
      let s = 0;
      let s2 = 0;
      for (let j = 0; j < reps; j++) {
        const v = mc[j * 8 + r]!;
        s += v;
        s2 += v * v;
      }
      const m = s / reps;
      const se = Math.sqrt((s2 / reps - m * m) / reps);
      assert.ok(Math.abs(m - an[r]!) < 4 * se, `row ${r}: MC ${m} ± ${se}, analytic ${an[r]}`);
    }
  });
});

test('free bits clamp each dimension\'s batch-mean KL at λ and stop its KL gradient', () => {
  const rng = new Rng(15);
  const x = firstRows(gaussianBlobs(32, 2, rng).x, 2, 32);
  const opts = { inputDim: 2, latentDim: 4, hidden: [16], decoder: 'gaussian' as const, freeBits: 1 };
  const vae = new VAE(opts, new Rng(16));
  // Dimension 0 carries KL ≈ ½·3² = 4.5 > λ = 1; the others start below λ.
  vae.muHead.bias!.data[0] = 3;
  const perDim = noGrad(() => mean(vae.elboParts(x, new Rng(1)).klPerDim, 0).data);
  const out = vae.loss(x, ctx0(1));
  const expected = Array.from(perDim).reduce((s, v) => s + Math.max(1, v), 0);
  assert.ok(perDim[0]! > 1 && perDim.slice(1).every((v) => v < 1), `per-dim KL ${perDim}`);
  assert.ok(Math.abs(out.terms.klFreeBits! - expected) < 1e-5);
  assert.ok(Math.abs(out.loss.item() - (out.terms.recon! + out.terms.klFreeBits!)) < 1e-4);
  out.loss.backward();
  // The same model with β = 0 gets only the reconstruction gradient (same draws).
  const recOnly = new VAE({ ...opts, beta: 0 }, new Rng(0));
  recOnly.loadStateDict(vae.stateDict());
  recOnly.loss(x, ctx0(1)).loss.backward();
  const g = vae.muHead.bias!.grad!.data;
  const g0 = recOnly.muHead.bias!.grad!.data;
  assert.ok(Math.abs(g[0]! - g0[0]!) > 1, 'dimension 0 above λ gets the KL gradient');
  for (let j = 1; j < 4; j++) assert.ok(Math.abs(g[j]! - g0[j]!) < 1e-6, `clamped dimension ${j}: ${g[j]} vs ${g0[j]}`);
});

test('IWAE with k = 1 is the single-sample ELBO with the same draws', () => {
  const rng = new Rng(17);
  const x = firstRows(binaryData(64, 16, rng), 16, 64);
  const vae = new VAE({ inputDim: 16, latentDim: 3, hidden: [32] }, new Rng(18));
  noGrad(() => {
    const iw = vae.iwaeBound(x, 1, new Rng(5)).data;
    const mc = vae.elboParts(x, new Rng(5), 'mc');
    const elboMc = sum(mc.klPerDim, -1).data.map((k, i) => -(mc.recon.data[i]! + k));
    for (let i = 0; i < 64; i++) assert.ok(Math.abs(iw[i]! - elboMc[i]!) < 1e-3 * Math.max(1, Math.abs(iw[i]!)), `row ${i}: ${iw[i]} vs ${elboMc[i]}`);
    // With the closed-form KL the two differ only by the KL's Monte Carlo noise.
    const an = vae.elboParts(x, new Rng(5), 'analytic');
    const elboAn = -(mean(an.recon).item() + sum(mean(an.klPerDim, 0)).item());
    const iwMean = Array.from(iw).reduce((s, v) => s + v, 0) / 64;
    assert.ok(Math.abs(iwMean - elboAn) < 0.3, `IWAE(1) ${iwMean} vs ELBO ${elboAn}`);
  });
});

test('IWAE(k) is at least the ELBO on average and increases with k', () => {
  const rng = new Rng(19);
  const data = binaryData(512, 16, rng);
  const vae = new VAE({ inputDim: 16, latentDim: 2, hidden: [32] }, new Rng(20));
  train(vae, data, 150, rng, { lr: 1e-2 });
  const x = firstRows(data, 16, 256);
  noGrad(() => {
    const an = vae.elboParts(x, new Rng(1), 'analytic');
    const elbo = -(mean(an.recon).item() + sum(mean(an.klPerDim, 0)).item());
    const bounds = [1, 5, 50].map((k) => mean(vae.iwaeBound(x, k, new Rng(k))).item());
    assert.ok(bounds[1]! > elbo, `ELBO ${elbo}, IWAE ${bounds}`);
    assert.ok(bounds[0]! < bounds[1]! && bounds[1]! < bounds[2]!, `IWAE(1, 5, 50) = ${bounds}`);
  });
});

test('IWAE over many samples (chunked decoding) stays finite and matches the single-chunk value in expectation', () => {
  const vae = new VAE({ inputDim: 16, latentDim: 2, hidden: [8] }, new Rng(21));
  const x = firstRows(binaryData(300, 16, new Rng(22)), 16, 300);
  const lw = noGrad(() => vae.logWeights(x, 30, new Rng(1)));
  assert.deepEqual(lw.shape, [30, 300]);
  assert.ok(finite(lw.data));
});

test('log-variance heads at ±30 and ±1000 give a finite loss and finite gradients', () => {
  const rng = new Rng(23);
  const x = firstRows(binaryData(16, 16, rng), 16, 16);
  for (const decoder of ['bernoulli', 'gaussian-learned'] as const) {
    for (const lv of [30, -30, 1000, -1000]) {
      const vae = new VAE({ inputDim: 16, latentDim: 2, hidden: [8], decoder }, new Rng(24));
      vae.logVarHead.weight.data.fill(0);
      vae.logVarHead.bias!.data.fill(lv);
      const out = vae.loss(x, ctx0(1));
      assert.ok(Number.isFinite(out.loss.item()), `${decoder}, log σ² = ${lv}: loss ${out.loss.item()}`);
      out.loss.backward();
      for (const p of vae.parameters()) if (p.grad) assert.ok(finite(p.grad.data), `${decoder}, log σ² = ${lv}: gradient`);
      assert.ok(Number.isFinite(noGrad(() => mean(vae.iwaeBound(x, 3, new Rng(2))).item())));
    }
  }
});

test('the VAE names shapes in its errors and rejects inconsistent options', () => {
  const vae = new VAE({ inputDim: 784, latentDim: 20 }, new Rng(0));
  const x = new Tensor(new Float32Array(128 * 780), [128, 780]);
  assert.throws(() => vae.loss(x, ctx0(0)), { message: 'VAE.loss: x has shape [128,780], expected [*,784]' });
  assert.throws(() => vae.decodeMean(new Tensor(new Float32Array(6), [2, 3])), /VAE\.likelihood: z has shape \[2,3\], expected \[\*,20\]/);
  assert.throws(() => new VAE({ inputDim: 4, latentDim: 2, objective: 'iwae', beta: 2 }, new Rng(0)), /IWAE objective/);
  assert.throws(() => new VAE({ inputDim: 4, latentDim: 0 }, new Rng(0)), /latentDim must be a positive integer/);
  assert.throws(() => new VAE({ inputDim: 4, latentDim: 2, decoder: 'poisson' as 'bernoulli' }, new Rng(0)), /decoder must be one of/);
});

test('sample, decodeMean and reconstruct give [n, inputDim] probabilities for a Bernoulli VAE', () => {
  const vae = new VAE({ inputDim: 6, latentDim: 2, hidden: [8] }, new Rng(25));
  const s = vae.sample(5, new Rng(1));
  assert.deepEqual(s.shape, [5, 6]);
  assert.ok(s.data.every((v) => v > 0 && v < 1));
  assert.deepEqual(vae.reconstruct(new Tensor(new Float32Array(18), [3, 6])).shape, [3, 6]);
  assert.deepEqual(vae.encodeMean(new Tensor(new Float32Array(18), [3, 6])).shape, [3, 2]);
});

test('the reference loss per sample is BCE summed over pixels plus ½Σ(σ² + μ² − 1 − log σ²), recomputed by hand in float64', () => {
  const D = 6;
  const H = 5;
  const L = 3;
  const B = 4;
  const vae = new VAE({ inputDim: D, latentDim: L, hidden: [H] }, new Rng(31));
  const xs = binaryData(B, D, new Rng(32));
  const out = vae.evalLoss(new Tensor(xs, [B, D]), new Rng(33));
  const P = Object.fromEntries([...vae.stateDict()].map(([k, v]) => [k, Array.from(v.data)]));
  const dense = (w: number[], b: number[], v: number[], nOut: number) =>
    Array.from({ length: nOut }, (_, o) => b[o]! + v.reduce((s, vi, i) => s + w[o * v.length + i]! * vi, 0));
  const relu = (v: number[]) => v.map((a) => Math.max(0, a));
  const eps = new Rng(33);
  const epsRows = Array.from({ length: B }, () => Array.from({ length: L }, () => eps.normal()));
  let recon = 0;
  let kl = 0;
  for (let i = 0; i < B; i++) {
    const x = Array.from(xs.subarray(i * D, (i + 1) * D));
    const h = relu(dense(P['encoder.layers.0.weight']!, P['encoder.layers.0.bias']!, x, H));
    const mu = dense(P['muHead.weight']!, P['muHead.bias']!, h, L);
    const lv = dense(P['logVarHead.weight']!, P['logVarHead.bias']!, h, L);
    const z = mu.map((m, j) => m + Math.exp(0.5 * lv[j]!) * epsRows[i]![j]!);
    const hd = relu(dense(P['decoder.layers.0.weight']!, P['decoder.layers.0.bias']!, z, H));
    const logits = dense(P['decoder.layers.2.weight']!, P['decoder.layers.2.bias']!, hd, D);
    // BCE from logits: softplus(ℓ) − xℓ.
    recon += logits.reduce((s, l, d) => s + Math.log1p(Math.exp(l)) - x[d]! * l, 0) / B;
    kl += mu.reduce((s, m, j) => s + 0.5 * (Math.exp(lv[j]!) + m * m - 1 - lv[j]!), 0) / B;
  }
  assert.ok(Math.abs(out.terms.recon! - recon) < 1e-4, `recon ${out.terms.recon} vs ${recon}`);
  assert.ok(Math.abs(out.terms.kl! - kl) < 1e-5, `kl ${out.terms.kl} vs ${kl}`);
  assert.ok(Math.abs(out.loss.item() - (recon + kl)) < 1e-4);
});
