// The diagonal Gaussian, parameterized by (loc, scale) or by (loc, logVar) as a
// VAE encoder outputs it; plus the scalar helpers normalCdf and normalIcdf.
import { Tensor } from '../tensor/tensor.js';
import type { Rng } from '../tensor/random.js';
import type { DType } from '../tensor/dtype.js';
import { add, clamp, div, exp, log, mul, normalRsample, ones, randn, square, sub, zeros, type LogVarBounds } from '../ops/index.js';
import { broadcastParams, checkEntries, checkSampleCount, Distribution, sumRightmost } from './distribution.js';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

export interface NormalParams {
  loc: Tensor;
  /** Standard deviation σ > 0 (give this or logVar). */
  scale?: Tensor;
  /** log σ², the natural output of a VAE encoder (give this or scale). */
  logVar?: Tensor;
  /** With logVar: [lo, hi] it is clamped into (its gradient zero where clamped), so σ never overflows. */
  logVarBounds?: LogVarBounds;
  /** How many trailing axes form one event (default 0: independent scalars; 1: a diagonal Gaussian over vectors). */
  eventDims?: number;
  /** Check parameter values (default true). */
  validate?: boolean;
}

export class Normal extends Distribution {
  readonly loc: Tensor;
  /** log σ² as given (before logVarBounds) when built from logVar, else null. */
  readonly logVar: Tensor | null;
  /** The bounds on logVar ([−∞, ∞] when none were given). */
  readonly logVarBounds: LogVarBounds;
  private readonly scaleParam: Tensor | null;
  private standardNormal = false;

  constructor(params: NormalParams) {
    const { loc, scale, logVar } = params;
    if ((scale === undefined) === (logVar === undefined)) throw new Error('Normal: give exactly one of scale and logVar');
    const spreadName = scale ? 'scale' : 'logVar';
    const { shape, tensors } = broadcastParams('Normal', [['loc', loc], [spreadName, (scale ?? logVar)!]]);
    const eventDims = params.eventDims ?? 0;
    if (!Number.isInteger(eventDims) || eventDims < 0 || eventDims > shape.length) {
      throw new Error(`Normal: eventDims ${eventDims} is out of range for parameters of shape [${shape.join(',')}]`);
    }
    super(shape.slice(0, shape.length - eventDims), shape.slice(shape.length - eventDims));
    const bounds = params.logVarBounds ?? [-Infinity, Infinity];
    if (params.logVarBounds !== undefined && (scale || !(bounds[0] < bounds[1]))) {
      throw new Error(`Normal: logVarBounds must be [lo, hi] with lo < hi, given with logVar (got ${JSON.stringify(params.logVarBounds)}${scale ? ' with scale' : ''})`);
    }
    if (params.validate ?? true) {
      checkEntries('Normal', 'loc', loc, Number.isFinite, 'finite');
      if (scale) checkEntries('Normal', 'scale', scale, (v) => v > 0 && Number.isFinite(v), 'positive and finite');
      else checkEntries('Normal', 'logVar', logVar!, Number.isFinite, 'finite');
    }
    this.loc = tensors[0]!;
    this.scaleParam = scale ? tensors[1]! : null;
    this.logVar = scale ? null : tensors[1]!;
    this.logVarBounds = bounds;
  }

  /** The standard normal N(0, I) over `shape` (KL divergences to it take a faster path). */
  static standard(shape: readonly number[], opts: { dtype?: DType; eventDims?: number } = {}): Normal {
    const dtype = opts.dtype ?? 'float32';
    // Zeros and ones are valid by construction: no entry-by-entry check (a VAE builds its prior every step).
    const n = new Normal({
      loc: zeros(shape, { dtype }), scale: ones(shape, { dtype }), validate: false,
      ...(opts.eventDims !== undefined ? { eventDims: opts.eventDims } : {}),
    });
    n.standardNormal = true;
    return n;
  }

  /** Whether this is N(0, I) as Normal.standard made it. */
  get isStandard(): boolean {
    return this.standardNormal;
  }

  /**
   * log σ, kept apart from σ so that logVar inputs of ±30 never pass through σ² on the way to a log.
   * NOTE: log σ and σ are ops run at each access, not cached: a cache filled inside a training
   * step's buffer scope would hold buffers that the scope recycles when it ends.
   */
  get logScale(): Tensor {
    const lv = this.logVar;
    if (!lv) return log(this.scaleParam!);
    const [lo, hi] = this.logVarBounds;
    return mul(lo === -Infinity && hi === Infinity ? lv : clamp(lv, lo, hi), 0.5);
  }

  /** σ, broadcast to the full parameter shape. */
  get scale(): Tensor {
    return this.scaleFrom(this.logScale);
  }

  /** σ given log σ (so that a caller needing both runs log σ's ops once). */
  private scaleFrom(logScale: Tensor): Tensor {
    return this.scaleParam ?? exp(logScale);
  }

  get dtype(): DType {
    return this.loc.dtype;
  }

  override get hasRsample(): boolean {
    return true;
  }

  /** x = μ + σ ε, ε ~ N(0, I); from logVar as one fused op (ops/gaussian.ts). */
  override rsample(n: number, rng: Rng): Tensor {
    checkSampleCount('Normal.rsample', n);
    const eps = randn([n, ...this.loc.shape], rng, { dtype: this.dtype });
    if (this.logVar) return normalRsample(this.loc, this.logVar, eps, this.logVarBounds);
    return add(this.loc, mul(this.scale, eps));
  }

  /** log N(x; μ, σ²) = −½((x−μ)/σ)² − log σ − ½ log 2π, summed over the event axes. */
  logProb(x: Tensor): Tensor {
    const logScale = this.logScale;
    const z = div(sub(x, this.loc), this.scaleFrom(logScale));
    const lp = sub(sub(mul(square(z), -0.5), logScale), HALF_LOG_2PI);
    return sumRightmost(lp, this.eventShape.length);
  }

  /** H = ½ log(2πe) + log σ per coordinate. */
  override entropy(): Tensor {
    return sumRightmost(add(this.logScale, 0.5 + HALF_LOG_2PI), this.eventShape.length);
  }

  get mean(): Tensor {
    return this.loc;
  }

  get variance(): Tensor {
    return exp(mul(this.logScale, 2));
  }
}

/**
 * erfc(z) for z ≥ 0 to about 1e-15 relative: 1 − erf by the positive series
 * erf z = (2z/√π) e^{−z²} Σ (2z²)ⁿ / (1·3···(2n+1)) below 1.5, else the continued
 * fraction erfc z = e^{−z²}/√π · 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + …)))) (Lentz).
 */
function erfcNonNeg(z: number): number {
  if (z < 1.5) {
    const z2 = 2 * z * z;
    let term = 1;
    let s = 1;
    for (let n = 1; term > 1e-17 * s; n++) {
      term *= z2 / (2 * n + 1);
      s += term;
    }
    return 1 - ((2 * z) / Math.sqrt(Math.PI)) * Math.exp(-z * z) * s;
  }
  const tiny = 1e-300;
  let f = z;
  let c = z;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    const a = k / 2;
    d = z + a * d;
    d = d === 0 ? tiny : 1 / d;
    c = z + a / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-z * z) / (Math.sqrt(Math.PI) * f);
}

/** Φ(x), the standard normal CDF, accurate in both tails (Φ(x) = ½ erfc(−x/√2)). */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const z = x / Math.SQRT2;
  return z < 0 ? 0.5 * erfcNonNeg(-z) : 1 - 0.5 * erfcNonNeg(z);
}

// Acklam's rational approximation of Φ⁻¹ (relative error < 1.2e-9), refined below.
const A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];

/** Φ⁻¹(p) for p in the lower half (p ≤ ½): Acklam, then one Halley step on Φ(x) − p. */
function icdfLower(p: number): number {
  let x: number;
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((C[0]! * q + C[1]!) * q + C[2]!) * q + C[3]!) * q + C[4]!) * q + C[5]!) / ((((D[0]! * q + D[1]!) * q + D[2]!) * q + D[3]!) * q + 1);
  } else {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((A[0]! * r + A[1]!) * r + A[2]!) * r + A[3]!) * r + A[4]!) * r + A[5]!) * q) / (((((B[0]! * r + B[1]!) * r + B[2]!) * r + B[3]!) * r + B[4]!) * r + 1);
  }
  // Halley: u = (Φ(x) − p)/φ(x); x ← x − u/(1 + x u/2).
  const u = (normalCdf(x) - p) * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** Φ⁻¹(p), the standard normal quantile, to about 1e-12 relative; ±∞ at 0 and 1. */
export function normalIcdf(p: number): number {
  if (!(p >= 0 && p <= 1)) throw new Error(`normalIcdf: p must be in [0, 1] (got ${p})`);
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  // NOTE: for p > ½ the answer is −Φ⁻¹(1 − p); 1 − p is exact for p ≥ ½ (Sterbenz), but p itself already rounds near 1.
  return p <= 0.5 ? icdfLower(p) : -icdfLower(1 - p);
}
