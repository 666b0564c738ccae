// The variational autoencoder (Kingma & Welling 2014) with its β-VAE, warm-up,
// free-bits and IWAE options. Generative story: z ~ N(0, I), x ~ p_θ(x|z)
// (Bernoulli logits or Gaussian); guide q_φ(z|x) = N(μ(x), diag σ²(x)).
import type { Tensor } from '../tensor/tensor.js';
import type { Rng } from '../tensor/random.js';
import { add, concat, expand, logsumexp, maximum, mean, mul, ones, randn, reshape, slice, sub, sum } from '../ops/index.js';
import { Module } from '../nn/module.js';
import { Linear, mlp, type Init, type Sequential } from '../nn/linear.js';
import type { GenerativeModel, LossContext, LossOutput, ModelConfig } from './model.js';
import { Bernoulli, Normal, klDivergence } from '../distributions/index.js';
import { checkWarmup, warmupFactor, type WarmupSchedule } from './schedules.js';
import { encodeGaussian, gaussianEncoder } from './gaussian-encoder.js';
import { activationFn, checkBatch, checkOneOf, checkPositiveInt, checkWidths, type ActivationName } from './util.js';

export type VaeDecoder = 'bernoulli' | 'gaussian' | 'gaussian-learned';

export interface VaeOptions {
  inputDim: number;
  latentDim: number;
  /** Encoder hidden widths (default [400]); the decoder mirrors them unless decoderHidden is given. */
  hidden?: readonly number[];
  decoderHidden?: readonly number[];
  activation?: ActivationName;
  /** Likelihood p(x|z): Bernoulli from logits, unit-variance Gaussian, or Gaussian with a learned variance head. */
  decoder?: VaeDecoder;
  /** KL weight β (Higgins et al. 2017); 1 is the plain ELBO. */
  beta?: number;
  /** β warm-up during training (evalLoss always uses β). */
  warmup?: WarmupSchedule | null;
  /** Free bits λ in nats per latent dimension (Kingma et al. 2016); 0 disables. */
  freeBits?: number;
  /** KL estimator in the training loss: closed form, or single-sample Monte Carlo log q − log p. */
  kl?: 'analytic' | 'mc';
  /** Training objective: the ELBO, or the k-sample IWAE bound (Burda et al. 2016). */
  objective?: 'elbo' | 'iwae';
  /** Samples for the IWAE objective (default 5). */
  k?: number;
  /** Bounds on the encoder's log σ² (default [-30, 20]) so exp never overflows. */
  logVarBounds?: readonly [number, number];
  /** Bounds on the decoder's learned log σ² (default [-10, 10]) so the density cannot degenerate. */
  decoderLogVarBounds?: readonly [number, number];
  init?: Init;
  /** Config kind: 'vae' (default) or the alias 'beta-vae'. */
  kind?: 'vae' | 'beta-vae';
}

/** The fully resolved options, as stored in checkpoints; createModel rebuilds the VAE from it. */
export interface VaeConfig extends ModelConfig {
  readonly kind: 'vae' | 'beta-vae';
  readonly latentDim: number;
  readonly hidden: readonly number[];
  readonly decoderHidden: readonly number[];
  readonly activation: ActivationName;
  readonly decoder: VaeDecoder;
  readonly beta: number;
  readonly warmup: WarmupSchedule | null;
  readonly freeBits: number;
  readonly kl: 'analytic' | 'mc';
  readonly objective: 'elbo' | 'iwae';
  readonly k: number;
  readonly logVarBounds: readonly [number, number];
  readonly decoderLogVarBounds: readonly [number, number];
  readonly init: Init;
}

/** Per-sample ELBO parts: reconstruction −log p(x|z) [batch] and KL per latent dimension [batch, latentDim]. */
export interface ElboParts {
  recon: Tensor;
  klPerDim: Tensor;
}

function checkBounds(v: unknown, what: string): [number, number] {
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'number' || typeof v[1] !== 'number' || !(v[0] < v[1])) {
    throw new Error(`VAE: ${what} must be [lo, hi] with lo < hi (got ${JSON.stringify(v)})`);
  }
  return [v[0], v[1]];
}

function resolve(o: VaeOptions): VaeConfig {
  const who = 'VAE';
  const inputDim = checkPositiveInt(o.inputDim, 'inputDim', who);
  const latentDim = checkPositiveInt(o.latentDim, 'latentDim', who);
  const hidden = checkWidths(o.hidden ?? [400], 'hidden', who);
  const decoderHidden = checkWidths(o.decoderHidden ?? hidden.slice().reverse(), 'decoderHidden', who);
  const activation = checkOneOf(o.activation ?? 'relu', ['relu', 'sigmoid', 'tanh', 'swish', 'elu', 'softplus', 'leakyRelu', 'identity'], 'activation', who);
  const decoder = checkOneOf(o.decoder ?? 'bernoulli', ['bernoulli', 'gaussian', 'gaussian-learned'], 'decoder', who);
  const kind = checkOneOf(o.kind ?? 'vae', ['vae', 'beta-vae'], 'kind', who);
  const beta = o.beta ?? 1;
  if (typeof beta !== 'number' || !(beta >= 0) || !Number.isFinite(beta)) throw new Error(`VAE: beta must be a finite number ≥ 0 (got ${String(beta)})`);
  const warmup = o.warmup ? checkWarmup(o.warmup, 'VAE: warmup') : null;
  const freeBits = o.freeBits ?? 0;
  if (typeof freeBits !== 'number' || !(freeBits >= 0)) throw new Error(`VAE: freeBits must be ≥ 0 nats (got ${String(freeBits)})`);
  const kl = checkOneOf(o.kl ?? 'analytic', ['analytic', 'mc'], 'kl', who);
  const objective = checkOneOf(o.objective ?? 'elbo', ['elbo', 'iwae'], 'objective', who);
  const k = checkPositiveInt(o.k ?? 5, 'k', who);
  if (objective === 'iwae' && (beta !== 1 || warmup || freeBits > 0)) {
    throw new Error(`VAE: the IWAE objective is a bound on log p(x) only with beta = 1, no warm-up and no free bits (got beta ${beta}, warmup ${JSON.stringify(warmup)}, freeBits ${freeBits})`);
  }
  const logVarBounds = checkBounds(o.logVarBounds ?? [-30, 20], 'logVarBounds');
  const decoderLogVarBounds = checkBounds(o.decoderLogVarBounds ?? [-10, 10], 'decoderLogVarBounds');
  const init = checkOneOf(o.init ?? 'torch', ['torch', 'xavier', 'he'], 'init', who);
  return { kind, inputDim, latentDim, hidden, decoderHidden, activation, decoder, beta, warmup, freeBits, kl, objective, k, logVarBounds, decoderLogVarBounds, init };
}

/** β·kl, with β = 1 (the plain ELBO) as kl itself: a product by one is exact, and one op fewer a step. */
function scaled(kl: Tensor, beta: number): Tensor {
  return beta === 1 ? kl : mul(kl, beta);
}

export class VAE extends Module implements GenerativeModel {
  readonly config: VaeConfig;
  readonly inputDim: number;
  readonly latentDim: number;
  /** Encoder trunk x → h (null when there are no hidden layers). */
  readonly encoder: Sequential | null;
  /** Heads h → μ and h → log σ² (PyTorch's fc21/fc22). */
  readonly muHead: Linear;
  readonly logVarHead: Linear;
  /** Decoder z → likelihood parameters: D logits/means, or 2D (mean, log σ²) for 'gaussian-learned'. */
  readonly decoder: Sequential;

  constructor(opts: VaeOptions, rng: Rng) {
    super();
    const c = resolve(opts);
    this.config = c;
    this.inputDim = c.inputDim;
    this.latentDim = c.latentDim;
    const act = activationFn(c.activation, 'VAE');
    const lin = { activation: act, init: c.init };
    ({ encoder: this.encoder, muHead: this.muHead, logVarHead: this.logVarHead } = gaussianEncoder(c.inputDim, c.hidden, c.latentDim, act, c.init, rng));
    const out = c.decoder === 'gaussian-learned' ? 2 * c.inputDim : c.inputDim;
    this.decoder = mlp([c.latentDim, ...c.decoderHidden, out], rng, lin);
  }

  /** The prior p(z) = N(0, I), one coordinate per latent dimension. */
  prior(): Normal {
    return Normal.standard([this.latentDim], { dtype: this.muHead.weight.dtype });
  }

  /** The guide q(z|x) = N(μ(x), diag σ²(x)), batch shape [batch, latentDim] (per coordinate, for free bits). */
  guide(x: Tensor): Normal {
    checkBatch(x, this.inputDim, 'VAE.guide');
    return encodeGaussian(this, x, this.config.logVarBounds);
  }

  /** The likelihood p(x|z) for z of shape [n, latentDim], batch shape [n, inputDim]. */
  likelihood(z: Tensor): Bernoulli | Normal {
    if (z.rank !== 2 || z.shape[1] !== this.latentDim) throw new Error(`VAE.likelihood: z has shape [${z.shape.join(',')}], expected [*,${this.latentDim}]`);
    const out = this.decoder.forward(z);
    const D = this.inputDim;
    switch (this.config.decoder) {
      case 'bernoulli':
        return new Bernoulli({ logits: out, validate: false });
      case 'gaussian':
        // Unit variance: −log p(x|z) = ½‖x − μ‖² + (D/2) log 2π.
        return new Normal({ loc: out, scale: ones([1], { dtype: out.dtype }), validate: false });
      case 'gaussian-learned': {
        return new Normal({ loc: slice(out, [null, [0, D]]), logVar: slice(out, [null, [D, 2 * D]]), logVarBounds: this.config.decoderLogVarBounds, validate: false });
      }
    }
  }

  /** log p(x|z) summed over data dimensions: [n]. */
  logLikelihood(x: Tensor, z: Tensor): Tensor {
    return this.likelihood(z).logProbSum(x);
  }

  /** k reparameterized draws z = μ + σ·ε (Kingma & Welling 2014, eq. 10) per row, sample-major: [k·batch, latentDim]. */
  private draw(q: Normal, k: number, rng: Rng): Tensor {
    const z = q.rsample(k, rng);
    return reshape(z, [k * q.loc.shape[0]!, this.latentDim]);
  }

  /** Single-sample ELBO parts; KL in closed form or as the one-sample estimate log q(z|x) − log p(z). */
  elboParts(x: Tensor, rng: Rng, kl: 'analytic' | 'mc' = 'analytic'): ElboParts {
    const q = this.guide(x);
    const p = this.prior();
    const z = this.draw(q, 1, rng);
    const recon = this.likelihood(z).negLogProbSum(x);
    const klPerDim = kl === 'analytic' ? klDivergence(q, p) : sub(q.logProb(z), p.logProb(z));
    return { recon, klPerDim };
  }

  /** Importance log-weights log p(x, zᵢ) − log q(zᵢ|x) for k draws: [k, batch]. */
  logWeights(x: Tensor, k: number, rng: Rng): Tensor {
    checkPositiveInt(k, 'k', 'VAE.logWeights');
    const q = this.guide(x);
    const p = this.prior();
    const b = x.shape[0]!;
    const D = this.inputDim;
    const L = this.latentDim;
    // Chunks of draws keep the decoder batch near 4096 rows when k is large.
    const per = Math.max(1, Math.floor(4096 / Math.max(b, 1)));
    const chunks: Tensor[] = [];
    for (let s = 0; s < k; s += per) {
      const m = Math.min(per, k - s);
      const z3 = q.rsample(m, rng);
      const z = reshape(z3, [m * b, L]);
      const logPx = reshape(this.logLikelihood(reshape(expand(x, [m, b, D]), [m * b, D]), z), [m, b]);
      const logPz = sum(p.logProb(z3), -1);
      const logQz = sum(q.logProb(z3), -1);
      chunks.push(sub(add(logPx, logPz), logQz));
    }
    return chunks.length === 1 ? chunks[0]! : concat(chunks, 0);
  }

  /** log p(x) ≥ log (1/k) Σᵢ wᵢ, computed with logsumexp (Burda et al. 2016, eq. 8): [batch]. */
  iwaeBound(x: Tensor, k: number, rng: Rng): Tensor {
    checkBatch(x, this.inputDim, 'VAE.iwaeBound');
    return sub(logsumexp(this.logWeights(x, k, rng), 0), Math.log(k));
  }

  loss(x: Tensor, ctx: LossContext): LossOutput {
    checkBatch(x, this.inputDim, 'VAE.loss');
    const c = this.config;
    if (c.objective === 'iwae') return this.iwaeLoss(x, ctx.rng);
    const beta = c.beta * warmupFactor(c.warmup, ctx.step, ctx.stepsPerEpoch);
    const { recon, klPerDim } = this.elboParts(x, ctx.rng, c.kl);
    const reconMean = mean(recon);
    const kl = sum(mean(klPerDim, 0));
    if (c.freeBits > 0) {
      // Free bits (Kingma et al. 2016, IAF paper): Σⱼ max(λ, E_batch[KLⱼ]).
      const klFree = sum(maximum(mean(klPerDim, 0), c.freeBits));
      const loss = add(reconMean, scaled(klFree, beta));
      return { loss, terms: { recon: reconMean.item(), kl: kl.item(), klFreeBits: klFree.item(), beta } };
    }
    // −ELBO_β = E_q[−log p(x|z)] + β·KL(q(z|x) ‖ p(z)) (Higgins et al. 2017, eq. 4).
    return { loss: add(reconMean, scaled(kl, beta)), terms: { recon: reconMean.item(), kl: kl.item(), beta } };
  }

  private iwaeLoss(x: Tensor, rng: Rng): LossOutput {
    const bound = mean(this.iwaeBound(x, this.config.k, rng));
    const loss = mul(bound, -1);
    return { loss, terms: { iwae: loss.item() } };
  }

  /** −ELBO_β with the closed-form KL, β as configured, no warm-up or free bits. */
  evalLoss(x: Tensor, rng: Rng): LossOutput {
    checkBatch(x, this.inputDim, 'VAE.evalLoss');
    const beta = this.config.beta;
    const { recon, klPerDim } = this.elboParts(x, rng, 'analytic');
    const reconMean = mean(recon);
    const kl = sum(mean(klPerDim, 0));
    return { loss: add(reconMean, scaled(kl, beta)), terms: { recon: reconMean.item(), kl: kl.item(), beta } };
  }

  encodeMean(x: Tensor): Tensor {
    return this.guide(x).loc;
  }

  /** E[x|z]: σ(logits) for Bernoulli, the mean for Gaussian. */
  decodeMean(z: Tensor): Tensor {
    return this.likelihood(z).mean;
  }

  reconstruct(x: Tensor): Tensor {
    return this.decodeMean(this.encodeMean(x));
  }

  sample(n: number, rng: Rng): Tensor {
    checkPositiveInt(n, 'n', 'VAE.sample');
    return this.decodeMean(randn([n, this.latentDim], rng, { dtype: this.muHead.weight.dtype }));
  }
}

/** The β-VAE preset (Higgins et al. 2017): a VAE with β ≠ 1 (default 4), kept under the kind 'beta-vae'. */
export function betaVae(opts: VaeOptions, rng: Rng): VAE {
  return new VAE({ ...opts, beta: opts.beta ?? 4, kind: 'beta-vae' }, rng);
}
