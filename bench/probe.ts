// Host probe for bench/peers/run.ts: how fast this machine is right now, as one JSON line. The host
// under our two vCPUs moves every engine by 10–40% within minutes, so each engine's run records the
// probe taken just before it. core_gflops: one WebAssembly thread's float32 GEMM rate (the floating-
// point units' share we get); mem_gbs: a streaming read of 256 MiB, past any cache, by the default
// backend's allFinite on all its threads (the memory bandwidth we get).
import { availableBackendNames, createBackend } from '../src/backend/node.js';
import { jsBackend } from '../src/backend/js/index.js';
import { createWasmBackendNode } from '../src/backend/wasm/node.js';
import { timeMs } from './reference.js';

const GEMM = [128, 400, 400] as const;
const STREAM_FLOATS = 64 * 1024 * 1024;

/** Median seconds of `reps` single calls of fn (no warm-up: the probe must stay short). */
const medianSeconds = (fn: () => void, reps: number): number => timeMs(fn, reps, 0, 0).wall / 1000;

async function main(): Promise<void> {
  const wasm = await createWasmBackendNode(jsBackend, { threads: 1 });
  const [m, n, k] = GEMM;
  // Operands in wasm memory, so the kernel copies nothing.
  const alloc = (len: number): Float32Array | Float64Array => wasm.allocate?.(false, len) ?? new Float32Array(len);
  const a = alloc(m * k);
  const b = alloc(k * n);
  const c = alloc(m * n);
  a.fill(0.5);
  b.fill(0.25);
  const gemmS = medianSeconds(() => wasm.gemm(false, false, m, n, k, a, 0, k, b, 0, n, 0, c, 0, n), 101);
  wasm.dispose();

  const be = await createBackend();
  const x = be.allocate?.(false, STREAM_FLOATS) ?? new Float32Array(STREAM_FLOATS);
  x.fill(1);
  const streamS = medianSeconds(() => be.allFinite(x), 7);
  if ('dispose' in be && typeof be.dispose === 'function') be.dispose();
  const round = (v: number): number => Math.round(v * 10) / 10;
  process.stdout.write(`${JSON.stringify({
    core_gflops: round((2 * m * n * k) / gemmS / 1e9),
    mem_gbs: round((STREAM_FLOATS * 4) / streamS / 1e9),
    mem_backend: availableBackendNames()[0] ?? 'js',
  })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench/probe: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
