// Dense linear-algebra kernels (Cholesky, triangular solve, LU) on row-major
// matrices. Accumulation is in double precision whatever the storage type.
import type { FloatArray } from '../backend.js';

export function cholesky(n: number, a: FloatArray, off: number): number {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[off + i * n + j]!;
      for (let p = 0; p < j; p++) s -= a[off + i * n + p]! * a[off + j * n + p]!;
      if (i === j) {
        if (!(s > 0) || !Number.isFinite(s)) {
          a[off + i * n + i] = s;
          return i;
        }
        a[off + i * n + i] = Math.sqrt(s);
      } else {
        a[off + i * n + j] = s / a[off + j * n + j]!;
      }
    }
    for (let j = i + 1; j < n; j++) a[off + i * n + j] = 0;
  }
  return -1;
}

export function trsm(
  lower: boolean, trans: boolean, unit: boolean, n: number, m: number,
  t: FloatArray, tOff: number, b: FloatArray, bOff: number,
): void {
  // op(T)[i][j] = T[j][i] when transposed; op(T) is lower iff lower XOR trans.
  const forward = lower !== trans;
  const rs = trans ? 1 : n;
  const cs = trans ? n : 1;
  const acc = new Float64Array(m);
  for (let step = 0; step < n; step++) {
    const i = forward ? step : n - 1 - step;
    for (let c = 0; c < m; c++) acc[c] = b[bOff + i * m + c]!;
    const j0 = forward ? 0 : i + 1;
    const j1 = forward ? i : n;
    for (let j = j0; j < j1; j++) {
      const tij = t[tOff + i * rs + j * cs]!;
      if (tij === 0) continue;
      const row = bOff + j * m;
      for (let c = 0; c < m; c++) acc[c]! -= tij * b[row + c]!;
    }
    const d = unit ? 1 : t[tOff + i * rs + i * cs]!;
    for (let c = 0; c < m; c++) b[bOff + i * m + c] = acc[c]! / d;
  }
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
