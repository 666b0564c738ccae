// Dense linear-algebra kernels (Cholesky, triangular solve, LU) on row-major
// matrices. Cholesky and the triangular solve are recursive blocked algorithms
// whose O(n³) work is GEMM, so they run at the speed of whichever gemm they are
// built on (makeBlockedLinalg); the unblocked loops handle the small blocks.
import type { Backend, FloatArray } from '../backend.js';

/** Below this order the unblocked loops are faster than another level of recursion. */
const BLOCK = 64;

function choleskyUnblocked(n: number, a: FloatArray, off: number, lda: number): number {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[off + i * lda + j]!;
      for (let p = 0; p < j; p++) s -= a[off + i * lda + p]! * a[off + j * lda + p]!;
      if (i === j) {
        if (!(s > 0) || !Number.isFinite(s)) {
          a[off + i * lda + i] = s;
          return i;
        }
        a[off + i * lda + i] = Math.sqrt(s);
      } else {
        a[off + i * lda + j] = s / a[off + j * lda + j]!;
      }
    }
    for (let j = i + 1; j < n; j++) a[off + i * lda + j] = 0;
  }
  return -1;
}

function trsmUnblocked(
  lower: boolean, trans: boolean, unit: boolean, n: number, m: number,
  t: FloatArray, tOff: number, ldt: number, b: FloatArray, bOff: number, ldb: number,
): void {
  // op(T)[i][j] = T[j][i] when transposed; op(T) is lower iff lower XOR trans.
  const forward = lower !== trans;
  const rs = trans ? 1 : ldt;
  const cs = trans ? ldt : 1;
  const acc = new Float64Array(m);
  for (let step = 0; step < n; step++) {
    const i = forward ? step : n - 1 - step;
    for (let c = 0; c < m; c++) acc[c] = b[bOff + i * ldb + c]!;
    const j0 = forward ? 0 : i + 1;
    const j1 = forward ? i : n;
    for (let j = j0; j < j1; j++) {
      const tij = t[tOff + i * rs + j * cs]!;
      if (tij === 0) continue;
      const row = bOff + j * ldb;
      for (let c = 0; c < m; c++) acc[c]! -= tij * b[row + c]!;
    }
    const d = unit ? 1 : t[tOff + i * rs + i * cs]!;
    for (let c = 0; c < m; c++) b[bOff + i * ldb + c] = acc[c]! / d;
  }
}

/** C[rows×cols] −= op(A)·B via a temporary product (the kernel interface has no alpha). */
function gemmSubtract(
  gemm: Backend['gemm'], transA: boolean, rows: number, cols: number, k: number,
  a: FloatArray, aOff: number, lda: number, b: FloatArray, bOff: number, ldb: number,
  c: FloatArray, cOff: number, ldc: number,
): void {
  const tmp = c instanceof Float64Array ? new Float64Array(rows * cols) : new Float32Array(rows * cols);
  gemm(transA, false, rows, cols, k, a, aOff, lda, b, bOff, ldb, 0, tmp, 0, cols);
  for (let i = 0; i < rows; i++) {
    const r = cOff + i * ldc;
    for (let j = 0; j < cols; j++) c[r + j]! -= tmp[i * cols + j]!;
  }
}

export interface BlockedLinalg {
  cholesky: Backend['cholesky'];
  trsm: Backend['trsm'];
}

/** Cholesky and triangular solve whose bulk work goes through the given gemm. */
export function makeBlockedLinalg(gemm: Backend['gemm']): BlockedLinalg {
  function trsmRec(
    lower: boolean, trans: boolean, unit: boolean, n: number, m: number,
    t: FloatArray, tOff: number, ldt: number, b: FloatArray, bOff: number, ldb: number,
  ): void {
    if (n <= BLOCK || m === 0) return trsmUnblocked(lower, trans, unit, n, m, t, tOff, ldt, b, bOff, ldb);
    const k = n >> 1;
    const rest = n - k;
    const b2 = bOff + k * ldb;
    // Off-diagonal block of op(T) below (forward) or right of (backward) the first diagonal block.
    // op(T)[k:, :k] is T[k:, :k] (at tOff + k·ldt), or T[:k, k:]ᵀ (at tOff + k) when transposed.
    const lowerOff = trans ? tOff + k : tOff + k * ldt;
    const upperOff = trans ? tOff + k * ldt : tOff + k;
    if (lower !== trans) {
      // [P11 0; P21 P22]: X1 = P11⁻¹B1, B2 −= P21·X1, X2 = P22⁻¹B2.
      trsmRec(lower, trans, unit, k, m, t, tOff, ldt, b, bOff, ldb);
      gemmSubtract(gemm, trans, rest, m, k, t, lowerOff, ldt, b, bOff, ldb, b, b2, ldb);
      trsmRec(lower, trans, unit, rest, m, t, tOff + k * ldt + k, ldt, b, b2, ldb);
    } else {
      // [P11 P12; 0 P22]: X2 = P22⁻¹B2, B1 −= P12·X2, X1 = P11⁻¹B1.
      trsmRec(lower, trans, unit, rest, m, t, tOff + k * ldt + k, ldt, b, b2, ldb);
      gemmSubtract(gemm, trans, k, m, rest, t, upperOff, ldt, b, b2, ldb, b, bOff, ldb);
      trsmRec(lower, trans, unit, k, m, t, tOff, ldt, b, bOff, ldb);
    }
  }

  function cholRec(n: number, a: FloatArray, off: number, lda: number): number {
    if (n <= BLOCK) return choleskyUnblocked(n, a, off, lda);
    const k = n >> 1;
    const rest = n - k;
    const p = cholRec(k, a, off, lda);
    if (p >= 0) return p;
    // L21 = A21·L11⁻ᵀ, i.e. L11·L21ᵀ = A21ᵀ: solve on a transposed copy.
    const f64 = a instanceof Float64Array;
    const x = f64 ? new Float64Array(k * rest) : new Float32Array(k * rest);
    const a21 = off + k * lda;
    for (let i = 0; i < rest; i++) for (let j = 0; j < k; j++) x[j * rest + i] = a[a21 + i * lda + j]!;
    trsmRec(true, false, false, k, rest, a, off, lda, x, 0, rest);
    for (let i = 0; i < rest; i++) for (let j = 0; j < k; j++) a[a21 + i * lda + j] = x[j * rest + i]!;
    // A22 −= L21·L21ᵀ, then factor it.
    gemmSubtract(gemm, true, rest, rest, k, x, 0, rest, x, 0, rest, a, a21 + k, lda);
    for (let i = 0; i < k; i++) a.fill(0, off + i * lda + k, off + i * lda + n);
    const q = cholRec(rest, a, a21 + k, lda);
    return q >= 0 ? q + k : -1;
  }

  return {
    cholesky: (n, a, off) => cholRec(n, a, off, n),
    trsm: (lower, trans, unit, n, m, t, tOff, b, bOff) => trsmRec(lower, trans, unit, n, m, t, tOff, n, b, bOff, m),
  };
}

export function lu(n: number, a: FloatArray, off: number, perm: Int32Array): number {
  let sign = 1;
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let k = 0; k < n; k++) {
    let p = k;
    let best = Math.abs(a[off + k * n + k]!);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(a[off + i * n + k]!);
      if (v > best) { best = v; p = i; }
    }
    if (best === 0) return 0;
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const t = a[off + k * n + j]!;
        a[off + k * n + j] = a[off + p * n + j]!;
        a[off + p * n + j] = t;
      }
      const tp = perm[k]!;
      perm[k] = perm[p]!;
      perm[p] = tp;
      sign = -sign;
    }
    const piv = a[off + k * n + k]!;
    for (let i = k + 1; i < n; i++) {
      const f = a[off + i * n + k]! / piv;
      a[off + i * n + k] = f;
      if (f === 0) continue;
      for (let j = k + 1; j < n; j++) a[off + i * n + j]! -= f * a[off + k * n + j]!;
    }
  }
  return sign;
}
