// Gaussian mixtures fitted by EM, read as coordinate ascent on the free energy
// F(θ, q) = E_q[log p(x, z | θ)] + H(q) (plus an optional log-prior on Σ):
// the E-step sets q = p(z | x, θ), closing the gap log p(x | θ) − F = KL(q ‖ p(z | x)); the M-step maximizes over θ.
import { Tensor } from '../tensor/tensor.js';
import type { Rng } from '../tensor/random.js';
import { fmtShape } from '../tensor/shape.js';
import { tensor } from '../ops/index.js';
import { Categorical } from '../distributions/categorical.js';
import { MixtureSameFamily } from '../distributions/mixture.js';
import { MultivariateNormal } from '../distributions/multivariate-normal.js';
import { Normal } from '../distributions/normal.js';

const LOG_2PI = Math.log(2 * Math.PI);

export type CovarianceType = 'full' | 'diagonal';

export interface GaussianMixtureOptions {
  components: number;
  covariance?: CovarianceType;
  /** 'kmeans++' (D² seeding of the means) or 'random' (k distinct data points); default 'kmeans++'. */
  init?: 'kmeans++' | 'random';
  /**
   * λ ≥ 0 (default 1e-6): a log-prior −½ λ Σ_k tr(Σ_k⁻¹), whose M-step gives Σ_k = (S_k + λ I)/N_k.
   * It keeps covariances positive definite, and EM stays exact coordinate ascent on F + log-prior.
   */
  regularization?: number;
  maxIterations?: number;
  /** Stop when the log-likelihood changes by at most tolerance·|log-likelihood| (default 1e-10). */
  tolerance?: number;
}

export interface EmStep {
  iteration: number;
  /** 'E': after the E-step of this iteration (F equals the log-likelihood); 'M': after its M-step. */
  step: 'E' | 'M';
  /** F(θ, q) = E_q[log p(x, z | θ)] + H(q), summed over the data. */
  freeEnergy: number;
  /** −½ λ Σ_k tr(Σ_k⁻¹) at the current θ; F + logPrior never decreases. */
  logPrior: number;
}

export interface EmResult {
  iterations: number;
  converged: boolean;
  /** log p(x | θ) summed over the data, at the θ of each E-step. */
  logLikelihoods: number[];
  history: EmStep[];
}

/** Data as a row-major float64 copy with its shape. */
interface Data {
  x: Float64Array;
  n: number;
  d: number;
}

function readData(x: Tensor, what: string): Data {
  if (x.rank !== 2 || x.shape[0] === 0) throw new Error(`${what}: expected data of shape [n, d] with n > 0, got ${fmtShape(x.shape)}`);
  return { x: Float64Array.from(x.contiguousData()), n: x.shape[0]!, d: x.shape[1]! };
}

/** In-place lower Cholesky of the d×d matrix at a[off]; returns the failing pivot index or −1. */
function choleskyInPlace(a: Float64Array, d: number, off = 0): number {
  for (let j = 0; j < d; j++) {
    let s = a[off + j * d + j]!;
    for (let k = 0; k < j; k++) s -= a[off + j * d + k]! ** 2;
    if (!(s > 0)) return j;
    const ljj = Math.sqrt(s);
    a[off + j * d + j] = ljj;
    for (let i = j + 1; i < d; i++) {
      let t = a[off + i * d + j]!;
      for (let k = 0; k < j; k++) t -= a[off + i * d + k]! * a[off + j * d + k]!;
      a[off + i * d + j] = t / ljj;
    }
    for (let i = 0; i < j; i++) a[off + i * d + j] = 0;
  }
  return -1;
}

export class GaussianMixture {
  readonly k: number;
  readonly covarianceType: CovarianceType;
  readonly init: 'kmeans++' | 'random';
  readonly regularization: number;
  readonly maxIterations: number;
  readonly tolerance: number;
  private d = 0;
  private logWeights = new Float64Array(0);
  /** [k, d] */
  private mu = new Float64Array(0);
  /** [k, d, d] for 'full'; [k, d] variances for 'diagonal'. */
  private cov = new Float64Array(0);

  constructor(opts: GaussianMixtureOptions) {
    if (!Number.isInteger(opts.components) || opts.components < 1) throw new Error(`GaussianMixture: components must be a positive integer (got ${opts.components})`);
    this.k = opts.components;
    this.covarianceType = opts.covariance ?? 'full';
    this.init = opts.init ?? 'kmeans++';
    this.regularization = opts.regularization ?? 1e-6;
    if (!(this.regularization >= 0)) throw new Error(`GaussianMixture: regularization must be >= 0 (got ${this.regularization})`);
    this.maxIterations = opts.maxIterations ?? 200;
    this.tolerance = opts.tolerance ?? 1e-10;
  }

  get dim(): number {
    return this.d;
  }

  get weights(): number[] {
    return Array.from(this.logWeights, Math.exp);
  }

  get means(): number[][] {
    return Array.from({ length: this.k }, (_, c) => Array.from(this.mu.subarray(c * this.d, (c + 1) * this.d)));
  }

  /** Full covariance matrices (diagonal ones expanded). */
  get covariances(): number[][][] {
    const d = this.d;
    return Array.from({ length: this.k }, (_, c) =>
      Array.from({ length: d }, (_, i) =>
        Array.from({ length: d }, (_, j) => (this.covarianceType === 'full' ? this.cov[c * d * d + i * d + j]! : i === j ? this.cov[c * d + i]! : 0)),
      ),
    );
  }

  /** Fit by EM from a fresh initialization; the trace records F after every E- and M-step. */
  fit(data: Tensor, rng: Rng): EmResult {
    const X = readData(data, 'GaussianMixture.fit');
    if (X.n < this.k) throw new Error(`GaussianMixture.fit: ${X.n} points cannot seed ${this.k} components`);
    this.initialize(X, rng);
    const history: EmStep[] = [];
    const logLikelihoods: number[] = [];
    let converged = false;
    let it = 0;
    for (; it < this.maxIterations; it++) {
      const { logJoint, ll } = this.logJoint(X);
      const q = posterior(logJoint, X.n, this.k);
      history.push({ iteration: it, step: 'E', freeEnergy: freeEnergyOf(logJoint, q), logPrior: this.logPrior() });
      const prev = logLikelihoods[logLikelihoods.length - 1];
      logLikelihoods.push(ll);
      if (prev !== undefined && Math.abs(ll - prev) <= this.tolerance * Math.abs(ll)) {
        converged = true;
        break;
      }
      this.mStep(X, q);
      history.push({ iteration: it, step: 'M', freeEnergy: freeEnergyOf(this.logJoint(X).logJoint, q), logPrior: this.logPrior() });
    }
    return { iterations: it, converged, logLikelihoods, history };
  }

  /** q(z = c | xᵢ) = p(z = c | xᵢ, θ), shape [n, k] row-major: the E-step. */
  responsibilities(x: Tensor): Float64Array {
    const X = this.checkedData(x, 'GaussianMixture.responsibilities');
    return posterior(this.logJoint(X).logJoint, X.n, this.k);
  }

  /** log p(x | θ) = Σᵢ logsumexp_c [log π_c + log N(xᵢ; μ_c, Σ_c)]. */
  logLikelihood(x: Tensor): number {
    return this.logJoint(this.checkedData(x, 'GaussianMixture.logLikelihood')).ll;
  }

  /** F(θ, q) = Σᵢ Σ_c q_ic log p(xᵢ, z = c | θ) − Σᵢ Σ_c q_ic log q_ic, for any q of shape [n, k] with rows on the simplex. */
  freeEnergy(x: Tensor, q: Float64Array): number {
    const X = this.checkedData(x, 'GaussianMixture.freeEnergy');
    if (q.length !== X.n * this.k) throw new Error(`GaussianMixture.freeEnergy: q has ${q.length} entries, expected n·k = ${X.n}·${this.k}`);
    return freeEnergyOf(this.logJoint(X).logJoint, q);
  }

  /** −½ λ Σ_c tr(Σ_c⁻¹). */
  logPrior(): number {
    if (this.regularization === 0) return 0;
    const d = this.d;
    let tr = 0;
    for (let c = 0; c < this.k; c++) {
      if (this.covarianceType === 'diagonal') {
        for (let j = 0; j < d; j++) tr += 1 / this.cov[c * d + j]!;
        continue;
      }
      const L = this.cov.slice(c * d * d, (c + 1) * d * d);
      choleskyInPlace(L, d);
      // tr(Σ⁻¹) = ‖L⁻¹‖²_F: solve L y = e_j for each column.
      for (let j = 0; j < d; j++) {
        const y = new Float64Array(d);
        for (let i = j; i < d; i++) {
          let s = i === j ? 1 : 0;
          for (let m = j; m < i; m++) s -= L[i * d + m]! * y[m]!;
          y[i] = s / L[i * d + i]!;
          tr += y[i]! * y[i]!;
        }
      }
    }
    return -0.5 * this.regularization * tr;
  }

  /** The fitted mixture as a distribution over R^d (float64). */
  toDistribution(): MixtureSameFamily<MultivariateNormal | Normal> {
    const f64 = { dtype: 'float64' as const };
    const mixture = new Categorical({ logits: tensor(this.logWeights, [this.k], f64) });
    const loc = tensor(this.mu, [this.k, this.d], f64);
    const comps =
      this.covarianceType === 'full'
        ? new MultivariateNormal({ loc, covariance: tensor(this.cov, [this.k, this.d, this.d], f64) })
        : new Normal({ loc, scale: tensor(this.cov.map(Math.sqrt), [this.k, this.d], f64), eventDims: 1 });
    return new MixtureSameFamily<MultivariateNormal | Normal>(mixture, comps);
  }

  private checkedData(x: Tensor, what: string): Data {
    if (this.d === 0) throw new Error(`${what}: the mixture is not fitted yet (call fit first)`);
    const X = readData(x, what);
    if (X.d !== this.d) throw new Error(`${what}: data has ${X.d} columns but the mixture was fitted in ${this.d} dimensions`);
    return X;
  }

  private initialize(X: Data, rng: Rng): void {
    const { n, d, x } = X;
    this.d = d;
    const centers = this.init === 'random' ? Array.from(rng.permutation(n).subarray(0, this.k)) : kmeansPlusPlus(X, this.k, rng);
    this.mu = new Float64Array(this.k * d);
    centers.forEach((i, c) => this.mu.set(x.subarray(i * d, (i + 1) * d), c * d));
    this.logWeights = new Float64Array(this.k).fill(-Math.log(this.k));
    // Every component starts with the data covariance (plus the regularizer, as in the M-step with N_c = n).
    const q = new Float64Array(n).fill(1);
    const mean = weightedMean(X, q, 0, 1, n);
    const S = this.covarianceType === 'full' ? scatterFull(X, q, 0, 1, mean) : scatterDiag(X, q, 0, 1, mean);
    const one = S.map((s, idx) => (s + (this.covarianceType === 'full' ? (idx % (d + 1) === 0 ? this.regularization : 0) : this.regularization)) / n);
    this.cov = new Float64Array(this.k * one.length);
    for (let c = 0; c < this.k; c++) this.cov.set(one, c * one.length);
  }

  /** log p(xᵢ, z = c | θ) for all i, c, and log p(x | θ). */
  private logJoint(X: Data): { logJoint: Float64Array; ll: number } {
    const { n, d, x } = X;
    const k = this.k;
    const out = new Float64Array(n * k);
    const diff = new Float64Array(d);
    for (let c = 0; c < k; c++) {
      let L: Float64Array | null = null;
      let halfLogDet = 0;
      if (this.covarianceType === 'full') {
        L = this.cov.slice(c * d * d, (c + 1) * d * d);
        const p = choleskyInPlace(L, d);
        if (p >= 0) throw new Error(`GaussianMixture: covariance of component ${c} is not positive definite (pivot ${p + 1} of ${d}); raise regularization`);
        for (let j = 0; j < d; j++) halfLogDet += Math.log(L[j * d + j]!);
      } else {
        for (let j = 0; j < d; j++) halfLogDet += 0.5 * Math.log(this.cov[c * d + j]!);
      }
      const base = this.logWeights[c]! - halfLogDet - 0.5 * d * LOG_2PI;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < d; j++) diff[j] = x[i * d + j]! - this.mu[c * d + j]!;
        let m = 0;
        if (L) {
          // Forward substitution L y = diff, in place; m = ‖y‖².
          for (let j = 0; j < d; j++) {
            let s = diff[j]!;
            for (let t = 0; t < j; t++) s -= L[j * d + t]! * diff[t]!;
            diff[j] = s / L[j * d + j]!;
            m += diff[j]! ** 2;
          }
        } else {
          for (let j = 0; j < d; j++) m += diff[j]! ** 2 / this.cov[c * d + j]!;
        }
        out[i * k + c] = base - 0.5 * m;
      }
    }
    let ll = 0;
    for (let i = 0; i < n; i++) ll += logSumExpRow(out, i * k, k);
    return { logJoint: out, ll };
  }

  /** θ ← argmax_θ F(θ, q) + log-prior: π_c = N_c/n, μ_c = Σ q x / N_c, Σ_c = (S_c + λ I)/N_c. */
  private mStep(X: Data, q: Float64Array): void {
    const { n, d } = X;
    const k = this.k;
    const lam = this.regularization;
    for (let c = 0; c < k; c++) {
      let Nc = 0;
      for (let i = 0; i < n; i++) Nc += q[i * k + c]!;
      if (!(Nc > 0)) throw new Error(`GaussianMixture: component ${c} has no responsibility mass left (N_c = ${Nc}); try fewer components or another seed`);
      this.logWeights[c] = Math.log(Nc / n);
      const m = weightedMean(X, q, c, k, Nc);
      this.mu.set(m, c * d);
      if (this.covarianceType === 'full') {
        const S = scatterFull(X, q, c, k, m);
        for (let j = 0; j < d; j++) S[j * d + j]! += lam;
        for (let t = 0; t < S.length; t++) this.cov[c * d * d + t] = S[t]! / Nc;
      } else {
        const S = scatterDiag(X, q, c, k, m);
        for (let j = 0; j < d; j++) this.cov[c * d + j] = (S[j]! + lam) / Nc;
      }
    }
  }
}

/** Σᵢ w_i xᵢ / total with w_i = q[i·stride + col]. */
function weightedMean({ x, n, d }: Data, q: Float64Array, col: number, stride: number, total: number): Float64Array {
  const m = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const w = q[i * stride + col]!;
    for (let j = 0; j < d; j++) m[j]! += w * x[i * d + j]!;
  }
  for (let j = 0; j < d; j++) m[j]! /= total;
  return m;
}

/** S = Σᵢ wᵢ (xᵢ − m)(xᵢ − m)ᵀ, symmetric by construction. */
function scatterFull({ x, n, d }: Data, q: Float64Array, col: number, stride: number, m: Float64Array): Float64Array {
  const S = new Float64Array(d * d);
  const v = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const w = q[i * stride + col]!;
    for (let j = 0; j < d; j++) v[j] = x[i * d + j]! - m[j]!;
    for (let a = 0; a < d; a++) for (let b = 0; b <= a; b++) S[a * d + b]! += w * v[a]! * v[b]!;
  }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) S[b * d + a] = S[a * d + b]!;
  return S;
}

function scatterDiag({ x, n, d }: Data, q: Float64Array, col: number, stride: number, m: Float64Array): Float64Array {
  const S = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const w = q[i * stride + col]!;
    for (let j = 0; j < d; j++) S[j]! += w * (x[i * d + j]! - m[j]!) ** 2;
  }
  return S;
}

function logSumExpRow(a: Float64Array, off: number, k: number): number {
  let m = -Infinity;
  for (let c = 0; c < k; c++) m = Math.max(m, a[off + c]!);
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (let c = 0; c < k; c++) s += Math.exp(a[off + c]! - m);
  return m + Math.log(s);
}

/** Rows of softmax(logJoint): the exact posterior p(z | xᵢ, θ). */
function posterior(logJoint: Float64Array, n: number, k: number): Float64Array {
  const q = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const lse = logSumExpRow(logJoint, i * k, k);
    for (let c = 0; c < k; c++) q[i * k + c] = Math.exp(logJoint[i * k + c]! - lse);
  }
  return q;
}

/** E_q[log p(x, z)] + H(q), with 0 log 0 = 0. */
function freeEnergyOf(logJoint: Float64Array, q: Float64Array): number {
  let f = 0;
  for (let t = 0; t < q.length; t++) {
    const w = q[t]!;
    if (w > 0) f += w * (logJoint[t]! - Math.log(w));
  }
  return f;
}

/** k-means++ seeding (Arthur & Vassilvitskii 2007): each next centre drawn with probability ∝ D(x)². */
function kmeansPlusPlus({ x, n, d }: Data, k: number, rng: Rng): number[] {
  const centers = [rng.int(n)];
  const dist = new Float64Array(n).fill(Infinity);
  while (centers.length < k) {
    const last = centers[centers.length - 1]!;
    let total = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (x[i * d + j]! - x[last * d + j]!) ** 2;
      dist[i] = Math.min(dist[i]!, s);
      total += dist[i]!;
    }
    if (total === 0) throw new Error(`GaussianMixture: k-means++ found fewer than ${k} distinct points`);
    let u = rng.uniform() * total;
    let pick = n - 1;
    for (let i = 0; i < n; i++) {
      u -= dist[i]!;
      if (u < 0) {
        pick = i;
        break;
      }
    }
    centers.push(pick);
  }
  return centers;
}
