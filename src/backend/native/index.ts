// Node-only loader for the C++ addon built from native/ (N-API): gives a Backend
// whose gemm, gemmPair and elementwise kernels (biasActInplace, unary, binary, reduce, where, copyStrided,
// adamStep, bceLogits, bceLogitsGrad, gather, normalKl, allFinite) are native SIMD code, whose large
// buffers live on huge pages, and whose other kernels are the base backend's.
// This is the only file in src/ that touches Node APIs for the addon.
import { createRequire } from 'node:module';
import { gemmArgs, type Backend, type BinaryKernel, type FloatArray, type ReduceKernel, type UnaryKernel } from '../backend.js';
import { checkGemmPair } from '../checks.js';
import { makeBlockedLinalg } from '../js/linalg.js';

export type NativeIsa = 'avx512' | 'avx2' | 'scalar';

export interface NativeInfo {
  readonly available: boolean;
  readonly isa: NativeIsa;
  readonly threads: number;
  /** Why the addon could not be loaded, when it could not. */
  readonly reason?: string;
}

/** gemm's 15 arguments, then the second call's 15, then whether the second may be deferred. */
type GemmPairArgs = [...Parameters<Backend['gemm']>, ...Parameters<Backend['gemm']>, deferSecond: boolean];

interface NativeAddon {
  readonly gemm: Backend['gemm'];
  readonly gemmPair: (...args: GemmPairArgs) => void;
  readonly biasAct: Backend['biasActInplace'];
  // Op codes and packed shapes instead of strings and arrays: see native/src/addon.cc.
  readonly unary: (op: number, x: FloatArray, out: FloatArray, p0: number, p1: number) => void;
  readonly binary: (op: number, a: FloatArray, b: FloatArray, out: FloatArray, meta: Float64Array, rank: number) => void;
  readonly reduce: (op: number, x: FloatArray, outer: number, n: number, inner: number, out: FloatArray) => void;
  readonly where: (c: FloatArray, a: FloatArray, b: FloatArray, out: FloatArray, meta: Float64Array, rank: number) => void;
  readonly copyStrided: (src: FloatArray, srcOff: number, out: FloatArray, meta: Float64Array, rank: number) => void;
  readonly adamStep: Backend['adamStep'];
  readonly bceLogits: Backend['bceLogits'];
  readonly bceLogitsGrad: Backend['bceLogitsGrad'];
  readonly gather: Backend['gather'];
  readonly normalKl: Backend['normalKl'];
  readonly normalKlGrad: Backend['normalKlGrad'];
  readonly allFinite: (x: FloatArray) => boolean;
  readonly alloc: (f64: boolean, n: number) => FloatArray | null;
  readonly sync: () => boolean;
  readonly isa: NativeIsa;
  readonly threads: number;
}

// From src/backend/native/ (tsx) and from dist/src/backend/native/ (tsc output).
const candidates = [
  '../../../native/build/Release/elbo_native.node',
  '../../../../native/build/Release/elbo_native.node',
];

function isAddon(x: unknown): x is NativeAddon {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  const fns = ['gemm', 'gemmPair', 'biasAct', 'unary', 'binary', 'reduce', 'where', 'copyStrided', 'adamStep', 'bceLogits', 'bceLogitsGrad', 'gather', 'normalKl', 'normalKlGrad', 'allFinite', 'alloc', 'sync'];
  return fns.every((f) => typeof o[f] === 'function') && typeof o.threads === 'number'
    && (o.isa === 'avx512' || o.isa === 'avx2' || o.isa === 'scalar');
}

let loaded: { addon: NativeAddon | null; reason: string } | undefined;

function load(): { addon: NativeAddon | null; reason: string } {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  let reason = 'native addon not built (npm install builds it when a C++ compiler is present)';
  for (const path of candidates) {
    try {
      const mod: unknown = require(path);
      if (isAddon(mod)) return (loaded = { addon: mod, reason: '' });
      reason = `native addon at ${path} has unexpected exports`;
    } catch (e) {
      // A missing file is expected for all but one candidate; anything else
      // (wrong Node ABI, missing symbol) is worth reporting.
      const notFound = e instanceof Error && 'code' in e && e.code === 'MODULE_NOT_FOUND';
      if (!notFound) reason = `native addon failed to load: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
    }
  }
  return (loaded = { addon: null, reason });
}

/** The native gemm kernel alone, or null when the addon is unavailable. */
export function nativeGemm(): Backend['gemm'] | null {
  return load().addon?.gemm ?? null;
}

// Codes in the order of the unions in backend.ts and the enums in native/src/elementwise.h.
const unaryCodes: Readonly<Record<UnaryKernel, number>> = {
  neg: 0, exp: 1, log: 2, log1p: 3, expm1: 4, sqrt: 5, abs: 6, square: 7, sign: 8, reciprocal: 9, sigmoid: 10,
  tanh: 11, relu: 12, softplus: 13, step: 14, powScalar: 15, clamp: 16, leakyRelu: 17, elu: 18,
};
const binaryCodes: Readonly<Record<BinaryKernel, number>> = {
  add: 0, sub: 1, mul: 2, div: 3, pow: 4, maximum: 5, minimum: 6, gt: 7, ge: 8, lt: 9, le: 10, eq: 11,
};
const reduceCodes: Readonly<Record<ReduceKernel, number>> = { sum: 0, max: 1, min: 2 };

/** The addon's limit on rank (kMaxRank); higher ranks use the base kernels. */
const MAX_RANK = 16;

/** The elementwise kernels of the addon, in the Backend's signatures; base serves mixed dtypes and huge ranks. */
type ElementwiseKernels = Pick<Backend, 'biasActInplace' | 'unary' | 'binary' | 'reduce' | 'where' | 'copyStrided' | 'adamStep' | 'bceLogits' | 'bceLogitsGrad' | 'gather' | 'normalKl' | 'normalKlGrad' | 'allFinite'>;

function elementwiseKernels(addon: NativeAddon, base: Backend): ElementwiseKernels {
  // Shapes travel in this one reused buffer, so a call allocates nothing.
  const meta = new Float64Array(4 * MAX_RANK);
  const pack = (shapes: readonly (readonly number[])[]): void => {
    let k = 0;
    for (const shape of shapes) for (const d of shape) meta[k++] = d;
  };
  return {
    biasActInplace(x, bias, m, n, act) {
      if (x.constructor !== bias.constructor) return base.biasActInplace(x, bias, m, n, act);
      addon.biasAct(x, bias, m, n, act);
    },
    unary(op, x, out, p0, p1) {
      if (x.constructor !== out.constructor) return base.unary(op, x, out, p0, p1);
      addon.unary(unaryCodes[op], x, out, p0, p1);
    },
    binary(op, a, aShape, b, bShape, out, outShape) {
      const rank = outShape.length;
      if (a.constructor !== out.constructor || b.constructor !== out.constructor || rank > MAX_RANK) {
        return base.binary(op, a, aShape, b, bShape, out, outShape);
      }
      pack([outShape, aShape, bShape]);
      addon.binary(binaryCodes[op], a, b, out, meta, rank);
    },
    reduce(op, x, outer, n, inner, out) {
      if (x.constructor !== out.constructor) return base.reduce(op, x, outer, n, inner, out);
      addon.reduce(reduceCodes[op], x, outer, n, inner, out);
    },
    where(cond, cShape, a, aShape, b, bShape, out, outShape) {
      const rank = outShape.length;
      const T = out.constructor;
      if (cond.constructor !== T || a.constructor !== T || b.constructor !== T || rank > MAX_RANK) {
        return base.where(cond, cShape, a, aShape, b, bShape, out, outShape);
      }
      pack([outShape, cShape, aShape, bShape]);
      addon.where(cond, a, b, out, meta, rank);
    },
    copyStrided(src, srcOff, shape, strides, out) {
      const rank = shape.length;
      if (src.constructor !== out.constructor || rank > MAX_RANK) return base.copyStrided(src, srcOff, shape, strides, out);
      pack([shape, strides]);
      addon.copyStrided(src, srcOff, out, meta, rank);
    },
    adamStep(p, g, m, v, lr, beta1, beta2, eps, bc1, bc2, weightDecay, decoupled) {
      const T = p.constructor;
      if (g.constructor !== T || m.constructor !== T || v.constructor !== T) {
        return base.adamStep(p, g, m, v, lr, beta1, beta2, eps, bc1, bc2, weightDecay, decoupled);
      }
      addon.adamStep(p, g, m, v, lr, beta1, beta2, eps, bc1, bc2, weightDecay, decoupled);
    },
    bceLogits(logits, target, out, sig) {
      const T = logits.constructor;
      if (target.constructor !== T || out.constructor !== T || sig.constructor !== T) return base.bceLogits(logits, target, out, sig);
      addon.bceLogits(logits, target, out, sig);
    },
    bceLogitsGrad(g, sig, target, cols, out) {
      const T = out.constructor;
      // A partial last row is the JS kernel's to handle; the addon wants whole rows.
      if (g.constructor !== T || sig.constructor !== T || target.constructor !== T || out.length % cols !== 0) {
        return base.bceLogitsGrad(g, sig, target, cols, out);
      }
      addon.bceLogitsGrad(g, sig, target, cols, out);
    },
    allFinite(x) {
      return addon.allFinite(x);
    },
    gather(x, outer, n, inner, idx, out) {
      if (x.constructor !== out.constructor || inner === 0) return base.gather(x, outer, n, inner, idx, out);
      addon.gather(x, outer, n, inner, idx, out);
    },
    normalKl(locP, logScaleP, locQ, logScaleQ, out) {
      const T = out.constructor;
      if (locP.constructor !== T || logScaleP.constructor !== T || locQ.constructor !== T || logScaleQ.constructor !== T) {
        return base.normalKl(locP, logScaleP, locQ, logScaleQ, out);
      }
      addon.normalKl(locP, logScaleP, locQ, logScaleQ, out);
    },
    normalKlGrad(g, locP, logScaleP, locQ, logScaleQ, dLocP, dLogScaleP, dLocQ, dLogScaleQ) {
      const T = g.constructor;
      if ([locP, logScaleP, locQ, logScaleQ, dLocP, dLogScaleP, dLocQ, dLogScaleQ].some((a) => a.constructor !== T)) {
        return base.normalKlGrad(g, locP, logScaleP, locQ, logScaleQ, dLocP, dLogScaleP, dLocQ, dLogScaleQ);
      }
      addon.normalKlGrad(g, locP, logScaleP, locQ, logScaleQ, dLocP, dLogScaleP, dLocQ, dLogScaleQ);
    },
  };
}

// Buffers from this size up come from the addon's huge-page arena (native/src/arena.cc) while it
// has room: a training step's weights, moments, gradients and batch activations, which the TLB
// cannot cover on 4 KB pages. Smaller ones, and those it declines (a dataset, say), stay ordinary
// typed arrays.
const HUGE_MIN_BYTES = 64 * 1024;

/**
 * The base backend with gemm, gemmPair and the elementwise kernels replaced by native ones,
 * or null when the addon is unavailable.
 * base is spread, so its kernels must be own properties (a plain object, not a class instance).
 */
export function loadNativeBackend(base: Backend): Backend | null {
  const { addon } = load();
  if (!addon) return null;
  // ELBO_HUGE_PAGES=0 keeps every buffer an ordinary typed array.
  const hugePages = process.env.ELBO_HUGE_PAGES !== '0';
  const js = afterSync(base, addon.sync);
  return {
    ...js,
    name: `native-${addon.isa}+${base.name}`,
    allocate: (f64, n) => (hugePages && n * (f64 ? 8 : 4) >= HUGE_MIN_BYTES ? addon.alloc(f64, n) : null),
    gemm: addon.gemm,
    gemmPair(first, second, deferSecond = false) {
      checkGemmPair(first, second);
      addon.gemmPair(...gemmArgs(first), ...gemmArgs(second), deferSecond);
    },
    sync: addon.sync,
    ...elementwiseKernels(addon, js),
    // Cholesky and triangular solves are blocked over gemm, so they speed up with it.
    ...afterSync(makeBlockedLinalg(addon.gemm), addon.sync),
  };
}

/**
 * fns, each call waiting first for a product the addon left running (gemmPair's deferSecond):
 * they read their arrays in JS, where the addon's own check on the arrays it is handed cannot reach.
 */
function afterSync<T extends object>(fns: T, sync: () => boolean): T {
  const out: Record<string, unknown> = { ...(fns as Record<string, unknown>) };
  for (const [k, f] of Object.entries(fns)) {
    if (typeof f !== 'function') continue;
    out[k] = (...args: unknown[]): unknown => {
      sync();
      return (f as (...a: unknown[]) => unknown).apply(fns, args);
    };
  }
  return out as T;
}

/** What the native addon offers on this machine, for `elbo info`. */
export function nativeInfo(): NativeInfo {
  const { addon, reason } = load();
  return addon
    ? { available: true, isa: addon.isa, threads: addon.threads }
    : { available: false, isa: 'scalar', threads: 1, reason };
}
