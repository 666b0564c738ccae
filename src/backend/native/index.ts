// Node-only loader for the C++ GEMM addon built from native/ (N-API): gives a
// Backend whose gemm is native and whose other kernels are the base backend's.
// This is the only file in src/ that touches Node APIs for the addon.
import { createRequire } from 'node:module';
import type { Backend, FloatArray } from '../backend.js';
import { makeBlockedLinalg } from '../js/linalg.js';

export type NativeIsa = 'avx512' | 'avx2' | 'scalar';

export interface NativeInfo {
  readonly available: boolean;
  readonly isa: NativeIsa;
  readonly threads: number;
  /** Why the addon could not be loaded, when it could not. */
  readonly reason?: string;
}

export type BiasAct = 'identity' | 'relu' | 'sigmoid';

/** x[i·n + j] = act(x[i·n + j] + bias[j]) for the contiguous m×n matrix x (one fused pass). */
export type BiasActInplace = (x: FloatArray, bias: FloatArray, m: number, n: number, act: BiasAct) => void;

interface NativeAddon {
  readonly gemm: Backend['gemm'];
  readonly biasAct: BiasActInplace;
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
  return typeof o.gemm === 'function' && typeof o.biasAct === 'function' && typeof o.threads === 'number'
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

/** The fused bias + activation kernel (not part of Backend yet), or null when the addon is unavailable. */
export function nativeBiasActInplace(): BiasActInplace | null {
  return load().addon?.biasAct ?? null;
}

/**
 * The base backend with gemm replaced by the native kernel, or null when the addon is unavailable.
 * base is spread, so its kernels must be own properties (a plain object, not a class instance).
 */
export function loadNativeBackend(base: Backend): Backend | null {
  const { addon } = load();
  // Cholesky and triangular solves are blocked over gemm, so they speed up with it.
  return addon && { ...base, name: `native-${addon.isa}+${base.name}`, gemm: addon.gemm, ...makeBlockedLinalg(addon.gemm) };
}

/** What the native addon offers on this machine, for `elbo info`. */
export function nativeInfo(): NativeInfo {
  const { addon, reason } = load();
  return addon
    ? { available: true, isa: addon.isa, threads: addon.threads }
    : { available: false, isa: 'scalar', threads: 1, reason };
}
