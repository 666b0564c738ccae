// The WebAssembly backend's gemm against a float64 triple loop: every transpose combo, odd and
// cache-block-crossing sizes, offsets, padded leading dimensions, beta 0/1, with and without
// relaxed-SIMD FMA, on one thread and split over two, in shared and unshared memory; its
// elementwise kernels against the JS backend (bit for bit where the ops are exact); its
// fallbacks; and its reproducible build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { resolveObjectURL } from 'node:buffer';
import { Worker as NodeWorker } from 'node:worker_threads';
import type { Backend, BinaryKernel, UnaryKernel } from '../../src/backend/backend.js';
import { jsBackend } from '../../src/backend/js/index.js';
import { createWasmBackendNode, nodeWorkerPrelude } from '../../src/backend/wasm/node.js';
import { createWasmBackend, webWorkerPrelude, workerSource } from '../../src/backend/wasm/index.js';
import { Rng } from '../../src/tensor/random.js';
import { checkGemmCase, makeGemmCase, randomFloats, type GemmCase } from '../helpers/gemm-check.js';
import { checkAdamFloat32 } from '../helpers/adam-check.js';


// minWasmMacs 0 sends even 1×1×1 products through the kernel; minParallelMacs 0 splits them too.
const single = await createWasmBackendNode(jsBackend, { threads: 1, minWasmMacs: 0, minWasmElements: 0 });
const plain = await createWasmBackendNode(jsBackend, { threads: 1, minWasmMacs: 0, minWasmElements: 0, relaxedSimd: false });
const split = await createWasmBackendNode(jsBackend, {
  threads: 2, minWasmMacs: 0, minWasmElements: 0, minParallelMacs: 0, minParallelElements: 0,
});
// Unshared memory (as without cross-origin isolation): no allocate, and growth detaches its buffer.
const unshared = await createWasmBackendNode(jsBackend, { threads: 1, minWasmMacs: 0, minWasmElements: 0, ownBuffers: false });
const variants: Backend[] = [single, plain, split, unshared];
const label = (be: Backend): string => (be === unshared ? `${be.name} (unshared memory)` : be.name);

test('unshared memory hands out no buffers; shared memory does, even on one thread', () => {
  assert.equal(unshared.allocate, undefined);
  assert.equal(unshared.wasm.ownBuffers, false);
  assert.ok(single.wasm.ownBuffers && single.allocate);
});

function randomArray(rng: Rng, n: number): Float32Array {
  return randomFloats(rng, 'float32', n) as Float32Array;
}

function checkCase(be: Backend, rng: Rng, cs: GemmCase): void {
  checkGemmCase(be.gemm, be.name, 'float32', rng, cs);
}

const COMBOS: [boolean, boolean][] = [[false, false], [false, true], [true, false], [true, true]];

// Edges of the 5×8 register block, the KC = 256 depth panel, the MC = 160 row block and the NC = 1024 column block;
// then narrow Cs computed transposed (n < 64 and not whole 8-column panels, m whole ones: the latent width 20).
const SHAPES: [number, number, number][] = [
  [1, 1, 1], [5, 8, 1], [4, 7, 3], [6, 9, 17], [37, 29, 53], [10, 16, 256], [11, 17, 257],
  [161, 9, 20], [3, 1030, 5], [128, 40, 300],
  [128, 20, 300], [24, 3, 5], [8, 63, 2],
];

for (const be of variants) {
  test(`${label(be)}: gemm matches float64 on odd and block-crossing shapes, all transposes, offsets, padded ld, beta 0/1`, () => {
    const rng = new Rng(2024);
    for (const [m, n, k] of SHAPES) {
      for (const [tA, tB] of COMBOS) {
        for (const beta of [0, 1] as const) checkCase(be, rng, makeGemmCase(rng, m, n, k, tA, tB, beta));
      }
    }
  });

  test(`${label(be)}: gemm matches float64 on 40 random shapes up to 70×70×70`, () => {
    const rng = new Rng(7);
    const dim = (): number => 1 + Math.floor(rng.uniform() * 70);
    for (let t = 0; t < 40; t++) {
      const [tA, tB] = COMBOS[t % 4]!;
      checkCase(be, rng, makeGemmCase(rng, dim(), dim(), dim(), tA, tB, t % 3 === 0 ? 1 : 0));
    }
  });
}

test('two threads split the rows of a tall C and the columns of a wide C, matching float64', () => {
  const rng = new Rng(11);
  for (const [tA, tB] of COMBOS) {
    checkCase(split, rng, makeGemmCase(rng, 203, 13, 41, tA, tB, 1)); // m > n: split by rows
    checkCase(split, rng, makeGemmCase(rng, 9, 203, 41, tA, tB, 0)); // n ≥ m: split by columns
  }
});

test('a gemm on plain arrays larger than wasm memory grows it and still matches the JS backend', () => {
  const rng = new Rng(5);
  const [m, n, k] = [300, 500, 600]; // ≈ 2.5 MB of operands
  const a = randomArray(rng, m * k);
  const b = randomArray(rng, k * n);
  const want = new Float32Array(m * n);
  const got = new Float32Array(m * n);
  jsBackend.gemm(false, false, m, n, k, a, 0, k, b, 0, n, 0, want, 0, n);
  for (const be of variants) {
    be.gemm(false, false, m, n, k, a, 0, k, b, 0, n, 0, got, 0, n);
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / (1 + Math.abs(want[i]!)));
    assert.ok(worst < 1e-4, `${be.name}: ${m}×${k}·${k}×${n} max rel error ${worst}`);
  }
});

test('k = 0 zeroes C for beta 0 and keeps it for beta 1; m = 0 or n = 0 touches nothing', () => {
  for (const be of variants) {
    const c = Float32Array.from([1, 2, 3, 4, 5, 6]);
    be.gemm(false, false, 2, 3, 0, new Float32Array(0), 0, 0, new Float32Array(0), 0, 3, 1, c, 0, 3);
    assert.deepEqual([...c], [1, 2, 3, 4, 5, 6], `${be.name}: beta 1`);
    be.gemm(false, false, 2, 3, 0, new Float32Array(0), 0, 0, new Float32Array(0), 0, 3, 0, c, 0, 3);
    assert.deepEqual([...c], [0, 0, 0, 0, 0, 0], `${be.name}: beta 0`);
    const d = Float32Array.from([7, 8]);
    be.gemm(false, false, 0, 2, 4, new Float32Array(4), 0, 4, new Float32Array(8), 0, 2, 0, d, 0, 2);
    be.gemm(false, false, 1, 0, 4, new Float32Array(4), 0, 4, new Float32Array(8), 0, 0, 0, d, 0, 0);
    assert.deepEqual([...d], [7, 8], `${be.name}: empty C`);
  }
});

test('float64 gemm falls back to the base backend bit for bit', () => {
  const rng = new Rng(3);
  const [m, n, k] = [33, 21, 45];
  const a = Float64Array.from(randomArray(rng, m * k));
  const b = Float64Array.from(randomArray(rng, k * n));
  const want = new Float64Array(m * n);
  jsBackend.gemm(true, false, m, n, k, a, 0, m, b, 0, n, 0, want, 0, n);
  for (const be of variants) {
    const got = new Float64Array(m * n);
    be.gemm(true, false, m, n, k, a, 0, m, b, 0, n, 0, got, 0, n);
    assert.deepEqual(got, want, be.name);
  }
});

test('kernels without a wasm version are the base backend\'s own functions', () => {
  for (const be of variants) {
    for (const key of ['cholesky', 'trsm', 'lu', 'scatterAdd'] as const) {
      assert.equal(be[key], jsBackend[key], `${be.name}.${key}`);
    }
  }
});

/** Random float32 values with the awkward ones mixed in: ±0, ±∞, NaN, tiny and huge. */
function awkwardArray(rng: Rng, n: number): Float32Array {
  const special = [0, -0, Infinity, -Infinity, NaN, 1e-40, -3e38, 1];
  const x = randomArray(rng, n);
  for (let i = 0; i < n; i += 7) x[i] = special[Math.floor(rng.uniform() * special.length)]!;
  return x;
}

function assertSameBits(got: Float32Array, want: Float32Array, what: string): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) assert.fail(`${what}: element ${i} is ${got[i]}, the JS backend gives ${want[i]}`);
  }
}

test('unary neg, relu, step, square, abs and powScalar(2) are bit-identical to the JS backend, NaN and -0 included', () => {
  const rng = new Rng(21);
  // Lengths through the loop's pairs of vectors, a single vector after them (12, 21) and a tail.
  for (const n of [1, 3, 4, 12, 17, 21, 1000]) {
    const x = awkwardArray(rng, n);
    for (const op of ['neg', 'relu', 'step', 'square', 'abs', 'powScalar', 'log'] as UnaryKernel[]) {
      const want = new Float32Array(n);
      jsBackend.unary(op, x, want, 2, 0);
      for (const be of variants) {
        const got = new Float32Array(n);
        be.unary(op, x, got, 2, 0);
        assertSameBits(got, want, `${be.name} ${op} n=${n}`);
      }
    }
  }
});

test('unary exp, sigmoid and softplus are within 2 float32 ulp of the JS backend, with its NaN, ±∞, overflow and underflow', () => {
  const rng = new Rng(25);
  const n = 20005; // pairs of vectors, then a single one and a tail
  const x = awkwardArray(rng, n);
  for (let i = 0; i < n; i += 3) x[i] = (rng.uniform() - 0.5) * 220; // across exp's overflow and subnormal range
  x.set([88.7, 88.73, 89, -87.3, -103.9, -104, -120, 1e-8, -1e-8, 16.6, -16.6], 1);
  for (const op of ['exp', 'sigmoid', 'softplus'] as UnaryKernel[]) {
    const want = new Float32Array(n);
    jsBackend.unary(op, x, want, 0, 0);
    for (const be of variants) {
      const got = new Float32Array(n);
      be.unary(op, x, got, 0, 0);
      for (let i = 0; i < n; i++) {
        if (Object.is(got[i], want[i])) continue;
        const ulps = Math.abs(got[i]! - want[i]!) / Math.max(Math.abs(want[i]!) * 2 ** -23, 2 ** -149);
        if (!(ulps <= 2)) assert.fail(`${be.name} ${op}(${x[i]}) = ${got[i]}, the JS backend gives ${want[i]} (${ulps} ulp)`);
      }
    }
  }
});

test('bceLogits is within 3 float32 ulp (plus float64 rounding of ℓ) of the JS backend for targets in [0, 1], awkward logits included', () => {
  const rng = new Rng(26);
  const n = 20007; // blocks of the two-pass loop (pairs of vectors), the last ending in a single vector, and a tail
  const logits = awkwardArray(rng, n);
  for (let i = 0; i < n; i += 3) logits[i] = (rng.uniform() - 0.5) * 60;
  const target = new Float32Array(n);
  for (let i = 0; i < n; i++) target[i] = i % 3 === 0 ? Math.round(rng.uniform()) : i % 3 === 1 ? Math.floor(rng.uniform() * 256) / 255 : rng.uniform();
  const want = [new Float32Array(n), new Float32Array(n)] as const;
  jsBackend.bceLogits(logits, target, want[0], want[1]);
  for (const be of variants) {
    const got = [new Float32Array(n), new Float32Array(n)] as const;
    be.bceLogits(logits, target, got[0], got[1]);
    ['loss', 'sigmoid'].forEach((what, k) => {
      for (let i = 0; i < n; i++) {
        const g = got[k]![i]!;
        const w = want[k]![i]!;
        if (Object.is(g, w)) continue;
        // NOTE: both kernels form max(ℓ,0) + log1p(e) in float64 before subtracting ℓ·y, which rounds
        // log1p(e) to a grid of 2^-53·|ℓ|; so the loss may differ by that much beyond the ulps.
        const tol = 3 * Math.abs(w) * 2 ** -23 + (k === 0 ? 2 ** -51 * (Math.abs(logits[i]!) + 1) : 2 ** -149);
        if (!(Math.abs(g - w) <= tol)) assert.fail(`${be.name} bceLogits ${what} at ℓ=${logits[i]}, y=${target[i]}: ${g}, the JS backend gives ${w}`);
      }
    });
  }
});

test('bceLogits writing its outputs over its inputs (in wasm memory) gives the same bits as into fresh arrays', () => {
  const rng = new Rng(27);
  const n = 3001;
  for (const be of variants) {
    const own = (x: Float32Array): Float32Array => {
      const y = (be.allocate?.(false, x.length) ?? new Float32Array(x.length)) as Float32Array;
      y.set(x);
      return y;
    };
    const logits = awkwardArray(rng, n);
    const target = Float32Array.from({ length: n }, () => rng.uniform());
    const want = [new Float32Array(n), new Float32Array(n)] as const;
    be.bceLogits(logits, target, want[0], want[1]);
    const [l, t] = [own(logits), own(target)];
    be.bceLogits(l, t, l, t); // loss over the logits, σ over the targets
    assertSameBits(l, want[0], `${be.name} loss over its logits`);
    assertSameBits(t, want[1], `${be.name} σ over its targets`);
  }
});

test('binary add, sub, mul, div are bit-identical to the JS backend: same shape, rows, columns, scalars, and general broadcasts', () => {
  const rng = new Rng(22);
  const cases: [number[], number[], number[]][] = [
    [[13, 7], [13, 7], [13, 7]], [[13, 7], [1, 7], [13, 7]], [[1, 7], [13, 7], [13, 7]],
    [[13, 7], [1, 1], [13, 7]], [[1, 1], [13, 7], [13, 7]], [[13, 7], [13, 1], [13, 7]],
    [[2, 3, 9], [1, 3, 9], [2, 3, 9]], [[2, 3, 9], [2, 1, 9], [2, 3, 9]], [[1, 9], [4, 1], [4, 9]],
    [[13, 1], [1, 1], [13, 7]], [[2, 3, 1], [1, 1, 1], [2, 3, 5]], [[2, 1, 9], [1, 3, 1], [2, 3, 9]],
  ];
  for (const [aShape, bShape, outShape] of cases) {
    const a = awkwardArray(rng, aShape.reduce((x, y) => x * y, 1));
    const b = awkwardArray(rng, bShape.reduce((x, y) => x * y, 1));
    const n = outShape.reduce((x, y) => x * y, 1);
    for (const op of ['add', 'sub', 'mul', 'div', 'maximum'] as BinaryKernel[]) {
      const want = new Float32Array(n);
      jsBackend.binary(op, a, aShape, b, bShape, want, outShape);
      for (const be of variants) {
        const got = new Float32Array(n);
        be.binary(op, a, aShape, b, bShape, got, outShape);
        assertSameBits(got, want, `${be.name} ${op} [${aShape}]∘[${bShape}]`);
      }
    }
  }
});

test('where is bit-identical to the JS backend: NaN and -0 conditions, full, row, column and scalar operands, general broadcasts', () => {
  const rng = new Rng(24);
  const cases: [number[], number[], number[], number[]][] = [
    [[13, 7], [13, 7], [13, 7], [13, 7]], [[13, 7], [13, 7], [1, 1], [13, 7]], [[13, 7], [1, 1], [13, 7], [13, 7]],
    [[13, 7], [1, 7], [13, 1], [13, 7]], [[1, 7], [13, 7], [1, 1], [13, 7]], [[13, 1], [1, 1], [1, 7], [13, 7]],
    [[2, 3, 9], [2, 3, 9], [1, 1, 1], [2, 3, 9]], [[2, 1, 9], [1, 3, 1], [2, 3, 9], [2, 3, 9]], [[1, 1], [1, 1], [1, 1], [6, 5]],
    [[128, 400], [128, 400], [1, 1], [128, 400]],
  ];
  const size = (shape: number[]): number => shape.reduce((x, y) => x * y, 1);
  for (const [cShape, aShape, bShape, outShape] of cases) {
    // Conditions: awkward values (NaN picks a, ±0 picks b) and plenty of exact zeros.
    const cond = awkwardArray(rng, size(cShape)).map((v) => (rng.uniform() < 0.4 ? 0 : v));
    const a = awkwardArray(rng, size(aShape));
    const b = awkwardArray(rng, size(bShape));
    const want = new Float32Array(size(outShape));
    jsBackend.where(cond, cShape, a, aShape, b, bShape, want, outShape);
    for (const be of variants) {
      const got = new Float32Array(want.length);
      be.where(cond, cShape, a, aShape, b, bShape, got, outShape);
      assertSameBits(got, want, `${be.name} where [${cShape}] ? [${aShape}] : [${bShape}]`);
    }
  }
});

/** Σ x[off, off + n) in 16 float64 accumulators combined by halves (the native sumDouble), unrounded. */
function sum16(x: Float32Array, off: number, n: number): number {
  const acc = new Float64Array(16);
  for (let i = 0; i < n; i++) acc[i % 16] += x[off + i]!;
  for (let w = 8; w > 0; w >>= 1) for (let k = 0; k < w; k++) acc[k] += acc[k + w]!;
  return acc[0]!;
}

/** The native backend's full sum: sum16, or for one row of ≥ 2 blocks the blocks' sum16 added in order; rounded once. */
function nativeSum(x: Float32Array, off: number, n: number, outer: number): number {
  const block = 32768;
  if (outer > 1 || n < 2 * block) return Math.fround(sum16(x, off, n));
  let total = 0;
  for (let b = 0; b < n; b += block) total += sum16(x, off + b, Math.min(block, n - b));
  return Math.fround(total);
}

test('reduce sum equals the JS backend bit for bit across rows, and the native backend\'s float64 lane and block sum for full rows', () => {
  const rng = new Rng(23);
  for (const [outer, n, inner] of [[1, 128, 400], [128, 784, 1], [1, 313600, 1], [1, 50000, 1], [1, 65536, 1], [1, 98305, 1], [3, 5, 7], [2, 9, 33], [4, 0, 5], [1, 1, 20], [2, 37, 1]] as const) {
    const x = randomArray(rng, outer * n * inner);
    for (const op of ['sum', 'max'] as const) {
      const want = new Float32Array(outer * inner);
      if (op === 'sum' && inner === 1) for (let o = 0; o < outer; o++) want[o] = nativeSum(x, o * n, n, outer);
      else jsBackend.reduce(op, x, outer, n, inner, want);
      for (const be of variants) {
        const got = new Float32Array(outer * inner);
        be.reduce(op, x, outer, n, inner, got);
        assertSameBits(got, want, `${be.name} ${op} [${outer}, ${n}, ${inner}]`);
      }
    }
  }
});

test('copyStrided of a broadcast scalar, a transpose, a bias row broadcast over rows and gapped row slices equals the JS backend', () => {
  const src = Float32Array.from({ length: 5000 }, (_, i) => (i % 17) * 0.75 - 5);
  for (const be of variants) {
    const inWasm = (be.allocate?.(false, src.length) ?? new Float32Array(src.length)) as Float32Array;
    inWasm.set(src);
    for (const [off, shape, strides] of [
      [1, [4, 3], [0, 0]], [0, [3, 2], [1, 3]], [2, [], []],
      [3, [128, 37], [0, 1]], [0, [40, 100], [0, 1]], [7, [20, 61], [83, 1]], [0, [9, 400], [400, 1]],
    ] as [number, number[], number[]][]) {
      for (const from of [src, inWasm]) {
        const n = shape.reduce((x, y) => x * y, 1);
        const want = new Float32Array(n);
        const got = new Float32Array(n);
        jsBackend.copyStrided(from, off, shape, strides, want);
        be.copyStrided(from, off, shape, strides, got);
        assertSameBits(got, want, `${be.name} copyStrided [${shape}] strides [${strides}]`);
        const intoWasm = (be.allocate?.(false, n) ?? new Float32Array(n)) as Float32Array;
        be.copyStrided(from, off, shape, strides, intoWasm);
        assertSameBits(intoWasm, want, `${be.name} copyStrided [${shape}] strides [${strides}] into wasm memory`);
      }
    }
  }
});

test('copyStrided of rows rejects a view that reads past src, with native\'s message, for src in wasm memory or not', () => {
  for (const be of variants) {
    for (const src of [new Float32Array(4000), (be.allocate?.(false, 4000) ?? new Float32Array(4000)) as Float32Array]) {
      assert.throws(() => be.copyStrided(src, 5, [30, 100], [137, 1], new Float32Array(3000)), {
        name: 'RangeError', message: 'copyStrided: the view reads src[5..4077], src has 4000 elements',
      }, label(be));
      assert.doesNotThrow(() => be.copyStrided(src, 5, [30, 100], [130, 1], new Float32Array(3000)), label(be));
    }
  }
});

test('bceLogitsGrad is bit-identical to the JS backend: one g per row (awkward values), cols 1, a short last row', () => {
  const rng = new Rng(25);
  for (const [n, cols] of [[1, 1], [7, 1], [35, 7], [10, 3], [128 * 784, 784], [301, 300]] as const) {
    const rows = Math.ceil(n / cols);
    const g = awkwardArray(rng, rows);
    const sig = Float32Array.from({ length: n }, () => rng.uniform());
    const target = awkwardArray(rng, n);
    const want = new Float32Array(n);
    jsBackend.bceLogitsGrad(g, sig, target, cols, want);
    for (const be of variants) {
      const got = new Float32Array(n);
      be.bceLogitsGrad(g, sig, target, cols, got);
      assertSameBits(got, want, `${be.name} bceLogitsGrad n=${n} cols=${cols}`);
    }
  }
});

test('allFinite finds one NaN, +∞ or −∞ wherever it sits (vector body, tail, any thread\'s chunk) and passes ±0, subnormals and FLT_MAX', () => {
  const rng = new Rng(26);
  for (const n of [1, 5, 16, 17, 63, 2048, 40_000, 313_600]) {
    const x = randomArray(rng, n);
    x[0] = -0;
    x[n - 1] = n > 1 ? 3.4028234663852886e38 : x[n - 1]!;
    if (n > 2) x[1] = 1e-40;
    for (const be of variants) assert.equal(be.allFinite!(x), true, `${be.name} n=${n}, all finite`);
    for (const bad of [NaN, Infinity, -Infinity]) {
      for (const at of [0, Math.floor(n / 2), n - 1, Math.floor(rng.uniform() * n)]) {
        const y = x.slice();
        y[at] = bad;
        for (const be of variants) assert.equal(be.allFinite!(y), false, `${be.name} n=${n}, ${bad} at ${at}`);
      }
    }
  }
  for (const be of variants) assert.equal(be.allFinite!(new Float64Array([1, NaN])), false, `${be.name} float64`);
});

test('gather from wasm memory gives the JS backend\'s rows bit for bit (4-row body and tails, outer > 1, split over threads) and rejects an index outside [0, n)', () => {
  const rng = new Rng(27);
  for (const be of variants) {
    for (const [outer, n, inner, r] of [[1, 50, 784, 128], [1, 7, 3, 5], [2, 9, 13, 6], [1, 1000, 33, 255], [3, 4, 1, 3]] as const) {
      const x = (be.allocate?.(false, outer * n * inner) ?? new Float32Array(outer * n * inner)) as Float32Array;
      x.set(awkwardArray(rng, x.length));
      const idx = Int32Array.from({ length: r }, () => Math.floor(rng.uniform() * n));
      idx[0] = n - 1;
      const want = new Float32Array(outer * r * inner);
      jsBackend.gather(x, outer, n, inner, idx, want);
      const got = (be.allocate?.(false, want.length) ?? new Float32Array(want.length)) as Float32Array;
      be.gather(x, outer, n, inner, idx, got);
      assertSameBits(got, want, `${label(be)} gather outer=${outer} n=${n} inner=${inner} r=${r}`);
    }
    if (be.allocate) {
      const x = be.allocate(false, 6 * 300) as Float32Array;
      assert.throws(() => be.gather(x, 1, 6, 300, Int32Array.of(0, 6), new Float32Array(600)), { name: 'RangeError', message: 'gather: idx[1] = 6 is outside [0, 6)' }, label(be));
      assert.throws(() => be.gather(x, 1, 6, 300, Int32Array.of(-1), new Float32Array(300)), { name: 'RangeError', message: 'gather: idx[0] = -1 is outside [0, 6)' }, label(be));
    }
  }
});

test('bceLogitsGrad rejects a bad cols, short operands and too few g', () => {
  const f = (n: number): Float32Array => new Float32Array(n);
  for (const be of variants) {
    assert.throws(() => be.bceLogitsGrad(f(2), f(6), f(5), 3, f(6)), { name: 'RangeError', message: 'bceLogitsGrad: target has 5 elements, out has 6' });
    assert.throws(() => be.bceLogitsGrad(f(1), f(6), f(6), 3, f(6)), { name: 'RangeError', message: 'bceLogitsGrad: g has 1 elements, fewer than the 2 rows' });
    assert.throws(() => be.bceLogitsGrad(f(2), f(6), f(6), 0, f(6)), { name: 'RangeError', message: 'bceLogitsGrad: cols must be a positive integer (got 0)' });
  }
});

test('normalKl and normalKlGrad match the JS kernel to an ulp plus float64 rounding of the terms that cancel (σp ≈ σq included)', () => {
  const rng = new Rng(20);
  const n = 2003; // not a multiple of 4: the tail lanes too
  const col = (f: (i: number) => number): Float32Array => Float32Array.from({ length: n }, (_, i) => f(i));
  const locP = col(() => rng.normal());
  const logScaleP = col(() => rng.normal() * 0.7);
  // Every third pair is the standard-normal prior; every third σq is within 1e-4 of σp (r → 0).
  const locQ = col((i) => (i % 3 === 0 ? 0 : rng.normal() * 0.5));
  const logScaleQ = col((i) => (i % 3 === 0 ? 0 : i % 3 === 1 ? logScaleP[i]! + (rng.uniform() - 0.5) * 2e-4 : rng.normal() * 0.7));
  const g = col(() => rng.normal());
  const ulp = (w: number): number => 2 ** (Math.floor(Math.log2(Math.abs(w) || 2 ** -149)) - 23);
  const r = (i: number): number => 2 * (logScaleP[i]! - logScaleQ[i]!);
  const d2 = (i: number): number => ((locP[i]! - locQ[i]!) * Math.exp(-logScaleQ[i]!)) ** 2;
  // Σ|terms| per element: both kernels form these in float64, with exp and expm1 that may differ by an ulp.
  const check = (what: string, got: Float32Array, want: Float32Array, scale: (i: number) => number): void => {
    for (let i = 0; i < n; i++) {
      const tol = ulp(want[i]!) + 16 * 2 ** -52 * scale(i);
      if (!(Math.abs(got[i]! - want[i]!) <= tol)) assert.fail(`${what}[${i}]: wasm ${got[i]}, JS ${want[i]} (tolerance ${tol})`);
    }
  };
  const want = new Float32Array(n);
  jsBackend.normalKl(locP, logScaleP, locQ, logScaleQ, want);
  const wants = [0, 1, 2, 3].map(() => new Float32Array(n));
  jsBackend.normalKlGrad(g, locP, logScaleP, locQ, logScaleQ, wants[0]!, wants[1]!, wants[2]!, wants[3]!);
  const gScale = (i: number): number => Math.abs(g[i]!) * (Math.abs(Math.expm1(r(i))) + d2(i) + Math.abs(locP[i]! - locQ[i]!) * Math.exp(-2 * logScaleQ[i]!));
  for (const be of variants) {
    const got = new Float32Array(n);
    be.normalKl(locP, logScaleP, locQ, logScaleQ, got);
    check(`${be.name} normalKl`, got, want, (i) => Math.abs(Math.expm1(r(i))) + Math.abs(r(i)) + d2(i));
    const gots = [0, 1, 2, 3].map(() => new Float32Array(n));
    be.normalKlGrad(g, locP, logScaleP, locQ, logScaleQ, gots[0]!, gots[1]!, gots[2]!, gots[3]!);
    ['dLocP', 'dLogScaleP', 'dLocQ', 'dLogScaleQ'].forEach((what, k) => check(`${be.name} ${what}`, gots[k]!, wants[k]!, gScale));
  }
});

test('normalKl and normalKlGrad propagate NaN and reject operands of different lengths', () => {
  const f = (n: number, v = 0.5): Float32Array => new Float32Array(n).fill(v);
  for (const be of variants) {
    const out = f(6);
    be.normalKl(f(6, NaN), f(6), f(6), f(6), out);
    assert.ok(out.every(Number.isNaN), `${be.name}: NaN location`);
    assert.throws(() => be.normalKl(f(4), f(4), f(3), f(4), f(4)), { name: 'RangeError', message: 'normalKl: locQ has 3 elements, out has 4' });
    assert.throws(() => be.normalKlGrad(f(4), f(4), f(4), f(4), f(4), f(4), f(4), f(4), f(1)), {
      name: 'RangeError', message: 'normalKlGrad: dLogScaleQ has 1 elements, g has 4',
    });
  }
});

test('adamStep (Adam with L2 and decoupled AdamW) leaves p, m and v within 4 float32 roundings of the JS backend', () => {
  const rng = new Rng(24);
  for (const be of variants) checkAdamFloat32(be, rng);
});

test('adamStep flushes moments below FLT_MIN to 0 (as the native kernel), keeps NaN, and leaves normal moments alone', () => {
  const FLT_MIN = 2 ** -126;
  const n = 11; // vector body and tail
  for (const be of variants) {
    const p = new Float32Array(n).fill(0.5);
    const g = new Float32Array(n);
    // m·β₁ lands below FLT_MIN in the even slots, stays normal in the odd ones; slot 10's m is NaN.
    const m = Float32Array.from({ length: n }, (_, i) => (i === 10 ? NaN : i % 2 === 0 ? FLT_MIN : 1e-3));
    const v = Float32Array.from({ length: n }, (_, i) => (i % 2 === 0 ? FLT_MIN : 1e-6));
    be.adamStep(p, g, m, v, 1e-3, 0.9, 0.999, 1e-8, 1 - 0.9 ** 5, 1 - 0.999 ** 5, 0, false);
    for (let i = 0; i < 10; i += 2) {
      assert.ok(Object.is(m[i], 0) && Object.is(v[i], 0), `${be.name}: slot ${i} m=${m[i]} v=${v[i]}`);
      assert.equal(p[i], 0.5, `${be.name}: slot ${i} p moved`);
    }
    for (let i = 1; i < 10; i += 2) assert.ok(m[i]! > 8e-4 && v[i]! > 9e-7, `${be.name}: slot ${i} m=${m[i]} v=${v[i]}`);
    assert.ok(Number.isNaN(m[10]!) && Number.isNaN(p[10]!), `${be.name}: NaN moment`);
  }
});

test('the threaded backend reports its threads and keeps working on one thread after dispose', async () => {
  const be = await createWasmBackendNode(jsBackend, { threads: 2, minWasmMacs: 0, minParallelMacs: 0 });
  assert.equal(be.wasm.threads, 2, be.wasm.reason ?? '');
  be.dispose();
  checkCase(be, new Rng(9), makeGemmCase(new Rng(10), 40, 30, 20, false, true, 1));
});

test('a fresh threaded backend runs its first parallel gemm at once (workers cannot miss the first job)', async () => {
  for (let round = 0; round < 5; round++) {
    const be = await createWasmBackendNode(jsBackend, { threads: 2, minWasmMacs: 0, minParallelMacs: 0 });
    checkCase(be, new Rng(round), makeGemmCase(new Rng(100 + round), 23, 41, 19, round % 2 === 0, round % 3 === 0, 0));
    be.dispose();
  }
});

test('the Web Worker and worker_threads scripts parse as JavaScript', () => {
  // Compiling without running: the browser path cannot be exercised in Node, its syntax can.
  for (const prelude of [webWorkerPrelude, nodeWorkerPrelude]) {
    assert.doesNotThrow(() => new Function(prelude + workerSource));
  }
});

/**
 * Just enough of the Web Worker API over worker_threads to run the browser path in Node: a
 * classic script from a blob: URL with global onmessage/postMessage.
 */
class BlobWorkerShim {
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onerror: ((e: { message: string }) => void) | null = null;
  private readonly worker: Promise<NodeWorker>;

  constructor(url: string) {
    const blob = resolveObjectURL(url);
    if (!blob) throw new Error(`no blob at ${url}`);
    const globals = `const { parentPort } = require('node:worker_threads');
globalThis.postMessage = (d) => parentPort.postMessage(d);
parentPort.on('message', (d) => globalThis.onmessage?.({ data: d }));
`;
    this.worker = blob.text().then((code) => {
      const w = new NodeWorker(globals + code, { eval: true });
      w.on('message', (data: unknown) => this.onmessage?.({ data }));
      w.on('error', (e: Error) => this.onerror?.({ message: e.message }));
      // Keep Node alive until the worker is up (its 'ready'), never after.
      w.once('message', () => w.unref());
      return w;
    });
  }

  postMessage(data: unknown): void {
    void this.worker.then((w) => w.postMessage(data));
  }

  terminate(): void {
    void this.worker.then((w) => w.terminate());
  }
}

test('the browser path (createWasmBackend with Web Workers from a blob: URL) runs a two-thread gemm', async () => {
  const g = globalThis as { Worker?: unknown };
  const had = g.Worker;
  g.Worker = BlobWorkerShim;
  try {
    const be = await createWasmBackend(jsBackend, { threads: 2, minWasmMacs: 0, minParallelMacs: 0 });
    assert.equal(be.wasm.threads, 2, be.wasm.reason ?? '');
    const rng = new Rng(31);
    for (const [tA, tB] of COMBOS) checkCase(be, rng, makeGemmCase(rng, 37, 45, 29, tA, tB, 1));
    be.dispose();
  } finally {
    g.Worker = had;
  }
});

test('the embedded kernels are what scripts/build-wasm.mjs builds from the AssemblyScript source', () => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const out = execFileSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], { cwd: root, encoding: 'utf8' });
  assert.match(out, /up to date/);
});
