// Bernoulli over {0, 1}, from logits (exact for any |logit|) or from probs.
// logProb from logits is −BCE: x·ℓ − softplus(ℓ), with no sigmoid rounded before a log.
import { Tensor } from '../tensor/tensor.js';
import type { Rng } from '../tensor/random.js';
import type { DType } from '../tensor/dtype.js';
import { allocate } from '../tensor/dtype.js';
import { bceWithLogits, bceWithLogitsRows, eq, expand, log, log1p, mul, neg, sigmoid, softplus, sub, where } from '../ops/index.js';
import { broadcastShapes } from '../tensor/shape.js';
import { checkEntries, checkSampleCount, Distribution } from './distribution.js';

export interface BernoulliParams {
  /** log(p/(1−p)); preferred: every operation on it is exact. */
  logits?: Tensor;
  /** p in [0, 1]. */
  probs?: Tensor;
  validate?: boolean;
}

export class Bernoulli extends Distribution {
  private logitsT: Tensor | null;
  private probsT: Tensor | null;
  private readonly fromProbs: boolean;

  constructor(params: BernoulliParams) {
    const { logits, probs } = params;
    if ((logits === undefined) === (probs === undefined)) throw new Error('Bernoulli: give exactly one of logits and probs');
    const t = (logits ?? probs)!;
    super(t.shape, []);
    if (params.validate ?? true) {
      if (probs) checkEntries('Bernoulli', 'probs', probs, (v) => v >= 0 && v <= 1, 'in [0, 1]');
      else checkEntries('Bernoulli', 'logits', logits!, (v) => !Number.isNaN(v), 'a number');
    }
    this.fromProbs = probs !== undefined;
    // The other parameterization is derived on first use: a VAE decoder only ever needs the logits.
    this.probsT = probs ?? null;
    this.logitsT = logits ?? null;
  }

  get logits(): Tensor {
    return (this.logitsT ??= sub(log(this.probsT!), log1p(neg(this.probsT!))));
  }

  get probs(): Tensor {
    return (this.probsT ??= sigmoid(this.logitsT!));
  }

  get dtype(): DType {
    return this.logits.dtype;
  }

  override sample(n: number, rng: Rng): Tensor {
    checkSampleCount('Bernoulli.sample', n);
    const p = this.probs.contiguousData();
    const out = allocate(this.dtype, n * p.length);
    for (let s = 0; s < n; s++) for (let i = 0; i < p.length; i++) out[s * p.length + i] = rng.uniform() < p[i]! ? 1 : 0;
    return new Tensor(out, [n, ...this.batchShape]);
  }

  /** log p(x) = x ℓ − softplus(ℓ); from probs, log p or log(1 − p) picked by x ∈ {0, 1}. */
  logProb(x: Tensor): Tensor {
    // NOTE: probs of exactly 0 or 1 have infinite logits, where x ℓ − softplus(ℓ) is ∞ − ∞.
    if (this.fromProbs) return where(eq(x, 1), log(this.probs), log1p(neg(this.probs)));
    // x·ℓ − softplus(ℓ) = −BCE(ℓ, x), through the fused kernel; x broadcasts against the batch.
    const shape = broadcastShapes(x.shape, this.logits.shape, 'Bernoulli.logProb');
    return neg(bceWithLogits(expand(this.logits, shape), expand(x, shape), 'none'));
  }

  /** Σ over the last axis of x ℓ − softplus(ℓ), through the fused row-summed BCE. */
  override logProbSum(x: Tensor): Tensor {
    return this.fromProbs ? super.logProbSum(x) : neg(this.negLogProbSum(x));
  }

  /** Σ BCE-with-logits over the last axis, one fused op (−logProbSum without two negations). */
  override negLogProbSum(x: Tensor): Tensor {
    if (this.fromProbs) return super.negLogProbSum(x);
    const shape = broadcastShapes(x.shape, this.logits.shape, 'Bernoulli.logProbSum');
    return bceWithLogitsRows(expand(this.logits, shape), expand(x, shape));
  }

  /** H = softplus(ℓ) − p ℓ. */
  override entropy(): Tensor {
    return sub(softplus(this.logits), mul(this.probs, this.logits));
  }

  get mean(): Tensor {
    return this.probs;
  }

  get variance(): Tensor {
    return mul(this.probs, sub(1, this.probs));
  }
}
