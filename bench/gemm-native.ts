// GFLOPS of the native float32 GEMM on the reference VAE shapes (784-400-…,
// batch 128), forward NN and the backward NT (dX = dY·Wᵀ) and TN (dW = Xᵀ·dY).
// Prints one JSON line: median of repeats per shape. Run: npx tsx bench/gemm-native.ts
import { nativeGemm, nativeInfo } from '../src/backend/native/index.js';

const gemm = nativeGemm();
if (!gemm) {
  console.log(JSON.stringify({ error: nativeInfo().reason }));
  process.exit(1);
}

interface Shape { name: string; tA: boolean; tB: boolean; m: number; n: number; k: number }

const SHAPES: Shape[] = [
  { name: 'NN 128x784*784x400', tA: false, tB: false, m: 128, n: 400, k: 784 },
  { name: 'NN 128x400*400x784', tA: false, tB: false, m: 128, n: 784, k: 400 },
  { name: 'NT 128x400*(784x400)T', tA: false, tB: true, m: 128, n: 784, k: 400 },
  { name: 'NT 128x784*(400x784)T', tA: false, tB: true, m: 128, n: 400, k: 784 },
  { name: 'TN (128x784)T*128x400', tA: true, tB: false, m: 784, n: 400, k: 128 },
  { name: 'TN (128x400)T*128x784', tA: true, tB: false, m: 400, n: 784, k: 128 },
];

function filled(n: number, seed: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = ((i * 2654435761 + seed) % 1000) / 1000 - 0.5;
  return x;
}

const repeats = Number(process.argv[2] ?? 30);
const result: Record<string, number | string> = { isa: nativeInfo().isa, threads: nativeInfo().threads };
for (const s of SHAPES) {
  const lda = s.tA ? s.m : s.k, ldb = s.tB ? s.k : s.n;
  const a = filled(s.m * s.k, 1), b = filled(s.k * s.n, 2), c = new Float32Array(s.m * s.n);
  const run = (): void => gemm(s.tA, s.tB, s.m, s.n, s.k, a, 0, lda, b, 0, ldb, 0, c, 0, s.n);
  for (let i = 0; i < 5; i++) run();
  // Each sample times enough calls to last ≥ 20 ms, so timer resolution is moot.
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    let calls = 0;
    const t0 = performance.now();
    let t1 = t0;
    while (t1 - t0 < 20) {
      run();
      calls++;
      t1 = performance.now();
    }
    times.push((t1 - t0) / calls);
  }
  times.sort((x, y) => x - y);
  const ms = times[Math.floor(times.length / 2)];
  result[s.name] = Number(((2 * s.m * s.n * s.k) / (ms * 1e6)).toFixed(1));
}
console.log(JSON.stringify(result));
