// The recursive blocked Cholesky and triangular solve (orders above the block
// size) against their defining identities, on every available backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, add, cholesky, eye, matmul, mul, transpose, triangularSolve, randn } from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';
import { maxAbsDiff } from '../helpers/compare.js';

const rng = new Rng(77);
const f64 = { dtype: 'float64' as const };


forEachBackend(() => {
  for (const n of [65, 130, 257]) {
    test(`blocked cholesky of order ${n} satisfies L·Lᵀ = A with L lower-triangular`, () => {
      const g = randn([n, n], rng, f64);
      const A = add(matmul(g, transpose(g)), mul(eye(n, f64), n));
      const L = cholesky(A);
      assert.ok(maxAbsDiff(matmul(L, transpose(L)), A) < 1e-9 * n);
      const d = L.contiguousData();
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) assert.equal(d[i * n + j], 0);
    });
  }

  test('blocked cholesky reports the failing pivot of an indefinite matrix beyond the first block', () => {
    const n = 150;
    const A = eye(n, f64);
    A.data[120 * n + 120] = -5;
    assert.throws(() => cholesky(A), { message: 'cholesky: matrix is not positive definite (pivot 121 of 150 is -5.00)' });
  });

  for (const upper of [false, true]) {
    for (const trans of [false, true]) {
      test(`blocked triangular solve (${upper ? 'upper' : 'lower'}${trans ? ', transposed' : ''}) of order 200 satisfies op(T)·X = B`, () => {
        const n = 200;
        const T = randn([n, n], rng, f64);
        const d = T.data;
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) if (upper ? j < i : j > i) d[i * n + j] = 0;
          d[i * n + i] = 4 + Math.abs(d[i * n + i]!);
        }
        const B = randn([n, 7], rng, f64);
        const X = triangularSolve(T, B, { upper, transpose: trans });
        assert.ok(maxAbsDiff(matmul(trans ? transpose(T) : T, X), B) < 1e-10);
      });
    }
  }
});
