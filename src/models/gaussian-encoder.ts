// The guide network the VAE and the GMVAE share: an MLP trunk x → h and two linear
// heads h → μ and h → log σ² (PyTorch's fc1, fc21, fc22), built in that order so a
// seed gives the same weights in both models.
import type { Tensor } from '../tensor/tensor.js';
import type { Rng } from '../tensor/random.js';
import { clamp } from '../ops/index.js';
import { Linear, mlp, type Init, type Sequential } from '../nn/linear.js';

export interface GaussianEncoder {
  /** Trunk x → h (null when there are no hidden layers). */
  readonly encoder: Sequential | null;
  readonly muHead: Linear;
  readonly logVarHead: Linear;
}

export function gaussianEncoder(
  inputDim: number, hidden: readonly number[], latentDim: number, activation: (x: Tensor) => Tensor, init: Init, rng: Rng,
): GaussianEncoder {
  const encoder = hidden.length > 0 ? mlp([inputDim, ...hidden], rng, { activation, init, outputActivation: activation }) : null;
  const h = hidden.length > 0 ? hidden[hidden.length - 1]! : inputDim;
  const muHead = new Linear(h, latentDim, rng, { init });
  const logVarHead = new Linear(h, latentDim, rng, { init });
  return { encoder, muHead, logVarHead };
}

/**
 * μ(x) and log σ²(x) for a batch x. NOTE: clamping is the identity in the working range (so the
 * reference VAE is exact) and keeps exp(log σ²) and exp(½ log σ²) finite for any input.
 */
export function encodeGaussian(e: GaussianEncoder, x: Tensor, logVarBounds: readonly [number, number]): { loc: Tensor; logVar: Tensor } {
  const h = e.encoder ? e.encoder.forward(x) : x;
  return { loc: e.muHead.forward(h), logVar: clamp(e.logVarHead.forward(h), logVarBounds[0], logVarBounds[1]) };
}
