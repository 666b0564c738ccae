// The native gemmPair's deferred second product (a dense layer's weight gradient left to finish
// on the worker while the backward pass goes on): the bits are those of two gemm calls, every
// kernel handed the pending product waits for it, sync() reports the wait, and a layer's backward
// through the tape gives the gradients it gives without deferring. Skipped when the addon is not
// built; the deferral itself needs a pool of two threads or more.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadNativeBackend, nativeGemm, nativeInfo } from '../../src/backend/native/index.js';
import { jsBackend } from '../../src/backend/js/index.js';
import { gemmArgs, type Backend, type GemmCall } from '../../src/backend/backend.js';
import { getBackend, setBackend } from '../../src/backend/registry.js';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { linear, mul, randn, sum } from '../../src/ops/index.js';

const native = loadNativeBackend(jsBackend);
const gemm = nativeGemm();
const skip = native && gemm ? false : `native addon not built: ${nativeInfo().reason ?? ''}`;
const defers = nativeInfo().threads > 1;

function floats(rng: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal());
}

/** The reference VAE's output layer backward: G·W (128×784 · 784×400) and Gᵀ·h (784×128 · 128×400). */
function outputLayerPair(rng: Rng): { first: GemmCall; second: GemmCall } {
  const [batch, outF, inF] = [128, 784, 400];
  const g = floats(rng, batch * outF);
  const first: GemmCall = { transA: false, transB: false, m: batch, n: inF, k: outF, a: g, aOff: 0, lda: outF, b: floats(rng, outF * inF), bOff: 0, ldb: inF, beta: 0, c: new Float32Array(batch * inF), cOff: 0, ldc: inF };
  const second: GemmCall = { transA: true, transB: false, m: outF, n: inF, k: batch, a: g, aOff: 0, lda: outF, b: floats(rng, batch * inF), bOff: 0, ldb: inF, beta: 0, c: new Float32Array(outF * inF), cOff: 0, ldc: inF };
  return { first, second };
}

function expectedOf(call: GemmCall): Float32Array {
  const c = new Float32Array(call.c.length);
  gemm!(...gemmArgs({ ...call, c }));
  return c;
}

test('gemmPair with deferSecond gives the bits of two gemm calls; the weight gradient is left running, and sync() waits for it and says so', { skip }, () => {
  const { first, second } = outputLayerPair(new Rng(1201));
  const want = [expectedOf(first), expectedOf(second)];
  native!.gemmPair!(first, second, true);
  assert.deepEqual(first.c, want[0], 'the input gradient is done on return');
  assert.equal(native!.sync!(), defers, defers ? 'the weight gradient was still pending' : 'one thread: nothing deferred');
  assert.deepEqual(second.c, want[1]);
  assert.equal(native!.sync!(), false, 'nothing left to wait for');
});

test('a kernel handed the pending product waits for it first: an add over the deferred weight gradient sees it finished', { skip }, () => {
  const { first, second } = outputLayerPair(new Rng(1202));
  const want = expectedOf(second);
  native!.gemmPair!(first, second, true);
  const shape = [second.m, second.n];
  const out = new Float32Array(second.c.length);
  native!.binary('add', second.c, shape, new Float32Array(1), [1, 1], out, shape);
  assert.deepEqual(out, want);
  assert.equal(native!.sync!(), false, 'the add already waited');
});

test('a kernel the JS base runs for the native backend (an add of rank 17) waits for the deferred product too', { skip }, () => {
  const { first, second } = outputLayerPair(new Rng(1205));
  const want = expectedOf(second);
  native!.gemmPair!(first, second, true);
  const shape = [second.m, second.n, ...new Array<number>(15).fill(1)];
  const out = new Float32Array(second.c.length);
  native!.binary('add', second.c, shape, new Float32Array(1), shape.map(() => 1), out, shape);
  assert.deepEqual(out, want);
  assert.equal(native!.sync!(), false, 'the add already waited');
});

test('gemmPair defers nothing it cannot: float64, beta 1 and small products come back done', { skip }, () => {
  const rng = new Rng(1203);
  const { first, second } = outputLayerPair(rng);
  const f64 = (g: GemmCall): GemmCall => ({ ...g, a: Float64Array.from(g.a), b: Float64Array.from(g.b), c: new Float64Array(g.c.length) });
  const small: GemmCall = { ...second, m: 20, a: floats(rng, 128 * 20), lda: 20, c: new Float32Array(20 * 400) };
  for (const [name, a, b] of [['float64', f64(first), f64(second)], ['beta 1', first, { ...second, beta: 1 as const }], ['small', first, small]] as const) {
    native!.gemmPair!(a, b, true);
    assert.equal(native!.sync!(), false, name);
  }
});

test('a dense layer\'s backward on the native backend defers its weight gradient and gives the gradients it gives without deferring, bit for bit', { skip }, () => {
  const prev = getBackend();
  const run = (defer: boolean): { grads: Float32Array[]; waited: boolean } => {
    let waited = false;
    const be: Backend = {
      ...native!,
      gemmPair: (a, b, d) => native!.gemmPair!(a, b, defer && d),
      sync: () => {
        const w = native!.sync!();
        waited ||= w;
        return w;
      },
    };
    setBackend(be);
    try {
      const rng = new Rng(1204);
      const h = new Tensor(randn([128, 400], rng).data, [128, 400], undefined, 0, true);
      const w = new Tensor(randn([784, 400], rng).data, [784, 400], undefined, 0, true);
      const b = new Tensor(randn([784], rng).data, [784], undefined, 0, true);
      sum(mul(linear(h, w, b, 'relu'), randn([128, 784], rng))).backward();
      return { grads: [h, w, b].map((t) => Float32Array.from(t.grad!.data)), waited };
    } finally {
      setBackend(prev);
    }
  };
  const deferred = run(true);
  const plain = run(false);
  assert.equal(deferred.waited, defers, 'the tape waited for the deferred weight gradient');
  assert.equal(plain.waited, false);
  deferred.grads.forEach((g, i) => assert.deepEqual(g, plain.grads[i], `gradient ${['h', 'w', 'b'][i]}`));
});
