// A tiny noisy linear autoencoder and a synthetic dataset for trainer tests: small enough to run
// many epochs in milliseconds, and it draws from ctx.rng so resume must restore the rng exactly.
import { Tensor } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/random.js';
import { add, mean, mul, randn, square, sub, sum } from '../../src/ops/index.js';
import { Module } from '../../src/nn/module.js';
import { Linear } from '../../src/nn/linear.js';
import type { LossContext, LossOutput, ModelConfig, TrainableModel } from '../../src/models/model.js';
import type { Dataset } from '../../src/data/dataset.js';

export class TinyAe extends Module implements TrainableModel {
  readonly config: ModelConfig;
  readonly enc: Linear;
  readonly dec: Linear;
  /** Scales the loss, so a test can make it overflow on purpose. */
  scale = 1;

  constructor(readonly inputDim: number, readonly latent: number, rng: Rng) {
    super();
    this.config = { kind: 'tiny-ae', inputDim, latentDim: latent };
    this.enc = new Linear(inputDim, latent, rng);
    this.dec = new Linear(latent, inputDim, rng);
  }

  private objective(x: Tensor, rng: Rng): LossOutput {
    const h = this.enc.forward(x);
    const z = add(h, mul(randn(h.shape, rng), 0.1));
    const recon = mean(sum(square(sub(this.dec.forward(z), x)), -1));
    const loss = mul(recon, this.scale);
    return { loss, terms: { recon: recon.item() } };
  }

  loss(x: Tensor, ctx: LossContext): LossOutput {
    return this.objective(x, ctx.rng);
  }

  evalLoss(x: Tensor, rng: Rng): LossOutput {
    return this.objective(x, rng);
  }
}

export function synthetic(n: number, dim: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const x = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const a = rng.normal();
    for (let j = 0; j < dim; j++) x[i * dim + j] = a * Math.sin(j + 1) + 0.05 * rng.normal();
  }
  return { x, n, dim, name: 'synthetic', labels: Int32Array.from({ length: n }, (_, i) => i % 3) };
}
