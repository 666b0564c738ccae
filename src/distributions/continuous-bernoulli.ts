// The continuous Bernoulli on [0, 1] (Loaiza-Ganem & Cunningham 2019): p(x|λ) = C(λ) λˣ (1−λ)¹⁻ˣ,
// the properly normalized likelihood for [0, 1]-valued pixels. Everything is written in the logits ℓ,
// where the normalizer is C = ℓ / tanh(ℓ/2) and the inverse CDF is reparameterizable.
import { Tensor } from '../tensor/tensor.js';
import type { Rng } from '../tensor/random.js';
import { allocate, type DType } from '../tensor/dtype.js';
import { abs, add, div, expm1, gt, log, log1p, lt, mul, neg, reciprocal, sigmoid, softplus, square, sub, tanh, where } from '../ops/index.js';
import { checkEntries, checkSampleCount, Distribution } from './distribution.js';

export interface ContinuousBernoulliParams {
  logits?: Tensor;
  /** λ in (0, 1). */
  probs?: Tensor;
  validate?: boolean;
}

/**
 * NOTE: the closed forms below are 0/0 at ℓ = 0 (λ = ½). Inside |ℓ| < SMALL they are
 * replaced by Taylor series, and the exact branch is fed a harmless ℓ there, because
 * where() still backpropagates 0·∞ = NaN through a branch that produced ∞.
 */
const SMALL = 1e-2;

function nearZero(l: Tensor, cutoff = SMALL): Tensor {
  return lt(abs(l), cutoff);
}

/** ℓ with its near-zero entries replaced by 1, for the exact branch. */
function awayFromZero(l: Tensor, small: Tensor): Tensor {
  return where(small, 1, l);
}

export class ContinuousBernoulli extends Distribution {
  readonly logits: Tensor;

  constructor(params: ContinuousBernoulliParams) {
    const { logits, probs } = params;
    if ((logits === undefined) === (probs === undefined)) throw new Error('ContinuousBernoulli: give exactly one of logits and probs');
    super((logits ?? probs)!.shape, []);
    if (params.validate ?? true) {
      if (probs) checkEntries('ContinuousBernoulli', 'probs', probs, (v) => v > 0 && v < 1, 'in (0, 1)');
      else checkEntries('ContinuousBernoulli', 'logits', logits!, Number.isFinite, 'finite');
    }
    this.logits = logits ?? sub(log(probs!), log1p(neg(probs!)));
  }

  get dtype(): DType {
    return this.logits.dtype;
  }

  get probs(): Tensor {
    return sigmoid(this.logits);
  }

  override get hasRsample(): boolean {
    return true;
  }

  /** log C(λ) = log(ℓ / tanh(ℓ/2)); near 0: log 2 + ℓ²/12 − 7ℓ⁴/1440. */
  logNormalizer(): Tensor {
    const l = this.logits;
    const small = nearZero(l);
    const ls = awayFromZero(l, small);
    const exact = sub(log(abs(ls)), log(abs(tanh(mul(ls, 0.5)))));
    const l2 = square(l);
    const series = add(mul(l2, 1 / 12), add(mul(square(l2), -7 / 1440), Math.LN2));
    return where(small, series, exact);
  }

  /**
   * Inverse CDF x = log1p(u·expm1(ℓ))/ℓ, evaluated at a = −|ℓ| ≤ 0 so nothing overflows, using
   * the symmetry CB(λ) of 1 − x = CB(1 − λ) for ℓ > 0; near 0: x ≈ u + u(1−u)ℓ/2.
   */
  override rsample(n: number, rng: Rng): Tensor {
    checkSampleCount('ContinuousBernoulli.rsample', n);
    const shape = [n, ...this.batchShape];
    const ud = allocate(this.dtype, shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < ud.length; i++) ud[i] = rng.uniform();
    const u = new Tensor(ud, shape);
    const l = this.logits;
    const pos = gt(l, 0);
    const small = nearZero(l, 1e-8);
    const a = neg(abs(awayFromZero(l, small)));
    const uf = where(pos, sub(1, u), u);
    const y = div(log1p(mul(uf, expm1(a))), a);
    const series = add(u, mul(mul(u, sub(1, u)), mul(l, 0.5)));
    return where(small, series, where(pos, sub(1, y), y));
  }

  /** log p(x) = x ℓ − softplus(ℓ) + log C(λ). */
  logProb(x: Tensor): Tensor {
    return add(sub(mul(x, this.logits), softplus(this.logits)), this.logNormalizer());
  }

  /** H = −E[log p(x)] = softplus(ℓ) − E[x] ℓ − log C. */
  override entropy(): Tensor {
    return sub(sub(softplus(this.logits), mul(this.mean, this.logits)), this.logNormalizer());
  }

  /** E[x] = ½ + ½ coth(ℓ/2) − 1/ℓ; near 0: ½ + ℓ/12 − ℓ³/720. */
  get mean(): Tensor {
    const l = this.logits;
    const small = nearZero(l);
    const ls = awayFromZero(l, small);
    const exact = sub(add(mul(reciprocal(tanh(mul(ls, 0.5))), 0.5), 0.5), reciprocal(ls));
    const series = add(mul(l, 1 / 12), add(mul(mul(square(l), l), -1 / 720), 0.5));
    return where(small, series, exact);
  }

  /** Var[x] = ¼[1 − coth²(ℓ/2)] + 1/ℓ²; near 0: 1/12 − ℓ²/240 + ℓ⁴/6048. */
  get variance(): Tensor {
    const l = this.logits;
    // NOTE: the exact form cancels two terms of size 1/ℓ², so the series takes over earlier here.
    const small = nearZero(l, 3e-2);
    const ls = awayFromZero(l, small);
    const exact = add(mul(sub(1, square(reciprocal(tanh(mul(ls, 0.5))))), 0.25), reciprocal(square(ls)));
    const l2 = square(l);
    const series = add(mul(l2, -1 / 240), add(mul(square(l2), 1 / 6048), 1 / 12));
    return where(small, series, exact);
  }
}
