// The native GEMM addon against a float64 triple loop: every transpose combo,
// odd and blocked sizes, offsets, padded leading dimensions, beta 0/1, both
// dtypes; sparse operands whose all-zero k steps are skipped, NaN and Inf
// included. Skipped when the addon is not built.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadNativeBackend, nativeGemm, nativeInfo } from '../../src/backend/native/index.js';
import { jsBackend } from '../../src/backend/js/index.js';
import { Rng } from '../../src/tensor/random.js';
import { gemmArgs, type FloatArray, type GemmCall } from '../../src/backend/backend.js';
import { checkGemmCase, makeGemmCase, opIndex, randomFloats, type GemmCase } from '../helpers/gemm-check.js';

const gemm = nativeGemm();
const skip = gemm ? false : `native addon not built: ${nativeInfo().reason ?? ''}`;

// Odd sizes around tile edges, sizes past the cache blocks (k > 384, n > 512,
// m > 128), and sizes big enough to be split across threads by rows (m > n)
// or by columns, with a shared operand spanning several cache blocks; narrow
// products whose rows are whole tiles (computed transposed: [128, 20, 400]).
const SHAPES: readonly (readonly [number, number, number])[] = [
  [1, 1, 1], [1, 3, 17], [3, 1, 129], [17, 3, 1], [3, 17, 5], [17, 129, 3], [129, 17, 33],
  [16, 16, 16], [33, 65, 31], [20, 40, 800], [8, 600, 10], [70, 1100, 9], [300, 20, 50],
  [128, 96, 130], [131, 57, 77], [200, 40, 500], [600, 530, 20], [150, 400, 30], [128, 20, 400], [48, 5, 3],
];

for (const dtype of ['float32', 'float64'] as const) {
  for (const tA of [false, true]) {
    for (const tB of [false, true]) {
      test(`${dtype} gemm(transA=${tA}, transB=${tB}) matches a float64 triple loop for odd and blocked shapes, offsets, padded leading dims and beta 0/1`, { skip }, () => {
        const rng = new Rng(1000 + (tA ? 2 : 0) + (tB ? 1 : 0) + (dtype === 'float64' ? 4 : 0));
        for (const [m, n, k] of SHAPES) {
          for (const beta of [0, 1] as const) checkGemmCase(gemm!, dtype, dtype, rng, makeGemmCase(rng, m, n, k, tA, tB, beta));
        }
      });
    }
  }
}

test('gemm matches a float64 triple loop for a row-major A whose rows are 2 KiB apart (packed) or not (read in place)', { skip }, () => {
  const rng = new Rng(1010);
  for (const lda of [512, 1024, 517]) {
    for (const tB of [false, true]) {
      checkGemmCase(gemm!, 'float32', 'float32', rng, { ...makeGemmCase(rng, 37, 45, 500, false, tB, 1), lda });
    }
  }
});

/**
 * MNIST-like operands for zero skipping: each k step of each 16-row panel of op(A) (and
 * 16-column sliver of op(B)) is all zeros with probability ½, else 60% of its entries are.
 */
function sparsify(rng: Rng, cs: GemmCase, a: FloatArray, b: FloatArray): void {
  const zeroPanels = (x: FloatArray, off: number, ld: number, trans: boolean, rows: number): void => {
    for (let r0 = 0; r0 < rows; r0 += 16) {
      for (let p = 0; p < cs.k; p++) {
        const whole = rng.uniform() < 0.5;
        for (let r = r0; r < Math.min(rows, r0 + 16); r++) if (whole || rng.uniform() < 0.6) x[opIndex(off, ld, trans, r, p)] = 0;
      }
    }
  };
  zeroPanels(a, cs.aOff, cs.lda, cs.tA, cs.m);
  zeroPanels(b, cs.bOff, cs.ldb, !cs.tB, cs.n);
}

for (const dtype of ['float32', 'float64'] as const) {
  test(`${dtype} gemm on operands with all-zero k steps (skipped) matches a float64 triple loop for every transpose combination`, { skip }, () => {
    const rng = new Rng(dtype === 'float32' ? 1020 : 1021);
    const shapes = dtype === 'float32'
      ? [[128, 400, 784], [400, 784, 128], [37, 45, 130], [48, 80, 200], [16, 16, 64], [130, 20, 70]] as const
      : [[37, 45, 130], [48, 80, 200]] as const;
    for (const [m, n, k] of shapes) {
      for (const tA of [false, true]) {
        for (const tB of [false, true]) {
          const cs = makeGemmCase(rng, m, n, k, tA, tB, rng.uniform() < 0.5 ? 0 : 1);
          checkGemmCase(gemm!, dtype, dtype, rng, cs, (a, b) => sparsify(rng, cs, a, b));
        }
      }
    }
  });
}

test('gemm keeps 0·NaN and 0·Inf = NaN where it skips zero k steps: a NaN or Inf facing a zero panel still reaches C', { skip }, () => {
  const rng = new Rng(1022);
  for (const tA of [false, true]) {
    for (const tB of [false, true]) {
      const cs = makeGemmCase(rng, 64, 96, 256, tA, tB, 0);
      checkGemmCase(gemm!, 'float32', 'float32', rng, cs, (a, b) => {
        sparsify(rng, cs, a, b);
        // Step 5 is zero in all of op(A), so the A side may skip it; NaN and Inf in op(B) face it.
        for (let i = 0; i < cs.m; i++) a[opIndex(cs.aOff, cs.lda, cs.tA, i, 5)] = 0;
        b[opIndex(cs.bOff, cs.ldb, !cs.tB, 7, 5)] = NaN;
        b[opIndex(cs.bOff, cs.ldb, !cs.tB, 40, 5)] = Infinity;
        // Step 9 is zero in all of op(B); NaN and -Inf in op(A) face it.
        for (let j = 0; j < cs.n; j++) b[opIndex(cs.bOff, cs.ldb, !cs.tB, j, 9)] = 0;
        a[opIndex(cs.aOff, cs.lda, cs.tA, 3, 9)] = NaN;
        a[opIndex(cs.aOff, cs.lda, cs.tA, 50, 9)] = -Infinity;
        // A lone NaN in an otherwise zero panel step is live, not skipped.
        for (let i = 16; i < 32; i++) a[opIndex(cs.aOff, cs.lda, cs.tA, i, 11)] = 0;
        a[opIndex(cs.aOff, cs.lda, cs.tA, 20, 11)] = NaN;
      });
    }
  }
});

/** Asserts C from a zero-skipping kernel has the tiled kernel's bits (any NaN for a NaN). */
function assertSameBits(got: Float32Array, want: Float32Array, what: string): void {
  for (let i = 0; i < want.length; i++) {
    const ok = got[i] === want[i] || (Number.isNaN(got[i]) && Number.isNaN(want[i]));
    if (!ok) assert.fail(`${what}: C[${i}] = ${got[i]}, the tiled kernel gives ${want[i]}`);
  }
}

/** The rows×cols matrix at `off` (row stride ld) transposed, as a dense cols×rows row-major array. */
function transposedCopy(a: Float32Array, off: number, ld: number, rows: number, cols: number): Float32Array {
  const t = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[off + i * ld + j]!;
  return t;
}

test('the column kernel (Aᵀ·B whose B is mostly zeros one by one, as MNIST in gᵀ·x) gives the bits of the tiled kernel on Aᵀ copied out, NaN and ±∞ included', { skip }, () => {
  const rng = new Rng(1023);
  // Shapes the column kernel takes on AVX-512 (m, n whole 16s, k ≤ 384), padded leading dims included.
  for (const [m, n, k] of [[400, 784, 128], [16, 16, 1], [48, 80, 384], [64, 32, 200]] as const) {
    for (const beta of [0, 1] as const) {
      for (const poison of [null, NaN, Infinity]) {
        const cs = makeGemmCase(rng, m, n, k, true, false, beta);
        const a = Float32Array.from({ length: cs.aOff + k * cs.lda }, () => rng.normal());
        const b = Float32Array.from({ length: cs.bOff + k * cs.ldb }, () => (rng.uniform() < 0.8 ? 0 : rng.normal()));
        // A NaN or ±∞ of A facing a zero of B must still reach C (0·NaN = NaN), so then nothing is skipped.
        if (poison !== null) a[cs.aOff + (k - 1) * cs.lda + m - 1] = poison;
        const c0 = Float32Array.from({ length: cs.cOff + m * cs.ldc }, () => rng.normal());
        const got = Float32Array.from(c0);
        gemm!(true, false, m, n, k, a, cs.aOff, cs.lda, b, cs.bOff, cs.ldb, beta, got, cs.cOff, cs.ldc);
        // The same sums by the 8×32 tile: op(A) as a row-major copy, untransposed.
        const want = Float32Array.from(c0);
        gemm!(false, false, m, n, k, transposedCopy(a, cs.aOff, cs.lda, k, m), 0, k, b, cs.bOff, cs.ldb, beta, want, cs.cOff, cs.ldc);
        assertSameBits(got, want, `m=${m} n=${n} k=${k} beta=${beta} ${poison}`);
        if (poison !== null) assert.ok(got.some((v) => !Number.isFinite(v)), `${poison} in A did not reach C`);
      }
    }
  }
});

test('the column kernel reads a 64-byte-aligned A in place and copies any other: A at each of 16 byte offsets gives the same bits', { skip }, () => {
  const rng = new Rng(1024);
  const [m, n, k] = [64, 48, 100];
  const buffer = new ArrayBuffer((m * k + 16) * 4);
  const b = Float32Array.from({ length: k * n }, () => (rng.uniform() < 0.8 ? 0 : rng.normal()));
  const values = Float32Array.from({ length: m * k }, () => rng.normal());
  let want: Float32Array | null = null;
  // The buffer's address is fixed, so one of the 16 float offsets puts A on a 64-byte boundary.
  for (let shift = 0; shift < 16; shift++) {
    const a = new Float32Array(buffer, shift * 4, m * k);
    a.set(values);
    const got = new Float32Array(m * n);
    gemm!(true, false, m, n, k, a, 0, m, b, 0, n, 0, got, 0, n);
    want ??= got;
    assert.deepEqual(got, want, `A at byte offset ${shift * 4}`);
  }
});

test('the row kernel (A·op(B) whose A is mostly zeros one by one, as MNIST in x·Wᵀ) gives the bits of the tiled kernel on Aᵀ, NaN and ±∞ included', { skip }, () => {
  const rng = new Rng(1025);
  // Widths that are whole strips of 64 or not (400 = 6·64 + 16, 70, 130), k in one, two and three blocks
  // (784 = 2·392, 800 = 3·267), odd m, m past one group of 1024 listed rows, and a few rows (taken
  // only with B transposed); mostly zeros, but the rows need not be alike.
  for (const [m, n, k] of [[128, 400, 784], [17, 65, 33], [33, 130, 800], [1100, 64, 70], [40, 70, 385], [1, 100, 300], [5, 64, 784]] as const) {
    for (const tB of [false, true]) {
      for (const beta of [0, 1] as const) {
        for (const poison of [null, 'a', 'b'] as const) {
          const cs = makeGemmCase(rng, m, n, k, false, tB, beta);
          const a = Float32Array.from({ length: cs.aOff + m * cs.lda }, () => (rng.uniform() < 0.8 ? 0 : rng.normal()));
          // One row with no zeros, the last of the first half (rows are listed by halves on two threads).
          if (m > 1) for (let p = 0; p < k; p++) a[cs.aOff + (Math.floor(m / 2) - 1) * cs.lda + p] = 1 + rng.uniform();
          const b = Float32Array.from({ length: cs.bOff + (tB ? n : k) * cs.ldb }, () => rng.normal());
          // A NaN of A is a live step; a NaN or ±∞ of B facing a zero of A must reach C (0·NaN = NaN), so
          // that strip is not skipped.
          if (poison === 'a') a[cs.aOff + (m - 1) * cs.lda + k - 1] = NaN;
          if (poison === 'b') b[cs.bOff + opIndex(0, cs.ldb, tB, k - 1, n - 1)] = rng.uniform() < 0.5 ? NaN : Infinity;
          const c0 = Float32Array.from({ length: cs.cOff + m * cs.ldc }, () => rng.normal());
          const got = Float32Array.from(c0);
          gemm!(false, tB, m, n, k, a, cs.aOff, cs.lda, b, cs.bOff, cs.ldb, beta, got, cs.cOff, cs.ldc);
          // The same sums by the 8×32 tile: op(A) from a transposed copy, which the row kernel does not take.
          const want = Float32Array.from(c0);
          gemm!(true, tB, m, n, k, transposedCopy(a, cs.aOff, cs.lda, m, k), 0, m, b, cs.bOff, cs.ldb, beta, want, cs.cOff, cs.ldc);
          assertSameBits(got, want, `m=${m} n=${n} k=${k} transB=${tB} beta=${beta} ${poison}`);
          if (poison !== null) assert.ok(got.some((v) => !Number.isFinite(v)), `a non-finite value of ${poison.toUpperCase()} did not reach C`);
        }
      }
    }
  }
});

test('gemm reads typed-array views at their byteOffset and allows A and B to be the same array', { skip }, () => {
  const buf = new Float64Array([9, 1, 2, 3, 4, 9, 0, 0, 0, 0]);
  const x = buf.subarray(1, 5); // [[1, 2], [3, 4]]
  const c = buf.subarray(6, 10);
  gemm!(false, true, 2, 2, 2, x, 0, 2, x, 0, 2, 0, c, 0, 2); // X·Xᵀ
  assert.deepEqual([...c], [5, 11, 11, 25]);
  assert.deepEqual([...buf.subarray(0, 6)], [9, 1, 2, 3, 4, 9]);
});

test('gemm with k = 0 sets C to beta·C (zeros for beta 0, unchanged for beta 1)', { skip }, () => {
  const a = new Float64Array(0);
  const c = Float64Array.from([1, 2, 3, 4]);
  gemm!(false, false, 2, 2, 0, a, 0, 0, a, 0, 2, 1, c, 0, 2);
  assert.deepEqual([...c], [1, 2, 3, 4]);
  gemm!(false, false, 2, 2, 0, a, 0, 0, a, 0, 2, 0, c, 0, 2);
  assert.deepEqual([...c], [0, 0, 0, 0]);
});

test('gemm with k = 0 in float32, at the shapes of the column and row kernels (which sample an operand), sets C to beta·C', { skip }, () => {
  const none = new Float32Array(0);
  for (const [tA, tB] of [[true, false], [false, false], [false, true]] as const) {
    const c = new Float32Array(64 * 64).fill(7);
    gemm!(tA, tB, 64, 64, 0, none, 0, 64, none, 0, 64, 1, c, 0, 64);
    assert.ok(c.every((v) => v === 7), `transA=${tA} transB=${tB} beta 1`);
    gemm!(tA, tB, 64, 64, 0, none, 0, 64, none, 0, 64, 0, c, 0, 64);
    assert.ok(c.every((v) => v === 0), `transA=${tA} transB=${tB} beta 0`);
  }
});

test('gemm with m = 0 or n = 0 touches nothing, even with empty arrays', { skip }, () => {
  const e = new Float32Array(0);
  gemm!(false, false, 0, 5, 3, e, 0, 3, e, 0, 5, 0, e, 0, 5);
  gemm!(true, true, 4, 0, 3, e, 0, 4, e, 0, 3, 1, e, 0, 0);
});

test('gemm rejects out-of-bounds operands, small leading dims, mixed dtypes and bad beta with exact messages', { skip }, () => {
  const a = new Float32Array(6);
  const c = new Float32Array(4);
  assert.throws(() => gemm!(false, false, 3, 2, 2, a, 1, 2, a, 0, 2, 0, c, 0, 2), {
    name: 'RangeError',
    message: 'gemm: a is too short for a 3×2 matrix at offset 1 with lda=2 (needs 7 elements, has 6)',
  });
  assert.throws(() => gemm!(false, true, 2, 2, 3, a, 0, 2, a, 0, 3, 0, c, 0, 2), {
    name: 'RangeError',
    message: 'gemm: lda=2 is less than the 3 columns of stored a',
  });
  assert.throws(() => gemm!(false, false, 2, 2, 2, a, 0, 2, new Float64Array(4), 0, 2, 0, c, 0, 2), {
    name: 'TypeError',
    message: 'gemm: a, b and c must share one dtype',
  });
  const half = 0.5 as 0 | 1; // deliberately outside the type, as untyped JS callers could pass
  assert.throws(() => gemm!(false, false, 2, 2, 2, a, 0, 2, a, 0, 2, half, c, 0, 2), {
    name: 'RangeError',
    message: 'gemm: beta must be 0 or 1',
  });
});

/** A call on fresh random operands for case cs (C random too, so beta 1 adds to something). */
function randomCall(rng: Rng, dtype: 'float32' | 'float64', cs: GemmCase): GemmCall {
  const { m, n, k, tA, tB, beta, aOff, lda, bOff, ldb, cOff, ldc } = cs;
  return {
    transA: tA, transB: tB, m, n, k, beta, aOff, lda, bOff, ldb, cOff, ldc,
    a: randomFloats(rng, dtype, aOff + (tA ? k : m) * lda),
    b: randomFloats(rng, dtype, bOff + (tB ? n : k) * ldb),
    c: randomFloats(rng, dtype, cOff + m * ldc + 3),
  };
}

test('gemmPair gives the bits of two gemm calls: a VAE layer\'s gradient pair, narrow products computed transposed, offsets, padding, beta 0/1, both dtypes', { skip }, () => {
  const be = loadNativeBackend(jsBackend)!;
  const rng = new Rng(1020);
  const pairs: readonly (readonly [readonly [number, number, number, boolean, boolean], readonly [number, number, number, boolean, boolean]])[] = [
    [[128, 784, 400, false, false], [400, 784, 128, true, false]],
    [[128, 400, 20, false, false], [20, 400, 128, true, false]],
    [[128, 20, 400, false, false], [400, 20, 128, true, false]],
    [[17, 129, 3, false, true], [33, 65, 31, true, true]],
  ];
  for (const dtype of ['float32', 'float64'] as const) {
    for (const beta of [0, 1] as const) {
      for (const [p, q] of pairs) {
        const first = randomCall(rng, dtype, makeGemmCase(rng, p[0], p[1], p[2], p[3], p[4], beta));
        const second = randomCall(rng, dtype, makeGemmCase(rng, q[0], q[1], q[2], q[3], q[4], beta));
        const expected = [first, second].map((g) => {
          const c = g.c.slice();
          gemm!(...gemmArgs({ ...g, c }));
          return c;
        });
        be.gemmPair!(first, second);
        assert.deepEqual(first.c, expected[0], `${dtype} beta ${beta} first ${p.join(',')}`);
        assert.deepEqual(second.c, expected[1], `${dtype} beta ${beta} second ${q.join(',')}`);
      }
    }
  }
});

test('gemmPair rejects a C that overlaps the other call\'s operands or C, and names the call whose extents are wrong', { skip }, () => {
  const be = loadNativeBackend(jsBackend)!;
  const buf = new Float32Array(64);
  const call = (over: Partial<GemmCall>): GemmCall => ({
    transA: false, transB: false, m: 2, n: 2, k: 2, a: new Float32Array(4), aOff: 0, lda: 2, b: new Float32Array(4), bOff: 0, ldb: 2,
    beta: 0, c: new Float32Array(4), cOff: 0, ldc: 2, ...over,
  });
  assert.throws(() => be.gemmPair!(call({ c: buf.subarray(0, 8) }), call({ a: buf.subarray(2, 6) })), {
    name: 'RangeError',
    message: 'gemmPair: the first call\'s c overlaps the second call\'s a (the two may run at once)',
  });
  assert.throws(() => be.gemmPair!(call({ b: buf.subarray(10, 14) }), call({ c: buf, cOff: 11 })), {
    name: 'RangeError',
    message: 'gemmPair: the second call\'s c overlaps the first call\'s b (the two may run at once)',
  });
  assert.throws(() => be.gemmPair!(call({ c: buf, cOff: 20 }), call({ c: buf, cOff: 22 })), { name: 'RangeError', message: /first call's c overlaps the second call's c/ });
  // Disjoint views of one buffer are fine.
  be.gemmPair!(call({ c: buf, cOff: 0 }), call({ c: buf, cOff: 4 }));
  assert.throws(() => be.gemmPair!(call({}), call({ b: new Float32Array(3) })), {
    name: 'RangeError',
    message: 'gemmPair: second: b is too short for a 2×2 matrix at offset 0 with ldb=2 (needs 4 elements, has 3)',
  });
});

test('nativeInfo reports the dispatched ISA and a positive thread count', { skip }, () => {
  const info = nativeInfo();
  assert.equal(info.available, true);
  assert.ok(['avx512', 'avx2', 'scalar'].includes(info.isa), `isa ${info.isa}`);
  assert.ok(Number.isInteger(info.threads) && info.threads >= 1, `threads ${info.threads}`);
});

