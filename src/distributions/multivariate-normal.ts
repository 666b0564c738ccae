// The full-covariance Gaussian. Whatever it is built from (covariance, precision
// or scaleTril), it stores one canonical lower Cholesky factor L with Σ = L Lᵀ;
// covariance and precision are derived lazily, and logProb uses triangular solves.
import { Tensor } from '../tensor/tensor.js';
import type { Rng } from '../tensor/random.js';
import type { DType } from '../tensor/dtype.js';
import { fmtShape, broadcastShapes, sizeOf } from '../tensor/shape.js';
import {
  add, choleskySolve, cholesky, diagonal, expand, eye, indexSelect, log, matmul, mul, permute, randn, reshape, square, sub, sum,
  transpose, triangularSolve,
} from '../ops/index.js';
import { checkEntries, checkSampleCount, Distribution } from './distribution.js';

const LOG_2PI = Math.log(2 * Math.PI);

export interface MultivariateNormalParams {
  /** Mean, shape [...batch, d]. */
  loc: Tensor;
  /** Exactly one of covariance, precision or scaleTril, shape [...batch, d, d]. */
  covariance?: Tensor;
  precision?: Tensor;
  /** Lower-triangular L with positive diagonal and Σ = L Lᵀ. */
  scaleTril?: Tensor;
  /** Check symmetry / triangularity and finiteness (default true; positive definiteness is always checked). */
  validate?: boolean;
}

function checkSymmetric(what: string, name: string, m: Tensor): void {
  const n = m.shape[m.rank - 1]!;
  const d = m.contiguousData();
  let scale = 0;
  for (let i = 0; i < d.length; i++) scale = Math.max(scale, Math.abs(d[i]!));
  const tol = (m.dtype === 'float64' ? 1e-10 : 1e-5) * scale;
  for (let b = 0; b < d.length; b += n * n) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) {
        const lo = d[b + i * n + j]!;
        const hi = d[b + j * n + i]!;
        if (!(Math.abs(lo - hi) <= tol)) {
          const at = d.length > n * n ? ` in batch entry ${b / (n * n)}` : '';
          throw new Error(`${what}: ${name} is not symmetric${at} (entry [${i},${j}] is ${lo} but [${j},${i}] is ${hi})`);
        }
      }
    }
  }
}

function checkLowerTriangular(what: string, m: Tensor): void {
  const n = m.shape[m.rank - 1]!;
  const d = m.contiguousData();
  for (let b = 0; b < d.length; b += n * n) {
    for (let i = 0; i < n; i++) {
      if (!(d[b + i * n + i]! > 0)) throw new Error(`${what}: scaleTril must have a positive diagonal (entry [${i},${i}] is ${d[b + i * n + i]})`);
      for (let j = i + 1; j < n; j++) {
        if (d[b + i * n + j] !== 0) throw new Error(`${what}: scaleTril must be lower-triangular (entry [${i},${j}] is ${d[b + i * n + j]})`);
      }
    }
  }
}

/** cholesky(m), with the engine's error restated in terms of the named parameter. */
function choleskyOf(what: string, name: string, m: Tensor): Tensor {
  try {
    return cholesky(m);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(msg.replace(/^cholesky: matrix/, `${what}: ${name}`));
  }
}

/** Reverse the order of the last two axes' entries (J m J with J the exchange matrix). */
function flipBoth(m: Tensor): Tensor {
  const n = m.shape[m.rank - 1]!;
  const rev = Array.from({ length: n }, (_, i) => n - 1 - i);
  return indexSelect(indexSelect(m, -1, rev), -2, rev);
}

/**
 * The Cholesky factor of Σ = P⁻¹ without inverting P: with Lf = chol(J P J),
 * U = J Lf J is upper-triangular and P = U Uᵀ, so Σ = U⁻ᵀ U⁻¹ and L = U⁻ᵀ.
 */
function precisionToScaleTril(what: string, P: Tensor): Tensor {
  const U = flipBoth(choleskyOf(what, 'precision', flipBoth(P)));
  const n = P.shape[P.rank - 1]!;
  return triangularSolve(U, eye(n, { dtype: P.dtype }), { upper: true, transpose: true });
}

export class MultivariateNormal extends Distribution {
  readonly loc: Tensor;
  /** The canonical factor: lower-triangular, positive diagonal, shape [...batch, d, d]. */
  readonly scaleTril: Tensor;
  private covCache: Tensor | null = null;
  private precCache: Tensor | null = null;

  constructor(params: MultivariateNormalParams) {
    const what = 'MultivariateNormal';
    const { loc } = params;
    const given = (['covariance', 'precision', 'scaleTril'] as const).filter((k) => params[k] !== undefined);
    if (given.length !== 1) throw new Error(`${what}: give exactly one of covariance, precision and scaleTril (got ${given.length === 0 ? 'none' : given.join(', ')})`);
    const kind = given[0]!;
    const m = params[kind]!;
    if (loc.rank < 1) throw new Error(`${what}: loc must have at least one axis (got ${fmtShape(loc.shape)})`);
    if (m.rank < 2 || m.shape[m.rank - 1] !== m.shape[m.rank - 2]) throw new Error(`${what}: ${kind} must be square matrices in the last two axes (got ${fmtShape(m.shape)})`);
    const d = loc.shape[loc.rank - 1]!;
    if (m.shape[m.rank - 1] !== d) throw new Error(`${what}: loc ${fmtShape(loc.shape)} and ${kind} ${fmtShape(m.shape)} disagree on the event size (${d} vs ${m.shape[m.rank - 1]})`);
    if (m.dtype !== loc.dtype) throw new Error(`${what}: loc is ${loc.dtype} but ${kind} is ${m.dtype}`);
    let batch: number[];
    try {
      batch = broadcastShapes(loc.shape.slice(0, -1), m.shape.slice(0, -2), what);
    } catch {
      throw new Error(`${what}: loc ${fmtShape(loc.shape)} and ${kind} ${fmtShape(m.shape)} cannot be broadcast`);
    }
    super(batch, [d]);
    if (params.validate ?? true) {
      checkEntries(what, 'loc', loc, Number.isFinite, 'finite');
      checkEntries(what, kind, m, Number.isFinite, 'finite');
      if (kind === 'scaleTril') checkLowerTriangular(what, m);
      else checkSymmetric(what, kind, m);
    }
    const L = kind === 'scaleTril' ? m : kind === 'covariance' ? choleskyOf(what, 'covariance', m) : precisionToScaleTril(what, m);
    if (kind === 'covariance') this.covCache = expand(m, [...batch, d, d]);
    if (kind === 'precision') this.precCache = expand(m, [...batch, d, d]);
    this.loc = expand(loc, [...batch, d]);
    this.scaleTril = expand(L, [...batch, d, d]);
  }

  get dtype(): DType {
    return this.loc.dtype;
  }

  get dim(): number {
    return this.eventShape[0]!;
  }

  override get hasRsample(): boolean {
    return true;
  }

  /** Σ = L Lᵀ. */
  get covariance(): Tensor {
    this.covCache ??= matmul(this.scaleTril, transpose(this.scaleTril));
    return this.covCache;
  }

  /** Σ⁻¹ = L⁻ᵀ L⁻¹, by two triangular solves against I. */
  get precision(): Tensor {
    this.precCache ??= choleskySolve(this.scaleTril, eye(this.dim, { dtype: this.dtype }));
    return this.precCache;
  }

  /** x = μ + L ε: the n draws are the columns of one batched L·[ε₁ … εₙ]. */
  override rsample(n: number, rng: Rng): Tensor {
    checkSampleCount('MultivariateNormal.rsample', n);
    const B = this.batchShape.length;
    const eps = randn([...this.batchShape, this.dim, n], rng, { dtype: this.dtype });
    const Le = matmul(this.scaleTril, eps);
    return add(permute(Le, [B + 1, ...Array.from({ length: B + 1 }, (_, i) => i)]), this.loc);
  }

  /** log N(x; μ, LLᵀ) = −½‖L⁻¹(x−μ)‖² − Σ log Lᵢᵢ − (d/2) log 2π. */
  logProb(x: Tensor): Tensor {
    const d = this.dim;
    if (x.rank < 1 || x.shape[x.rank - 1] !== d) throw new Error(`MultivariateNormal.logProb: x ${fmtShape(x.shape)} must end in the event size ${d}`);
    const diff = sub(x, this.loc);
    const M = this.mahalanobisSq(diff);
    const halfLogDet = sum(log(diagonal(this.scaleTril)), -1);
    return sub(mul(M, -0.5), add(halfLogDet, 0.5 * d * LOG_2PI));
  }

  /**
   * ‖L⁻¹ v‖² for v of shape [...sample, ...batch′, d] (batch′ broadcast with batchShape).
   * The sample axes are flattened into the columns of one triangular solve per batch entry.
   */
  mahalanobisSq(v: Tensor): Tensor {
    const d = this.dim;
    const B = this.batchShape.length;
    if (v.rank < B + 1) v = reshape(v, [...new Array<number>(B + 1 - v.rank).fill(1), ...v.shape]);
    const lead = v.shape.slice(0, v.rank - 1 - B);
    const bshape = v.shape.slice(v.rank - 1 - B, v.rank - 1);
    const N = sizeOf(lead);
    const cols = permute(reshape(v, [N, ...bshape, d]), [...Array.from({ length: B }, (_, i) => i + 1), B + 1, 0]);
    const z = triangularSolve(this.scaleTril, cols);
    const m = sum(square(z), -2);
    const back = permute(m, [m.rank - 1, ...Array.from({ length: m.rank - 1 }, (_, i) => i)]);
    return reshape(back, [...lead, ...back.shape.slice(1)]);
  }

  /** H = (d/2)(1 + log 2π) + Σ log Lᵢᵢ. */
  override entropy(): Tensor {
    return add(sum(log(diagonal(this.scaleTril)), -1), 0.5 * this.dim * (1 + LOG_2PI));
  }

  get mean(): Tensor {
    return this.loc;
  }

  /** diag Σ = row sums of L². */
  get variance(): Tensor {
    return sum(square(this.scaleTril), -1);
  }
}
