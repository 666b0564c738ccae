// createModel rebuilds every model from its (JSON round-tripped) config; after
// loadStateDict the rebuilt model computes identical outputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { createModel } from '../../src/models/registry.js';
import { VAE, betaVae } from '../../src/models/vae.js';
import { Autoencoder, TiedLinearAutoencoder, undercompleteAutoencoder } from '../../src/models/autoencoder.js';
import type { LatentModel, ModelConfig, TrainableModel } from '../../src/models/model.js';

function input(n: number, d: number, seed: number): Tensor {
  const rng = new Rng(seed);
  return new Tensor(Float32Array.from({ length: n * d }, () => (rng.uniform() < 0.5 ? 0 : 1)), [n, d]);
}

function roundTrip(model: TrainableModel & LatentModel): void {
  const config = JSON.parse(JSON.stringify(model.config)) as ModelConfig;
  const copy = createModel(config, new Rng(999));
  assert.deepEqual(copy.config, model.config);
  copy.loadStateDict(model.stateDict());
  const d = model.config.inputDim;
  const x = input(5, d, 1);
  assert.deepEqual(copy.encodeMean(x).data, model.encodeMean(x).data);
  assert.deepEqual(copy.reconstruct(x).data, model.reconstruct(x).data);
  const ctx = () => ({ rng: new Rng(7), step: 3, stepsPerEpoch: 4 });
  assert.deepEqual(copy.loss(x, ctx()).terms, model.loss(x, ctx()).terms);
  assert.deepEqual(copy.evalLoss(x, new Rng(8)).loss.data, model.evalLoss(x, new Rng(8)).loss.data);
}

test('config round trip via createModel reproduces identical VAE outputs after loadStateDict', () => {
  const vae = new VAE({
    inputDim: 12, latentDim: 3, hidden: [16, 8], activation: 'swish', decoder: 'gaussian-learned',
    warmup: { kind: 'cyclical', epochs: 2, ratio: 0.25 }, freeBits: 0.1, kl: 'mc',
  }, new Rng(1));
  roundTrip(vae);
  const copy = createModel(JSON.parse(JSON.stringify(vae.config)) as ModelConfig, new Rng(3)) as VAE;
  copy.loadStateDict(vae.stateDict());
  const x = input(4, 12, 2);
  assert.deepEqual(copy.iwaeBound(x, 4, new Rng(5)).data, vae.iwaeBound(x, 4, new Rng(5)).data);
  assert.deepEqual(copy.sample(3, new Rng(6)).data, vae.sample(3, new Rng(6)).data);
});

test('config round trip for the IWAE-trained VAE, the β-VAE alias, and every autoencoder', () => {
  roundTrip(new VAE({ inputDim: 10, latentDim: 2, hidden: [], objective: 'iwae', k: 3 }, new Rng(2)));
  roundTrip(betaVae({ inputDim: 10, latentDim: 2, hidden: [8], beta: 6 }, new Rng(3)));
  roundTrip(new Autoencoder({ inputDim: 10, latentDim: 2, hidden: [8, 4], loss: 'bce', activation: 'elu' }, new Rng(4)));
  roundTrip(undercompleteAutoencoder(10, 3, new Rng(5), { bias: false }));
  roundTrip(new TiedLinearAutoencoder({ inputDim: 10, latentDim: 3 }, new Rng(6)));
});

test("'beta-vae' is accepted as a kind: a VAE with β = 4 unless the config gives one", () => {
  const m = createModel({ kind: 'beta-vae', inputDim: 8, latentDim: 2 }, new Rng(0));
  assert.ok(m instanceof VAE);
  assert.equal(m.config.kind, 'beta-vae');
  assert.equal((m as VAE).config.beta, 4);
  assert.equal((createModel({ kind: 'beta-vae', inputDim: 8, latentDim: 2, beta: 0.5 }, new Rng(0)) as VAE).config.beta, 0.5);
  assert.equal((createModel({ kind: 'vae', inputDim: 8, latentDim: 2 }, new Rng(0)) as VAE).config.beta, 1);
});

test('createModel names unknown kinds and bad fields', () => {
  assert.throws(() => createModel({ kind: 'gan', inputDim: 4 }, new Rng(0)), /createModel: unknown model kind "gan" \(expected one of vae, beta-vae, ae, linear-ae, gmvae\)/);
  assert.throws(() => createModel({ kind: 'vae', inputDim: 4 }, new Rng(0)), /VAE: latentDim must be a positive integer \(got undefined\)/);
  assert.throws(() => createModel({ kind: 'ae', inputDim: 4, latentDim: 2, hidden: [3, 'x'] }, new Rng(0)), /hidden\[1\] must be a positive integer/);
  assert.throws(() => createModel({ kind: 'vae', inputDim: 4, latentDim: 2, warmup: { kind: 'linear' } }, new Rng(0)), /warmup: give exactly one of epochs and steps/);
});
