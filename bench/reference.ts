// What the benchmarks share: the GEMM shapes of the reference VAE (forward NN,
// backward NT and TN), its first layer's on a real MNIST batch, and one training
// step of a VAE-shaped MLP.
import { loadDataset } from '../src/data/node.js';
import { Adam, Rng, add, bceWithLogits, exp, mlp, mul, rand, randn, relu, slice, square, sub, sum } from '../src/index.js';

export interface GemmShape { name: string; tA: boolean; tB: boolean; m: number; n: number; k: number }

export const REFERENCE_GEMM_SHAPES: readonly GemmShape[] = [
  { name: 'NN 128x784*784x400', tA: false, tB: false, m: 128, n: 400, k: 784 },
  { name: 'NN 128x400*400x784', tA: false, tB: false, m: 128, n: 784, k: 400 },
  { name: 'NT 128x400*(784x400)T', tA: false, tB: true, m: 128, n: 784, k: 400 },
  { name: 'NT 128x784*(400x784)T', tA: false, tB: true, m: 128, n: 400, k: 784 },
  { name: 'TN (128x784)T*128x400', tA: true, tB: false, m: 784, n: 400, k: 128 },
  { name: 'TN (128x400)T*128x784', tA: true, tB: false, m: 400, n: 784, k: 128 },
];

/** The first layer's forward x·W1ᵀ and weight gradient gᵀ·x, where x is a batch of MNIST images (81% zero pixels). */
export const FIRST_LAYER_SHAPES: readonly GemmShape[] = [
  { name: 'x·W1T', tA: false, tB: true, m: 128, n: 400, k: 784 },
  { name: 'gT·x', tA: true, tB: false, m: 400, n: 784, k: 128 },
];

let batch: Float32Array | null = null;

/**
 * 128 MNIST training images spread over the set, pixels / 255 as the reference VAE sees them,
 * written into x (128·784 floats). The set is loaded once per process.
 */
export function mnistBatch(x: Float32Array): Float32Array {
  if (!batch) {
    const mnist = loadDataset('mnist');
    batch = new Float32Array(128 * 784);
    for (let r = 0; r < 128; r++) batch.set(mnist.x.subarray(((r * 467) % mnist.n) * 784, ((r * 467) % mnist.n + 1) * 784), r * 784);
  }
  x.set(batch);
  return x;
}

/** One training step of a VAE-shaped MLP: 784-400-(20 μ, 20 log σ²), 20-400-784, batch 128, Bernoulli logits + KL, Adam. */
export function referenceVaeStep(): () => void {
  const rng = new Rng(2);
  const encoder = mlp([784, 400, 40], rng, { activation: relu });
  const decoder = mlp([20, 400, 784], rng, { activation: relu });
  const opt = new Adam([...encoder.parameters(), ...decoder.parameters()], 1e-3);
  const x = rand([128, 784], rng);
  return () => {
    const h = encoder.forward(x);
    const mu = slice(h, [null, [0, 20]]);
    const logVar = slice(h, [null, [20, 40]]);
    const z = add(mu, mul(exp(mul(logVar, 0.5)), randn([128, 20], rng)));
    const recon = bceWithLogits(decoder.forward(z), x, 'sum');
    // KL(q‖N(0, I)) = −½ Σ (1 + log σ² − μ² − σ²)
    const kl = mul(sum(sub(add(logVar, 1), add(square(mu), exp(logVar)))), -0.5);
    const loss = mul(add(recon, kl), 1 / 128);
    opt.zeroGrad();
    loss.backward();
    opt.step();
  };
}

export function median(xs: readonly number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Median wall and CPU ms per call of fn. Each sample repeats fn for at least minMs, so timer
 * resolution is moot; CPU time stays meaningful when other processes share the cores.
 */
export function timeMs(fn: () => void, samples: number, minMs: number, warmup = 3): { wall: number; cpu: number } {
  for (let i = 0; i < warmup; i++) fn();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let s = 0; s < samples; s++) {
    let calls = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    let t1 = t0;
    do {
      fn();
      calls++;
      t1 = performance.now();
    } while (t1 - t0 < minMs);
    const used = process.cpuUsage(c0);
    wall.push((t1 - t0) / calls);
    cpu.push((used.user + used.system) / 1000 / calls);
  }
  return { wall: median(wall), cpu: median(cpu) };
}
