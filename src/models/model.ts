// The contract between models and the trainer/CLI. A model reads as its
// generative story and returns its objective split into named terms; the
// training loop lives in src/train, never in a model file.
import type { Tensor } from '../tensor/tensor.js';
import type { Rng } from '../tensor/random.js';
import type { Module } from '../nn/module.js';

/** JSON-serializable settings that rebuild a model (stored in checkpoint metadata). */
export interface ModelConfig {
  readonly kind: string;
  readonly inputDim: number;
  readonly [key: string]: unknown;
}

export interface LossContext {
  rng: Rng;
  /** Global optimizer step (0-based), for schedules such as KL warm-up. */
  step: number;
  /** Steps per epoch, so schedules can be stated in epochs. */
  stepsPerEpoch: number;
}

export interface LossOutput {
  /** Scalar to minimize: the mean over the batch of the per-sample objective. */
  loss: Tensor;
  /** Named scalar parts for reporting, per sample (e.g. recon, kl; for a VAE loss = recon + β·kl). */
  terms: Record<string, number>;
}

export interface TrainableModel extends Module {
  readonly config: ModelConfig;
  /**
   * The training objective on a batch x of shape [batch, inputDim].
   * NOTE: the trainer recycles every buffer made during the step once it ends, so a model must
   * not keep a tensor it created here (copy the numbers out, as GMVAE does with its codes).
   */
  loss(x: Tensor, ctx: LossContext): LossOutput;
  /** The evaluation objective (no warm-up or free bits; β as configured), per sample. */
  evalLoss(x: Tensor, rng: Rng): LossOutput;
}

/** Models with a latent space the tools can draw: encode to means, decode to the data space. */
export interface LatentModel extends TrainableModel {
  readonly latentDim: number;
  /** Latent means (or codes) for x: [batch, latentDim]. */
  encodeMean(x: Tensor): Tensor;
  /** Decoder mean in data space (probabilities for Bernoulli output): [batch, inputDim]. */
  decodeMean(z: Tensor): Tensor;
  /** Reconstructions (decoder mean at the encoder mean) of x. */
  reconstruct(x: Tensor): Tensor;
}

/** Generative models: samples from the prior through the decoder, and a log-likelihood bound. */
export interface GenerativeModel extends LatentModel {
  /** Decoder means of n draws from the prior. */
  sample(n: number, rng: Rng): Tensor;
  /** Per-sample IWAE bound log p(x) ≥ E[log (1/k) Σ p(x,zᵢ)/q(zᵢ|x)] with k samples: [batch]. */
  iwaeBound(x: Tensor, k: number, rng: Rng): Tensor;
}

/** Whether m has a latent space the tools can draw (encodeMean, decodeMean, reconstruct, latentDim). */
export function isLatentModel(m: TrainableModel): m is LatentModel {
  const o = m as Partial<LatentModel>;
  return typeof o.encodeMean === 'function' && typeof o.decodeMean === 'function' && typeof o.reconstruct === 'function' && typeof o.latentDim === 'number';
}

/** Whether m also has a prior to sample from and an IWAE bound. */
export function isGenerativeModel(m: TrainableModel): m is GenerativeModel {
  const o = m as Partial<GenerativeModel>;
  return isLatentModel(m) && typeof o.sample === 'function' && typeof o.iwaeBound === 'function';
}
