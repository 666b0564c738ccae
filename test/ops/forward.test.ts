// Forward values against naive reference loops and known values: matmul in
// every transpose/offset layout, linalg reconstruction identities, numerically
// delicate functions at large |x|, empty reductions, views, and properties.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  Tensor, Rng, add, bceWithLogits, cholesky, diagonal, div, exp, expand, eye, indexSelect, inverse, log, logSoftmax,
  logsumexp, matmul, max, mean, min, mul, permute, randn, reshape, sigmoid, slice, slogdet, softmax, softplus, solve,
  sum, tensor, transpose, triangularSolve, variance, where, gt, concat, stack, padTo, det, logdet, trace, outer, zeros,
  type DType,
} from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';

const rng = new Rng(8);

function randT(shape: number[], dtype: DType = 'float64'): Tensor {
  return randn(shape, rng, { dtype });
}

/** Naive row-major product of 2-D tensors, accumulated in float64. */
function naiveMatmul(a: Tensor, b: Tensor): Float64Array {
  const [m, kk] = a.shape as [number, number];
  const n = b.shape[1]!;
  const A = a.contiguousData();
  const B = b.contiguousData();
  const C = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < kk; p++) s += A[i * kk + p]! * B[p * n + j]!;
    C[i * n + j] = s;
  }
  return C;
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Object.is(a, e)) continue;
    assert.ok(Math.abs(a - e) <= tol * Math.max(1, Math.abs(e)), `${what}: entry ${i} is ${a}, expected ${e} (tol ${tol})`);
  }
}

function values(t: Tensor): number[] {
  return Array.from(t.contiguousData());
}

forEachBackend(() => {
  describe('matmul', () => {
    for (const dtype of ['float64', 'float32'] as const) {
      const tol = dtype === 'float64' ? 1e-12 : 1e-5;
      for (const [tA, tB] of [[false, false], [false, true], [true, false], [true, true]] as const) {
        test(`${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} ${dtype} (blocked sizes, sliced views with offsets) matches a naive triple loop`, () => {
          for (const [m, n, kk] of [[1, 1, 1], [3, 5, 2], [7, 9, 13], [37, 301, 260], [130, 520, 9]] as const) {
            // Store each operand inside a larger buffer and slice it out, so offsets and leading dimensions are exercised.
            const baseA = randT(tA ? [kk + 2, m + 3] : [m + 2, kk + 3], dtype);
            const baseB = randT(tB ? [n + 1, kk + 2] : [kk + 1, n + 2], dtype);
            const sa = tA ? slice(baseA, [[1, kk + 1], [2, m + 2]]) : slice(baseA, [[1, m + 1], [2, kk + 2]]);
            const sb = tB ? slice(baseB, [[1, n + 1], [1, kk + 1]]) : slice(baseB, [[1, kk + 1], [1, n + 1]]);
            const a = tA ? transpose(sa) : sa;
            const b = tB ? transpose(sb) : sb;
            const out = matmul(a, b);
            assert.deepEqual(out.shape, [m, n]);
            assert.equal(out.dtype, dtype);
            assertClose(out.contiguousData(), naiveMatmul(a.contiguous(), b.contiguous()), tol * Math.sqrt(kk), `${m}x${n}x${kk}`);
          }
        });
      }
    }

    test('batched matmul with broadcast batch axes equals per-matrix products', () => {
      const a = randT([2, 1, 3, 4]);
      const b = randT([3, 4, 5]);
      const out = matmul(a, b);
      assert.deepEqual(out.shape, [2, 3, 3, 5]);
      for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) {
        const ai = reshape(slice(a, [[i, i + 1], [0, 1]]), [3, 4]);
        const bj = reshape(slice(b, [[j, j + 1]]), [4, 5]);
        const oij = reshape(slice(out, [[i, i + 1], [j, j + 1]]), [3, 5]);
        assertClose(oij.contiguousData(), naiveMatmul(ai, bj), 1e-12, `batch ${i},${j}`);
      }
    });

    test('1-D operands: vector·matrix, matrix·vector and dot drop the vector axis', () => {
      const v = tensor([1, 2, 3], { dtype: 'float64' });
      const M = tensor([[1, 0], [0, 1], [1, 1]], { dtype: 'float64' });
      assert.deepEqual(matmul(v, M).toArray(), [4, 5]);
      assert.deepEqual(matmul(transpose(M), v).toArray(), [4, 5]);
      const d = matmul(v, v);
      assert.deepEqual(d.shape, []);
      assert.equal(d.item(), 14);
    });

    test('empty inner dimension gives zeros', () => {
      const out = matmul(zeros([2, 0], { dtype: 'float64' }), zeros([0, 3], { dtype: 'float64' }));
      assert.deepEqual(out.toArray(), [[0, 0, 0], [0, 0, 0]]);
    });
  });

  describe('linear algebra', () => {
    const n = 6;
    const spdOf = (a: Tensor): Tensor => add(matmul(a, transpose(a)), mul(eye(n, { dtype: 'float64' }), 0.5));

    test('cholesky gives a lower-triangular L with L·Lᵀ = A (batched)', () => {
      const A = spdOf(randT([3, n, n]));
      const L = cholesky(A);
      const Ld = L.contiguousData();
      for (let b = 0; b < 3; b++) for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) assert.equal(Ld[b * n * n + i * n + j], 0);
      for (let b = 0; b < 3; b++) for (let i = 0; i < n; i++) assert.ok(Ld[b * n * n + i * n + i]! > 0);
      assertClose(matmul(L, transpose(L)).contiguousData(), A.contiguousData(), 1e-12, 'L·Lᵀ');
    });

    test('cholesky reads only the lower triangle', () => {
      const A = spdOf(randT([n, n]));
      const upperJunk = A.contiguousData().slice();
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) upperJunk[i * n + j] = 1e6;
      assertClose(cholesky(new Tensor(upperJunk, [n, n])).contiguousData(), cholesky(A).contiguousData(), 1e-12, 'lower-only');
    });

    test('solve returns X with A·X = B (batched, broadcast right-hand side)', () => {
      const A = add(randT([2, n, n]), mul(eye(n, { dtype: 'float64' }), 3));
      const B = randT([n, 3]);
      const X = solve(A, B);
      assert.deepEqual(X.shape, [2, n, 3]);
      assertClose(matmul(A, X).contiguousData(), expand(B, [2, n, 3]).contiguousData(), 1e-12, 'A·X');
    });

    test('triangularSolve solves op(T)·X = B for all four triangle/transpose combinations', () => {
      const T = add(randT([n, n]), mul(eye(n, { dtype: 'float64' }), 4));
      const B = randT([n, 2]);
      for (const upper of [false, true]) for (const trans of [false, true]) {
        const tri = triangleOf(T, upper);
        const X = triangularSolve(T, B, { upper, transpose: trans });
        const opT = trans ? transpose(tri) : tri;
        assertClose(matmul(opT, X).contiguousData(), B.contiguousData(), 1e-12, `upper=${upper} transpose=${trans}`);
      }
    });

    test('inverse satisfies A·A⁻¹ = I and A⁻¹·A = I', () => {
      const A = add(randT([n, n]), mul(eye(n, { dtype: 'float64' }), 3));
      const Ai = inverse(A);
      assertClose(matmul(A, Ai).contiguousData(), eye(n, { dtype: 'float64' }).contiguousData(), 1e-12, 'A·A⁻¹');
      assertClose(matmul(Ai, A).contiguousData(), eye(n, { dtype: 'float64' }).contiguousData(), 1e-12, 'A⁻¹·A');
    });

    test('slogdet, det and logdet agree with known values', () => {
      const f64 = { dtype: 'float64' } as const;
      const d1 = slogdet(tensor([[2, 0], [0, 3]], f64));
      assert.equal(d1.sign.item(), 1);
      assert.ok(Math.abs(d1.logAbsDet.item() - Math.log(6)) < 1e-15);
      const d2 = slogdet(tensor([[1, 2], [3, 4]], f64));
      assert.equal(d2.sign.item(), -1);
      assert.ok(Math.abs(d2.logAbsDet.item() - Math.log(2)) < 1e-15);
      assert.ok(Math.abs(det(tensor([[1, 2], [3, 4]], f64)).item() + 2) < 1e-14);
      const perm = slogdet(tensor([[0, 1, 0], [1, 0, 0], [0, 0, 1]], f64));
      assert.equal(perm.sign.item(), -1);
      assert.equal(perm.logAbsDet.item(), 0);
      const singular = slogdet(tensor([[1, 2], [2, 4]], f64));
      assert.equal(singular.sign.item(), 0);
      assert.equal(singular.logAbsDet.item(), -Infinity);
      assert.ok(Math.abs(logdet(tensor([[4, 2], [2, 3]], f64)).item() - Math.log(8)) < 1e-14);
      assert.equal(trace(tensor([[1, 2], [3, 4]], f64)).item(), 5);
    });
  });

  describe('numerically delicate functions', () => {
    const f64 = { dtype: 'float64' } as const;

    test('logsumexp is exact at ±1000 and −∞ rows give −∞', () => {
      assert.deepEqual(values(logsumexp(tensor([[1000, 1000], [-1000, -1000]], f64), -1)), [1000 + Math.log(2), -1000 + Math.log(2)]);
      assert.equal(logsumexp(tensor([1000, 0], f64)).item(), 1000);
      assert.equal(logsumexp(tensor([-Infinity, -Infinity], f64)).item(), -Infinity);
      assert.equal(logsumexp(tensor([-Infinity, 0], f64)).item(), 0);
      const f32 = logsumexp(tensor([88, 89, 90]));
      assert.ok(Number.isFinite(f32.item()) && Math.abs(f32.item() - (90 + Math.log(1 + Math.exp(-1) + Math.exp(-2)))) < 1e-4);
    });

    test('softmax and logSoftmax are finite at ±1000 and rows of softmax sum to 1', () => {
      const x = tensor([[1000, 999, -1000], [-1000, -1001, -1002]], f64);
      // NOTE: x − lse(x) at |x| ≈ 1000 is limited by the ulp of 1000 (≈1.1e-13), as in every framework.
      const ls = logSoftmax(x);
      for (const v of values(ls)) assert.ok(Number.isFinite(v));
      assertClose(values(ls).slice(0, 2), [-Math.log(1 + Math.exp(-1)), -1 - Math.log(1 + Math.exp(-1))], 1e-12, 'logSoftmax');
      assertClose(values(sum(softmax(x), -1)), [1, 1], 1e-12, 'row sums');
    });

    test('softplus is finite and exact at large |x| (no overflow, no log(0))', () => {
      const sp = values(softplus(tensor([1000, -1000, 50, -50, 0], f64)));
      assert.deepEqual(sp.slice(0, 2), [1000, 0]);
      assert.equal(sp[2], 50 + Math.log1p(Math.exp(-50)));
      assert.ok(Math.abs(sp[3]! - Math.exp(-50)) <= 1e-15 * Math.exp(-50));
      assert.equal(sp[4], Math.log(2));
      for (const v of values(softplus(tensor([100, -100, 1e30, -1e30])))) assert.ok(Number.isFinite(v));
    });

    test('sigmoid saturates to exactly 0 and 1 and keeps relative accuracy in the tail', () => {
      const s = values(sigmoid(tensor([1000, -1000, -50, 0], f64)));
      assert.deepEqual(s.slice(0, 2), [1, 0]);
      assert.ok(Math.abs(s[2]! - Math.exp(-50)) <= 1e-15 * Math.exp(-50));
      assert.equal(s[3], 0.5);
    });

    test('bceWithLogits is finite and exact at logits ±1000', () => {
      const x = tensor([1000, -1000, 1000, -1000], f64);
      const y = tensor([1, 0, 0, 1], f64);
      assert.deepEqual(values(bceWithLogits(x, y, 'none')), [0, 0, 1000, 1000]);
      const p = 0.3;
      const bce = bceWithLogits(tensor([2], f64), tensor([p], f64), 'none').item();
      const s = 1 / (1 + Math.exp(-2));
      assert.ok(Math.abs(bce - -(p * Math.log(s) + (1 - p) * Math.log(1 - s))) < 1e-15);
    });
  });

  describe('reductions', () => {
    test('sum, max, min, mean and variance match naive loops on every axis', () => {
      const x = randT([2, 3, 4]);
      const d = x.contiguousData();
      const at = (i: number, j: number, l: number): number => d[i * 12 + j * 4 + l]!;
      const naive = (axis: number, f: (xs: number[]) => number): number[] => {
        const out: number[] = [];
        const dims = [2, 3, 4];
        const rest = [0, 1, 2].filter((a) => a !== axis);
        for (let p = 0; p < dims[rest[0]!]!; p++) for (let q = 0; q < dims[rest[1]!]!; q++) {
          const xs: number[] = [];
          for (let s = 0; s < dims[axis]!; s++) {
            const idx = [0, 0, 0];
            idx[rest[0]!] = p;
            idx[rest[1]!] = q;
            idx[axis] = s;
            xs.push(at(idx[0]!, idx[1]!, idx[2]!));
          }
          out.push(f(xs));
        }
        return out;
      };
      const s = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
      const v = (xs: number[]): number => { const m = s(xs) / xs.length; return s(xs.map((q) => (q - m) ** 2)) / (xs.length - 1); };
      for (const axis of [0, 1, 2]) {
        assertClose(values(sum(x, axis)), naive(axis, s), 1e-14, `sum ${axis}`);
        assertClose(values(sum(x, axis - 3)), naive(axis, s), 1e-14, `sum ${axis - 3}`);
        assert.deepEqual(values(max(x, axis)), naive(axis, (xs) => Math.max(...xs)));
        assert.deepEqual(values(min(x, axis)), naive(axis, (xs) => Math.min(...xs)));
        assertClose(values(mean(x, axis)), naive(axis, (xs) => s(xs) / xs.length), 1e-14, `mean ${axis}`);
        assertClose(values(variance(x, axis)), naive(axis, v), 1e-13, `variance ${axis}`);
      }
      assertClose([sum(x).item()], [s(Array.from(d))], 1e-14, 'sum all');
      assert.deepEqual(sum(x, [0, 2], true).shape, [1, 3, 1]);
      assert.deepEqual(sum(x, [0, 2]).shape, [3]);
    });

    test('reducing an axis of length 0 gives the identity: sum 0, max −∞, min +∞, mean NaN', () => {
      const x = zeros([0, 3], { dtype: 'float64' });
      assert.deepEqual(values(sum(x, 0)), [0, 0, 0]);
      assert.deepEqual(values(max(x, 0)), [-Infinity, -Infinity, -Infinity]);
      assert.deepEqual(values(min(x, 0)), [Infinity, Infinity, Infinity]);
      assert.ok(values(mean(x, 0)).every((q) => Number.isNaN(q)));
      assert.deepEqual(sum(x, 1).shape, [0]);
      assert.equal(sum(x).item(), 0);
    });

    test('an empty axis list reduces nothing', () => {
      const x = randT([2, 3]);
      const s = sum(x, []);
      assert.deepEqual(s.shape, [2, 3]);
      assert.deepEqual(values(s), values(x));
    });
  });

  describe('views', () => {
    test('transpose, permute, slice, expand, diagonal and contiguous reshape share storage and read the right values', () => {
      const x = tensor(Float64Array.from({ length: 24 }, (_, i) => i), [2, 3, 4]);
      const t = transpose(x);
      const p = permute(x, [2, 0, 1]);
      const s = slice(x, [[1, 2], [1, 3], [-2, 4]]);
      const e = expand(reshape(slice(x, [[0, 1], [0, 1]]), [1, 4]), [3, 4]);
      const r = reshape(x, [6, 4]);
      for (const v of [t, p, s, e, r]) assert.equal(v.data, x.data);
      assert.deepEqual(t.toArray(), [[[0, 4, 8], [1, 5, 9], [2, 6, 10], [3, 7, 11]], [[12, 16, 20], [13, 17, 21], [14, 18, 22], [15, 19, 23]]]);
      assert.deepEqual(p.shape, [4, 2, 3]);
      assert.equal((p.toArray() as number[][][])[3]![1]![2], 23);
      assert.deepEqual(s.toArray(), [[[18, 19], [22, 23]]]);
      assert.deepEqual(e.toArray(), [[0, 1, 2, 3], [0, 1, 2, 3], [0, 1, 2, 3]]);
      const sq = tensor(Float64Array.from({ length: 9 }, (_, i) => i), [3, 3]);
      const dg = diagonal(sq);
      assert.equal(dg.data, sq.data);
      assert.deepEqual(dg.toArray(), [0, 4, 8]);
      x.data[23] = -1;
      assert.equal((s.toArray() as number[][][])[0]![1]![1], -1);
    });

    test('reshape of a non-contiguous view copies and keeps row-major order', () => {
      const x = tensor(Float64Array.from({ length: 6 }, (_, i) => i), [2, 3]);
      const r = reshape(transpose(x), [6]);
      assert.notEqual(r.data, x.data);
      assert.deepEqual(r.toArray(), [0, 3, 1, 4, 2, 5]);
    });

    test('concat, stack, padTo and indexSelect place values where expected', () => {
      const a = tensor([[1, 2]], { dtype: 'float64' });
      const b = tensor([[3, 4], [5, 6]], { dtype: 'float64' });
      assert.deepEqual(concat([a, b], 0).toArray(), [[1, 2], [3, 4], [5, 6]]);
      assert.deepEqual(concat([transpose(a), transpose(b)], -1).toArray(), [[1, 3, 5], [2, 4, 6]]);
      assert.deepEqual(stack([a, a], 0).shape, [2, 1, 2]);
      assert.deepEqual(padTo(a, [2, 3], [1, 1]).toArray(), [[0, 0, 0], [0, 1, 2]]);
      assert.deepEqual(indexSelect(b, 1, [1, 1, 0]).toArray(), [[4, 4, 3], [6, 6, 5]]);
      assert.deepEqual(outer(tensor([1, 2]), tensor([3, 4, 5])).toArray(), [[3, 4, 5], [6, 8, 10]]);
      assert.deepEqual(where(gt(b, 4), b, 0).toArray(), [[0, 0], [5, 6]]);
    });
  });

  describe('elementwise against Math', () => {
    const x = randT([50]);
    const xd = Array.from(x.contiguousData());
    const table: [string, (t: Tensor) => Tensor, (v: number) => number][] = [
      ['exp', exp, Math.exp],
      ['log of |x|', (t) => log(div(mul(t, t), 1)), (v) => Math.log(v * v)],
      ['sigmoid', sigmoid, (v) => 1 / (1 + Math.exp(-v))],
      ['softplus', softplus, (v) => Math.log1p(Math.exp(v))],
    ];
    for (const [name, f, ref] of table) {
      test(`${name} matches its Math reference on random float64 inputs`, () => {
        assertClose(values(f(x)), xd.map(ref), 1e-15, name);
      });
    }
  });

  describe('properties (fast-check)', () => {
    const dims = fc.integer({ min: 1, max: 4 });
    const shapePair = fc.array(fc.tuple(dims, fc.boolean(), fc.boolean()), { minLength: 0, maxLength: 4 }).map((ds) => [
      ds.map(([d, ka]) => (ka ? d : 1)),
      ds.map(([d, , kb]) => (kb ? d : 1)),
    ] as const);

    test('broadcasting add is commutative and has the NumPy broadcast shape', () => {
      fc.assert(fc.property(shapePair, fc.integer({ min: 0, max: 2 }), fc.integer(), ([sa, sb], drop, seed) => {
        const g = new Rng(seed);
        const a = randn(sa.slice(Math.min(drop, sa.length)), g, { dtype: 'float64' });
        const b = randn(sb, g, { dtype: 'float64' });
        const ab = add(a, b);
        const ba = add(b, a);
        const n = Math.max(a.rank, b.rank);
        const expected = Array.from({ length: n }, (_, i) => Math.max(a.shape[a.rank - n + i] ?? 1, b.shape[b.rank - n + i] ?? 1));
        assert.deepEqual(ab.shape, expected);
        assert.deepEqual(values(ab), values(ba));
      }), { numRuns: 100 });
    });

    test('elementwise ops and where read expanded (stride-0) views, sliced or transposed first, exactly as their materialized copies', () => {
      fc.assert(fc.property(shapePair, fc.integer(), fc.boolean(), ([sa, sb], seed, flip) => {
        const g = new Rng(seed);
        const full = sa.map((d, i) => Math.max(d, sb[i]!));
        // A view with stride-0 axes, then a transposed or sliced view of it when possible.
        let a = expand(randn(sa, g, { dtype: 'float64' }), full);
        if (flip && a.rank >= 2) a = transpose(a);
        else if (flip && a.rank >= 1 && a.shape[0]! > 1) a = slice(a, [[1, a.shape[0]!]]);
        const b = randn(a.shape.map((d, i) => (sb[i] === 1 ? 1 : d)), g, { dtype: 'float64' });
        const copy = a.contiguous();
        assert.deepEqual(values(mul(a, b)), values(mul(copy, b)));
        assert.deepEqual(values(div(b, a)), values(div(b, copy)));
        assert.deepEqual(values(where(gt(a, 0), a, b)), values(where(gt(copy, 0), copy, b)));
      }), { numRuns: 100 });
    });

    test('reshape round trip restores shape and values', () => {
      fc.assert(fc.property(fc.array(dims, { minLength: 1, maxLength: 4 }), fc.integer(), (shape, seed) => {
        const x = randn(shape, new Rng(seed), { dtype: 'float64' });
        const flat = reshape(x, [-1]);
        const back = reshape(flat, shape);
        assert.deepEqual(back.shape, shape);
        assert.deepEqual(values(back), values(x));
        const tr = shape.length >= 2 ? transpose(x) : x;
        assert.deepEqual(values(reshape(reshape(tr, [-1]), tr.shape)), values(tr));
      }), { numRuns: 100 });
    });

    test('matmul is associative within float64 rounding', () => {
      fc.assert(fc.property(fc.tuple(dims, dims, dims, dims), fc.integer(), ([m, kk, l, n], seed) => {
        const g = new Rng(seed);
        const A = randn([m, kk], g, { dtype: 'float64' });
        const B = randn([kk, l], g, { dtype: 'float64' });
        const C = randn([l, n], g, { dtype: 'float64' });
        assertClose(values(matmul(matmul(A, B), C)), values(matmul(A, matmul(B, C))), 1e-12, '(AB)C vs A(BC)');
      }), { numRuns: 100 });
    });
  });
});

function triangleOf(T: Tensor, upper: boolean): Tensor {
  const n = T.shape[0]!;
  const d = T.contiguousData().slice();
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (upper ? j < i : j > i) d[i * n + j] = 0;
  return new Tensor(d, [n, n]);
}
