// Node-side backend selection by name, shared by the CLI and the benchmarks:
// 'native' (the N-API addon), 'wasm' (WebAssembly SIMD with worker threads) or
// 'js'. Without a name, native when it is built, else wasm.
import type { Backend } from './backend.js';
import { jsBackend } from './js/index.js';
import { loadNativeBackend, nativeInfo } from './native/index.js';
import { createWasmBackendNode } from './wasm/node.js';

export const BACKEND_NAMES = ['js', 'native', 'wasm'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** The backends this machine can run, in order of preference for benchmarks. */
export function availableBackendNames(): BackendName[] {
  return loadNativeBackend(jsBackend) ? ['native', 'wasm', 'js'] : ['wasm', 'js'];
}

/**
 * The backend called `name`, or the default: native when its addon is built, else WebAssembly
 * (else js, where WebAssembly SIMD is missing). Throws a one-line reason when `name` cannot be had.
 * `native` is the loaded addon backend or null (a parameter so the fallback can be tested).
 */
export async function createBackend(name?: BackendName, native: Backend | null = loadNativeBackend(jsBackend)): Promise<Backend> {
  if (name === 'js') return jsBackend;
  if (name === 'wasm') return createWasmBackendNode(jsBackend);
  if (native) return native;
  if (name === 'native') throw new Error(`backend native: ${nativeInfo().reason ?? 'unavailable'}`);
  try {
    return await createWasmBackendNode(jsBackend);
  } catch {
    return jsBackend;
  }
}
