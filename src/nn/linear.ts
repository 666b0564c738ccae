// Fully connected layers and MLP builders. Weights are stored [out, in] as in
// PyTorch (so checkpoints interoperate); x·Wᵀ reads the transpose in place.
import { Tensor } from '../tensor/tensor.js';
import type { DType } from '../tensor/dtype.js';
import { Rng } from '../tensor/random.js';
import { fmtShape } from '../tensor/shape.js';
import { linear, rand, randn, relu, sigmoid, zeros, type LinearActivation } from '../ops/index.js';
import { Module, applyLayer, type LayerLike } from './module.js';

/**
 * 'torch': PyTorch's default, U(±1/√fanIn) for weight and bias;
 * 'xavier': U(±√(6/(fanIn+fanOut))) (Glorot & Bengio, 2010), zero bias;
 * 'he': N(0, 2/fanIn) (He et al., 2015), zero bias.
 */
export type Init = 'torch' | 'xavier' | 'he';

export interface LinearOptions {
  bias?: boolean;
  init?: Init;
  dtype?: DType;
}

export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, rng: Rng, opts: LinearOptions = {}) {
    super();
    if (!Number.isInteger(inFeatures) || !Number.isInteger(outFeatures) || inFeatures < 1 || outFeatures < 1) {
      throw new Error(`Linear: feature counts must be positive integers (got ${inFeatures} → ${outFeatures})`);
    }
    const dtype = opts.dtype ?? 'float32';
    const init = opts.init ?? 'torch';
    const shape = [outFeatures, inFeatures];
    if (init === 'he') {
      const w = randn(shape, rng, { dtype });
      const s = Math.sqrt(2 / inFeatures);
      for (let i = 0; i < w.data.length; i++) w.data[i]! *= s;
      this.weight = w.requiresGrad_();
    } else {
      const bound = init === 'xavier' ? Math.sqrt(6 / (inFeatures + outFeatures)) : 1 / Math.sqrt(inFeatures);
      this.weight = rand(shape, rng, { dtype, low: -bound, high: bound, requiresGrad: true });
    }
    if (opts.bias === false) this.bias = null;
    else if (init === 'torch') {
      const b = 1 / Math.sqrt(inFeatures);
      this.bias = rand([outFeatures], rng, { dtype, low: -b, high: b, requiresGrad: true });
    } else this.bias = zeros([outFeatures], { dtype, requiresGrad: true });
  }

  /** x·Wᵀ + b, followed by the activation when given (fused into one pass with the bias). */
  forward(x: Tensor, activation?: LinearActivation): Tensor {
    if (x.shape[x.rank - 1] !== this.inFeatures) {
      throw new Error(`Linear(${this.inFeatures}→${this.outFeatures}): input has shape ${fmtShape(x.shape)}, last axis must be ${this.inFeatures}`);
    }
    return linear(x, this.weight, this.bias, activation);
  }
}

export class Sequential extends Module {
  readonly layers: LayerLike[];

  constructor(layers: readonly LayerLike[]) {
    super();
    this.layers = layers.slice();
  }

  forward(x: Tensor): Tensor {
    let h = x;
    const layers = this.layers;
    for (let i = 0; i < layers.length; i++) {
      const layer = layers[i]!;
      // A Linear followed by relu or sigmoid runs as one fused op: the same values, a pass fewer.
      const act = layers[i + 1] === relu ? 'relu' : layers[i + 1] === sigmoid ? 'sigmoid' : null;
      if (layer instanceof Linear && act) {
        h = layer.forward(h, act);
        i++;
      } else {
        h = applyLayer(layer, h);
      }
    }
    return h;
  }
}

export interface MlpOptions extends LinearOptions {
  /** Applied after every layer but the last. */
  activation: (x: Tensor) => Tensor;
  /** Applied after the last layer (default: none, i.e. linear output). */
  outputActivation?: (x: Tensor) => Tensor;
}

/** An MLP through the given widths, e.g. mlp([784, 400, 20], rng, { activation: relu }). */
export function mlp(widths: readonly number[], rng: Rng, opts: MlpOptions): Sequential {
  if (widths.length < 2) throw new Error(`mlp: needs at least an input and an output width, got [${widths.join(', ')}]`);
  const layers: LayerLike[] = [];
  for (let i = 0; i + 1 < widths.length; i++) {
    layers.push(new Linear(widths[i]!, widths[i + 1]!, rng, opts));
    if (i + 2 < widths.length) layers.push(opts.activation);
    else if (opts.outputActivation) layers.push(opts.outputActivation);
  }
  return new Sequential(layers);
}
