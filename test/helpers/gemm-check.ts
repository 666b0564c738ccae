// One GEMM conformance check shared by the backend tests: random operands with
// offsets and padded leading dimensions, compared against a float64 triple loop
// within the worst-case rounding bound of any summation order.
import assert from 'node:assert/strict';
import type { Backend, FloatArray } from '../../src/backend/backend.js';
import type { Rng } from '../../src/tensor/random.js';

export type GemmDtype = 'float32' | 'float64';

const EPS: Record<GemmDtype, number> = { float32: 2 ** -24, float64: 2 ** -53 };
/** Absolute floor of the tolerance, below the smallest normal of each type. */
const FLOOR: Record<GemmDtype, number> = { float32: 1e-30, float64: 1e-300 };

export function randomFloats(rng: Rng, dtype: GemmDtype, n: number): FloatArray {
  const x = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = rng.normal();
  return x;
}

export interface GemmCase {
  m: number; n: number; k: number; tA: boolean; tB: boolean; beta: 0 | 1;
  aOff: number; lda: number; bOff: number; ldb: number; cOff: number; ldc: number;
}

/** A case with random offsets and leading-dimension padding of 0–3 elements. */
export function makeGemmCase(rng: Rng, m: number, n: number, k: number, tA: boolean, tB: boolean, beta: 0 | 1): GemmCase {
  const pad = (): number => Math.floor(rng.uniform() * 4);
  return {
    m, n, k, tA, tB, beta,
    aOff: pad(), lda: (tA ? m : k) + pad(),
    bOff: pad(), ldb: (tB ? k : n) + pad(),
    cOff: pad(), ldc: n + pad(),
  };
}

/** Element p of op(X) row i, as stored for a case's A (or B, with its flag and leading dim). */
export function opIndex(off: number, ld: number, trans: boolean, i: number, p: number): number {
  return off + (trans ? p * ld + i : i * ld + p);
}

/**
 * Runs gemm on one case and checks C against Σ_p op(A)[i,p]·op(B)[p,j] + beta·C0 in float64,
 * within (k + 2)·eps·(Σ|a·b| + |C0|) (any summation order, fused or not), and that C outside
 * the m×n window (offset, leading-dimension padding, tail) is untouched. `prepare` may edit the
 * random operands first (zeros, NaN); where the exact sum is NaN, C must be NaN.
 */
export function checkGemmCase(
  gemm: Backend['gemm'], label: string, dtype: GemmDtype, rng: Rng, cs: GemmCase,
  prepare?: (a: FloatArray, b: FloatArray) => void,
): void {
  const { m, n, k, tA, tB, beta, aOff, lda, bOff, ldb, cOff, ldc } = cs;
  const a = randomFloats(rng, dtype, aOff + (tA ? k : m) * lda);
  const b = randomFloats(rng, dtype, bOff + (tB ? n : k) * ldb);
  prepare?.(a, b);
  const c = randomFloats(rng, dtype, cOff + m * ldc + 3);
  const inWindow = (idx: number): boolean => {
    const r = idx - cOff;
    return r >= 0 && Math.floor(r / ldc) < m && r % ldc < n;
  };
  // beta = 0 must overwrite C without reading it, so NaN there must not leak.
  if (beta === 0) for (let idx = 0; idx < c.length; idx++) if (inWindow(idx)) c[idx] = NaN;
  const c0 = Float64Array.from(c);
  gemm(tA, tB, m, n, k, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
  const shape = `${label} m=${m} n=${n} k=${k} transA=${tA} transB=${tB} beta=${beta} offs=${aOff},${bOff},${cOff} ld=${lda},${ldb},${ldc}`;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      let mag = 0;
      for (let p = 0; p < k; p++) {
        const x = a[opIndex(aOff, lda, tA, i, p)]! * b[opIndex(bOff, ldb, !tB, j, p)]!;
        sum += x;
        mag += Math.abs(x);
      }
      const prev = beta === 1 ? c0[cOff + i * ldc + j]! : 0;
      const want = sum + prev;
      const got = c[cOff + i * ldc + j]!;
      const tol = (k + 2) * EPS[dtype] * (mag + Math.abs(prev)) + FLOOR[dtype];
      if (Number.isNaN(want) ? !Number.isNaN(got) : !(Math.abs(got - want) <= tol)) {
        assert.fail(`${shape}: C[${i},${j}] = ${got}, expected ${want} (tolerance ${tol.toExponential(2)})`);
      }
    }
  }
  for (let idx = 0; idx < c.length; idx++) {
    if (!inWindow(idx) && !Object.is(c[idx], c0[idx])) {
      assert.fail(`${shape}: C[${idx}] outside the m×n window changed from ${c0[idx]} to ${c[idx]}`);
    }
  }
}
