// Linear GPLVM, i.e. dual probabilistic PCA (Lawrence 2005): Y (N×D) has D
// independent columns yₐ ~ N(0, K) with K = αXXᵀ + β⁻¹I over a latent X (N×Q).
// Dense N×N kernel, Cholesky-based logdet and solves; the optimum spans PCA.
import { Tensor } from '../tensor/tensor.js';
import type { DType } from '../tensor/dtype.js';
import { allocate } from '../tensor/dtype.js';
import { fmtShape } from '../tensor/shape.js';
import type { Rng } from '../tensor/random.js';
import { Module } from '../nn/module.js';
import { Adam } from '../optim/optimizer.js';
import { noGrad } from '../autograd/tape.js';
import { add, exp, log, mul, neg, square } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import { diagonal, transpose } from '../ops/shape.js';
import { matmul } from '../ops/matmul.js';
import { eye } from '../ops/creation.js';
import { cholesky, triangularSolve } from '../ops/linalg.js';
import { pca, type PcaResult } from './pca.js';

/** Default cap on the dense-kernel working set: 2 GiB. */
export const DEFAULT_MAX_KERNEL_BYTES = 2 * 1024 ** 3;

/**
 * N×N matrices alive at the peak of one fit step, in units of the kernel. Not just K and
 * its Cholesky factor: the reverse pass through cholesky and triangularSolve holds about a
 * dozen more (gradients, masks, contiguous copies of transposes). Measured peak RSS above
 * baseline for one float64 step: 17·8N² bytes at N = 1500, 14·8N² at N = 2500.
 */
export const KERNEL_COPIES = 16;

export interface LinearGPLVMOptions {
  /** Q, the number of latent dimensions (1 ≤ Q ≤ min(D, N − 1)). */
  latentDim: number;
  /** Learn α (default false: α and the scale of X are not identifiable, only αXXᵀ is). */
  learnAlpha?: boolean;
  /** Learn the noise precision β (default true). */
  learnBeta?: boolean;
  /** Initial (or fixed) α; default v̄/(2Q) with v̄ = tr(ỸỸᵀ)/(ND), so X starts at unit scale. */
  alpha?: number;
  /** Initial (or fixed) β; default 2/v̄, i.e. half the data variance is noise at the start. */
  beta?: number;
  /**
   * 'pca' (default): the closed-form maximiser for the initial α and β, i.e. top-Q PCA directions
   * scaled by √((λⱼ − β⁻¹)/α); only β (when learned) is then off its optimum.
   * 'random': standard normal entries (needs rng).
   */
  init?: 'pca' | 'random';
  rng?: Rng;
  /** Parameter and kernel dtype; default float64 (log|K| of an N×N matrix wants it). */
  dtype?: DType;
  /** Subtract the column means of Y first (default true; the model has no mean term). */
  center?: boolean;
  /** Refuse N whose dense kernel working set exceeds this many bytes (default 2 GiB). */
  maxKernelBytes?: number;
}

export interface GplvmFitOptions {
  steps: number;
  /** Adam learning rate (default 0.03; X is O(1) under the default α). */
  lr?: number;
  onStep?: (entry: GplvmHistoryEntry) => void;
}

export interface GplvmHistoryEntry {
  step: number;
  /** L at the parameters before this step's update (the last entry: after the last update). */
  logLik: number;
  alpha: number;
  beta: number;
}

export interface GplvmOptimum {
  /** N×Q latents X = U_Q diag(√((λⱼ − β⁻¹)/α)) (any rotation R on the right is equally optimal). */
  latents: Tensor;
  alpha: number;
  beta: number;
  logLik: number;
  /** Top-Q eigenvalues λⱼ of ỸỸᵀ/D. */
  eigenvalues: Float64Array;
}

function fmtBytes(b: number, binary = false): string {
  const units = binary ? ['B', 'KiB', 'MiB', 'GiB', 'TiB'] : ['B', 'kB', 'MB', 'GB', 'TB'];
  const base = binary ? 1024 : 1000;
  let u = 0;
  while (b >= base && u < units.length - 1) {
    b /= base;
    u++;
  }
  return `${b >= 10 || u === 0 || Number.isInteger(b) ? Math.round(b) : b.toFixed(1)} ${units[u]}`;
}

/** Bytes the dense N×N kernel working set needs (KERNEL_COPIES matrices of N² entries). */
export function gplvmKernelBytes(n: number, dtype: DType = 'float64'): number {
  return KERNEL_COPIES * (dtype === 'float64' ? 8 : 4) * n * n;
}

/** Throws a message with the estimate and a subset size when N is too large for a dense kernel. */
export function checkGplvmMemory(n: number, maxBytes = DEFAULT_MAX_KERNEL_BYTES, dtype: DType = 'float64'): void {
  const need = gplvmKernelBytes(n, dtype);
  if (need <= maxBytes) return;
  const maxN = Math.floor(Math.sqrt(maxBytes / gplvmKernelBytes(1, dtype)));
  const example = Math.min(maxN, 2000);
  throw new Error(
    `LinearGPLVM: N = ${n} needs ~${fmtBytes(need)} for the dense ${n}×${n} kernel (limit ${fmtBytes(maxBytes, true)}); ` +
      `use a subset of at most ${maxN} rows (e.g. --limit ${example})`,
  );
}

/**
 * The log-likelihood of Y (N×D, centred) under the linear GPLVM (Lawrence 2005, eq. 5):
 *   L = −(ND/2)·log 2π − (D/2)·log|K| − ½·tr(K⁻¹YYᵀ),  K = αXXᵀ + β⁻¹I,
 * with log|K| = 2 Σ log diag(C) for K = CCᵀ and tr(K⁻¹YYᵀ) = ‖C⁻¹Y‖²_F (one triangular
 * solve, no inverse). Built from differentiable ops, so ∂L/∂X = −DαK⁻¹X + αK⁻¹YYᵀK⁻¹X
 * comes from autodiff. α = exp(logAlpha), β = exp(logBeta) are scalars.
 */
export function linearGplvmLogLik(X: Tensor, logAlpha: Tensor, logBeta: Tensor, Y: Tensor): Tensor {
  if (X.rank !== 2 || Y.rank !== 2 || X.shape[0] !== Y.shape[0]) {
    throw new Error(`linearGplvmLogLik: expected X [N, Q] and Y [N, D] with the same N, got X ${fmtShape(X.shape)} and Y ${fmtShape(Y.shape)}`);
  }
  if (logAlpha.size !== 1 || logBeta.size !== 1) {
    throw new Error(`linearGplvmLogLik: logAlpha and logBeta must be scalars, got ${fmtShape(logAlpha.shape)} and ${fmtShape(logBeta.shape)}`);
  }
  const [N, D] = [Y.shape[0]!, Y.shape[1]!];
  const alpha = exp(logAlpha);
  const noise = exp(neg(logBeta));
  const K = add(mul(matmul(X, transpose(X)), alpha), mul(eye(N, { dtype: X.dtype }), noise));
  const C = cholesky(K);
  const halfLogDet = sum(log(diagonal(C)));
  const A = triangularSolve(C, Y);
  const constant = -0.5 * N * D * Math.log(2 * Math.PI);
  return add(add(mul(halfLogDet, -D), mul(sum(square(A)), -0.5)), constant);
}

export class LinearGPLVM extends Module {
  /** N×Q latent positions (trainable). */
  readonly X: Tensor;
  /** log α and log β, scalars (trainable when learnAlpha / learnBeta). */
  readonly logAlpha: Tensor;
  readonly logBeta: Tensor;
  readonly latentDim: number;
  readonly n: number;
  readonly d: number;
  readonly dtype: DType;
  /** Column means removed from Y (zeros when center is false). */
  readonly mean: Float64Array;
  private readonly Y: Tensor;
  private pcaCache: PcaResult | undefined;

  /** Y: N×D data, one row per point. */
  constructor(Y: Tensor, opts: LinearGPLVMOptions) {
    super();
    if (Y.rank !== 2) throw new Error(`LinearGPLVM: expected data Y of shape [N, D], got ${fmtShape(Y.shape)}`);
    const [N, D] = [Y.shape[0]!, Y.shape[1]!];
    const Q = opts.latentDim;
    if (N < 2 || D < 1) throw new Error(`LinearGPLVM: need at least 2 rows and 1 column, got Y ${fmtShape(Y.shape)}`);
    if (!Number.isInteger(Q) || Q < 1 || Q > Math.min(D, N - 1)) {
      throw new Error(`LinearGPLVM: latentDim must be an integer in [1, min(D, N − 1) = ${Math.min(D, N - 1)}] for Y ${fmtShape(Y.shape)}, got ${Q}`);
    }
    this.dtype = opts.dtype ?? 'float64';
    checkGplvmMemory(N, opts.maxKernelBytes ?? DEFAULT_MAX_KERNEL_BYTES, this.dtype);
    for (const [name, v] of [['alpha', opts.alpha], ['beta', opts.beta]] as const) {
      if (v !== undefined && !(v > 0 && Number.isFinite(v))) throw new Error(`LinearGPLVM: ${name} must be positive and finite, got ${v}`);
    }
    this.n = N;
    this.d = D;
    this.latentDim = Q;

    const src = Y.contiguousData();
    const y = allocate(this.dtype, N * D);
    this.mean = new Float64Array(D);
    for (let i = 0; i < N * D; i++) {
      if (!Number.isFinite(src[i]!)) throw new Error(`LinearGPLVM: Y has a non-finite value ${src[i]} at row ${Math.floor(i / D)}, column ${i % D}`);
    }
    if (opts.center ?? true) {
      for (let i = 0; i < N * D; i++) this.mean[i % D]! += src[i]!;
      for (let j = 0; j < D; j++) this.mean[j]! /= N;
    }
    let sq = 0;
    let raw = 0;
    for (let i = 0; i < N * D; i++) {
      y[i] = src[i]! - this.mean[i % D]!;
      sq += y[i]! ** 2;
      raw += src[i]! ** 2;
    }
    this.Y = new Tensor(y, [N, D]);
    const vbar = sq / (N * D);
    // NOTE: centring constant columns leaves rounding residue, not signal.
    if (!(vbar > 1e-24 * (raw / (N * D)))) throw new Error(`LinearGPLVM: Y ${fmtShape(Y.shape)} is constant${opts.center ?? true ? ' after centring' : ''}; nothing to model`);

    const alpha0 = opts.alpha ?? vbar / (2 * Q);
    const beta0 = opts.beta ?? 2 / vbar;
    this.logAlpha = new Tensor(allocate(this.dtype, 1).fill(Math.log(alpha0)), [], undefined, 0, opts.learnAlpha ?? false);
    this.logBeta = new Tensor(allocate(this.dtype, 1).fill(Math.log(beta0)), [], undefined, 0, opts.learnBeta ?? true);

    const x = allocate(this.dtype, N * Q);
    const init = opts.init ?? 'pca';
    if (init === 'pca') {
      // The dual-PPCA maximiser at the initial α, β (see analyticOptimum): xⱼ = uⱼ·√((λⱼ − β⁻¹)/α).
      // NOTE: a column with λⱼ ≤ β⁻¹ would start at exactly 0, a stationary point it never leaves; floor it.
      const p = this.pcaResult();
      const s = p.scores.contiguousData();
      const sv = p.singularValues.contiguousData();
      for (let j = 0; j < Q; j++) {
        const lam = sv[j]! ** 2 / D;
        const l = Math.sqrt(Math.max(lam - 1 / beta0, 0.01 * lam) / alpha0);
        for (let i = 0; i < N; i++) x[i * Q + j] = sv[j]! > 0 ? (s[i * Q + j]! / sv[j]!) * l : 0;
      }
    } else if (init === 'random') {
      if (!opts.rng) throw new Error("LinearGPLVM: init 'random' needs an rng (options.rng)");
      for (let i = 0; i < N * Q; i++) x[i] = opts.rng.normal();
    } else {
      throw new Error(`LinearGPLVM: init must be 'pca' or 'random', got '${String(init)}'`);
    }
    this.X = new Tensor(x, [N, Q], undefined, 0, true);
  }

  get alpha(): number {
    return Math.exp(this.logAlpha.item());
  }

  get beta(): number {
    return Math.exp(this.logBeta.item());
  }

  /** The centred data the model explains (N×D, the model's dtype). */
  data(): Tensor {
    return this.Y;
  }

  /** PCA of the (centred) data, computed once. */
  pcaResult(): PcaResult {
    return (this.pcaCache ??= pca(this.Y, this.latentDim, { center: false }));
  }

  /** L at the current parameters (differentiable; see linearGplvmLogLik). */
  logLikelihood(): Tensor {
    try {
      return linearGplvmLogLik(this.X, this.logAlpha, this.logBeta, this.Y);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (!msg.startsWith('cholesky')) throw e;
      throw new Error(`LinearGPLVM: kernel αXXᵀ + β⁻¹I is not numerically positive definite (α = ${this.alpha.toPrecision(3)}, β = ${this.beta.toPrecision(3)}): ${msg}`);
    }
  }

  /** Maximise L with Adam over X (and log α, log β when learned). Returns steps + 1 entries. */
  fit(opts: GplvmFitOptions): GplvmHistoryEntry[] {
    const { steps } = opts;
    if (!Number.isInteger(steps) || steps < 0) throw new Error(`LinearGPLVM.fit: steps must be a non-negative integer, got ${steps}`);
    const lr = opts.lr ?? 0.03;
    const adam = new Adam(this.parameters(), lr);
    const history: GplvmHistoryEntry[] = [];
    const record = (step: number, ll: number): void => {
      if (!Number.isFinite(ll)) throw new Error(`LinearGPLVM.fit: log-likelihood became ${ll} at step ${step} (lr ${lr} too large?)`);
      const entry = { step, logLik: ll, alpha: this.alpha, beta: this.beta };
      history.push(entry);
      opts.onStep?.(entry);
    };
    for (let step = 0; step < steps; step++) {
      adam.zeroGrad();
      const ll = this.logLikelihood();
      record(step, ll.item());
      neg(ll).backward();
      adam.step();
    }
    record(steps, noGrad(() => this.logLikelihood().item()));
    return history;
  }

  /** A copy of the N×Q latent positions. */
  latents(): Tensor {
    return new Tensor(this.X.toTypedArray(), this.X.shape);
  }

  /**
   * The closed-form maximum (Lawrence 2005, §3; cf. Tipping & Bishop 1999): with λⱼ the
   * eigenvalues of YYᵀ/D and uⱼ its eigenvectors, X = U_Q diag(√((λⱼ − β⁻¹)/α)) and, when β
   * is learned, β⁻¹ = Σ_{j>Q} λⱼ/(N − Q). At α and β as they are now (β replaced by its ML
   * value when learnBeta). L* = −(ND/2)log 2π − (D/2)Σ log κⱼ − (D/2)Σ λⱼ/κⱼ over the N
   * eigenvalues κⱼ = max(λⱼ, β⁻¹) (j ≤ Q) or β⁻¹ (j > Q) of the optimal K.
   */
  analyticOptimum(): GplvmOptimum {
    const { n: N, d: D, latentDim: Q } = this;
    const p = this.pcaResult();
    const sv = p.singularValues.contiguousData();
    const lam = Float64Array.from({ length: Q }, (_, j) => sv[j]! ** 2 / D);
    const y = this.Y.contiguousData();
    let total = 0;
    for (let i = 0; i < y.length; i++) total += y[i]! ** 2;
    total /= D;
    const topSum = lam.reduce((a, b) => a + b, 0);
    const rest = Math.max(total - topSum, 0);
    const alpha = this.alpha;
    const noise = this.logBeta.requiresGrad ? rest / (N - Q) : 1 / this.beta;
    let logDet = (N - Q) * Math.log(noise);
    let trace = rest / noise;
    const x = allocate(this.dtype, N * Q);
    const s = p.scores.contiguousData();
    for (let j = 0; j < Q; j++) {
      const kappa = Math.max(lam[j]!, noise);
      logDet += Math.log(kappa);
      trace += lam[j]! / kappa;
      const l = Math.sqrt(Math.max(lam[j]! - noise, 0) / alpha);
      for (let i = 0; i < N; i++) x[i * Q + j] = sv[j]! > 0 ? (s[i * Q + j]! / sv[j]!) * l : 0;
    }
    const logLik = -0.5 * N * D * Math.log(2 * Math.PI) - 0.5 * D * logDet - 0.5 * D * trace;
    return { latents: new Tensor(x, [N, Q]), alpha, beta: 1 / noise, logLik, eigenvalues: lam };
  }
}
