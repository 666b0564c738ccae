// The course's derivations, checked numerically by the library (issue 6): each item states its
// formula and measures, in float64, how closely autodiff, closed-form KLs, the ELBO identity,
// EM's free energy and the β-VAE trade-off agree with it. Browser-safe; `elbo derive` prints it.
import { Tensor } from '../tensor/tensor.js';
import { Rng } from '../tensor/random.js';
import { grad } from '../autograd/functional.js';
import { gradcheck } from '../autograd/gradcheck.js';
import {
  add, eye, inverse, linspace, matmul, mul, outer, randn, reshape, sigmoid, slogdet, solve, sub, sum, square, swish, tensor,
  trace, transpose,
} from '../ops/index.js';
import { Normal } from '../distributions/normal.js';
import { MultivariateNormal } from '../distributions/multivariate-normal.js';
import { klDivergence, klMonteCarlo, klStandardNormal } from '../distributions/kl.js';
import { Adam } from '../optim/optimizer.js';
import { gaussianBlobs, lowRank } from '../data/synthetic.js';
import { GaussianMixture } from './gaussian-mixture.js';
import { linearGplvmLogLik } from './gplvm.js';
import { VAE } from './vae.js';
import { activeUnits, evaluateElbo } from './evaluate.js';

export interface DerivationResult {
  /** Stable identifier, e.g. 'gplvm-gradient'. */
  id: string;
  title: string;
  /** The formula being confirmed, in plain text / Unicode. */
  formula: string;
  /** What was compared with what, and what `value` measures. */
  check: string;
  /** The measured error (max relative or absolute, as `check` says) or the measured effect. */
  value: number;
  /** `value` must be at most this (for an effect: below it). */
  tolerance: number;
  /** value within tolerance, and every side condition named in `check` holds. */
  passed: boolean;
  details?: Record<string, number>;
}

export interface DerivationOptions {
  /** Base seed; every item derives its own seeds from it (default 0). */
  seed?: number;
  /** Smaller sizes, fewer seeds and samples (for tests). */
  quick?: boolean;
}

const F64 = { dtype: 'float64' } as const;

/** max |a − e| / max |e| over all entries (max |a − e| when e is all zero). */
export function relErr(actual: Tensor | ArrayLike<number>, expected: Tensor | ArrayLike<number>): number {
  const a = actual instanceof Tensor ? actual.contiguousData() : actual;
  const e = expected instanceof Tensor ? expected.contiguousData() : expected;
  if (a.length !== e.length) throw new Error(`relErr: comparing ${a.length} values with ${e.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - e[i]!));
    den = Math.max(den, Math.abs(e[i]!));
  }
  return den === 0 ? num : num / den;
}

function seedsFrom(base: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => base + i);
}

/** A random SPD matrix A Aᵀ + c·I (float64). */
function randomSpd(d: number, rng: Rng, c = 0.5): Tensor {
  const A = randn([d, d], rng, F64);
  return add(matmul(A, transpose(A)), mul(eye(d, F64), c));
}

/** A random lower-triangular factor with positive diagonal (float64). */
function randomScaleTril(d: number, rng: Rng): Tensor {
  const L = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < i; j++) L[i * d + j] = 0.5 * rng.normal();
    L[i * d + i] = 0.5 + rng.uniform();
  }
  return new Tensor(L, [d, d]);
}

function result(r: Omit<DerivationResult, 'passed'>, extra = true): DerivationResult {
  return { ...r, passed: r.value <= r.tolerance && extra && Number.isFinite(r.value) };
}

/** Course derivation 1: x̂ = Wᵀσ(Vᵀx), L = ½‖x̂ − x‖². */
function aeGradients(seeds: number[]): DerivationResult {
  const [n, h] = [6, 3];
  let err = 0;
  let fd = 0;
  for (const seed of seeds) {
    const rng = new Rng(seed);
    const [x, V, W] = [randn([n], rng, F64), randn([n, h], rng, F64), randn([h, n], rng, F64)];
    const loss = (v: Tensor, w: Tensor): Tensor => mul(sum(square(sub(matmul(transpose(w), sigmoid(matmul(transpose(v), x))), x))), 0.5);
    const [dV, dW] = grad(loss)(V, W);
    // In plain float64 arithmetic, apart from the engine: z = Vᵀx, s = σ(z), r = Wᵀs − x;
    // ∂L/∂W = s rᵀ and ∂L/∂V = x (σ′(z) ⊙ W r)ᵀ with σ′ = s(1 − s).
    const [xv, Vv, Wv] = [x.contiguousData(), V.contiguousData(), W.contiguousData()];
    const sv = Array.from({ length: h }, (_, j) => {
      let z = 0;
      for (let i = 0; i < n; i++) z += Vv[i * h + j]! * xv[i]!;
      return 1 / (1 + Math.exp(-z));
    });
    const r = Array.from({ length: n }, (_, i) => sv.reduce((acc, sj, j) => acc + Wv[j * n + i]! * sj, 0) - xv[i]!);
    const delta = sv.map((sj, j) => sj * (1 - sj) * r.reduce((acc, ri, i) => acc + Wv[j * n + i]! * ri, 0));
    const expectedW = Array.from({ length: h * n }, (_, t) => sv[Math.floor(t / n)]! * r[t % n]!);
    const expectedV = Array.from({ length: n * h }, (_, t) => xv[Math.floor(t / h)]! * delta[t % h]!);
    err = Math.max(err, relErr(dW!, expectedW), relErr(dV!, expectedV));
    fd = Math.max(fd, gradcheck(loss, [V, W]).maxRelError);
  }
  return result({
    id: 'ae-gradients',
    title: 'Undercomplete autoencoder gradients',
    formula: 'x̂ = Wᵀσ(Vᵀx), L = ½‖x̂ − x‖²: ∂L/∂W = σ(z) rᵀ, ∂L/∂V = x (σ′(z) ⊙ W r)ᵀ, r = x̂ − x, σ′ = σ(1 − σ)',
    check: `autodiff vs the closed form in plain float64 arithmetic, max relative error over ${seeds.length} random draws (n = ${n}, h = ${h}); finite differences also agree`,
    value: err,
    tolerance: 1e-10,
    details: { finiteDifferenceRelErr: fd },
  }, fd < 1e-6);
}

/** Course derivation 2: the tied linear autoencoder, where W is used twice. */
function tiedLinear(seeds: number[]): DerivationResult {
  const [n, h] = [7, 3];
  let err = 0;
  let onePath = Infinity;
  for (const seed of seeds) {
    const rng = new Rng(seed);
    const [W, x] = [randn([h, n], rng, F64), randn([n], rng, F64)];
    const [dW] = grad((w: Tensor) => mul(sum(square(sub(matmul(transpose(w), matmul(w, x)), x))), 0.5))(W);
    // r = WᵀWx − x; the encoder path (h = Wx) gives (W r) xᵀ, the decoder path (x̂ = Wᵀh) gives h rᵀ = W x rᵀ; ∂L/∂W is their sum.
    const r = sub(matmul(transpose(W), matmul(W, x)), x);
    err = Math.max(err, relErr(dW!, matmul(W, add(outer(r, x), outer(x, r)))));
    onePath = Math.min(onePath, relErr(dW!, matmul(W, outer(r, x))), relErr(dW!, matmul(W, outer(x, r))));
  }
  return result({
    id: 'tied-linear',
    title: 'Tied linear autoencoder: the two-path gradient',
    formula: 'L = ½‖WᵀWx − x‖²: ∂L/∂W = W(r xᵀ + x rᵀ), r = WᵀWx − x',
    check: `autodiff vs the two-path sum, max relative error over ${seeds.length} draws (h = ${h}, n = ${n}); either path alone must miss by > 10%`,
    value: err,
    tolerance: 1e-10,
    details: { onePathRelErr: onePath },
  }, onePath > 0.1);
}

/** Course derivation 3: dual PPCA / linear GPLVM, and the K⁻² trap. */
function gplvmGradient(seeds: number[]): DerivationResult {
  const [N, Q, D] = [6, 2, 4];
  const [alpha, beta] = [1.3, 2];
  const logA = tensor([Math.log(alpha)], [], F64);
  const logB = tensor([Math.log(beta)], [], F64);
  const kernel = (X: Tensor): Tensor => add(mul(matmul(X, transpose(X)), alpha), mul(eye(N, F64), 1 / beta));
  // Correct: −DαK⁻¹X + αK⁻¹YYᵀK⁻¹X. The K⁻² form replaces K⁻¹YYᵀK⁻¹ by K⁻²YYᵀ.
  const closed = (X: Tensor, Y: Tensor): Tensor => {
    const Ki = inverse(kernel(X));
    const KiX = matmul(Ki, X);
    return add(mul(KiX, -D * alpha), mul(matmul(Ki, matmul(matmul(Y, transpose(Y)), KiX)), alpha));
  };
  const k2 = (X: Tensor, Y: Tensor): Tensor => {
    const Ki = inverse(kernel(X));
    return add(mul(matmul(Ki, X), -D * alpha), mul(matmul(matmul(Ki, Ki), matmul(matmul(Y, transpose(Y)), X)), alpha));
  };
  const gradX = (X: Tensor, Y: Tensor): Tensor => grad((x: Tensor) => linearGplvmLogLik(x, logA, logB, Y))(X)[0]!;
  let err = 0;
  let k2Err = Infinity;
  let fd = 0;
  for (const seed of seeds) {
    const rng = new Rng(seed);
    const [X, Y] = [randn([N, Q], rng, F64), randn([N, D], rng, F64)];
    const g = gradX(X, Y);
    err = Math.max(err, relErr(g, closed(X, Y)));
    k2Err = Math.min(k2Err, relErr(g, k2(X, Y)));
    fd = Math.max(fd, gradcheck((x: Tensor) => linearGplvmLogLik(x, logA, logB, Y), [X]).maxRelError);
  }
  // When YYᵀ commutes with K (Y = [X, X], so YYᵀ = 2XXᵀ, a polynomial in K) the K⁻² form is exact:
  // the only thing it gets wrong is the order of K⁻¹ and YYᵀ.
  const Xc = randn([N, Q], new Rng(seeds[0]! + 1000), F64);
  const Yc = tensor(Array.from({ length: N * D }, (_, i) => Xc.contiguousData()[Math.floor(i / D) * Q + (i % D) % Q]!), [N, D], F64);
  const commuting = relErr(gradX(Xc, Yc), k2(Xc, Yc));
  return result({
    id: 'gplvm-gradient',
    title: 'Linear GPLVM gradient (and why the K⁻² form is wrong)',
    formula: 'L = −(D/2)log|K| − ½tr(K⁻¹YYᵀ), K = αXXᵀ + β⁻¹I: ∂L/∂X = −DαK⁻¹X + αK⁻¹YYᵀK⁻¹X (not αK⁻²YYᵀX)',
    check: `autodiff of linearGplvmLogLik (Cholesky) vs closed form (LU inverse), max relative error over ${seeds.length} draws (N = ${N}, Q = ${Q}, D = ${D}); the K⁻² form must miss by > 5%, and be exact when YYᵀ commutes with K`,
    value: err,
    tolerance: 1e-10,
    details: { k2FormRelErr: k2Err, k2FormRelErrWhenCommuting: commuting, finiteDifferenceRelErr: fd },
  }, k2Err > 0.05 && commuting < 1e-10 && fd < 1e-6);
}

/** Course derivation 4: swish(z) = z σ(z), alone and inside a two-layer MLP. */
function swishDerivative(seed: number, quick: boolean): DerivationResult {
  const swishPrime = (z: Tensor): Tensor => {
    const s = sigmoid(z);
    return mul(s, add(mul(z, sub(1, s)), 1));
  };
  const grid = linspace(-30, 30, quick ? 121 : 241, F64);
  const random = mul(randn([quick ? 100 : 400], new Rng(seed), F64), 4);
  let err = 0;
  for (const z of [grid, random]) {
    const [dz] = grad((t: Tensor) => sum(swish(t)))(z);
    const got = dz!.contiguousData();
    const expected = swishPrime(z).contiguousData();
    // Elementwise relative error: the check holds in the tails where swish′ is tiny, too.
    for (let i = 0; i < got.length; i++) err = Math.max(err, Math.abs(got[i]! - expected[i]!) / Math.max(Math.abs(expected[i]!), 1e-300));
  }
  // z₁ = W₁x + b₁, h = swish(z₁), z₂ = W₂h + b₂, L = ½‖z₂ − y‖²: ∂L/∂W₁ = (swish′(z₁) ⊙ W₂ᵀ(z₂ − y)) xᵀ.
  const rng = new Rng(seed + 1);
  const [x, y, W1, b1, W2, b2] = [randn([5], rng, F64), randn([3], rng, F64), randn([4, 5], rng, F64), randn([4], rng, F64), randn([3, 4], rng, F64), randn([3], rng, F64)];
  const loss = (w1: Tensor, c1: Tensor, w2: Tensor): Tensor => mul(sum(square(sub(add(matmul(w2, swish(add(matmul(w1, x), c1))), b2), y))), 0.5);
  const [gW1] = grad(loss)(W1, b1, W2);
  const z1 = add(matmul(W1, x), b1);
  const z2 = add(matmul(W2, swish(z1)), b2);
  const chain = relErr(gW1!, outer(mul(swishPrime(z1), matmul(transpose(W2), sub(z2, y))), x));
  return result({
    id: 'swish-derivative',
    title: 'Swish derivative and its backprop chain',
    formula: "swish(z) = zσ(z): swish′(z) = σ(z)(1 + z(1 − σ(z))); ∂L/∂W₁ = (swish′(z₁) ⊙ W₂ᵀ∂L/∂z₂) xᵀ",
    check: 'autodiff vs closed form, max elementwise relative error on a grid over [−30, 30] and 4·N(0,1) draws; the MLP chain rule also agrees',
    value: err,
    tolerance: 1e-10,
    details: { mlpChainRelErr: chain },
  }, chain < 1e-10);
}

/** KL(N(μp, Σp) ‖ N(μq, Σq)) by the direct textbook formula: LU inverse and log-determinants. */
function klDirect(p: MultivariateNormal, q: MultivariateNormal): number {
  const d = p.dim;
  const Sqi = inverse(q.covariance);
  const delta = reshape(sub(q.loc, p.loc), [d, 1]);
  const quad = matmul(transpose(delta), matmul(Sqi, delta)).item();
  const logRatio = slogdet(q.covariance).logAbsDet.item() - slogdet(p.covariance).logAbsDet.item();
  return 0.5 * (trace(matmul(Sqi, p.covariance)).item() + quad - d + logRatio);
}

function randomMvnPairs(seed: number, count: number, d: number): [MultivariateNormal, MultivariateNormal][] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => [
    new MultivariateNormal({ loc: randn([d], rng, F64), covariance: randomSpd(d, rng) }),
    new MultivariateNormal({ loc: randn([d], rng, F64), covariance: randomSpd(d, rng) }),
  ]);
}

const MVN_KL_FORMULA = 'KL(N(μp,Σp) ‖ N(μq,Σq)) = ½[tr(Σq⁻¹Σp) + (μq−μp)ᵀΣq⁻¹(μq−μp) − d + log(|Σq|/|Σp|)]';

/** Course: the multivariate-normal KL, closed form (Cholesky, triangular solves) vs the direct formula. */
function mvnKl(seed: number, quick: boolean): DerivationResult {
  const d = 4;
  const pairs = randomMvnPairs(seed, quick ? 3 : 8, d);
  let err = 0;
  let self = 0;
  for (const [p, q] of pairs) {
    err = Math.max(err, relErr([klDivergence(p, q).item()], [klDirect(p, q)]));
    self = Math.max(self, Math.abs(klDivergence(p, p).item()));
  }
  return result({
    id: 'mvn-kl',
    title: 'Multivariate-normal KL: closed form vs the direct formula',
    formula: MVN_KL_FORMULA,
    check: `klDivergence(MVN, MVN) (Cholesky factors, triangular solves) vs the formula with LU inverse and slogdet, max relative error over ${pairs.length} random pairs (d = ${d}); KL(p‖p) = 0`,
    value: err,
    tolerance: 1e-10,
    details: { selfKl: self },
  }, self < 1e-12);
}

/** Course: the same KL vs its Monte Carlo estimate E_p[log p(x) − log q(x)]. */
function mvnKlMonteCarlo(seed: number, quick: boolean): DerivationResult {
  const d = 4;
  const pairs = randomMvnPairs(seed, quick ? 2 : 4, d);
  const samples = quick ? 20_000 : 100_000;
  const rng = new Rng(seed + 1);
  let z = 0;
  let rel = 0;
  for (const [p, q] of pairs) {
    const closed = klDivergence(p, q).item();
    const mc = klMonteCarlo(p, q, { samples, rng });
    z = Math.max(z, Math.abs(mc.estimate.item() - closed) / mc.standardError.item());
    rel = Math.max(rel, Math.abs(mc.estimate.item() - closed) / closed);
  }
  return result({
    id: 'mvn-kl-mc',
    title: 'Multivariate-normal KL: closed form vs Monte Carlo',
    formula: `${MVN_KL_FORMULA} = E_p[log p(x) − log q(x)]`,
    check: `klDivergence vs klMonteCarlo with ${samples} samples, over ${pairs.length} random pairs (d = ${d}); value = max |closed − MC| in Monte Carlo standard errors`,
    value: z,
    tolerance: 4,
    details: { maxRelErr: rel, samples },
  });
}

/** Course: the VAE's KL term KL(N(μ, diag σ²) ‖ N(0, I)) and its gradient. */
function vaeKl(seed: number, quick: boolean): DerivationResult {
  const [B, L] = [quick ? 4 : 16, 5];
  const rng = new Rng(seed);
  const mu = randn([B, L], rng, F64);
  const logVar = mul(randn([B, L], rng, F64), 1.5);
  const fast = klStandardNormal(mu, logVar).contiguousData();
  // Scalar formula, coordinate by coordinate: ½ Σⱼ (σⱼ² − log σⱼ² − 1 + μⱼ²).
  const m = mu.contiguousData();
  const lv = logVar.contiguousData();
  const scalar = Array.from({ length: B }, (_, b) => {
    let s = 0;
    for (let j = 0; j < L; j++) s += 0.5 * (Math.exp(lv[b * L + j]!) - lv[b * L + j]! - 1 + m[b * L + j]! ** 2);
    return s;
  });
  const q = new Normal({ loc: mu, logVar, eventDims: 1 });
  const prior = new Normal({ loc: tensor(new Float64Array(L), [L], F64), scale: tensor(new Float64Array(L).fill(1), [L], F64), eventDims: 1 });
  const viaNormal = klDivergence(q, prior);
  const priorMvn = new MultivariateNormal({ loc: tensor(new Float64Array(L), [L], F64), scaleTril: eye(L, F64) });
  const viaMvn = klDivergence(q, priorMvn);
  // ∂KL/∂μ = μ and ∂KL/∂log σ² = ½(σ² − 1).
  const [gMu, gLv] = grad((a: Tensor, b: Tensor) => sum(klStandardNormal(a, b)))(mu, logVar);
  const gLvExpected = Array.from(lv, (v) => 0.5 * (Math.exp(v) - 1));
  const err = Math.max(relErr(fast, scalar), relErr(viaNormal, scalar), relErr(viaMvn, scalar), relErr(gMu!, mu), relErr(gLv!, gLvExpected));
  // Monte Carlo on the first row.
  const samples = quick ? 20_000 : 100_000;
  const row = new Normal({ loc: tensor(m.slice(0, L), [L], F64), logVar: tensor(lv.slice(0, L), [L], F64), eventDims: 1 });
  const mc = klMonteCarlo(row, prior, { samples, rng: new Rng(seed + 1) });
  const z = Math.abs(mc.estimate.item() - scalar[0]!) / mc.standardError.item();
  return result({
    id: 'vae-kl',
    title: 'VAE KL term KL(q(z|x) ‖ N(0, I))',
    formula: 'KL(N(μ, diag σ²) ‖ N(0, I)) = ½ Σⱼ (σⱼ² − log σⱼ² − 1 + μⱼ²); ∂/∂μ = μ, ∂/∂log σ² = ½(σ² − 1)',
    check: `klStandardNormal, klDivergence(Normal, Normal) and klDivergence(Normal, MVN) vs the scalar formula, and autodiff vs the gradient, max relative error (${B}×${L}); Monte Carlo (${samples} samples) within 4 standard errors`,
    value: err,
    tolerance: 1e-12,
    details: { monteCarloZ: z },
  }, z < 4);
}

/**
 * Course: log p(x) = ELBO(q) + KL(q ‖ p(z|x)) on p(z) = N(0, I), p(x|z) = N(Wz + b, σ²I), where
 * p(x) = N(b, WWᵀ + σ²I) and p(z|x) = N(m, Λ⁻¹) with Λ = I + WᵀW/σ², m = Λ⁻¹Wᵀ(x − b)/σ² are exact.
 */
function elboIdentity(seed: number, quick: boolean): DerivationResult {
  const [k, d, sigma] = [2, 4, 0.7];
  const s2 = sigma * sigma;
  const rng = new Rng(seed);
  const W = randn([d, k], rng, F64);
  const b = randn([d], rng, F64);
  const marginal = new MultivariateNormal({ loc: b, covariance: add(matmul(W, transpose(W)), mul(eye(d, F64), s2)) });
  const prior = new MultivariateNormal({ loc: tensor(new Float64Array(k), [k], F64), scaleTril: eye(k, F64) });
  const Lambda = add(eye(k, F64), mul(matmul(transpose(W), W), 1 / s2));
  const posterior = (x: Tensor): MultivariateNormal => {
    const m = reshape(solve(Lambda, mul(matmul(transpose(W), reshape(sub(x, b), [d, 1])), 1 / s2)), [k]);
    return new MultivariateNormal({ loc: m, precision: Lambda });
  };
  // ELBO = E_q[log p(x|z)] − KL(q ‖ p(z)), with
  // E_q[log p(x|z)] = −(d/2)log(2πσ²) − (‖x − Wμ − b‖² + tr(WΣWᵀ)) / (2σ²).
  const elbo = (x: Tensor, q: MultivariateNormal): number => {
    const resid = sub(sub(x, reshape(matmul(W, reshape(q.loc, [k, 1])), [d])), b);
    const tr = trace(matmul(W, matmul(q.covariance, transpose(W)))).item();
    const expLogLik = -0.5 * d * Math.log(2 * Math.PI * s2) - (sum(square(resid)).item() + tr) / (2 * s2);
    return expLogLik - klDivergence(q, prior).item();
  };
  const nx = quick ? 2 : 4;
  const nq = quick ? 3 : 6;
  let residual = 0;
  let gapAtPosterior = 0;
  let minKl = Infinity;
  const first = { logPx: 0, elbo: 0, kl: 0 };
  for (let i = 0; i < nx; i++) {
    const x = add(b, mul(randn([d], rng, F64), 2));
    const logPx = marginal.logProb(x).item();
    const post = posterior(x);
    for (let j = 0; j < nq; j++) {
      const q = new MultivariateNormal({ loc: randn([k], rng, F64), scaleTril: randomScaleTril(k, rng) });
      const e = elbo(x, q);
      const kl = klDivergence(q, post).item();
      residual = Math.max(residual, Math.abs(logPx - e - kl));
      minKl = Math.min(minKl, kl);
      if (i === 0 && j === 0) Object.assign(first, { logPx, elbo: e, kl });
    }
    gapAtPosterior = Math.max(gapAtPosterior, Math.abs(logPx - elbo(x, post)), Math.abs(klDivergence(post, post).item()));
  }
  // The same ELBO by Monte Carlo, E_q[log p(x|z) + log p(z) − log q(z)], for one (x, q).
  const x = add(b, mul(randn([d], rng, F64), 2));
  const q = new MultivariateNormal({ loc: randn([k], rng, F64), scaleTril: randomScaleTril(k, rng) });
  const S = quick ? 20_000 : 100_000;
  const z = q.sample(S, rng);
  const lik = new Normal({ loc: add(matmul(z, transpose(W)), b), scale: tensor([sigma], [1], F64), eventDims: 1 });
  const terms = sub(add(lik.logProb(x), prior.logProb(z)), q.logProb(z)).contiguousData();
  let m1 = 0;
  let m2 = 0;
  for (const t of terms) m1 += t / S;
  for (const t of terms) m2 += (t - m1) ** 2 / (S - 1);
  const mcZ = Math.abs(m1 - elbo(x, q)) / Math.sqrt(m2 / S);
  return result({
    id: 'elbo-identity',
    title: 'The ELBO identity log p(x) = ELBO + KL(q ‖ p(z|x))',
    formula: 'log p(x) = E_q[log p(x|z)] − KL(q(z) ‖ p(z)) + KL(q(z) ‖ p(z|x)); p(z) = N(0,I), p(x|z) = N(Wz+b, σ²I), p(x) = N(b, WWᵀ+σ²I)',
    check: `|log p(x) − ELBO − KL(q‖p(z|x))| in nats, max over ${nx} points × ${nq} random full-covariance q (k = ${k}, d = ${d}, σ = ${sigma}); the gap vanishes at q = p(z|x); KL > 0 otherwise; closed-form ELBO within 4 standard errors of a ${S}-sample Monte Carlo ELBO`,
    value: residual,
    tolerance: 1e-10,
    details: { gapAtPosterior, minKlToPosterior: minKl, exampleLogPx: first.logPx, exampleElbo: first.elbo, exampleKlToPosterior: first.kl, monteCarloElboZ: mcZ },
  }, gapAtPosterior < 1e-10 && minKl > 0 && mcZ < 4);
}

/** Course: EM as coordinate ascent on F(θ, q) = E_q[log p(x, z | θ)] + H(q). */
function emFreeEnergy(seed: number, quick: boolean): DerivationResult {
  const n = quick ? 150 : 400;
  const blobs = gaussianBlobs(n, 3, new Rng(seed), { std: 1.2, radius: 3 });
  const X = tensor(Float64Array.from(blobs.x), [n, 2], F64);
  const gm = new GaussianMixture({ components: 3, regularization: 0, maxIterations: quick ? 10 : 25, tolerance: 0 });
  const fit = gm.fit(X, new Rng(seed + 1));
  const F = fit.history.map((h) => h.freeEnergy);
  let largestDecrease = 0;
  for (let t = 1; t < F.length; t++) largestDecrease = Math.max(largestDecrease, F[t - 1]! - F[t]!);
  let eStepGap = 0;
  fit.history.forEach((h) => {
    if (h.step === 'E') eStepGap = Math.max(eStepGap, Math.abs(h.freeEnergy - fit.logLikelihoods[h.iteration]!) / Math.abs(fit.logLikelihoods[h.iteration]!));
  });
  // For any q: log p(x|θ) − F(θ, q) = Σᵢ KL(qᵢ ‖ p(z|xᵢ, θ)) ≥ 0.
  const rng = new Rng(seed + 2);
  const k = gm.k;
  const q = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < k; c++) s += (q[i * k + c] = rng.uniform() + 0.01);
    for (let c = 0; c < k; c++) q[i * k + c]! /= s;
  }
  const r = gm.responsibilities(X);
  let klSum = 0;
  for (let t = 0; t < q.length; t++) klSum += q[t]! * Math.log(q[t]! / r[t]!);
  const ll = gm.logLikelihood(X);
  const gapIdentity = Math.abs(ll - gm.freeEnergy(X, q) - klSum) / Math.abs(ll);
  const scale = Math.max(...F.map(Math.abs));
  return result({
    id: 'em-free-energy',
    title: "EM's free energy",
    formula: 'F(θ, q) = E_q[log p(x, z | θ)] + H(q) = log p(x | θ) − KL(q ‖ p(z | x, θ)); E-step q = p(z|x,θ) makes F = log p(x|θ); M-step maximizes F over θ',
    check: `GaussianMixture EM (3 full-covariance components, no regularizer, ${fit.history.length / 2 | 0} iterations, ${n} points): max relative |F − log p(x|θ)| after E-steps; F never decreases over E- and M-steps; log p − F = Σ KL for a random q`,
    value: eStepGap,
    tolerance: 1e-12,
    details: { largestDecrease, steps: F.length, firstF: F[0]!, lastF: F[F.length - 1]!, gapIdentityRelErr: gapIdentity },
  }, largestDecrease <= 1e-12 * scale && gapIdentity < 1e-12);
}

/** Course: β > 1 trades reconstruction for a smaller KL(q(z|x) ‖ p(z)) and fewer active units. */
function betaVaeEffect(seed: number, quick: boolean): DerivationResult {
  const [n, d, latent] = [quick ? 256 : 512, 8, 4];
  // x = A·diag(3, 1.4)·z + 0.1ε with A orthonormal: two directions of variance 9 and ≈ 2 over unit decoder noise.
  const data = lowRank(n, d, 2, new Rng(seed), { noise: 0 });
  const noise = new Rng(seed + 4);
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < d; r++) {
      const v = 3 * data.latents[i * 2]! * data.basis[r * 2]! + 1.4 * data.latents[i * 2 + 1]! * data.basis[r * 2 + 1]!;
      x[i * d + r] = v + 0.1 * noise.normal();
    }
  }
  const steps = quick ? 250 : 400;
  const batch = 64;
  const run = (beta: number): { kl: number; recon: number; active: number } => {
    const model = new VAE({ inputDim: d, latentDim: latent, hidden: [32], activation: 'tanh', decoder: 'gaussian', beta }, new Rng(seed + 1));
    const opt = new Adam(model.parameters(), 1e-2);
    const rng = new Rng(seed + 2);
    // A bare Adam loop (train() is async and owns I/O): minimize −ELBO_β = E_q[−log p(x|z)] + β·KL.
    for (let step = 0; step < steps; step++) {
      const start = rng.int(n - batch + 1);
      const xb = new Tensor(x.slice(start * d, (start + batch) * d), [batch, d]);
      // Linear learning-rate decay lets collapsed units settle at E_q[z_u] ≈ 0 instead of jittering.
      opt.lr = 1e-2 * (1 - step / steps);
      opt.zeroGrad();
      model.loss(xb, { rng, step, stepsPerEpoch: Math.ceil(n / batch) }).loss.backward();
      opt.step();
    }
    const e = evaluateElbo(model, x, new Rng(seed + 3));
    return { kl: e.kl, recon: e.recon, active: activeUnits(model, x).count };
  };
  const one = run(1);
  const four = run(4);
  // The linear-Gaussian optimum: −ELBO_β is the ELBO with decoder variance βσ² (up to constants), i.e. PPCA
  // with noise βσ², which keeps direction j iff λⱼ > βσ², with KLⱼ = ½ log(λⱼ / βσ²) (σ² = 1 here).
  const lambdas = [9 + 0.01, 1.96 + 0.01];
  const theory = (beta: number): number => lambdas.reduce((s, l) => s + 0.5 * Math.log(Math.max(l / beta, 1)), 0);
  return result({
    id: 'beta-vae',
    title: "β-VAE's effect on the KL and active units",
    formula: '−ELBO_β = E_q[−log p(x|z)] + β·KL(q(z|x) ‖ p(z)); β > 1 lowers KL (and active units, Cov_x E_q[z_u] > 0.01)',
    check: `two VAEs (β = 1, 4; ${d}-32-${latent}, Gaussian decoder, ${steps} Adam steps) on ${n} seeded rank-2 points; value = KL(β=4) / KL(β=1), which must be < 1`,
    value: four.kl / one.kl,
    tolerance: 1,
    details: {
      klBeta1: one.kl, klBeta4: four.kl, activeUnitsBeta1: one.active, activeUnitsBeta4: four.active, reconBeta1: one.recon, reconBeta4: four.recon,
      klBeta1LinearTheory: theory(1), klBeta4LinearTheory: theory(4),
    },
  }, four.kl < one.kl);
}

/** Run every derivation check; results are deterministic for a given seed. */
export function runDerivations(opts: DerivationOptions = {}): DerivationResult[] {
  const seed = opts.seed ?? 0;
  const quick = opts.quick ?? false;
  const count = quick ? 2 : 5;
  return [
    aeGradients(seedsFrom(seed + 100, count)),
    tiedLinear(seedsFrom(seed + 200, count)),
    gplvmGradient(seedsFrom(seed + 300, count)),
    swishDerivative(seed + 400, quick),
    mvnKl(seed + 500, quick),
    mvnKlMonteCarlo(seed + 600, quick),
    vaeKl(seed + 700, quick),
    elboIdentity(seed + 800, quick),
    emFreeEnergy(seed + 900, quick),
    betaVaeEffect(seed + 1000, quick),
  ];
}
