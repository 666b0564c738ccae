// Node adapter for the WebAssembly backend: worker_threads as the thread pool, and V8's relaxed-SIMD
// flag, which Node 20 still gates (Node 22's V8 enables it by default). The only Node-specific file here.
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { Backend } from '../backend.js';
import { createWasmBackend, type SpawnWasmWorker, type WasmBackend, type WasmBackendOptions } from './index.js';

/** receive/ready for workerSource in a worker_threads worker (eval'd scripts are CommonJS). */
export const nodeWorkerPrelude = `const { parentPort } = require('node:worker_threads');
const receive = (h) => parentPort.once('message', h);
const ready = () => parentPort.postMessage('ready');
`;

/** Workers from an eval'd script (no worker file to resolve under tsx or from dist), unref'd so they never keep Node alive. */
export const spawnNodeWorker: SpawnWasmWorker = (init, source) => new Promise((resolve, reject) => {
  const w = new Worker(nodeWorkerPrelude + source, { eval: true });
  w.once('message', () => {
    w.unref();
    resolve(w);
  });
  w.once('error', (e) => reject(e));
  w.postMessage(init);
});

/**
 * createWasmBackend with Node's workers; threads defaults to the available cores.
 * relaxedSimd (default true) turns on V8's --experimental-wasm-relaxed-simd: it only widens what
 * validates, and changes no already-compiled code.
 */
export async function createWasmBackendNode(base: Backend, opts: WasmBackendOptions = {}): Promise<WasmBackend> {
  // NOTE: V8 leaves flags changed after start-up unspecified in general; wasm feature flags are read
  // at validation time, which is after this line (checked on Node 20.20: validate flips to true).
  if (opts.relaxedSimd !== false) setFlagsFromString('--experimental-wasm-relaxed-simd');
  return createWasmBackend(base, { threads: availableParallelism(), spawnWorker: spawnNodeWorker, ...opts });
}
