// The native elementwise kernels (unary, binary, reduce, where, copyStrided,
// adamStep, bceLogits, normalKl, allFinite) against the JS backend, their oracle: exact where the JS kernel is
// one correctly rounded operation, a few ulp for float32 transcendentals.
// Skipped when the addon is not built; also re-run under the AVX2 and scalar builds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Backend, BinaryKernel, FloatArray, ReduceKernel, UnaryKernel } from '../../src/backend/backend.js';
import { jsBackend } from '../../src/backend/js/index.js';
import { loadNativeBackend, nativeInfo } from '../../src/backend/native/index.js';
import { Rng } from '../../src/tensor/random.js';
import { checkAdamFloat32 } from '../helpers/adam-check.js';

const native = loadNativeBackend(jsBackend);
const skip = native ? false : `native addon not built: ${nativeInfo().reason ?? ''}`;
const nb = (): Backend => native!;

type Dtype = 'float32' | 'float64';
const dtypes: readonly Dtype[] = ['float32', 'float64'];

function alloc(dtype: Dtype, n: number): FloatArray {
  return dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
}

function from(dtype: Dtype, xs: ArrayLike<number>): FloatArray {
  return dtype === 'float32' ? Float32Array.from(xs) : Float64Array.from(xs);
}

// Values where the kernels have edges: NaN, ±∞, ±0, overflow and underflow of
// exp, float32 subnormals, the tanh polynomial's switch at 0.625, huge logits.
const SPECIAL = [
  NaN, Infinity, -Infinity, 0, -0, 1000, -1000, 1e-45, -1e-45, 3e-39, -3e-39, 1.17e-38, 1e-30, -1e-30,
  88.72, 88.73, 89.5, -87.3, -87.4, -100, -103.9, -104.1, -150, 709, 710, -745, -746,
  1e-8, -1e-8, 1e-4, -1e-4, 0.625, -0.625, 0.6249, 0.5, -0.5, 1, -1, -0.9999999, -1.0000001, 2, -2,
  9, -9, 20, -20, 44, -44, 1e30, -1e30, 3.4e38, -3.4e38,
];

/** Specials, then normals at scales 1, 10 and 100, then magnitudes spread over 2^±150; n ≥ 1 values. */
function testValues(rng: Rng, n: number): number[] {
  const xs = SPECIAL.slice(0, Math.min(n, SPECIAL.length));
  while (xs.length < n) {
    const k = xs.length % 4;
    if (k < 3) xs.push(rng.normal() * 10 ** k);
    else xs.push((rng.uniform() < 0.5 ? -1 : 1) * 2 ** (rng.uniform() * 300 - 150));
  }
  return xs;
}

/** Distance in units of the last place of want (0 when both are NaN or equal, ∞ on a NaN/∞ mismatch). */
function ulps(got: number, want: number, dtype: Dtype): number {
  if (Number.isNaN(got) && Number.isNaN(want)) return 0;
  if (Object.is(got, want) || (got === want && got !== 0)) return 0;
  if (!Number.isFinite(got) || !Number.isFinite(want)) return Infinity;
  const [rel, tiny] = dtype === 'float32' ? [2 ** -23, 2 ** -149] : [2 ** -52, 2 ** -1074];
  // ±0 against ±0 of the other sign counts as one ulp, so "exact" comparisons catch it.
  return Math.max(Math.abs(got - want) / Math.max(Math.abs(want) * rel, tiny), got === want ? 1 : 0);
}

function assertWithin(got: FloatArray, want: FloatArray, maxUlps: number, what: (i: number) => string, dtype: Dtype): void {
  assert.equal(got.length, want.length, 'lengths differ');
  for (let i = 0; i < want.length; i++) {
    const d = ulps(got[i]!, want[i]!, dtype);
    if (!(d <= maxUlps)) assert.fail(`${what(i)}: native ${got[i]}, JS ${want[i]} (${d} ulp, allowed ${maxUlps})`);
  }
}

interface UnaryCase { op: UnaryKernel; p0: number; p1: number; f32Ulps: number; f64Ulps: number }

// Exact: ops that are one correctly rounded operation (or none). The float32
// polynomial ops get 2 ulp (the worst seen over 2M random float bit patterns was
// 1.9, in sigmoid/softplus); libm-in-double ops 1 ulp (the final rounding of
// results that V8 and glibc already compute within 1 double ulp).
const UNARY: readonly UnaryCase[] = [
  ...(['neg', 'abs', 'square', 'sign', 'reciprocal', 'relu', 'step', 'sqrt'] as const).map((op) => ({ op, p0: 0, p1: 0, f32Ulps: 0, f64Ulps: 0 })),
  { op: 'clamp', p0: -0.3, p1: 0.7, f32Ulps: 0, f64Ulps: 0 },
  { op: 'leakyRelu', p0: 0.01, p1: 0, f32Ulps: 0, f64Ulps: 0 },
  { op: 'powScalar', p0: 2, p1: 0, f32Ulps: 0, f64Ulps: 0 },
  ...(['exp', 'log', 'log1p', 'sigmoid', 'softplus', 'tanh'] as const).map((op) => ({ op, p0: 0, p1: 0, f32Ulps: 2, f64Ulps: 2 })),
  { op: 'expm1', p0: 0, p1: 0, f32Ulps: 1, f64Ulps: 2 },
  { op: 'powScalar', p0: 0.5, p1: 0, f32Ulps: 1, f64Ulps: 2 },
  { op: 'powScalar', p0: -1.5, p1: 0, f32Ulps: 1, f64Ulps: 2 },
  { op: 'elu', p0: 1.3, p1: 0, f32Ulps: 1, f64Ulps: 2 },
];

for (const dtype of dtypes) {
  for (const c of UNARY) {
    const tol = dtype === 'float32' ? c.f32Ulps : c.f64Ulps;
    test(`${dtype} unary ${c.op}(p0=${c.p0}) is within ${tol} ulp of the JS kernel on specials, subnormals and random data of every tail length`, { skip }, () => {
      const rng = new Rng(11);
      for (const n of [0, 1, 15, 16, 17, 1003]) {
        const x = from(dtype, testValues(rng, n));
        const want = alloc(dtype, n);
        const got = alloc(dtype, n);
        jsBackend.unary(c.op, x, want, c.p0, c.p1);
        nb().unary(c.op, x, got, c.p0, c.p1);
        assertWithin(got, want, tol, (i) => `${c.op}(${x[i]}) [n=${n}]`, dtype);
      }
    });
  }
}

test('unary works in place and on typed-array views at a byteOffset', { skip }, () => {
  const rng = new Rng(12);
  const buf = Float32Array.from(testValues(rng, 300));
  const view = buf.subarray(3, 260);
  const want = new Float32Array(view.length);
  jsBackend.unary('softplus', view, want, 0, 0);
  nb().unary('softplus', view, view, 0, 0);
  assertWithin(view, want, 2, (i) => `softplus at ${i}`, 'float32');
});

const BINARY: readonly BinaryKernel[] = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'gt', 'ge', 'lt', 'le', 'eq'];

// [aShape, bShape, outShape]: already right-aligned to one rank, as the op layer passes them.
const BROADCASTS: readonly (readonly number[][])[] = [
  [[5, 7], [5, 7], [5, 7]],
  [[5, 7], [1, 1], [5, 7]],
  [[1, 1], [5, 7], [5, 7]],
  [[5, 7], [1, 7], [5, 7]],
  [[1, 7], [5, 7], [5, 7]],
  [[5, 7], [5, 1], [5, 7]],
  [[5, 1], [1, 7], [5, 7]],
  [[2, 1, 4], [1, 3, 1], [2, 3, 4]],
  [[2, 3, 1, 33], [2, 1, 6, 33], [2, 3, 6, 33]],
  [[17], [17], [17]],
  [[], [], []],
  [[0, 3], [1, 3], [0, 3]],
  [[4, 0], [4, 1], [4, 0]],
];

const size = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);

for (const dtype of dtypes) {
  for (const op of BINARY) {
    // Math.pow comes from V8's own libm, the addon's from glibc: they may differ in the last double bit.
    const tol = op === 'pow' ? (dtype === 'float32' ? 1 : 2) : 0;
    test(`${dtype} binary ${op} ${tol === 0 ? 'matches the JS kernel bit for bit' : `is within ${tol} ulp of the JS kernel`} for every broadcast pattern, NaN, ±0 and ±∞`, { skip }, () => {
      const rng = new Rng(13);
      for (const [aShape, bShape, outShape] of BROADCASTS) {
        const a = from(dtype, testValues(rng, size(aShape!)).reverse());
        // b shares some of a's values, so eq/le/ge and maximum of equal zeros are exercised.
        const b = from(dtype, testValues(rng, size(bShape!)).map((v, i) => (i % 3 === 0 ? a[i % Math.max(a.length, 1)] ?? v : v)));
        const want = alloc(dtype, size(outShape!));
        const got = alloc(dtype, size(outShape!));
        jsBackend.binary(op, a, aShape!, b, bShape!, want, outShape!);
        nb().binary(op, a, aShape!, b, bShape!, got, outShape!);
        assertWithin(got, want, tol, (i) => `${op} [${aShape}]∘[${bShape}] at ${i}`, dtype);
      }
    });
  }
}

test('binary rejects shapes that do not broadcast and arrays shorter than their shape', { skip }, () => {
  const out = new Float32Array(6);
  assert.throws(() => nb().binary('add', new Float32Array(6), [2, 3], new Float32Array(2), [2, 1], new Float32Array(12), [2, 6]), {
    name: 'RangeError', message: 'binary: a axis 1 has size 3, which does not broadcast to 6',
  });
  assert.throws(() => nb().binary('add', new Float32Array(5), [2, 3], new Float32Array(3), [1, 3], out, [2, 3]), {
    name: 'RangeError', message: 'binary: a has 5 elements, its shape needs 6',
  });
});

test('fused kernels name the operand that is too short, and the length it must reach', { skip }, () => {
  const f = (n: number): Float32Array => new Float32Array(n);
  assert.throws(() => nb().bceLogits(f(3), f(2), f(3), f(3)), { name: 'RangeError', message: 'bceLogits: target has 2 elements, logits has 3' });
  assert.throws(() => nb().gather(f(6), 1, 3, 2, Int32Array.from([0, 3]), f(4)), { name: 'RangeError', message: 'gather: idx[1] = 3 is outside [0, 3)' });
  assert.throws(() => nb().gather(f(5), 1, 3, 2, Int32Array.from([0]), f(2)), { name: 'RangeError', message: 'gather: x has 5 elements, fewer than 1×3×2' });
  assert.throws(() => nb().gather(f(6), 1, 3, 2, Int32Array.from([0, 1]), f(3)), { name: 'RangeError', message: 'gather: out has 3 elements, fewer than 1×2×2' });
  assert.throws(() => nb().bceLogitsGrad(f(2), f(6), f(5), 3, f(6)), { name: 'RangeError', message: 'bceLogitsGrad: target has 5 elements, out has 6' });
  assert.throws(() => nb().bceLogitsGrad(f(1), f(6), f(6), 3, f(6)), { name: 'RangeError', message: 'bceLogitsGrad: g has 1 elements, fewer than the 2 rows' });
  assert.throws(() => nb().bceLogitsGrad(f(2), f(6), f(6), 0, f(6)), { name: 'RangeError', message: 'bceLogitsGrad: cols must be a positive integer (got 0)' });
  assert.throws(() => nb().normalKl(f(4), f(4), f(3), f(4), f(4)), { name: 'RangeError', message: 'normalKl: locQ has 3 elements, out has 4' });
  assert.throws(() => nb().normalKlGrad(f(4), f(4), f(4), f(4), f(4), f(4), f(4), f(4), f(1)), {
    name: 'RangeError', message: 'normalKlGrad: dLogScaleQ has 1 elements, g has 4',
  });
});

test('mixed dtypes fall back to the JS kernels', { skip }, () => {
  const x = Float32Array.from([0.5, -2, 3]);
  const out = new Float64Array(3);
  nb().unary('exp', x, out, 0, 0);
  assert.deepEqual(Array.from(out), Array.from(x, (v) => Math.exp(v)));
  nb().binary('mul', x, [3], Float64Array.from([2, 2, 2]), [3], out, [3]);
  assert.deepEqual(Array.from(out), [1, -4, 6]);
});

for (const dtype of dtypes) {
  test(`${dtype} where matches the JS kernel for broadcast condition and branches, splatted and split across threads (NaN and −0 conditions count as set / unset)`, { skip }, () => {
    const rng = new Rng(14);
    const cases: readonly (readonly number[][])[] = [
      [[4, 6], [4, 6], [4, 6], [4, 6]],
      [[4, 1], [1, 6], [4, 6], [4, 6]],
      [[1, 6], [4, 6], [1, 1], [4, 6]],
      [[2, 1, 5], [1, 3, 5], [2, 3, 1], [2, 3, 5]],
      [[0, 2], [1, 2], [0, 2], [0, 2]],
      [[], [], [], []],
      // The ReLU backward (b a splatted 0) and its mirror, large enough to split across threads.
      [[128, 400], [128, 400], [1, 1], [128, 400]],
      [[40000], [1], [40000], [40000]],
      [[3, 7], [3, 7], [1, 1], [3, 7]],
    ];
    for (const [cShape, aShape, bShape, outShape] of cases) {
      const cond = from(dtype, Array.from({ length: size(cShape!) }, (_, i) => [0, 1, NaN, -0, -2][i % 5]!));
      const a = from(dtype, testValues(rng, size(aShape!)));
      const b = from(dtype, testValues(rng, size(bShape!)).reverse());
      const want = alloc(dtype, size(outShape!));
      const got = alloc(dtype, size(outShape!));
      jsBackend.where(cond, cShape!, a, aShape!, b, bShape!, want, outShape!);
      nb().where(cond, cShape!, a, aShape!, b, bShape!, got, outShape!);
      assertWithin(got, want, 0, (i) => `where [${cShape}] [${aShape}] [${bShape}] at ${i}`, dtype);
    }
  });

  test(`${dtype} reduce max/min match the JS kernel exactly (NaN wins, first of ±0 kept) and sum does along rows; empty axes give the identity`, { skip }, () => {
    const rng = new Rng(15);
    // [1, 100003, 1] is summed in blocks split over threads.
    const shapes = [[1, 1000, 1], [3, 17, 1], [2, 5, 7], [2, 9, 40], [4, 0, 3], [0, 3, 3], [1, 1, 1], [3, 2, 1], [1, 100003, 1]];
    for (const op of ['sum', 'max', 'min'] as const satisfies readonly ReduceKernel[]) {
      for (const [outer, n, inner] of shapes) {
        const vals = testValues(rng, outer! * n! * inner! + 1).slice(1).map((v, i) => (i % 97 === 5 ? NaN : i % 7 === 0 ? (i % 2 ? -0 : 0) : v));
        // Sums over finite values only, so the comparison below measures rounding, not NaN/∞.
        const x = from(dtype, op === 'sum' ? vals.map((v) => (Number.isFinite(v) ? Math.max(-1e30, Math.min(1e30, v)) : 1)) : vals);
        const want = alloc(dtype, outer! * inner!);
        const got = alloc(dtype, outer! * inner!);
        jsBackend.reduce(op, x, outer!, n!, inner!, want);
        nb().reduce(op, x, outer!, n!, inner!, got);
        if (op === 'sum' && inner === 1) {
          // A full row is summed in double lanes, not sequentially: both stay within n·eps·Σ|x| of the truth.
          const eps = dtype === 'float32' ? 2 ** -24 : 2 ** -53;
          for (let o = 0; o < outer!; o++) {
            let abs = 0;
            for (let r = 0; r < n!; r++) abs += Math.abs(x[o * n! + r]!);
            assert.ok(Math.abs(got[o]! - want[o]!) <= 2 * n! * eps * abs, `sum row ${o} of [${outer},${n},1]: ${got[o]} vs ${want[o]}`);
          }
        } else {
          assertWithin(got, want, 0, (i) => `${op} over [${outer},${n},${inner}] at ${i}`, dtype);
        }
      }
    }
  });

  test(`${dtype} copyStrided matches the JS kernel for transposes, permutes, slices, broadcasts, flips, rank 0 and empty views`, { skip }, () => {
    const src = from(dtype, testValues(new Rng(16), 4000));
    // [srcOff, shape, strides]
    const views: readonly [number, number[], number[]][] = [
      [0, [7, 9], [1, 7]],
      [0, [40, 50], [1, 40]],
      [5, [33, 20], [40, 1]],
      [3, [2, 3, 4], [1, 8, 2]],
      [0, [6, 5], [0, 1]],
      [0, [6, 5], [1, 0]],
      [100, [10, 10], [-10, -1]],
      [7, [], []],
      [0, [0, 4], [4, 1]],
      [2, [3, 1, 4], [4, 99, 1]],
      [0, [5, 4, 3, 2], [24, 6, 2, 1]],
    ];
    for (const [off, shape, strides] of views) {
      const want = alloc(dtype, size(shape));
      const got = alloc(dtype, size(shape));
      jsBackend.copyStrided(src, off, shape, strides, want);
      nb().copyStrided(src, off, shape, strides, got);
      assertWithin(got, want, 0, (i) => `view off=${off} [${shape}] strides [${strides}] at ${i}`, dtype);
    }
  });

  // float64 Adam runs in the JS kernel's order; float32 Adam runs in float32 (see elem_impl.h).
  if (dtype === 'float32') {
    test('float32 Adam and AdamW steps stay within 4 float32 roundings of the JS kernel', { skip }, () => checkAdamFloat32(nb(), new Rng(24)));
  }
  for (const decoupled of dtype === 'float64' ? [false, true] : []) {
    test(`float64 ${decoupled ? 'AdamW' : 'Adam'} steps match the JS kernel bit for bit`, { skip }, () => {
      const rng = new Rng(17);
      const n = 1003;
      const rand = (k: number): FloatArray => from(dtype, Array.from({ length: n }, () => rng.normal() * k));
      const p = rand(1);
      const g = rand(0.1);
      const m = rand(0.01);
      const v = from(dtype, Array.from({ length: n }, () => rng.uniform() * 1e-3));
      const [pj, mj, vj] = [p.slice(), m.slice(), v.slice()];
      for (let t = 1; t <= 3; t++) {
        const [lr, b1, b2, wd] = [1e-3, 0.9, 0.999, 0.01];
        jsBackend.adamStep(pj, g, mj, vj, lr, b1, b2, 1e-8, 1 - b1 ** t, 1 - b2 ** t, wd, decoupled);
        nb().adamStep(p, g, m, v, lr, b1, b2, 1e-8, 1 - b1 ** t, 1 - b2 ** t, wd, decoupled);
      }
      assertWithin(p, pj, 0, (i) => `p[${i}]`, dtype);
      assertWithin(m, mj, 0, (i) => `m[${i}]`, dtype);
      assertWithin(v, vj, 0, (i) => `v[${i}]`, dtype);
    });
  }
}

for (const dtype of dtypes) {
  test(`${dtype} gather copies the indexed rows exactly as the JS kernel does, repeated rows, several outer blocks and a batch split across threads`, { skip }, () => {
    const rng = new Rng(20);
    for (const [outer, n, inner, r] of [[1, 5, 3, 4], [3, 7, 2, 5], [1, 6000, 784, 128], [2, 10, 1, 0]] as const) {
      const x = from(dtype, testValues(rng, outer * n * inner));
      const idx = Int32Array.from({ length: r }, (_, k) => (k === 1 ? 0 : Math.floor(rng.uniform() * n)));
      const want = alloc(dtype, outer * r * inner);
      const got = alloc(dtype, outer * r * inner);
      jsBackend.gather(x, outer, n, inner, idx, want);
      nb().gather(x, outer, n, inner, idx.subarray(0), got);
      assertWithin(got, want, 0, (i) => `gather [${outer}, ${n}, ${inner}] × ${r} rows at ${i}`, dtype);
    }
  });
}

for (const dtype of dtypes) {
  test(`${dtype} allFinite finds one NaN, +∞ or −∞ wherever it sits (vector body, tail, any thread's part) and passes ±0, subnormals and the largest finite value`, { skip }, () => {
    const rng = new Rng(21);
    const biggest = dtype === 'float32' ? 3.4028234663852886e38 : Number.MAX_VALUE;
    for (const n of [0, 1, 7, 16, 33, 4099, 313_600]) {
      const x = alloc(dtype, n);
      for (let i = 0; i < n; i++) x[i] = rng.normal();
      if (n > 0) x[0] = -0;
      if (n > 1) x[n - 1] = biggest;
      if (n > 2) x[1] = dtype === 'float32' ? 1e-40 : 5e-324;
      assert.equal(nb().allFinite!(x), true, `n=${n}, all finite`);
      for (const bad of [NaN, Infinity, -Infinity]) {
        for (const at of n > 0 ? [0, n >> 1, n - 1, Math.floor(rng.uniform() * n)] : []) {
          const y = x.slice();
          y[at] = bad;
          assert.equal(nb().allFinite!(y), false, `n=${n}, ${bad} at ${at}`);
        }
      }
    }
  });
}

for (const dtype of dtypes) {
  test(`${dtype} bceLogitsGrad equals the JS kernel exactly, elementwise (cols 1) and with one g per row, rows split across threads`, { skip }, () => {
    const rng = new Rng(19);
    for (const [rows, cols] of [[1, 1], [3, 1], [5, 7], [128, 784], [33000, 1]] as const) {
      const n = rows * cols;
      const g = from(dtype, testValues(rng, rows));
      const sig = from(dtype, Array.from({ length: n }, () => rng.uniform()));
      const target = from(dtype, Array.from({ length: n }, () => Math.round(rng.uniform())));
      const want = alloc(dtype, n);
      const got = alloc(dtype, n);
      jsBackend.bceLogitsGrad(g, sig, target, cols, want);
      nb().bceLogitsGrad(g, sig, target, cols, got);
      for (let i = 0; i < n; i++) {
        if (!Object.is(got[i], want[i]) && !(Number.isNaN(got[i]!) && Number.isNaN(want[i]!))) {
          assert.fail(`bceLogitsGrad rows=${rows} cols=${cols} at ${i}: native ${got[i]}, JS ${want[i]}`);
        }
      }
    }
  });
}

for (const dtype of dtypes) {
  test(`${dtype} bceLogits is within 2 ulp (plus float64 rounding of ℓ) of the JS kernel for targets in [0, 1], specials and confident logits included`, { skip }, () => {
    const rng = new Rng(18);
    for (const n of [0, 1, 17, 3001]) {
      const logits = from(dtype, testValues(rng, n).map((v, i) => (i % 3 === 2 ? (rng.uniform() - 0.5) * 60 : v)));
      const target = from(dtype, Array.from({ length: n }, (_, i) => (i % 3 === 0 ? Math.round(rng.uniform()) : i % 3 === 1 ? Math.floor(rng.uniform() * 256) / 255 : rng.uniform())));
      const want = [alloc(dtype, n), alloc(dtype, n)] as const;
      const got = [alloc(dtype, n), alloc(dtype, n)] as const;
      jsBackend.bceLogits(logits, target, want[0], want[1]);
      nb().bceLogits(logits, target, got[0], got[1]);
      const ulp = dtype === 'float32' ? 2 ** -23 : 2 ** -52;
      ['loss', 'sigmoid'].forEach((what, k) => {
        for (let i = 0; i < n; i++) {
          const g = got[k]![i]!;
          const w = want[k]![i]!;
          if (Object.is(g, w) || (Number.isNaN(g) && Number.isNaN(w))) continue;
          // NOTE: both kernels form max(ℓ,0) + log1p(e) in float64 before subtracting ℓ·y, which rounds
          // log1p(e) to a grid of 2^-53·|ℓ|: where the two terms cancel, the loss may differ by that much.
          const tol = 2 * Math.abs(w) * ulp + (k === 0 ? 2 ** -51 * (Math.abs(logits[i]!) + 1) : dtype === 'float32' ? 2 ** -149 : 2 ** -1074);
          if (!(Math.abs(g - w) <= tol)) assert.fail(`bceLogits ${what} at ℓ=${logits[i]}, y=${target[i]}: native ${g}, JS ${w}`);
        }
      });
    }
  });
}

for (const dtype of dtypes) {
  test(`${dtype} normalKl and normalKlGrad match the JS kernel to an ulp plus float64 rounding of the terms that cancel (σp ≈ σq included)`, { skip }, () => {
    const rng = new Rng(20);
    const n = 2003;
    const col = (f: (i: number) => number): FloatArray => from(dtype, Array.from({ length: n }, (_, i) => f(i)));
    const locP = col(() => rng.normal());
    const logScaleP = col(() => rng.normal() * 0.7);
    // Every third pair is the standard-normal prior; every third σq is within 1e-4 of σp (r → 0).
    const locQ = col((i) => (i % 3 === 0 ? 0 : rng.normal() * 0.5));
    const logScaleQ = col((i) => (i % 3 === 0 ? 0 : i % 3 === 1 ? logScaleP[i]! + (rng.uniform() - 0.5) * 2e-4 : rng.normal() * 0.7));
    const g = col(() => rng.normal());
    const eps = 2 ** -52;
    const ulp = (w: number): number => (dtype === 'float32' ? 2 ** (Math.floor(Math.log2(Math.abs(w) || 2 ** -149)) - 23) : 0);
    // Σ|terms| per element: native and JS both form these in float64 with libm results that may differ by an ulp.
    const check = (what: string, got: FloatArray, want: FloatArray, scale: (i: number) => number): void => {
      for (let i = 0; i < n; i++) {
        const tol = ulp(want[i]!) + 16 * eps * scale(i);
        if (!(Math.abs(got[i]! - want[i]!) <= tol)) assert.fail(`${what}[${i}]: native ${got[i]}, JS ${want[i]} (tolerance ${tol})`);
      }
    };
    const r = (i: number): number => 2 * (logScaleP[i]! - logScaleQ[i]!);
    const d2 = (i: number): number => ((locP[i]! - locQ[i]!) * Math.exp(-logScaleQ[i]!)) ** 2;
    const [want, got] = [alloc(dtype, n), alloc(dtype, n)];
    jsBackend.normalKl(locP, logScaleP, locQ, logScaleQ, want);
    nb().normalKl(locP, logScaleP, locQ, logScaleQ, got);
    check('normalKl', got, want, (i) => Math.abs(Math.expm1(r(i))) + Math.abs(r(i)) + d2(i));
    const wants = [0, 1, 2, 3].map(() => alloc(dtype, n));
    const gots = [0, 1, 2, 3].map(() => alloc(dtype, n));
    jsBackend.normalKlGrad(g, locP, logScaleP, locQ, logScaleQ, wants[0]!, wants[1]!, wants[2]!, wants[3]!);
    nb().normalKlGrad(g, locP, logScaleP, locQ, logScaleQ, gots[0]!, gots[1]!, gots[2]!, gots[3]!);
    const gScale = (i: number): number => Math.abs(g[i]!) * (Math.abs(Math.expm1(r(i))) + d2(i) + Math.abs(locP[i]! - locQ[i]!) * Math.exp(-2 * logScaleQ[i]!));
    ['dLocP', 'dLogScaleP', 'dLocQ', 'dLogScaleQ'].forEach((what, k) => check(what, gots[k]!, wants[k]!, gScale));
  });
}

test('bceLogits may write its outputs over its inputs', { skip }, () => {
  const logits = Float32Array.from(testValues(new Rng(19), 40));
  const target = Float32Array.from(logits, (_, i) => (i % 2) * 0.75);
  const want = [new Float32Array(40), new Float32Array(40)] as const;
  jsBackend.bceLogits(logits, target, want[0], want[1]);
  const sig = target.slice();
  nb().bceLogits(logits, sig, logits, sig);
  assert.ok(Array.from(sig).every((v, i) => Math.abs(v - want[1][i]!) <= 2 * 2 ** -23 * Math.abs(want[1][i]!) + 2 ** -149 || (Number.isNaN(v) && Number.isNaN(want[1][i]!))));
  assert.ok(Array.from(logits).every((v, i) => Math.abs(v - want[0][i]!) <= 2 * 2 ** -23 * Math.abs(want[0][i]!) + 1e-12 || (Number.isNaN(v) && Number.isNaN(want[0][i]!))));
});

test('copyStrided and reduce reject out-of-bounds views with exact messages', { skip }, () => {
  assert.throws(() => nb().copyStrided(new Float32Array(10), 5, [3, 3], [3, 1], new Float32Array(9)), {
    name: 'RangeError', message: 'copyStrided: the view reads src[5..13], src has 10 elements',
  });
  assert.throws(() => nb().reduce('sum', new Float32Array(5), 2, 3, 1, new Float32Array(2)), {
    name: 'RangeError', message: 'reduce: x has 5 elements, [2, 3, 1] needs 6',
  });
  assert.throws(() => nb().reduce('sum', new Float32Array(6), 2, 3, 1, new Float32Array(1)), {
    name: 'RangeError', message: 'reduce: out has 1 elements, [2, 1] needs 2',
  });
});

// The same file under the AVX2 and portable builds (ELBO_NATIVE_ISA caps the dispatch),
// with Adam, bceLogits, normalKl and the unary and flat binary ops split over the thread pool from 64 elements.
if (!process.env.ELBO_NATIVE_ISA && nativeInfo().isa === 'avx512') {
  for (const isa of ['avx2', 'scalar']) {
    test(`the ${isa} build of the elementwise kernels passes this file too, split over threads`, { skip }, () => {
      // Without the parent's NODE_TEST_CONTEXT the child reports in TAP, whose summary is checked too.
      const { NODE_TEST_CONTEXT: _, ...env } = process.env;
      const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', fileURLToPath(import.meta.url)], {
        env: { ...env, ELBO_NATIVE_ISA: isa, ELBO_ELEM_PARALLEL_MIN: '64' }, encoding: 'utf8',
      });
      const failures = run.stdout.split('\n').filter((l) => /not ok|^# fail/.test(l)).join('\n');
      assert.equal(run.status, 0, `${isa} run failed:\n${failures}\n${run.stderr}`);
      assert.match(run.stdout, /^# pass [1-9]\d*$/m, `${isa} run reported no passing tests`);
      assert.match(run.stdout, /^# fail 0$/m, failures);
    });
  }
}
