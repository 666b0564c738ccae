// KL divergence: closed forms in a registry keyed by the exact pair of classes
// (no subclass search), and klMonteCarlo for every other pair. All closed forms
// are batched and differentiable in every parameter.
import type { Tensor } from '../tensor/tensor.js';
import type { Rng } from '../tensor/random.js';
import { noGrad } from '../autograd/tape.js';
import { broadcastShapes, fmtShape, shapesEqual } from '../tensor/shape.js';
import {
  add, clamp, diagEmbed, diagonal, div, exp, log, mean, mul, normalKl, normalKlStandard, softplus, sqrt, square, sub, sum, triangularSolve, unsqueeze, variance,
} from '../ops/index.js';
import { Distribution, lowestFinite, sumRightmost } from './distribution.js';
import { Normal } from './normal.js';
import { MultivariateNormal } from './multivariate-normal.js';
import { Bernoulli } from './bernoulli.js';
import { Categorical, OneHotCategorical } from './categorical.js';
import { ContinuousBernoulli } from './continuous-bernoulli.js';

type Ctor<D extends Distribution> = abstract new (...args: never[]) => D;
type KLFn = (p: Distribution, q: Distribution) => Tensor;

const registry = new Map<Function, Map<Function, KLFn>>();

/** Register KL(p‖q) for p of exactly class P and q of exactly class Q (subclasses are not matched). */
export function registerKL<P extends Distribution, Q extends Distribution>(P: Ctor<P>, Q: Ctor<Q>, fn: (p: P, q: Q) => Tensor): void {
  let row = registry.get(P);
  if (!row) registry.set(P, (row = new Map()));
  row.set(Q, (p, q) => {
    if (!(p instanceof P) || !(q instanceof Q)) throw new Error(`klDivergence: registry entry (${P.name}, ${Q.name}) called with (${p.name}, ${q.name})`);
    return fn(p, q);
  });
}

/** The registered pairs, as [P name, Q name]. */
export function registeredKLPairs(): [string, string][] {
  const out: [string, string][] = [];
  for (const [P, row] of registry) for (const Q of row.keys()) out.push([P.name, Q.name]);
  return out;
}

/** KL(p‖q) in closed form, shape = broadcast of the two batch shapes. */
export function klDivergence(p: Distribution, q: Distribution): Tensor {
  const fn = registry.get(p.constructor)?.get(q.constructor);
  if (!fn) {
    throw new Error(
      `klDivergence: no closed form registered for (${p.name}, ${q.name}); estimate it with klMonteCarlo(p, q, { samples, rng }) or add one with registerKL(${p.name}, ${q.name}, fn)`,
    );
  }
  return fn(p, q);
}

export interface KLMonteCarloOptions {
  samples: number;
  rng: Rng;
}

export interface KLEstimate {
  /** Mean of log p(x) − log q(x) over x ~ p, shape batchShape; differentiable through rsample when p has one. */
  estimate: Tensor;
  /** Standard error of that mean (sample std / √n), cut from the graph. */
  standardError: Tensor;
}

/** Unbiased Monte Carlo KL(p‖q) = E_p[log p(x) − log q(x)] for any pair with logProb. */
export function klMonteCarlo(p: Distribution, q: Distribution, opts: KLMonteCarloOptions): KLEstimate {
  const n = opts.samples;
  if (!Number.isInteger(n) || n < 2) throw new Error(`klMonteCarlo: samples must be an integer >= 2 (got ${n})`);
  if (!shapesEqual(p.eventShape, q.eventShape)) {
    throw new Error(`klMonteCarlo: ${p.name} has event shape ${fmtShape(p.eventShape)} but ${q.name} has ${fmtShape(q.eventShape)}`);
  }
  const x = p.hasRsample ? p.rsample(n, opts.rng) : p.sample(n, opts.rng);
  const terms = sub(p.logProb(x), q.logProb(x));
  const standardError = noGrad(() => sqrt(div(variance(terms, 0), n)));
  return { estimate: mean(terms, 0), standardError };
}

/**
 * ½[r − log r − 1] + (μp − μq)²/(2σq²) per coordinate, with r = σp²/σq² = exp(2(log σp − log σq)),
 * as one fused primitive (ops/losses.ts normalKl); against N(0, I) (a VAE's prior) from p's log σ²
 * without broadcasting the prior (ops/gaussian.ts normalKlStandard), when the result has p's shape.
 */
function klNormalNormal(p: Normal, q: Normal): Tensor {
  if (!shapesEqual(p.eventShape, q.eventShape)) {
    throw new Error(`klDivergence(Normal, Normal): event shapes ${fmtShape(p.eventShape)} and ${fmtShape(q.eventShape)} differ`);
  }
  if (q.isStandard && p.logVar && shapesEqual(broadcastShapes(p.loc.shape, q.loc.shape, 'klDivergence(Normal, Normal)'), p.loc.shape)) {
    return sumRightmost(normalKlStandard(p.loc, p.logVar, p.logVarBounds), p.eventShape.length);
  }
  return sumRightmost(normalKl(p.loc, p.logScale, q.loc, q.logScale), p.eventShape.length);
}

/**
 * KL(N(μp, LpLpᵀ) ‖ N(μq, LqLqᵀ)) = Σ log diag Lq − Σ log diag Lp + ½[‖Lq⁻¹Lp‖²_F + ‖Lq⁻¹(μq−μp)‖² − d],
 * i.e. ½[log|Σq|/|Σp| − d + tr(Σq⁻¹Σp) + (μq−μp)ᵀΣq⁻¹(μq−μp)] without forming an inverse.
 */
function klGaussianFactors(muP: Tensor, Lp: Tensor, logDiagP: Tensor, muQ: Tensor, Lq: Tensor, logDiagQ: Tensor): Tensor {
  const d = muP.shape[muP.rank - 1]!;
  const M = triangularSolve(Lq, Lp);
  const v = triangularSolve(Lq, unsqueeze(sub(muQ, muP), -1));
  const quad = add(sum(square(M), [-2, -1]), sum(square(v), [-2, -1]));
  return add(sub(sum(logDiagQ, -1), sum(logDiagP, -1)), mul(sub(quad, d), 0.5));
}

function requireVectorEvent(p: Normal, where: string): void {
  if (p.eventShape.length !== 1) {
    throw new Error(`klDivergence(${where}): the Normal needs eventDims 1 (one vector per event), got event shape ${fmtShape(p.eventShape)}`);
  }
}

function checkSameDim(a: Distribution, b: Distribution): void {
  if (!shapesEqual(a.eventShape, b.eventShape)) {
    throw new Error(`klDivergence(${a.name}, ${b.name}): event shapes ${fmtShape(a.eventShape)} and ${fmtShape(b.eventShape)} differ`);
  }
}

registerKL(Normal, Normal, klNormalNormal);

registerKL(MultivariateNormal, MultivariateNormal, (p, q) => {
  checkSameDim(p, q);
  return klGaussianFactors(p.loc, p.scaleTril, log(diagonal(p.scaleTril)), q.loc, q.scaleTril, log(diagonal(q.scaleTril)));
});

/** A diagonal Normal over vectors is the MVN with L = diag(σ) (log diag L = log σ, kept exact). */
registerKL(Normal, MultivariateNormal, (p, q) => {
  requireVectorEvent(p, 'Normal, MultivariateNormal');
  checkSameDim(p, q);
  return klGaussianFactors(p.loc, diagEmbed(p.scale), p.logScale, q.loc, q.scaleTril, log(diagonal(q.scaleTril)));
});

registerKL(MultivariateNormal, Normal, (p, q) => {
  requireVectorEvent(q, 'MultivariateNormal, Normal');
  checkSameDim(p, q);
  return klGaussianFactors(p.loc, p.scaleTril, log(diagonal(p.scaleTril)), q.loc, diagEmbed(q.scale), q.logScale);
});

/** KL = softplus(ℓq) − softplus(ℓp) + σ(ℓp)(ℓp − ℓq), exact in the logits. */
registerKL(Bernoulli, Bernoulli, (p, q) => add(sub(softplus(q.logits), softplus(p.logits)), mul(p.probs, sub(p.logits, q.logits))));

/** log p − log q is linear in x, so KL = E_p[x](ℓp − ℓq) − softplus(ℓp) + softplus(ℓq) + log Cp − log Cq. */
registerKL(ContinuousBernoulli, ContinuousBernoulli, (p, q) =>
  add(add(mul(p.mean, sub(p.logits, q.logits)), sub(softplus(q.logits), softplus(p.logits))), sub(p.logNormalizer(), q.logNormalizer())),
);

/** KL = Σ_k p_k (log p_k − log q_k). */
function klCategorical(lp: Tensor, lq: Tensor): Tensor {
  // NOTE: classes with p_k = 0 have log p_k = −∞; clamping to the lowest finite value makes their term 0, not NaN.
  const lo = lowestFinite(lp.dtype);
  return sum(mul(exp(lp), sub(clamp(lp, lo), clamp(lq, lo))), -1);
}
registerKL(Categorical, Categorical, (p, q) => klCategorical(p.logits, q.logits));
registerKL(OneHotCategorical, OneHotCategorical, (p, q) => klCategorical(p.logits, q.logits));

/**
 * The VAE term KL(N(μ, diag σ²) ‖ N(0, I)) = ½ Σ_j (σ_j² − log σ_j² − 1 + μ_j²), summed over the
 * last axis, from log σ² directly: klDivergence of the two Normals with eventDims 1 takes this path.
 */
export function klStandardNormal(loc: Tensor, logVar: Tensor): Tensor {
  return sum(normalKlStandard(loc, logVar), -1);
}
