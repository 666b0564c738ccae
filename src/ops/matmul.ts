// Matrix product over the last two axes with broadcast batch axes. The kernel
// takes transpose flags, so a transposed view (as in every backward) is read
// in place: dA = G·Bᵀ and dB = Aᵀ·G never copy a transpose.
import { getBackend } from '../backend/registry.js';
import { Tensor } from '../tensor/tensor.js';
import { allocateUninit } from '../tensor/dtype.js';
import { broadcastShapes, fmtShape, sizeOf } from '../tensor/shape.js';
import { defineOp } from './op.js';
import { sumTo } from './reduce.js';
import { reshape, transpose } from './shape.js';

interface MatrixLayout {
  t: Tensor;
  trans: boolean;
  ld: number;
}

/** Read the last two axes as a plain (N) or transposed (T) row-major matrix, copying only if neither. */
function layout(x: Tensor): MatrixLayout {
  const r = x.rank;
  const rows = x.shape[r - 2]!;
  const cols = x.shape[r - 1]!;
  const sr = x.strides[r - 2]!;
  const sc = x.strides[r - 1]!;
  if ((sc === 1 || cols === 1) && (sr >= cols || rows === 1)) return { t: x, trans: false, ld: Math.max(sr, cols, 1) };
  if ((sr === 1 || rows === 1) && (sc >= rows || cols === 1)) return { t: x, trans: true, ld: Math.max(sc, rows, 1) };
  const c = x.contiguous();
  return { t: c, trans: false, ld: Math.max(cols, 1) };
}

const matmulOp = defineOp<'a' | 'b'>({
  name: 'matmul',
  inputs: ['a', 'b'],
  forward: ({ a, b }) => {
    const m = a.shape[a.rank - 2]!;
    const k = a.shape[a.rank - 1]!;
    const n = b.shape[b.rank - 1]!;
    const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), 'matmul');
    const nb = sizeOf(batch);
    // The kernel overwrites C when beta = 0.
    const out = allocateUninit(a.dtype, nb * m * n);
    const la = layout(a);
    const lb = layout(b);
    const be = getBackend();
    const br = batch.length;
    const aLead = br - (a.rank - 2);
    const bLead = br - (b.rank - 2);
    for (let bi = 0; bi < nb; bi++) {
      let aOff = la.t.offset;
      let bOff = lb.t.offset;
      let rem = bi;
      for (let d = br - 1; d >= 0; d--) {
        const i = rem % batch[d]!;
        rem = Math.floor(rem / batch[d]!);
        if (d >= aLead && a.shape[d - aLead] !== 1) aOff += i * la.t.strides[d - aLead]!;
        if (d >= bLead && b.shape[d - bLead] !== 1) bOff += i * lb.t.strides[d - bLead]!;
      }
      be.gemm(la.trans, lb.trans, m, n, k, la.t.data, aOff, la.ld, lb.t.data, bOff, lb.ld, 0, out, bi * m * n, n);
    }
    return new Tensor(out, [...batch, m, n]);
  },
  backward: (g, { a, b }) => ({
    a: () => sumTo(matmul(g, transpose(b)), a.shape),
    b: () => sumTo(matmul(transpose(a), g), b.shape),
  }),
});

/**
 * a @ b for [..., m, k] @ [..., k, n] with broadcast batch axes; a 1-D operand
 * is a row (left) or column (right) vector that is dropped from the result.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.rank === 0 || b.rank === 0) throw new Error(`matmul: operands must have rank >= 1 (${fmtShape(a.shape)} @ ${fmtShape(b.shape)})`);
  const av = a.rank === 1 ? reshape(a, [1, a.shape[0]!]) : a;
  const bv = b.rank === 1 ? reshape(b, [b.shape[0]!, 1]) : b;
  const k = av.shape[av.rank - 1]!;
  if (bv.shape[bv.rank - 2] !== k) {
    throw new Error(`matmul: inner dimensions differ (${fmtShape(a.shape)} @ ${fmtShape(b.shape)})`);
  }
  const out = matmulOp.apply({ a: av, b: bv }, undefined);
  if (a.rank === 1 && b.rank === 1) return reshape(out, []);
  if (a.rank === 1) return reshape(out, [...out.shape.slice(0, -2), out.shape[out.rank - 1]!]);
  if (b.rank === 1) return reshape(out, out.shape.slice(0, -1));
  return out;
}
