// Cache-blocked GEMM in plain JS, the reference for faster backends.
// op(A) and op(B) are packed into 4-wide panels (so every transpose combination
// runs the same inner loop), and a 4×4 block of C is accumulated in locals,
// which V8 keeps in registers: 16 multiply-adds per 8 loads.
import type { FloatArray } from '../backend.js';
import { checkGemm } from '../checks.js';

const KC = 256; // k-panel depth: a KC×NC slab of packed B stays in L2
const NC = 512;
const MC = 64;

// Packing panels, kept between calls and grown to the largest problem seen: a fresh pair per call
// (1.2 MB for full-size blocks, zeroed) cost more than the arithmetic of a small model's gemms.
let bScratch: Float64Array = new Float64Array(0);
let aScratch: Float64Array = new Float64Array(0);

/** A packing buffer of at least n elements: the kept one, or a larger replacement. */
function scratch(kept: Float64Array, n: number): Float64Array {
  return kept.length >= n ? kept : new Float64Array(n);
}

/** Pack rows i0..i0+mb of op(A), columns p0..p0+kb, as 4-row panels [panel][p][4] (zero-padded). */
function packA(transA: boolean, a: FloatArray, aOff: number, lda: number, i0: number, mb: number, p0: number, kb: number, ap: Float64Array): void {
  for (let ib = 0; ib < mb; ib += 4) {
    const base = ib * kb;
    for (let r = 0; r < 4; r++) {
      const i = i0 + ib + r;
      if (ib + r >= mb) {
        for (let p = 0; p < kb; p++) ap[base + p * 4 + r] = 0;
      } else if (transA) {
        for (let p = 0; p < kb; p++) ap[base + p * 4 + r] = a[aOff + (p0 + p) * lda + i]!;
      } else {
        const row = aOff + i * lda + p0;
        for (let p = 0; p < kb; p++) ap[base + p * 4 + r] = a[row + p]!;
      }
    }
  }
}

/** Pack rows p0..p0+kb, columns j0..j0+nb of op(B) as 4-column panels [panel][p][4] (zero-padded). */
function packB(transB: boolean, b: FloatArray, bOff: number, ldb: number, p0: number, kb: number, j0: number, nb: number, bp: Float64Array): void {
  for (let jb = 0; jb < nb; jb += 4) {
    const base = jb * kb;
    for (let c = 0; c < 4; c++) {
      const j = j0 + jb + c;
      if (jb + c >= nb) {
        for (let p = 0; p < kb; p++) bp[base + p * 4 + c] = 0;
      } else if (transB) {
        const row = bOff + j * ldb + p0;
        for (let p = 0; p < kb; p++) bp[base + p * 4 + c] = b[row + p]!;
      } else {
        for (let p = 0; p < kb; p++) bp[base + p * 4 + c] = b[bOff + (p0 + p) * ldb + j]!;
      }
    }
  }
}

export function gemm(
  transA: boolean, transB: boolean, m: number, n: number, k: number,
  a: FloatArray, aOff: number, lda: number,
  b: FloatArray, bOff: number, ldb: number,
  beta: 0 | 1, c: FloatArray, cOff: number, ldc: number,
): void {
  checkGemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
  if (beta === 0) {
    for (let i = 0; i < m; i++) c.fill(0, cOff + i * ldc, cOff + i * ldc + n);
  }
  if (m === 0 || n === 0 || k === 0) return;
  // Panels are 4 wide, so a block's rows and columns round up to a multiple of 4.
  const depth = Math.min(KC, k);
  const bp = bScratch = scratch(bScratch, depth * ((Math.min(NC, n) + 3) & ~3));
  const ap = aScratch = scratch(aScratch, depth * ((Math.min(MC, m) + 3) & ~3));
  for (let jc = 0; jc < n; jc += NC) {
    const nb = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kb = Math.min(KC, k - pc);
      packB(transB, b, bOff, ldb, pc, kb, jc, nb, bp);
      for (let ic = 0; ic < m; ic += MC) {
        const mb = Math.min(MC, m - ic);
        packA(transA, a, aOff, lda, ic, mb, pc, kb, ap);
        for (let ib = 0; ib < mb; ib += 4) {
          const aBase = ib * kb;
          const rows = Math.min(4, mb - ib);
          for (let jb = 0; jb < nb; jb += 4) {
            const bBase = jb * kb;
            let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
            let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
            for (let p = 0; p < kb; p++) {
              const ai = aBase + p * 4;
              const bi = bBase + p * 4;
              const a0 = ap[ai]!, a1 = ap[ai + 1]!, a2 = ap[ai + 2]!, a3 = ap[ai + 3]!;
              const b0 = bp[bi]!, b1 = bp[bi + 1]!, b2 = bp[bi + 2]!, b3 = bp[bi + 3]!;
              c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
              c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
              c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
              c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
            }
            const cols = Math.min(4, nb - jb);
            const acc = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
            for (let r = 0; r < rows; r++) {
              const row = cOff + (ic + ib + r) * ldc + jc + jb;
              for (let q = 0; q < cols; q++) c[row + q] += acc[r * 4 + q]!;
            }
          }
        }
      }
    }
  }
}
