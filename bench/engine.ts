// Engine benchmark (npm run bench): per available backend, one JSON line with
// float32 GEMM GFLOPS on the reference VAE shapes, the ms of one VAE training
// step (forward + backward + Adam), and the heap around 10,000 small MLP steps.
import { Adam, Rng, add, getBackend, mlp, mse, mul, randn, setBackend, tanh, type Backend } from '../src/index.js';
import { availableBackendNames, createBackend } from '../src/backend/node.js';
import { referenceVaeStep, timeMs } from './reference.js';

const HEAP_STEPS = 10_000;

/** n uniform floats in a buffer of the backend's own (wasm memory) when it offers one, as tensors get. */
function filled(be: Backend, n: number, rng: Rng): Float32Array {
  const own = be.allocate?.(false, n);
  const buf = own instanceof Float32Array ? own : new Float32Array(n);
  for (let i = 0; i < n; i++) buf[i] = rng.uniform() - 0.5;
  return buf;
}

/** GFLOPS of the backend's gemm kernel (float32, preallocated C) for op(A)[m×k]·op(B)[k×n]. */
function gemmGflops(be: Backend, tA: boolean, tB: boolean, m: number, n: number, k: number): number {
  const rng = new Rng(1);
  const a = filled(be, m * k, rng);
  const b = filled(be, k * n, rng);
  const c = filled(be, m * n, rng);
  const ms = timeMs(() => be.gemm(tA, tB, m, n, k, a, 0, tA ? m : k, b, 0, tB ? k : n, 0, c, 0, n), 7, 30, 2).wall;
  return round((2 * m * n * k) / (ms * 1e6), 2);
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function vaeStepMs(): number {
  return round(timeMs(referenceVaeStep(), 9, 0, 3).wall, 2);
}

function heapMb(): number {
  return round(process.memoryUsage().heapUsed / 2 ** 20, 2);
}

/** A full GC, after one macrotask so FinalizationRegistry callbacks (the wasm heap's reclaim) have run. */
async function collect(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 50));
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) {
    g();
    g();
  }
}

/** Heap (MB, after a full GC when --expose-gc is on) before and after HEAP_STEPS steps of a 2-16-2 MLP. */
async function heapAroundSteps(): Promise<{ before: number; after: number }> {
  const rng = new Rng(3);
  const net = mlp([2, 16, 2], rng, { activation: tanh });
  const opt = new Adam(net.parameters(), 1e-2);
  const x = randn([32, 2], rng);
  const y = tanh(add(mul(x, 0.5), 0.1));
  const step = (): void => {
    const loss = mse(net.forward(x), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
  };
  for (let i = 0; i < 100; i++) step(); // warm the JIT and the optimizer state first
  await collect();
  const before = heapMb();
  for (let i = 0; i < HEAP_STEPS; i++) step();
  await collect();
  return { before, after: heapMb() };
}

const previous = getBackend();
for (const name of availableBackendNames().reverse()) {
  const backend = await createBackend(name);
  setBackend(backend);
  const heap = await heapAroundSteps();
  const line = {
    backend: name,
    matmul_gflops: {
      nn_128x784x400: gemmGflops(backend, false, false, 128, 400, 784),
      nn_128x400x784: gemmGflops(backend, false, false, 128, 784, 400),
      // Backward of the first layer: dX = dY·Wᵀ ([128,400]·[784,400]ᵀ) and dW = Xᵀ·dY ([128,784]ᵀ·[128,400]).
      nt: gemmGflops(backend, false, true, 128, 784, 400),
      tn: gemmGflops(backend, true, false, 784, 400, 128),
    },
    vae_step_ms: vaeStepMs(),
    heap_mb_before: heap.before,
    heap_mb_after: heap.after,
    heap_steps: HEAP_STEPS,
  };
  console.log(JSON.stringify(line));
  setBackend(previous);
  // The wasm backend's worker threads would keep the process alive.
  if ('dispose' in backend && typeof backend.dispose === 'function') backend.dispose();
}
