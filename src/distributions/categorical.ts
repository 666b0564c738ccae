// Discrete distributions over K classes: Categorical (integer draws),
// OneHotCategorical (one-hot draws) and RelaxedOneHotCategorical, the
// Gumbel-softmax / Concrete relaxation that makes discrete latents reparameterizable.
import { Tensor } from '../tensor/tensor.js';
import type { Rng } from '../tensor/random.js';
import { allocate, type DType } from '../tensor/dtype.js';
import { broadcastShapes, fmtShape, sizeOf } from '../tensor/shape.js';
import { add, clamp, div, exp, expand, log, logSoftmax, logsumexp, mul, neg, sub, sum } from '../ops/index.js';
import { checkEntries, checkSampleCount, Distribution, lowestFinite } from './distribution.js';

export interface CategoricalParams {
  /** Unnormalized log-probabilities, shape [...batch, K]. */
  logits?: Tensor;
  /** Non-negative weights, shape [...batch, K] (normalized here). */
  probs?: Tensor;
  validate?: boolean;
}

/** Normalized log-probabilities from logits or probs, validated. */
function normalizedLogits(what: string, params: CategoricalParams): Tensor {
  const { logits, probs } = params;
  if ((logits === undefined) === (probs === undefined)) throw new Error(`${what}: give exactly one of logits and probs`);
  const t = (logits ?? probs)!;
  if (t.rank < 1 || t.shape[t.rank - 1] === 0) throw new Error(`${what}: ${logits ? 'logits' : 'probs'} must have a non-empty last axis of classes (got ${fmtShape(t.shape)})`);
  if (params.validate ?? true) {
    if (probs) checkEntries(what, 'probs', probs, (v) => v >= 0 && Number.isFinite(v), 'non-negative and finite');
    else checkEntries(what, 'logits', logits!, (v) => !Number.isNaN(v) && v !== Infinity, 'a number below +∞');
  }
  return logSoftmax(logits ?? log(probs!), -1);
}

/**
 * NOTE: a class of probability zero has logit −∞, and 0·(−∞) is NaN; the
 * expectations Σ p·logit use logits clamped to the lowest finite value instead.
 */
function finiteLogits(logits: Tensor): Tensor {
  return clamp(logits, lowestFinite(logits.dtype));
}

/** Inverse-CDF draws of class indices, one per (sample, batch entry). */
function drawIndices(probs: Float32Array | Float64Array, K: number, n: number, rng: Rng): Int32Array {
  const rows = probs.length / K;
  const out = new Int32Array(n * rows);
  for (let s = 0; s < n; s++) {
    for (let r = 0; r < rows; r++) {
      const u = rng.uniform();
      let acc = 0;
      let k = 0;
      for (; k < K - 1; k++) {
        acc += probs[r * K + k]!;
        if (u < acc) break;
      }
      out[s * rows + r] = k;
    }
  }
  return out;
}

export class Categorical extends Distribution {
  /** Normalized: logsumexp over the last axis is 0. */
  readonly logits: Tensor;

  constructor(params: CategoricalParams) {
    const logits = normalizedLogits('Categorical', params);
    super(logits.shape.slice(0, -1), []);
    this.logits = logits;
  }

  get numClasses(): number {
    return this.logits.shape[this.logits.rank - 1]!;
  }

  get probs(): Tensor {
    return exp(this.logits);
  }

  get dtype(): DType {
    return this.logits.dtype;
  }

  /** Class indices (as float values), shape [n, ...batch]. */
  override sample(n: number, rng: Rng): Tensor {
    checkSampleCount('Categorical.sample', n);
    const idx = drawIndices(this.probs.contiguousData(), this.numClasses, n, rng);
    const out = allocate(this.dtype, idx.length);
    out.set(idx);
    return new Tensor(out, [n, ...this.batchShape]);
  }

  /** One-hot rows for the integer entries of x, broadcast against batchShape: shape [...x∨batch, K]. */
  oneHotOf(x: Tensor): Tensor {
    const K = this.numClasses;
    const shape = broadcastShapes(x.shape, this.batchShape, 'Categorical.logProb');
    const v = expand(x, shape).contiguousData();
    const out = allocate(this.dtype, v.length * K);
    for (let i = 0; i < v.length; i++) {
      const c = v[i]!;
      if (!Number.isInteger(c) || c < 0 || c >= K) throw new Error(`Categorical.logProb: value ${c} at flat index ${i} is not a class in [0, ${K})`);
      out[i * K + c] = 1;
    }
    return new Tensor(out, [...shape, K]);
  }

  /** log p(x) = logits[x]. */
  logProb(x: Tensor): Tensor {
    return sum(mul(this.oneHotOf(x), finiteLogits(this.logits)), -1);
  }

  /** H = −Σ p log p. */
  override entropy(): Tensor {
    return neg(sum(mul(this.probs, finiteLogits(this.logits)), -1));
  }

  /** E[index] = Σ_k k p_k. */
  get mean(): Tensor {
    return sum(mul(this.probs, classIndex(this.numClasses, this.dtype)), -1);
  }

  /** Var[index] = Σ_k k² p_k − E[index]². */
  get variance(): Tensor {
    const k = classIndex(this.numClasses, this.dtype);
    const m = this.mean;
    return sub(sum(mul(this.probs, mul(k, k)), -1), mul(m, m));
  }
}

function classIndex(K: number, dtype: DType): Tensor {
  const d = allocate(dtype, K);
  for (let k = 0; k < K; k++) d[k] = k;
  return new Tensor(d, [K]);
}

export class OneHotCategorical extends Distribution {
  readonly categorical: Categorical;

  constructor(params: CategoricalParams) {
    const categorical = new Categorical(params);
    super(categorical.batchShape, [categorical.numClasses]);
    this.categorical = categorical;
  }

  get logits(): Tensor {
    return this.categorical.logits;
  }

  get probs(): Tensor {
    return this.categorical.probs;
  }

  get dtype(): DType {
    return this.categorical.dtype;
  }

  /** One-hot draws, shape [n, ...batch, K]. */
  override sample(n: number, rng: Rng): Tensor {
    return this.categorical.oneHotOf(this.categorical.sample(n, rng));
  }

  /** log p(x) = Σ_k x_k logits_k for one-hot x. */
  logProb(x: Tensor): Tensor {
    return sum(mul(x, finiteLogits(this.logits)), -1);
  }

  override entropy(): Tensor {
    return this.categorical.entropy();
  }

  get mean(): Tensor {
    return this.probs;
  }

  get variance(): Tensor {
    const p = this.probs;
    return mul(p, sub(1, p));
  }
}

export interface RelaxedOneHotCategoricalParams extends CategoricalParams {
  /** τ > 0: as τ → 0 draws approach one-hot vectors; large τ flattens them toward the centre. */
  temperature: number;
}

/** log Γ(K) = log (K−1)!. */
function logFactorial(m: number): number {
  let s = 0;
  for (let i = 2; i <= m; i++) s += Math.log(i);
  return s;
}

/** Gumbel-softmax (Jang et al. 2017) / Concrete (Maddison et al. 2017) on the simplex. */
export class RelaxedOneHotCategorical extends Distribution {
  readonly logits: Tensor;
  readonly temperature: number;

  constructor(params: RelaxedOneHotCategoricalParams) {
    const logits = normalizedLogits('RelaxedOneHotCategorical', params);
    super(logits.shape.slice(0, -1), [logits.shape[logits.rank - 1]!]);
    if (!(params.temperature > 0 && Number.isFinite(params.temperature))) {
      throw new Error(`RelaxedOneHotCategorical: temperature must be positive and finite (got ${params.temperature})`);
    }
    this.logits = logits;
    this.temperature = params.temperature;
  }

  get dtype(): DType {
    return this.logits.dtype;
  }

  get numClasses(): number {
    return this.eventShape[0]!;
  }

  override get hasRsample(): boolean {
    return true;
  }

  /** y = softmax((logits + g)/τ) with Gumbel noise g = −log(−log u), computed in log space. */
  override rsample(n: number, rng: Rng): Tensor {
    checkSampleCount('RelaxedOneHotCategorical.rsample', n);
    const shape = [n, ...this.logits.shape];
    const g = allocate(this.dtype, sizeOf(shape));
    for (let i = 0; i < g.length; i++) g[i] = -Math.log(-Math.log(rng.uniformOpen()));
    return exp(logSoftmax(div(add(this.logits, new Tensor(g, shape)), this.temperature), -1));
  }

  /**
   * Concrete density w.r.t. Lebesgue measure on the first K−1 coordinates (Maddison et al. 2017, eq. 3):
   * log p(y) = log (K−1)! + (K−1) log τ + Σ_k (ℓ_k − (τ+1) log y_k) − K logsumexp_k(ℓ_k − τ log y_k).
   */
  logProb(y: Tensor): Tensor {
    const K = this.numClasses;
    const tau = this.temperature;
    const logY = log(y);
    const body = sum(sub(this.logits, mul(logY, tau + 1)), -1);
    const norm = mul(logsumexp(sub(this.logits, mul(logY, tau)), -1), K);
    return add(sub(body, norm), logFactorial(K - 1) + (K - 1) * Math.log(tau));
  }

  get mean(): Tensor {
    throw new Error('RelaxedOneHotCategorical: the mean has no closed form (estimate it from rsample)');
  }

  get variance(): Tensor {
    throw new Error('RelaxedOneHotCategorical: the variance has no closed form (estimate it from rsample)');
  }
}
