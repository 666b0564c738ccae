// Cache-blocked GEMM in plain JS, the reference for faster backends.
// op(A) rows are gathered once per row block and B is packed into a
// contiguous k-panel, so every transpose combination runs the same inner loop.
import type { FloatArray } from '../backend.js';

const KC = 256; // k-panel depth: a KC×NC slab of B stays in L2
const NC = 512;

export function gemm(
  transA: boolean, transB: boolean, m: number, n: number, k: number,
  a: FloatArray, aOff: number, lda: number,
  b: FloatArray, bOff: number, ldb: number,
  beta: 0 | 1, c: FloatArray, cOff: number, ldc: number,
): void {
  if (beta === 0) {
    for (let i = 0; i < m; i++) c.fill(0, cOff + i * ldc, cOff + i * ldc + n);
  }
  if (m === 0 || n === 0 || k === 0) return;
  const f64 = c instanceof Float64Array;
  const bp = f64 ? new Float64Array(KC * NC) : new Float32Array(KC * NC);
  const ap = new Float64Array(4 * KC);
  for (let jc = 0; jc < n; jc += NC) {
    const nb = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kb = Math.min(KC, k - pc);
      // Pack op(B)[pc:pc+kb, jc:jc+nb] row-major with row length nb.
      if (transB) {
        for (let p = 0; p < kb; p++) {
          const row = p * nb;
          for (let j = 0; j < nb; j++) bp[row + j] = b[bOff + (jc + j) * ldb + pc + p]!;
        }
      } else {
        for (let p = 0; p < kb; p++) {
          const src = bOff + (pc + p) * ldb + jc;
          bp.set(b.subarray(src, src + nb), p * nb);
        }
      }
      let i = 0;
      for (; i + 4 <= m; i += 4) {
        for (let r = 0; r < 4; r++) {
          for (let p = 0; p < kb; p++) {
            ap[r * KC + p] = transA ? a[aOff + (pc + p) * lda + i + r]! : a[aOff + (i + r) * lda + pc + p]!;
          }
        }
        const c0 = cOff + i * ldc + jc;
        const c1 = c0 + ldc;
        const c2 = c1 + ldc;
        const c3 = c2 + ldc;
        for (let p = 0; p < kb; p++) {
          const a0 = ap[p]!;
          const a1 = ap[KC + p]!;
          const a2 = ap[2 * KC + p]!;
          const a3 = ap[3 * KC + p]!;
          const row = p * nb;
          for (let j = 0; j < nb; j++) {
            const bv = bp[row + j]!;
            c[c0 + j] += a0 * bv;
            c[c1 + j] += a1 * bv;
            c[c2 + j] += a2 * bv;
            c[c3 + j] += a3 * bv;
          }
        }
      }
      for (; i < m; i++) {
        const ci = cOff + i * ldc + jc;
        for (let p = 0; p < kb; p++) {
          const av = transA ? a[aOff + (pc + p) * lda + i]! : a[aOff + i * lda + pc + p]!;
          if (av === 0) continue;
          const row = p * nb;
          for (let j = 0; j < nb; j++) c[ci + j] += av * bp[row + j]!;
        }
      }
    }
  }
}
