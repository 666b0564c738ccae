// Run by test/backend/native-threads.test.ts in a child process whose ELBO_NUM_THREADS sets the
// native pool's size: prints one JSON object of digests of the native kernels' results on seeded
// data (GEMMs, a gemmPair, Adam, a long sum, fused BCE, a gather, all big enough to split over the pool).
import { jsBackend } from '../../src/backend/js/index.js';
import { loadNativeBackend, nativeInfo } from '../../src/backend/native/index.js';
import { Rng } from '../../src/tensor/random.js';

const be = loadNativeBackend(jsBackend);
if (!be) throw new Error(`native addon not built: ${nativeInfo().reason ?? ''}`);
const rng = new Rng(20261207);

/** MNIST-like values: about 80% exact zeros, so the GEMMs' zero skipping is exercised too. */
function floats(n: number, zeros = 0): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = rng.uniform() < zeros ? 0 : rng.normal();
  return x;
}

/** FNV-1a over the bits. */
function digest(x: Float32Array): string {
  let h = 0x811c9dc5;
  for (const w of new Uint32Array(x.buffer, x.byteOffset, x.length)) h = Math.imul(h ^ w, 0x01000193) >>> 0;
  return h.toString(16);
}

const out: Record<string, string> = {};
const x = floats(128 * 784, 0.8);
const w = floats(400 * 784);
const g = floats(128 * 400);
const c1 = new Float32Array(128 * 400);
be.gemm(false, true, 128, 400, 784, x, 0, 784, w, 0, 784, 0, c1, 0, 400);
out['x·Wᵀ'] = digest(c1);
const c2 = new Float32Array(400 * 784);
be.gemm(true, false, 400, 784, 128, g, 0, 400, x, 0, 784, 0, c2, 0, 784);
out['gᵀ·x'] = digest(c2);
const c3 = new Float32Array(128 * 784);
be.gemm(false, false, 128, 784, 400, g, 0, 400, w, 0, 784, 0, c3, 0, 784);
out['g·W'] = digest(c3);
// A dense layer's input and weight gradients as one pair: sequential on one thread, one a thread on two.
const dx = new Float32Array(128 * 784);
const dw = new Float32Array(400 * 784);
be.gemmPair!(
  { transA: false, transB: false, m: 128, n: 784, k: 400, a: g, aOff: 0, lda: 400, b: w, bOff: 0, ldb: 784, beta: 0, c: dx, cOff: 0, ldc: 784 },
  { transA: true, transB: false, m: 400, n: 784, k: 128, a: g, aOff: 0, lda: 400, b: x, bOff: 0, ldb: 784, beta: 0, c: dw, cOff: 0, ldc: 784 },
);
out.gemmPair = `${digest(dx)} ${digest(dw)}`;
const p = floats(313600);
const m = new Float32Array(313600);
const v = new Float32Array(313600);
for (let t = 1; t <= 3; t++) be.adamStep(p, c2, m, v, 1e-3, 0.9, 0.999, 1e-8, 1 - 0.9 ** t, 1 - 0.999 ** t, 0, false);
out.adam = `${digest(p)} ${digest(m)} ${digest(v)}`;
const s = new Float32Array(1);
be.reduce('sum', p, 1, p.length, 1, s);
out.sum = digest(s);
const loss = new Float32Array(c3.length);
const sig = new Float32Array(c3.length);
be.bceLogits(c3, x.map((z) => Math.min(Math.abs(z), 1)), loss, sig);
out.bce = `${digest(loss)} ${digest(sig)}`;
const rows = Int32Array.from({ length: 128 }, () => Math.floor(rng.uniform() * 400));
const gathered = new Float32Array(128 * 784);
be.gather(c2, 1, 400, 784, rows, gathered);
out.gather = digest(gathered);
process.stdout.write(`${JSON.stringify(out)}\n`);
