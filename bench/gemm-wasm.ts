// WebAssembly backend benchmark: float32 GEMM GFLOPS on the reference VAE shapes (forward NN,
// backward NT and TN), per variant (FMA or not, 1 or 2 threads), wall-clock and per CPU-second
// (meaningful when other processes share the cores), with operands in wasm memory (as tensors
// are) and as plain arrays (copied in and out), the first layer's products on a real MNIST batch
// against dense data, one VAE step, and where that step's time goes by kernel.
// Run: npx tsx bench/gemm-wasm.ts [repeats]. Prints JSON lines.
import { loadavg } from 'node:os';
import { getBackend, jsBackend, setBackend, type Backend } from '../src/index.js';
import { loadNativeBackend } from '../src/backend/native/index.js';
import { createWasmBackendNode } from '../src/backend/wasm/node.js';
import { FIRST_LAYER_SHAPES, median, mnistBatch, REFERENCE_GEMM_SHAPES, referenceVaeStep, timeMs } from './reference.js';

const SHAPES = REFERENCE_GEMM_SHAPES;

const repeats = Number(process.argv[2] ?? 15);

function filled(n: number, seed: number, be?: Backend): Float32Array {
  const x = be?.allocate?.(false, n) ?? new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = ((i * 2654435761 + seed) % 1000) / 1000 - 0.5;
  return x as Float32Array;
}

const round1 = (x: number): number => Number(x.toFixed(1));

/** GFLOPS per shape, wall and per CPU-second; operands from the backend's allocate when inWasm. */
function gemmTable(be: Backend, inWasm: boolean): { gflops: Record<string, number>; gflopsPerCpuSecond: Record<string, number> } {
  const gflops: Record<string, number> = {};
  const gflopsPerCpuSecond: Record<string, number> = {};
  const home = inWasm ? be : undefined;
  for (const s of SHAPES) {
    const lda = s.tA ? s.m : s.k;
    const ldb = s.tB ? s.k : s.n;
    const a = filled(s.m * s.k, 1, home);
    const b = filled(s.k * s.n, 2, home);
    const c = filled(s.m * s.n, 3, home);
    const t = timeMs(() => be.gemm(s.tA, s.tB, s.m, s.n, s.k, a, 0, lda, b, 0, ldb, 0, c, 0, s.n), repeats, 20);
    const flop = 2 * s.m * s.n * s.k;
    gflops[s.name] = round1(flop / (t.wall * 1e6));
    gflopsPerCpuSecond[s.name] = round1(flop / (t.cpu * 1e6));
  }
  return { gflops, gflopsPerCpuSecond };
}

/** ms per call of the first layer's products on a real MNIST batch and on dense data, operands in wasm memory. */
function firstLayerMs(be: Backend): Record<string, { mnist: number; dense: number }> {
  const x = mnistBatch(filled(128 * 784, 0, be));
  const dense = filled(128 * 784, 3, be);
  const out: Record<string, { mnist: number; dense: number }> = {};
  for (const s of FIRST_LAYER_SHAPES) {
    const other = filled(s.tA ? s.m * s.k : s.k * s.n, 1, be);
    const c = filled(s.m * s.n, 2, be);
    const run = (batch: Float32Array): number => {
      // x is op(A) of the forward (x·W1ᵀ) and op(B) of the weight gradient (gᵀ·x).
      const [a, b] = s.tA ? [other, batch] : [batch, other];
      const t = timeMs(() => be.gemm(s.tA, s.tB, s.m, s.n, s.k, a, 0, s.tA ? s.m : s.k, b, 0, s.tB ? s.k : s.n, 0, c, 0, s.n), repeats, 20);
      return Number(t.wall.toFixed(3));
    };
    out[s.name] = { mnist: run(x), dense: run(dense) };
  }
  return out;
}

/** ms to copy one reference GEMM's operands (A, B in; C out) the way the backend does, with typed-array set. */
function copyMs(): number {
  const s = SHAPES[0]!;
  const src = [filled(s.m * s.k, 1), filled(s.k * s.n, 2), filled(s.m * s.n, 3)];
  const arena = new Float32Array(src.reduce((acc, x) => acc + x.length, 0));
  return timeMs(() => {
    let o = 0;
    for (const x of src) {
      arena.set(x, o);
      o += x.length;
    }
  }, repeats, 20).wall;
}

/** The backend with its kernels timed into `totals` (ms, keyed by kernel name). */
function timed(be: Backend, totals: Map<string, number>): Backend {
  const t = <A extends unknown[], R>(key: string, fn: (...a: A) => R) => (...a: A): R => {
    const t0 = performance.now();
    const r = fn(...a);
    totals.set(key, (totals.get(key) ?? 0) + performance.now() - t0);
    return r;
  };
  return {
    ...be,
    gemm: t('gemm', be.gemm), unary: t('unary', be.unary), binary: t('binary', be.binary), reduce: t('reduce', be.reduce),
    where: t('where', be.where), copyStrided: t('copyStrided', be.copyStrided), cholesky: t('cholesky', be.cholesky),
    trsm: t('trsm', be.trsm), lu: t('lu', be.lu), adamStep: t('adamStep', be.adamStep), bceLogits: t('bceLogits', be.bceLogits),
    gather: t('gather', be.gather), scatterAdd: t('scatterAdd', be.scatterAdd),
  };
}

/** Back to the event loop, where FinalizationRegistry callbacks run: without it a synchronous loop never returns tensor memory to the wasm heap. */
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Median wall and CPU ms of one VAE step over samples of ≥ 200 ms, yielding between samples. */
async function vaeStepMs(): Promise<{ wall: number; cpu: number }> {
  const step = referenceVaeStep();
  for (let i = 0; i < 5; i++) step();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let s = 0; s < Math.max(5, Math.floor(repeats / 2)); s++) {
    await tick();
    const t = timeMs(step, 1, 200, 0);
    wall.push(t.wall);
    cpu.push(t.cpu);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

/** ms per VAE step spent in each kernel (and outside any), over 5 × 20 steps after 5 warm-up steps. */
async function vaeBreakdown(be: Backend): Promise<Record<string, number>> {
  const totals = new Map<string, number>();
  setBackend(timed(be, totals));
  const step = referenceVaeStep();
  for (let i = 0; i < 5; i++) step();
  totals.clear();
  let all = 0;
  for (let r = 0; r < 5; r++) {
    await tick();
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) step();
    all += performance.now() - t0;
  }
  const res: Record<string, number> = {};
  let inKernels = 0;
  for (const [k, v] of [...totals.entries()].sort((a, b) => b[1] - a[1])) {
    res[k] = Number((v / 100).toFixed(2));
    inKernels += v / 100;
  }
  res.outside_kernels = Number((all / 100 - inKernels).toFixed(2));
  res.step = Number((all / 100).toFixed(2));
  return res;
}

const variants: { label: string; backend: Backend }[] = [
  { label: 'wasm simd, 1 thread', backend: await createWasmBackendNode(jsBackend, { threads: 1, relaxedSimd: false }) },
  { label: 'wasm relaxed-simd, 1 thread', backend: await createWasmBackendNode(jsBackend, { threads: 1 }) },
  { label: 'wasm relaxed-simd, 2 threads', backend: await createWasmBackendNode(jsBackend, { threads: 2 }) },
  { label: 'wasm simd, 2 threads', backend: await createWasmBackendNode(jsBackend, { threads: 2, relaxedSimd: false }) },
];

console.log(JSON.stringify({ loadavg: loadavg().map(round1), copy_ms_nn_128x784x400: Number(copyMs().toFixed(3)) }));
const previous = getBackend();
for (const { label, backend } of variants) {
  setBackend(backend);
  const inWasm = gemmTable(backend, true);
  const plain = gemmTable(backend, false);
  const step = await vaeStepMs();
  console.log(JSON.stringify({
    backend: label, name: backend.name, ...inWasm, gflopsPlainArrays: plain.gflops,
    firstLayerMs: firstLayerMs(backend),
    vae_step_ms: round1(step.wall), vae_step_cpu_ms: round1(step.cpu), epoch_s_at_469_steps: Number((step.wall * 0.469).toFixed(2)),
    loadavg: loadavg().map(round1),
  }));
}
for (const v of [variants[1]!, variants[2]!]) {
  console.log(JSON.stringify({ breakdown_ms_per_step: v.label, ...(await vaeBreakdown(v.backend)), loadavg: loadavg().map(round1) }));
}
const native = loadNativeBackend(jsBackend);
for (const { label, backend } of [{ label: 'js', backend: jsBackend }, ...(native ? [{ label: 'native (reference)', backend: native }] : [])]) {
  setBackend(backend);
  const step = await vaeStepMs();
  console.log(JSON.stringify({ backend: label, vae_step_ms: round1(step.wall), vae_step_cpu_ms: round1(step.cpu), loadavg: loadavg().map(round1) }));
}
setBackend(previous);
for (const { backend } of variants) if ('dispose' in backend && typeof backend.dispose === 'function') backend.dispose();
