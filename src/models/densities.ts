// The log densities and KL terms the models need, written with ops directly.
// NOTE: a stand-in until src/distributions lands; each function maps one-to-one
// onto Normal/Bernoulli.logProb and klDivergence(Normal, Normal(0, I)).
import type { Tensor } from '../tensor/tensor.js';
import { add, bceWithLogits, exp, mul, neg, square, sub, sum } from '../ops/index.js';

const LOG_2PI = Math.log(2 * Math.PI);

/** log N(x; μ, diag exp(logVar)) summed over the last axis: −½ Σ [(x−μ)²/σ² + log σ² + log 2π]. */
export function normalLogProb(x: Tensor, mu: Tensor, logVar: Tensor | null): Tensor {
  const sq = square(sub(x, mu));
  const quad = logVar ? add(mul(sq, exp(neg(logVar))), logVar) : sq;
  return mul(sum(add(quad, LOG_2PI), -1), -0.5);
}

/** log N(z; 0, I) per coordinate (not summed): −½ (z² + log 2π). */
export function stdNormalLogProbPerDim(z: Tensor): Tensor {
  return mul(add(square(z), LOG_2PI), -0.5);
}

/** log Bernoulli(x; σ(logits)) summed over the last axis, exact from the logits: −Σ [softplus(ℓ) − xℓ]. */
export function bernoulliLogProb(x: Tensor, logits: Tensor): Tensor {
  return neg(sum(bceWithLogits(logits, x, 'none'), -1));
}

/** KL(N(μ, σ²) ‖ N(0, 1)) per coordinate = ½ (σ² + μ² − 1 − log σ²) (Kingma & Welling 2014, appendix B). */
export function klStdNormalPerDim(mu: Tensor, logVar: Tensor): Tensor {
  return mul(sub(add(exp(logVar), square(mu)), add(logVar, 1)), 0.5);
}
