// Gaussian-mixture VAE (Dilokthanakul et al. 2016; closed-form q(z|x,w) as in VaDE, Jiang et al. 2017):
// z ~ Cat(π), w|z ~ N(μ_z, diag σ_z²) with learned component parameters, x|w ~ p_θ(x|w); guide
// q(w|x) Gaussian, q(z|x,w) = the exact responsibilities p(z|w). Derivation and choices: docs/gmvae.md.
import { Tensor } from '../tensor/tensor.js';
import type { Rng } from '../tensor/random.js';
import { allocate } from '../tensor/dtype.js';
import { fmtShape } from '../tensor/shape.js';
import {
  add, concat, exp, expand, logSoftmax, logsumexp, maximum, mean, mul, ones, randn, reshape, sub, sum, unsqueeze, zeros,
} from '../ops/index.js';
import { noGrad } from '../autograd/tape.js';
import { Module } from '../nn/module.js';
import { Linear, mlp, type Init, type Sequential } from '../nn/linear.js';
import type { GenerativeModel, LossContext, LossOutput, ModelConfig } from './model.js';
import { Bernoulli, Categorical, MixtureSameFamily, Normal } from '../distributions/index.js';
import { GaussianMixture } from './gaussian-mixture.js';
import { checkWarmup, warmupFactor, type WarmupSchedule } from './schedules.js';
import { encodeGaussian, gaussianEncoder } from './gaussian-encoder.js';
import { activationFn, checkBatch, checkOneOf, checkPositiveInt, checkWidths, type ActivationName } from './util.js';

export type GmvaeDecoder = 'bernoulli' | 'gaussian';

export interface GmvaeOptions {
  inputDim: number;
  /** Dimension of the continuous latent w. */
  latentDim: number;
  /** Number of mixture components K (the discrete latent z ∈ {0..K−1}); default 10. */
  clusters?: number;
  /** Encoder hidden widths (default [500, 500]); the decoder mirrors them unless decoderHidden is given. */
  hidden?: readonly number[];
  decoderHidden?: readonly number[];
  activation?: ActivationName;
  /** Likelihood p(x|w): Bernoulli from logits, or unit-variance Gaussian. */
  decoder?: GmvaeDecoder;
  /** Weight β on both KL terms (1 is the ELBO). */
  beta?: number;
  /** β warm-up during training (evalLoss always uses β). */
  warmup?: WarmupSchedule | null;
  /**
   * Minimum-information constraint on the z-prior term (Dilokthanakul et al. 2016; free-bits form of Kingma et al. 2016):
   * max(λ, E_batch[KL(q(z|x,w) ‖ p(z))]) in nats; 0 disables.
   */
  zFreeBits?: number;
  /**
   * Weight γ of the batch-marginal guard γ·KL(q̄(z) ‖ π), q̄(z) = mean over the batch of q(z|x,w):
   * penalizes putting the whole batch into few clusters. Training only; 0 disables.
   */
  marginalWeight?: number;
  /** Std of the random initial component means (default 1); component log-variances start at 0. */
  componentInitStd?: number;
  /**
   * Epochs of autoencoder pretraining (recon at w = μ(x), no KL) before the ELBO; at the switch the
   * components are set by diagonal-covariance EM on the encoder means of the last pretraining epoch
   * (the VaDE initialization, Jiang et al. 2017, §4). 0 (default) trains the ELBO from the start.
   * NOTE: on MNIST the EM fit freezes the clustering near 72%, while 80 epochs from random means reached 88%
   * (docs/gmvae.md), so the default is no pretraining.
   */
  pretrainEpochs?: number;
  /** Masking-noise probability during pretraining (a denoising autoencoder); default 0. */
  pretrainNoise?: number;
  /** Bounds on the encoder's and the components' log σ² (default [-30, 20]) so exp never overflows. */
  logVarBounds?: readonly [number, number];
  init?: Init;
}

export interface GmvaeConfig extends ModelConfig {
  readonly kind: 'gmvae';
  readonly latentDim: number;
  readonly clusters: number;
  readonly hidden: readonly number[];
  readonly decoderHidden: readonly number[];
  readonly activation: ActivationName;
  readonly decoder: GmvaeDecoder;
  readonly beta: number;
  readonly warmup: WarmupSchedule | null;
  readonly zFreeBits: number;
  readonly marginalWeight: number;
  readonly componentInitStd: number;
  readonly pretrainEpochs: number;
  readonly pretrainNoise: number;
  readonly logVarBounds: readonly [number, number];
  readonly init: Init;
}

/** Per-sample parts of the negative ELBO, each [batch]; recon + klZ + klW = −ELBO exactly. */
export interface GmvaeParts {
  /** −log p(x|w) at one reparameterized w ~ q(w|x). */
  recon: Tensor;
  /** KL(q(z|x,w) ‖ p(z)) at that w: the z-prior term. */
  klZ: Tensor;
  /** log q(w|x) − Σ_z q(z|x,w) log p(w|z): the conditional-prior term. */
  klW: Tensor;
  /** Responsibilities log q(z|x,w): [batch, K]. */
  logQz: Tensor;
}

function nonNegative(v: unknown, what: string): number {
  if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) throw new Error(`GMVAE: ${what} must be a finite number ≥ 0 (got ${String(v)})`);
  return v;
}

function resolve(o: GmvaeOptions): GmvaeConfig {
  const who = 'GMVAE';
  const inputDim = checkPositiveInt(o.inputDim, 'inputDim', who);
  const latentDim = checkPositiveInt(o.latentDim, 'latentDim', who);
  const clusters = checkPositiveInt(o.clusters ?? 10, 'clusters', who);
  const hidden = checkWidths(o.hidden ?? [500, 500], 'hidden', who);
  const decoderHidden = checkWidths(o.decoderHidden ?? hidden.slice().reverse(), 'decoderHidden', who);
  const activation = checkOneOf(o.activation ?? 'relu', ['relu', 'sigmoid', 'tanh', 'swish', 'elu', 'softplus', 'leakyRelu', 'identity'], 'activation', who);
  const decoder = checkOneOf(o.decoder ?? 'bernoulli', ['bernoulli', 'gaussian'], 'decoder', who);
  const beta = nonNegative(o.beta ?? 1, 'beta');
  const warmup = o.warmup ? checkWarmup(o.warmup, 'GMVAE: warmup') : null;
  const zFreeBits = nonNegative(o.zFreeBits ?? 0, 'zFreeBits');
  const marginalWeight = nonNegative(o.marginalWeight ?? 0, 'marginalWeight');
  const componentInitStd = nonNegative(o.componentInitStd ?? 1, 'componentInitStd');
  const pretrainEpochs = nonNegative(o.pretrainEpochs ?? 0, 'pretrainEpochs');
  if (!Number.isInteger(pretrainEpochs)) throw new Error(`GMVAE: pretrainEpochs must be an integer (got ${pretrainEpochs})`);
  const pretrainNoise = nonNegative(o.pretrainNoise ?? 0, 'pretrainNoise');
  if (!(pretrainNoise < 1)) throw new Error(`GMVAE: pretrainNoise must be in [0, 1) (got ${pretrainNoise})`);
  const lv = o.logVarBounds ?? [-30, 20];
  if (!Array.isArray(lv) || lv.length !== 2 || !(lv[0] < lv[1])) throw new Error(`GMVAE: logVarBounds must be [lo, hi] with lo < hi (got ${JSON.stringify(lv)})`);
  const init = checkOneOf(o.init ?? 'torch', ['torch', 'xavier', 'he'], 'init', who);
  return {
    kind: 'gmvae', inputDim, latentDim, clusters, hidden, decoderHidden, activation, decoder, beta, warmup, zFreeBits, marginalWeight,
    componentInitStd, pretrainEpochs, pretrainNoise, logVarBounds: [lv[0], lv[1]], init,
  };
}

/** Codes kept for the EM initialization (at most 2.4 MB at latentDim 10). */
const MAX_EM_ROWS = 60000;
const EM_RESTARTS = 3;

function maskInputs(x: Tensor, p: number, rng: Rng): Tensor {
  const src = x.contiguousData();
  const out = allocate(x.dtype, src.length);
  for (let i = 0; i < src.length; i++) out[i] = rng.uniform() < p ? 0 : src[i]!;
  return new Tensor(out, x.shape);
}

function concatRows(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export class GMVAE extends Module implements GenerativeModel {
  readonly config: GmvaeConfig;
  readonly inputDim: number;
  readonly latentDim: number;
  readonly clusters: number;
  readonly encoder: Sequential | null;
  readonly muHead: Linear;
  readonly logVarHead: Linear;
  readonly decoder: Sequential;
  /** μ_z for each component: [K, latentDim]. */
  readonly componentMeans: Tensor;
  /** log σ_z² for each component: [K, latentDim]. */
  readonly componentLogVars: Tensor;
  /** Encoder means gathered in the last pretraining epoch, for the EM initialization (not a parameter). */
  private pretrainCodes: Float32Array[] = [];
  private componentsFitted = false;

  constructor(opts: GmvaeOptions, rng: Rng) {
    super();
    const c = resolve(opts);
    this.config = c;
    this.inputDim = c.inputDim;
    this.latentDim = c.latentDim;
    this.clusters = c.clusters;
    const act = activationFn(c.activation, 'GMVAE');
    const lin = { activation: act, init: c.init };
    ({ encoder: this.encoder, muHead: this.muHead, logVarHead: this.logVarHead } = gaussianEncoder(c.inputDim, c.hidden, c.latentDim, act, c.init, rng));
    this.decoder = mlp([c.latentDim, ...c.decoderHidden, c.inputDim], rng, lin);
    // Spread-out random means break the symmetry between components (all-equal means never separate).
    const m = randn([c.clusters, c.latentDim], rng);
    for (let i = 0; i < m.data.length; i++) m.data[i]! *= c.componentInitStd;
    this.componentMeans = m.requiresGrad_();
    this.componentLogVars = zeros([c.clusters, c.latentDim], { requiresGrad: true });
  }

  private get dtype(): Tensor['dtype'] {
    return this.muHead.weight.dtype;
  }

  /** log π: the fixed uniform prior p(z) = Cat(1/K): [K]. */
  priorLogits(): Tensor {
    const d = zeros([this.clusters], { dtype: this.dtype });
    d.data.fill(-Math.log(this.clusters));
    return d;
  }

  /** p(w|z) for every z: batch shape [K], event [latentDim]. */
  components(): Normal {
    return new Normal({ loc: this.componentMeans, logVar: this.componentLogVars, logVarBounds: this.config.logVarBounds, eventDims: 1, validate: false });
  }

  /** The marginal prior p(w) = Σ_z π_z N(w; μ_z, σ_z²) as a distribution (for checks and klMonteCarlo). */
  prior(): MixtureSameFamily<Normal> {
    return new MixtureSameFamily(new Categorical({ logits: this.priorLogits(), validate: false }), this.components());
  }

  /** q(w|x) = N(μ(x), diag σ²(x)), batch shape [batch], event [latentDim]. */
  guide(x: Tensor): Normal {
    checkBatch(x, this.inputDim, 'GMVAE.guide');
    return encodeGaussian(this, x, this.config.logVarBounds, 1);
  }

  /** p(x|w) for w [n, latentDim]: batch shape [n, inputDim]. */
  likelihood(w: Tensor): Bernoulli | Normal {
    if (w.rank !== 2 || w.shape[1] !== this.latentDim) throw new Error(`GMVAE.likelihood: w has shape ${fmtShape(w.shape)}, expected [*,${this.latentDim}]`);
    const out = this.decoder.forward(w);
    return this.config.decoder === 'bernoulli'
      ? new Bernoulli({ logits: out, validate: false })
      : new Normal({ loc: out, scale: ones([1], { dtype: out.dtype }), validate: false });
  }

  /** log π_z + log N(w; μ_z, σ_z²) for w [...s, latentDim]: [...s, K]. */
  jointLogProb(w: Tensor): Tensor {
    if (w.shape[w.rank - 1] !== this.latentDim) throw new Error(`GMVAE.jointLogProb: w has shape ${fmtShape(w.shape)}, expected [*,${this.latentDim}]`);
    return add(this.components().logProb(unsqueeze(w, w.rank - 1)), this.priorLogits());
  }

  /**
   * The responsibilities q(z|x,w) = p(z|w) = π_z N(w; μ_z, σ_z²) / Σ_k π_k N(w; μ_k, σ_k²) (VaDE, Jiang et al. 2017,
   * eq. 16), as log-probabilities [..., K]. This choice makes the three-term bound equal the mixture-prior ELBO.
   */
  logResponsibilities(w: Tensor): Tensor {
    return logSoftmax(this.jointLogProb(w), -1);
  }

  /** The three terms of −ELBO at one reparameterized draw w ~ q(w|x) (docs/gmvae.md, eqs. 1–3). */
  gmvaeParts(x: Tensor, rng: Rng): GmvaeParts {
    const q = this.guide(x);
    const w = reshape(q.rsample(1, rng), [x.shape[0]!, this.latentDim]);
    const recon = this.likelihood(w).negLogProbSum(x);
    const logPwz = this.components().logProb(unsqueeze(w, 1));
    const logPi = this.priorLogits();
    const logQz = logSoftmax(add(logPwz, logPi), -1);
    const qz = exp(logQz);
    // KL(q(z|x,w) ‖ p(z)) = Σ_z q(z) (log q(z) − log π_z) (Dilokthanakul et al. 2016, eq. 5, the z-prior term).
    const klZ = sum(mul(qz, sub(logQz, logPi)), -1);
    // E_{q(z|x,w)}[log q(w|x) − log p(w|z)] (eq. 5, the conditional-prior term), single-sample in w.
    const klW = sub(q.logProb(w), sum(mul(qz, logPwz), -1));
    return { recon, klZ, klW, logQz };
  }

  /** log q(w|x) − log p(w) for k draws, with log p(w) = logsumexp_z(log π_z + log N(w; μ_z, σ_z²)): [k, batch]. */
  mixtureKlSamples(x: Tensor, k: number, rng: Rng): Tensor {
    const q = this.guide(x);
    const w = q.rsample(k, rng);
    return sub(q.logProb(w), logsumexp(this.jointLogProb(w), -1));
  }

  /** Autoencoder pretraining step: −log p(x|w) at w = μ(x); gathers codes in the last pretraining epoch. */
  private pretrainLoss(x: Tensor, ctx: LossContext): LossOutput {
    const p = this.config.pretrainNoise;
    // Masking noise (a denoising autoencoder, Vincent et al. 2010): each input is zeroed with probability p.
    const input = p > 0 ? maskInputs(x, p, ctx.rng) : x;
    const w = this.guide(input).loc;
    const recon = mean(this.likelihood(w).negLogProbSum(x));
    if (ctx.step >= (this.config.pretrainEpochs - 1) * ctx.stepsPerEpoch && this.codeRows() < MAX_EM_ROWS) {
      const clean = p > 0 ? noGrad(() => this.guide(x).loc) : w;
      this.pretrainCodes.push(Float32Array.from(clean.contiguousData()));
    }
    return { loss: recon, terms: { recon: recon.item(), pretrain: 1 } };
  }

  private codeRows(): number {
    return this.pretrainCodes.reduce((n, c) => n + c.length / this.latentDim, 0);
  }

  /**
   * Sets μ_z, log σ_z² from a diagonal-covariance EM fit on the gathered codes (or on `codes` [n, latentDim]).
   * NOTE: a run resumed exactly at the end of pretraining has no gathered codes; it then fits the first batch's means.
   */
  fitComponents(codes: Tensor, rng: Rng): void {
    if (codes.rank !== 2 || codes.shape[1] !== this.latentDim) throw new Error(`GMVAE.fitComponents: codes have shape ${fmtShape(codes.shape)}, expected [*,${this.latentDim}]`);
    // Best of EM_RESTARTS k-means++ starts by final log-likelihood (EM finds a local optimum).
    let gm: GaussianMixture | null = null;
    let best = -Infinity;
    for (let r = 0; r < EM_RESTARTS; r++) {
      const g = new GaussianMixture({ components: this.clusters, covariance: 'diagonal', regularization: 1e-4, maxIterations: 100, tolerance: 1e-6 });
      const ll = g.fit(codes, rng).logLikelihoods;
      const last = ll[ll.length - 1] ?? -Infinity;
      if (last > best || gm === null) {
        best = last;
        gm = g;
      }
    }
    if (!gm) throw new Error('GMVAE.fitComponents: no EM fit');
    const L = this.latentDim;
    const means = gm.means;
    const covs = gm.covariances;
    const [lo, hi] = this.config.logVarBounds;
    for (let k = 0; k < this.clusters; k++) {
      for (let j = 0; j < L; j++) {
        this.componentMeans.data[k * L + j] = means[k]![j]!;
        this.componentLogVars.data[k * L + j] = Math.min(hi, Math.max(lo, Math.log(covs[k]![j]![j]!)));
      }
    }
    this.componentsFitted = true;
  }

  loss(x: Tensor, ctx: LossContext): LossOutput {
    checkBatch(x, this.inputDim, 'GMVAE.loss');
    const c = this.config;
    if (c.pretrainEpochs > 0) {
      if (ctx.step < c.pretrainEpochs * ctx.stepsPerEpoch) return this.pretrainLoss(x, ctx);
      if (!this.componentsFitted && ctx.step < (c.pretrainEpochs + 1) * ctx.stepsPerEpoch) {
        const codes = this.pretrainCodes.length > 0 ? new Tensor(concatRows(this.pretrainCodes), [this.codeRows(), this.latentDim]) : noGrad(() => this.guide(x).loc);
        this.fitComponents(codes, ctx.rng);
        this.pretrainCodes = [];
      }
    }
    const beta = c.beta * warmupFactor(c.warmup, ctx.step, ctx.stepsPerEpoch);
    const { recon, klZ, klW, logQz } = this.gmvaeParts(x, ctx.rng);
    const reconMean = mean(recon);
    const klZMean = mean(klZ);
    const klWMean = mean(klW);
    // Minimum-information constraint: the z-prior term stops pulling q(z|x,w) toward π below λ nats.
    const klZUsed = c.zFreeBits > 0 ? maximum(klZMean, c.zFreeBits) : klZMean;
    let loss = add(reconMean, mul(add(klWMean, klZUsed), beta));
    const terms: Record<string, number> = { recon: reconMean.item(), klZ: klZMean.item(), klW: klWMean.item(), kl: klZMean.item() + klWMean.item(), beta };
    if (c.marginalWeight > 0) {
      // KL(q̄ ‖ π) with q̄ = mean_batch q(z|x,w): large when the batch sits in few clusters.
      const logQbar = sub(logsumexp(logQz, 0), Math.log(x.shape[0]!));
      const klMarg = sum(mul(exp(logQbar), sub(logQbar, this.priorLogits())));
      loss = add(loss, mul(klMarg, c.marginalWeight));
      terms.klMarginal = klMarg.item();
    }
    return { loss, terms };
  }

  /** −ELBO = recon + klZ + klW per sample, β as configured, no warm-up or guards. */
  evalLoss(x: Tensor, rng: Rng): LossOutput {
    checkBatch(x, this.inputDim, 'GMVAE.evalLoss');
    const { recon, klZ, klW } = this.gmvaeParts(x, rng);
    const r = mean(recon);
    const kz = mean(klZ);
    const kw = mean(klW);
    const beta = this.config.beta;
    return { loss: add(r, mul(add(kz, kw), beta)), terms: { recon: r.item(), klZ: kz.item(), klW: kw.item(), kl: kz.item() + kw.item(), beta } };
  }

  /** Importance log-weights log p(x|wᵢ) + log p(wᵢ) − log q(wᵢ|x), z summed out exactly: [k, batch]. */
  logWeights(x: Tensor, k: number, rng: Rng): Tensor {
    checkPositiveInt(k, 'k', 'GMVAE.logWeights');
    const q = this.guide(x);
    const b = x.shape[0]!;
    const D = this.inputDim;
    const L = this.latentDim;
    const per = Math.max(1, Math.floor(4096 / Math.max(b, 1)));
    const chunks: Tensor[] = [];
    for (let s = 0; s < k; s += per) {
      const m = Math.min(per, k - s);
      const w3 = q.rsample(m, rng);
      const logPx = reshape(this.likelihood(reshape(w3, [m * b, L])).logProbSum(reshape(expand(x, [m, b, D]), [m * b, D])), [m, b]);
      chunks.push(sub(add(logPx, logsumexp(this.jointLogProb(w3), -1)), q.logProb(w3)));
    }
    return chunks.length === 1 ? chunks[0]! : concat(chunks, 0);
  }

  iwaeBound(x: Tensor, k: number, rng: Rng): Tensor {
    checkBatch(x, this.inputDim, 'GMVAE.iwaeBound');
    return sub(logsumexp(this.logWeights(x, k, rng), 0), Math.log(k));
  }

  encodeMean(x: Tensor): Tensor {
    return this.guide(x).loc;
  }

  decodeMean(w: Tensor): Tensor {
    return this.likelihood(w).mean;
  }

  reconstruct(x: Tensor): Tensor {
    return this.decodeMean(this.encodeMean(x));
  }

  /** q(z|x, w = E[w|x]): the cluster probabilities of each row, [batch, K]. */
  clusterProbs(x: Tensor): Tensor {
    return noGrad(() => exp(this.logResponsibilities(this.encodeMean(x))));
  }

  /** argmax_z q(z|x, E[w|x]) for each row. */
  assignClusters(x: Tensor): Int32Array {
    const p = this.clusterProbs(x).contiguousData();
    const K = this.clusters;
    const n = p.length / K;
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let k = 1; k < K; k++) if (p[i * K + k]! > p[i * K + best]!) best = k;
      out[i] = best;
    }
    return out;
  }

  /** Decoder means of n draws w ~ p(w|z = k): [n, inputDim]. */
  sampleCluster(k: number, n: number, rng: Rng): Tensor {
    if (!Number.isInteger(k) || k < 0 || k >= this.clusters) throw new Error(`GMVAE.sampleCluster: cluster ${k} is not in [0, ${this.clusters})`);
    checkPositiveInt(n, 'n', 'GMVAE.sampleCluster');
    return noGrad(() => {
      const L = this.latentDim;
      const mu = this.componentMeans.contiguousData();
      const sd = this.components().scale.contiguousData();
      const eps = randn([n, L], rng, { dtype: this.dtype });
      const e = eps.data;
      for (let i = 0; i < n; i++) for (let j = 0; j < L; j++) e[i * L + j] = mu[k * L + j]! + sd[k * L + j]! * e[i * L + j]!;
      return this.decodeMean(eps);
    });
  }

  /** Decoder means of n draws z ~ π, w ~ p(w|z). */
  sample(n: number, rng: Rng): Tensor {
    checkPositiveInt(n, 'n', 'GMVAE.sample');
    return noGrad(() => this.decodeMean(reshape(this.prior().sample(n, rng), [n, this.latentDim])));
  }
}
