// The wasm heap that backs tensor buffers: aligned blocks, exact-size reuse, coalescing when memory
// cannot grow, -1 when exhausted; and the backend's allocate, whose views the kernels use in place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsBackend } from '../../src/backend/js/index.js';
import { BLOCK, WasmHeap } from '../../src/backend/wasm/heap.js';
import { createWasmBackendNode } from '../../src/backend/wasm/node.js';
import { Rng } from '../../src/tensor/random.js';
import { checkGemmCase, makeGemmCase } from '../helpers/gemm-check.js';
import type { Backend, FloatArray } from '../../src/backend/backend.js';

const PAGE = 65536;

function heapOf(pages: number, base = 0): { heap: WasmHeap; grows: () => number } {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: pages, shared: true });
  let grows = 0;
  return { heap: new WasmHeap(memory, base, pages * PAGE, () => grows++), grows: () => grows };
}

test('heap blocks are 64-byte aligned, disjoint, start at the base, and grow memory on demand', () => {
  const { heap, grows } = heapOf(8, 100);
  const blocks = [1, 63, 64, 65, 1000, 70000].map((bytes) => ({ at: heap.alloc(bytes), bytes }));
  assert.equal(blocks[0]!.at, 128);
  for (const { at } of blocks) assert.equal(at % BLOCK, 0, `block at ${at}`);
  const sorted = blocks.slice().sort((a, b) => a.at - b.at);
  for (let i = 1; i < sorted.length; i++) assert.ok(sorted[i - 1]!.at + sorted[i - 1]!.bytes <= sorted[i]!.at, 'blocks overlap');
  assert.ok(grows() >= 1, 'a 70 kB block needs a second page');
});

test('a released block is handed out again for the same size', () => {
  const { heap } = heapOf(4);
  const a = heap.alloc(4000);
  heap.alloc(4000);
  heap.release(a);
  assert.equal(heap.alloc(3990), a);
  assert.throws(() => heap.release(a + 64), /not an allocated block/);
});

test('when memory cannot grow, adjacent free blocks merge to serve a larger request; -1 once nothing fits', () => {
  const { heap } = heapOf(1);
  const blocks: number[] = [];
  for (let at = heap.alloc(8192); at >= 0; at = heap.alloc(8192)) blocks.push(at);
  assert.equal(blocks.length, PAGE / 8192);
  heap.release(blocks[2]!);
  heap.release(blocks[3]!);
  assert.equal(heap.alloc(16384), blocks[2], 'two neighbouring 8 kB blocks serve 16 kB');
  assert.equal(heap.alloc(64), -1);
  heap.release(blocks[7]!);
  assert.equal(heap.alloc(100), blocks[7], 'a free block at the top returns to the bump range');
  assert.equal(heap.usedBytes, PAGE - 8192 + 128);
});

const be = await createWasmBackendNode(jsBackend, {
  threads: 2, minWasmMacs: 0, minWasmElements: 0, minParallelMacs: 0, minParallelElements: 0,
});

/** x copied into a buffer from be.allocate (wasm memory), or a view at `off` into one. */
function inWasm(x: Float32Array): Float32Array {
  const y = be.allocate!(false, x.length + 256) as Float32Array;
  y.set(x);
  return y.subarray(0, x.length);
}

test('allocate hands out float32 views of wasm memory; for small and float64 buffers it gives null (the pool makes plain ones)', () => {
  assert.ok(be.wasm.ownBuffers);
  const big = be.allocate!(false, 1000);
  assert.ok(big instanceof Float32Array && big.buffer instanceof SharedArrayBuffer && big.byteOffset % BLOCK === 0);
  assert.equal(be.allocate!(false, 10), null);
  assert.equal(be.allocate!(true, 1000), null);
});

test('gemm on operands in wasm memory (at offsets, padded ld) matches float64, C written in place', () => {
  const rng = new Rng(41);
  const gemm: Backend['gemm'] = (tA, tB, m, n, k, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc) => {
    const cw = inWasm(c as Float32Array);
    be.gemm(tA, tB, m, n, k, inWasm(a as Float32Array), aOff, lda, inWasm(b as Float32Array), bOff, ldb, beta, cw, cOff, ldc);
    c.set(cw);
  };
  for (const [m, n, k] of [[1, 1, 1], [6, 9, 17], [37, 29, 53], [11, 17, 257], [161, 9, 20], [3, 1030, 5]] as const) {
    for (const [tA, tB] of [[false, false], [false, true], [true, false], [true, true]] as const) {
      for (const beta of [0, 1] as const) checkGemmCase(gemm, 'wasm memory', 'float32', rng, makeGemmCase(rng, m, n, k, tA, tB, beta));
    }
  }
});

test('elementwise kernels on operands in wasm memory, in place included, equal those on plain arrays', () => {
  const rng = new Rng(42);
  const plainOf = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.normal());
  for (const n of [1, 5, 4099]) {
    const x = plainOf(n);
    const y = plainOf(n);
    // The JS backend sums in float32 one element after another, the wasm one in float64 lanes: they
    // may differ by the float32 sum's rounding, (n − 1)·2⁻²⁴·Σ|x| at most.
    const sumSlack = (n - 1) * 2 ** -24 * x.reduce((s, v) => s + Math.abs(v), 0);
    const same = (label: string, run: (k: Backend, xs: Float32Array[]) => FloatArray[], slack = 0): void => {
      const want = run(jsBackend, [x.slice(), y.slice(), new Float32Array(n), new Float32Array(n)]);
      const got = run(be, [inWasm(x), inWasm(y), inWasm(new Float32Array(n)), inWasm(new Float32Array(n))]);
      got.forEach((g, i) => {
        for (let j = 0; j < n; j++) {
          if (Math.abs(g[j]! - want[i]![j]!) > 1e-6 * (1 + Math.abs(want[i]![j]!)) + slack) assert.fail(`${label} n=${n}: output ${i}[${j}] is ${g[j]}, want ${want[i]![j]}`);
        }
      });
    };
    same('relu in place', (k, [a]) => (k.unary('relu', a!, a!, 0, 0), [a!]));
    same('sigmoid', (k, [a, , o]) => (k.unary('sigmoid', a!, o!, 0, 0), [o!]));
    same('mul in place', (k, [a, b]) => (k.binary('mul', a!, [n], b!, [n], a!, [n]), [a!]));
    same('sum', (k, [a, , o]) => (k.reduce('sum', a!, 1, n, 1, o!), [o!.subarray(0, 1)]), sumSlack);
    same('bceLogits', (k, [a, b, o, s]) => (k.bceLogits(a!, b!.map((v) => 1 / (1 + Math.exp(-v))), o!, s!), [o!, s!]));
    same('adamStep', (k, [p, g, m, v]) => {
      v!.fill(0.5);
      k.adamStep(p!, g!, m!, v!, 1e-3, 0.9, 0.999, 1e-8, 0.1, 0.001, 0, false);
      return [p!, m!, v!];
    });
  }
});

test('buffers dropped by a loop return to the heap: 1.2 GB of 4 MB tensors fit the 1 GiB memory when the loop yields', async () => {
  const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  let missed = 0;
  for (let i = 0; i < 300; i++) {
    const x = be.allocate!(false, 1 << 20);
    if (x?.buffer instanceof SharedArrayBuffer) x[0] = i;
    else missed++;
    if (i % 10 === 9) await tick();
  }
  assert.equal(missed, 0, `${missed} of 300 asks found no room in wasm memory`);
  assert.ok(be.heapBytes() < 512 * 2 ** 20, `heap holds ${be.heapBytes()} bytes`);
});

test('kernels on allocate\'s buffers, older and newer than a growth of memory, write their results in place', () => {
  const a = be.allocate!(false, 1 << 22)!; // 16 MB: grows memory
  const b = be.allocate!(false, 1 << 22)!;
  const out = be.allocate!(false, 1 << 22)!;
  a.fill(1.5);
  b.fill(2);
  be.binary('mul', a, [1 << 22], b, [1 << 22], out, [1 << 22]);
  assert.equal(out[0], 3);
  assert.equal(out[(1 << 22) - 1], 3);
  const early = be.allocate!(false, 1000)!;
  early.fill(-1);
  be.unary('relu', early, early, 0, 0);
  assert.equal(early[999], 0);
});
