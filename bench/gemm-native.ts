// GFLOPS of the native float32 GEMM on the reference VAE shapes (784-400-…,
// batch 128), forward NN and the backward NT (dX = dY·Wᵀ) and TN (dW = Xᵀ·dY),
// and µs per call of its latent-width (20) GEMMs, which overheads dominate; and ms
// per call of the first layer's forward x·W1ᵀ and weight gradient gᵀ·x on a real
// MNIST batch (81% zero pixels, whose all-zero k steps are skipped) against dense x.
// Prints one JSON line: median of repeats per shape, plus GFLOP per second of
// process CPU time, which stays meaningful when other processes share the cores.
// Run: npx tsx bench/gemm-native.ts [repeats]; ELBO_NUM_THREADS=1 for one core.
import { loadavg } from 'node:os';
import { nativeGemm, nativeInfo } from '../src/backend/native/index.js';
import { FIRST_LAYER_SHAPES, mnistBatch, REFERENCE_GEMM_SHAPES, timeMs } from './reference.js';

const gemm = nativeGemm();
if (!gemm) {
  console.log(JSON.stringify({ error: nativeInfo().reason }));
  process.exit(1);
}

const SHAPES = REFERENCE_GEMM_SHAPES;
// The VAE step's GEMMs through its 400 → 20 (μ, log σ²) and 20 → 400 layers.
const LATENT_SHAPES = [
  { name: 'NN 128x400*400x20', tA: false, tB: false, m: 128, n: 20, k: 400 },
  { name: 'NT 128x400*(20x400)T', tA: false, tB: true, m: 128, n: 20, k: 400 },
  { name: 'TN (128x20)T*128x400', tA: true, tB: false, m: 20, n: 400, k: 128 },
  { name: 'TN (128x400)T*128x20', tA: true, tB: false, m: 400, n: 20, k: 128 },
  { name: 'NN 128x20*20x400', tA: false, tB: false, m: 128, n: 400, k: 20 },
  { name: 'NT 128x20*(400x20)T', tA: false, tB: true, m: 128, n: 400, k: 20 },
] as const;

function filled(n: number, seed: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = ((i * 2654435761 + seed) % 1000) / 1000 - 0.5;
  return x;
}

const repeats = Number(process.argv[2] ?? 30);

/** Median ms per call over `repeats` samples of ≥ 20 ms each (timer resolution is moot), wall and process CPU. */
function time(
  s: { tA: boolean; tB: boolean; m: number; n: number; k: number }, a = filled(s.m * s.k, 1), b = filled(s.k * s.n, 2),
): { wall: number; cpu: number } {
  const lda = s.tA ? s.m : s.k, ldb = s.tB ? s.k : s.n;
  const c = new Float32Array(s.m * s.n);
  return timeMs(() => gemm!(s.tA, s.tB, s.m, s.n, s.k, a, 0, lda, b, 0, ldb, 0, c, 0, s.n), repeats, 20, 5);
}

const gflops: Record<string, number> = {};
const gflopsPerCpuSecond: Record<string, number> = {};
for (const s of SHAPES) {
  const { wall, cpu } = time(s);
  const flop = 2 * s.m * s.n * s.k;
  gflops[s.name] = Number((flop / (wall * 1e6)).toFixed(1));
  gflopsPerCpuSecond[s.name] = Number((flop / (cpu * 1e6)).toFixed(1));
}
const latentUs: Record<string, number> = {};
for (const s of LATENT_SHAPES) latentUs[s.name] = Number((time(s).wall * 1000).toFixed(1));

const x = mnistBatch(new Float32Array(128 * 784));
const dense = filled(128 * 784, 3);
const firstLayerMs: Record<string, { mnist: number; dense: number }> = {};
const ms = (v: { wall: number }): number => Number(v.wall.toFixed(3));
for (const s of FIRST_LAYER_SHAPES) {
  // x is op(A) of the forward and op(B) of the weight gradient.
  const run = (batch: Float32Array): number => ms(s.tA ? time(s, undefined, batch) : time(s, batch));
  firstLayerMs[s.name] = { mnist: run(x), dense: run(dense) };
}
const { isa, threads } = nativeInfo();
console.log(JSON.stringify({ isa, threads, load1: Number(loadavg()[0].toFixed(2)), gflops, gflopsPerCpuSecond, latentUs, firstLayerMs }));
