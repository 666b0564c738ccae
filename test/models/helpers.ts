// Test helpers for the model suites: a minimal Adam loop over seeded minibatches
// (the real training loop lives in src/train) and small seeded datasets.
import { Tensor } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/random.js';
import { Adam } from '../../src/optim/index.js';
import { lowRank } from '../../src/data/synthetic.js';
import type { TrainableModel } from '../../src/models/model.js';

export function batchOf(x: Float32Array, dim: number, rows: ArrayLike<number>): Tensor {
  const out = new Float32Array(rows.length * dim);
  for (let i = 0; i < rows.length; i++) out.set(x.subarray(rows[i]! * dim, (rows[i]! + 1) * dim), i * dim);
  return new Tensor(out, [rows.length, dim]);
}

/** Runs `steps` Adam steps on random minibatches; returns the first and last 20-step mean losses. */
export function train(model: TrainableModel, x: Float32Array, steps: number, rng: Rng, opts: { lr?: number; batch?: number } = {}): { first: number; last: number; losses: number[] } {
  const dim = model.config.inputDim;
  const n = x.length / dim;
  const batch = Math.min(opts.batch ?? 64, n);
  const opt = new Adam(model.parameters(), opts.lr ?? 1e-2);
  const losses: number[] = [];
  const stepsPerEpoch = Math.ceil(n / batch);
  for (let step = 0; step < steps; step++) {
    const rows = Array.from({ length: batch }, () => rng.int(n));
    const out = model.loss(batchOf(x, dim, rows), { rng, step, stepsPerEpoch });
    opt.zeroGrad();
    out.loss.backward();
    opt.step();
    losses.push(out.loss.item());
  }
  const avg = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  const w = Math.min(20, Math.floor(steps / 2));
  return { first: avg(losses.slice(0, w)), last: avg(losses.slice(-w)), losses };
}

/** Binary data with 2-D latent structure: the sign pattern of low-rank Gaussian data. */
export function binaryData(n: number, d: number, rng: Rng): Float32Array {
  const ds = lowRank(n, d, 2, rng, { noise: 0.05 });
  return ds.x.map((v) => (v > 0 ? 1 : 0));
}

export function finite(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return false;
  return true;
}
