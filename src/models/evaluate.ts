// Evaluation over a whole dataset, in batches under noGrad: the loss and the
// ELBO, the IWAE log-likelihood estimate, active latent units and the
// reconstruction error. Data is row-major Float32Array [n, inputDim].
import { Tensor } from '../tensor/tensor.js';
import type { Rng } from '../tensor/random.js';
import { noGrad } from '../autograd/tape.js';
import { allocateUninit } from '../tensor/dtype.js';
import { recycleScope } from '../tensor/pool.js';
import type { GenerativeModel, LatentModel, TrainableModel } from './model.js';
import type { ElboParts } from './vae.js';

export interface EvalOptions {
  /** Rows per batch (default 256). */
  batchSize?: number;
}

/** Models whose ELBO splits into reconstruction and KL per sample (the VAE). */
export interface ElboModel extends TrainableModel {
  elboParts(x: Tensor, rng: Rng, kl?: 'analytic' | 'mc'): ElboParts;
}

function rowsOf(data: Float32Array, dim: number, who: string): number {
  if (data.length % dim !== 0) throw new Error(`${who}: data has ${data.length} values, not a multiple of inputDim ${dim}`);
  const n = data.length / dim;
  if (n === 0) throw new Error(`${who}: data is empty`);
  return n;
}

/**
 * Calls fn on consecutive [b, dim] batches under noGrad. fn keeps only numbers, so each batch's
 * buffers (its copy of the rows and every intermediate) go back to the pool when it returns.
 */
function forBatches(data: Float32Array, dim: number, batchSize: number, who: string, fn: (x: Tensor, rows: number) => void): number {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`${who}: batchSize must be a positive integer (got ${batchSize})`);
  const n = rowsOf(data, dim, who);
  noGrad(() => {
    for (let s = 0; s < n; s += batchSize) {
      const b = Math.min(batchSize, n - s);
      recycleScope(() => {
        const rows = allocateUninit('float32', b * dim);
        rows.set(data.subarray(s * dim, (s + b) * dim));
        fn(new Tensor(rows, [b, dim]), b);
      });
    }
  });
  return n;
}

/** Latent means of the rows of data ([n, inputDim] row-major), as [n, latentDim] row-major. */
export function encodeMeans(model: LatentModel, data: Float32Array, opts: EvalOptions = {}): Float32Array {
  const d = model.latentDim;
  const z = new Float32Array((data.length / model.config.inputDim) * d);
  let at = 0;
  forBatches(data, model.config.inputDim, opts.batchSize ?? 1000, 'encodeMeans', (x, b) => {
    z.set(model.encodeMean(x).contiguousData().subarray(0, b * d), at);
    at += b * d;
  });
  return z;
}

/** Decoder means (in data space) of the latent rows z ([n, latentDim] row-major), as [n, inputDim] row-major. */
export function decodeMeans(model: LatentModel, z: Float32Array, opts: EvalOptions = {}): Float32Array {
  const D = model.config.inputDim;
  const x = new Float32Array((z.length / model.latentDim) * D);
  let at = 0;
  forBatches(z, model.latentDim, opts.batchSize ?? 1000, 'decodeMeans', (t, b) => {
    x.set(model.decodeMean(t).contiguousData().subarray(0, b * D), at);
    at += b * D;
  });
  return x;
}

export interface LossSummary {
  /** Mean per-sample evaluation objective. */
  loss: number;
  /** Each term of evalLoss, averaged per sample. */
  terms: Record<string, number>;
}

/** The model's evalLoss averaged per sample over the dataset. */
export function evaluateLoss(model: TrainableModel, data: Float32Array, rng: Rng, opts: EvalOptions = {}): LossSummary {
  let loss = 0;
  const terms: Record<string, number> = {};
  const n = forBatches(data, model.config.inputDim, opts.batchSize ?? 256, 'evaluateLoss', (x, b) => {
    const out = model.evalLoss(x, rng);
    loss += out.loss.item() * b;
    for (const [k, v] of Object.entries(out.terms)) terms[k] = (terms[k] ?? 0) + v * b;
  });
  for (const k of Object.keys(terms)) terms[k]! /= n;
  return { loss: loss / n, terms };
}

export interface ElboSummary {
  /** Mean per-sample ELBO = −(recon + kl) with β = 1; a lower bound on log p(x) in nats. */
  elbo: number;
  recon: number;
  kl: number;
}

/** The ELBO (Kingma & Welling 2014, eq. 3) per sample over the dataset, with the closed-form KL. */
export function evaluateElbo(model: ElboModel, data: Float32Array, rng: Rng, opts: EvalOptions = {}): ElboSummary {
  let recon = 0;
  let kl = 0;
  const n = forBatches(data, model.config.inputDim, opts.batchSize ?? 256, 'evaluateElbo', (x) => {
    const p = model.elboParts(x, rng, 'analytic');
    recon += sumOf(p.recon);
    kl += sumOf(p.klPerDim);
  });
  return { elbo: -(recon + kl) / n, recon: recon / n, kl: kl / n };
}

export interface IwaeSummary {
  /** Mean per-sample IWAE bound: log p(x) ≥ this (nats). */
  logLikelihood: number;
  k: number;
}

/** The k-sample IWAE bound (Burda et al. 2016, eq. 8) averaged over the dataset, the usual log p(x) estimate. */
export function evaluateIwae(model: GenerativeModel, data: Float32Array, k: number, rng: Rng, opts: EvalOptions = {}): IwaeSummary {
  let total = 0;
  // Each row costs k decoder passes, so batches are smaller by default.
  const n = forBatches(data, model.config.inputDim, opts.batchSize ?? 64, 'evaluateIwae', (x) => {
    total += sumOf(model.iwaeBound(x, k, rng));
  });
  return { logLikelihood: total / n, k };
}

export interface ActiveUnits {
  /** Units u with Cov_x(E_q[z_u]) > threshold. */
  count: number;
  /** Cov_x(E_q[z_u]) per latent unit (population variance over the dataset). */
  variances: Float64Array;
  threshold: number;
}

/** Active units (Burda et al. 2016): A_u = Cov_x(E_{q(u|x)}[u]) > 0.01 by default. */
export function activeUnits(model: LatentModel, data: Float32Array, opts: EvalOptions & { threshold?: number } = {}): ActiveUnits {
  const L = model.latentDim;
  const threshold = opts.threshold ?? 0.01;
  const s1 = new Float64Array(L);
  const s2 = new Float64Array(L);
  // Shifted sums (by the first row's means) keep the variance accurate when means are large.
  let shift: Float64Array | null = null;
  const n = forBatches(data, model.config.inputDim, opts.batchSize ?? 256, 'activeUnits', (x, b) => {
    const m = model.encodeMean(x).contiguousData();
    shift ??= Float64Array.from(m.subarray(0, L));
    for (let i = 0; i < b; i++) {
      for (let u = 0; u < L; u++) {
        const d = m[i * L + u]! - shift[u]!;
        s1[u]! += d;
        s2[u]! += d * d;
      }
    }
  });
  const variances = new Float64Array(L);
  let count = 0;
  for (let u = 0; u < L; u++) {
    variances[u] = Math.max(0, s2[u]! / n - (s1[u]! / n) ** 2);
    if (variances[u]! > threshold) count++;
  }
  return { count, variances, threshold };
}

export interface ReconstructionError {
  /** Mean over samples of Σ_d (x − x̂)². */
  sumSquaredError: number;
  /** Mean over all entries of (x − x̂)². */
  meanSquaredError: number;
}

/** Squared error of reconstruct(x) (the decoder mean at the encoder mean) over the dataset. */
export function reconstructionError(model: LatentModel, data: Float32Array, opts: EvalOptions = {}): ReconstructionError {
  const D = model.config.inputDim;
  let sse = 0;
  const n = forBatches(data, D, opts.batchSize ?? 256, 'reconstructionError', (x) => {
    const r = model.reconstruct(x).contiguousData();
    const xd = x.contiguousData();
    for (let i = 0; i < r.length; i++) sse += (xd[i]! - r[i]!) ** 2;
  });
  return { sumSquaredError: sse / n, meanSquaredError: sse / (n * D) };
}

function sumOf(t: Tensor): number {
  const d = t.contiguousData();
  let s = 0;
  for (let i = 0; i < d.length; i++) s += d[i]!;
  return s;
}
