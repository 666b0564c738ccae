// Deterministic autoencoders: an MLP encoder/decoder of any widths, the
// undercomplete autoencoder of the course (one sigmoid hidden layer, linear
// output, squared error), and the tied linear autoencoder (decoder = encoderᵀ).
import type { Tensor } from '../tensor/tensor.js';
import type { Rng } from '../tensor/random.js';
import { add, bceWithLogits, matmul, mean, sigmoid, square, sub, sum, transpose, zeros } from '../ops/index.js';
import { Module } from '../nn/module.js';
import { Linear, mlp, type Init, type Sequential } from '../nn/linear.js';
import type { LatentModel, LossContext, LossOutput, ModelConfig } from './model.js';
import { activationFn, checkBatch, checkOneOf, checkPositiveInt, checkWidths, type ActivationName } from './util.js';

const ACTIVATION_NAMES: readonly ActivationName[] = ['relu', 'sigmoid', 'tanh', 'swish', 'elu', 'softplus', 'leakyRelu', 'identity'];

/** 'squared-error': Σ_d (x − x̂)² per sample; 'bce': Bernoulli cross-entropy from decoder logits, Σ_d per sample. */
export type AeLoss = 'squared-error' | 'bce';

export interface AutoencoderOptions {
  inputDim: number;
  latentDim: number;
  /** Encoder hidden widths (default []); the decoder mirrors them unless decoderHidden is given. */
  hidden?: readonly number[];
  decoderHidden?: readonly number[];
  activation?: ActivationName;
  /** Applied to the code z (default 'identity'; the course preset uses 'sigmoid'). */
  latentActivation?: ActivationName;
  loss?: AeLoss;
  bias?: boolean;
  init?: Init;
}

export interface AutoencoderConfig extends ModelConfig {
  readonly kind: 'ae';
  readonly latentDim: number;
  readonly hidden: readonly number[];
  readonly decoderHidden: readonly number[];
  readonly activation: ActivationName;
  readonly latentActivation: ActivationName;
  readonly loss: AeLoss;
  readonly bias: boolean;
  readonly init: Init;
}

function resolve(o: AutoencoderOptions): AutoencoderConfig {
  const who = 'Autoencoder';
  const hidden = checkWidths(o.hidden ?? [], 'hidden', who);
  const bias = o.bias ?? true;
  if (typeof bias !== 'boolean') throw new Error(`${who}: bias must be a boolean (got ${JSON.stringify(bias)})`);
  return {
    kind: 'ae',
    inputDim: checkPositiveInt(o.inputDim, 'inputDim', who),
    latentDim: checkPositiveInt(o.latentDim, 'latentDim', who),
    hidden,
    decoderHidden: checkWidths(o.decoderHidden ?? hidden.slice().reverse(), 'decoderHidden', who),
    activation: checkOneOf(o.activation ?? 'relu', ACTIVATION_NAMES, 'activation', who),
    latentActivation: checkOneOf(o.latentActivation ?? 'identity', ACTIVATION_NAMES, 'latentActivation', who),
    loss: checkOneOf(o.loss ?? 'squared-error', ['squared-error', 'bce'], 'loss', who),
    bias,
    init: checkOneOf(o.init ?? 'torch', ['torch', 'xavier', 'he'], 'init', who),
  };
}

/** Per-sample reconstruction loss from decoder outputs (logits for 'bce'): [batch]. */
function reconLoss(kind: AeLoss, x: Tensor, out: Tensor): Tensor {
  return kind === 'bce' ? sum(bceWithLogits(out, x, 'none'), -1) : sum(square(sub(x, out)), -1);
}

export class Autoencoder extends Module implements LatentModel {
  readonly config: AutoencoderConfig;
  readonly inputDim: number;
  readonly latentDim: number;
  readonly encoder: Sequential;
  readonly decoder: Sequential;

  constructor(opts: AutoencoderOptions, rng: Rng) {
    super();
    const c = resolve(opts);
    this.config = c;
    this.inputDim = c.inputDim;
    this.latentDim = c.latentDim;
    const activation = activationFn(c.activation, 'Autoencoder');
    const latent = activationFn(c.latentActivation, 'Autoencoder');
    const lin = { activation, init: c.init, bias: c.bias };
    this.encoder = mlp([c.inputDim, ...c.hidden, c.latentDim], rng, c.latentActivation === 'identity' ? lin : { ...lin, outputActivation: latent });
    this.decoder = mlp([c.latentDim, ...c.decoderHidden, c.inputDim], rng, lin);
  }

  /** The code z = f(x): [batch, latentDim]. */
  encode(x: Tensor): Tensor {
    checkBatch(x, this.inputDim, 'Autoencoder.encode');
    return this.encoder.forward(x);
  }

  loss(x: Tensor, _ctx: LossContext): LossOutput {
    checkBatch(x, this.inputDim, 'Autoencoder.loss');
    const recon = mean(reconLoss(this.config.loss, x, this.decoder.forward(this.encoder.forward(x))));
    return { loss: recon, terms: { recon: recon.item() } };
  }

  evalLoss(x: Tensor, rng: Rng): LossOutput {
    return this.loss(x, { rng, step: 0, stepsPerEpoch: 1 });
  }

  encodeMean(x: Tensor): Tensor {
    return this.encode(x);
  }

  decodeMean(z: Tensor): Tensor {
    const out = this.decoder.forward(z);
    return this.config.loss === 'bce' ? sigmoid(out) : out;
  }

  reconstruct(x: Tensor): Tensor {
    return this.decodeMean(this.encode(x));
  }
}

/** The course's undercomplete autoencoder: n → h sigmoid code → n linear, squared error (2nh weights, plus h + n biases). */
export function undercompleteAutoencoder(n: number, h: number, rng: Rng, opts: { bias?: boolean; init?: Init } = {}): Autoencoder {
  return new Autoencoder({ inputDim: n, latentDim: h, hidden: [], latentActivation: 'sigmoid', loss: 'squared-error', ...opts }, rng);
}

export interface TiedLinearAutoencoderOptions {
  inputDim: number;
  latentDim: number;
  /** Encoder and decoder biases (default true); without them the data should be centered. */
  bias?: boolean;
  init?: Init;
}

export interface TiedLinearAutoencoderConfig extends ModelConfig {
  readonly kind: 'linear-ae';
  readonly latentDim: number;
  readonly bias: boolean;
  readonly init: Init;
}

/**
 * z = W x + c, x̂ = Wᵀ z + b with one weight W [latentDim, inputDim]. Minimizing the
 * squared error makes Wᵀ W the projector onto the top-k principal subspace
 * (Baldi & Hornik 1989), so W's rows span it.
 */
export class TiedLinearAutoencoder extends Module implements LatentModel {
  readonly config: TiedLinearAutoencoderConfig;
  readonly inputDim: number;
  readonly latentDim: number;
  readonly weight: Tensor;
  readonly encoderBias: Tensor | null;
  readonly decoderBias: Tensor | null;

  constructor(opts: TiedLinearAutoencoderOptions, rng: Rng) {
    super();
    const who = 'TiedLinearAutoencoder';
    const inputDim = checkPositiveInt(opts.inputDim, 'inputDim', who);
    const latentDim = checkPositiveInt(opts.latentDim, 'latentDim', who);
    const bias = opts.bias ?? true;
    if (typeof bias !== 'boolean') throw new Error(`${who}: bias must be a boolean (got ${JSON.stringify(bias)})`);
    const init = checkOneOf(opts.init ?? 'torch', ['torch', 'xavier', 'he'], 'init', who);
    this.config = { kind: 'linear-ae', inputDim, latentDim, bias, init };
    this.inputDim = inputDim;
    this.latentDim = latentDim;
    // A Linear's weight, so W follows the chosen init.
    this.weight = new Linear(inputDim, latentDim, rng, { init, bias: false }).weight;
    this.encoderBias = bias ? zeros([latentDim], { requiresGrad: true }) : null;
    this.decoderBias = bias ? zeros([inputDim], { requiresGrad: true }) : null;
  }

  encode(x: Tensor): Tensor {
    checkBatch(x, this.inputDim, 'TiedLinearAutoencoder.encode');
    const z = matmul(x, transpose(this.weight));
    return this.encoderBias ? add(z, this.encoderBias) : z;
  }

  decodeMean(z: Tensor): Tensor {
    if (z.rank !== 2 || z.shape[1] !== this.latentDim) throw new Error(`TiedLinearAutoencoder.decodeMean: z has shape [${z.shape.join(',')}], expected [*,${this.latentDim}]`);
    const x = matmul(z, this.weight);
    return this.decoderBias ? add(x, this.decoderBias) : x;
  }

  loss(x: Tensor, _ctx: LossContext): LossOutput {
    checkBatch(x, this.inputDim, 'TiedLinearAutoencoder.loss');
    const recon = mean(reconLoss('squared-error', x, this.decodeMean(this.encode(x))));
    return { loss: recon, terms: { recon: recon.item() } };
  }

  evalLoss(x: Tensor, rng: Rng): LossOutput {
    return this.loss(x, { rng, step: 0, stepsPerEpoch: 1 });
  }

  encodeMean(x: Tensor): Tensor {
    return this.encode(x);
  }

  reconstruct(x: Tensor): Tensor {
    return this.decodeMean(this.encode(x));
  }
}
