// The guide network the VAE and the GMVAE share: an MLP trunk x → h and two linear
// heads h → μ and h → log σ² (PyTorch's fc1, fc21, fc22), built in that order so a
// seed gives the same weights in both models.
import type { Tensor } from '../tensor/tensor.js';
import type { Rng } from '../tensor/random.js';
import { Normal } from '../distributions/normal.js';
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
 * The guide q(z|x) = N(μ(x), diag σ²(x)) for a batch x, log σ² clamped into logVarBounds (inside
 * Normal, so that rsample and the KL to N(0, I) are each one fused op). NOTE: clamping is the
 * identity in the working range (so the reference VAE is exact) and keeps exp(log σ²) and
 * exp(½ log σ²) finite for any input.
 */
export function encodeGaussian(e: GaussianEncoder, x: Tensor, logVarBounds: readonly [number, number], eventDims = 0): Normal {
  const h = e.encoder ? e.encoder.forward(x) : x;
  // Network outputs are not validated entry by entry; the trainer checks the loss for non-finite values.
  return new Normal({ loc: e.muHead.forward(h), logVar: e.logVarHead.forward(h), logVarBounds, eventDims, validate: false });
}
