// The affine map y = x·Wᵀ + b as one primitive: the bias is written into the
// output before a single GEMM accumulates onto it (beta = 1), which saves a
// broadcast pass and an allocation per layer on the hot path of every MLP.
import { getBackend } from '../backend/registry.js';
import { Tensor } from '../tensor/tensor.js';
import { allocateUninit } from '../tensor/dtype.js';
import { fmtShape } from '../tensor/shape.js';
import { defineOp } from './op.js';
import { matmul } from './matmul.js';
import { sum } from './reduce.js';
import { reshape, transpose } from './shape.js';

/** Rows of x as a contiguous [rows, in] matrix (a view when x is contiguous). */
function rows2d(x: Tensor): Tensor {
  const inF = x.shape[x.rank - 1]!;
  return reshape(x, [x.size / Math.max(inF, 1), inF]);
}

function forward(x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  const [outF, inF] = w.shape as [number, number];
  const x2 = rows2d(x).contiguous();
  const m = x2.shape[0]!;
  // Rows are filled with the bias (beta = 1) or overwritten by the kernel (beta = 0).
  const out = allocateUninit(x.dtype, m * outF);
  let beta: 0 | 1 = 0;
  const be = getBackend();
  if (b && m > 0) {
    // The bias row broadcast over the batch (stride 0 along rows), by the backend's copy.
    be.copyStrided(b.data, b.offset, [m, outF], [0, b.strides[0]!], out);
    beta = 1;
  }
  const wc = w.contiguous();
  be.gemm(false, true, m, outF, inF, x2.data, x2.offset, inF, wc.data, wc.offset, inF, beta, out, 0, outF);
  return new Tensor(out, [...x.shape.slice(0, -1), outF]);
}

// ∂/∂x = G·W, ∂/∂W = Gᵀ·x (rows flattened), ∂/∂b = Σ_rows G.
const linearOp = defineOp<'x' | 'w' | 'b'>({
  name: 'linear',
  inputs: ['x', 'w', 'b'],
  forward: ({ x, w, b }) => forward(x, w, b),
  backward: (g, { x, w }) => ({
    x: () => matmul(g, w),
    w: () => matmul(transpose(rows2d(g)), rows2d(x)),
    b: () => sum(rows2d(g), 0),
  }),
});

const linearNoBiasOp = defineOp<'x' | 'w'>({
  name: 'linearNoBias',
  inputs: ['x', 'w'],
  forward: ({ x, w }) => forward(x, w, null),
  backward: (g, { x, w }) => ({
    x: () => matmul(g, w),
    w: () => matmul(transpose(rows2d(g)), rows2d(x)),
  }),
});

/** y = x·Wᵀ + b for x [..., in], W [out, in] (PyTorch's layout) and b [out]. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const inF = weight.shape[1];
  if (weight.rank !== 2 || x.rank < 1 || x.shape[x.rank - 1] !== inF) {
    throw new Error(`linear: input ${fmtShape(x.shape)} does not match weight ${fmtShape(weight.shape)} (expected [..., ${inF ?? '?'}])`);
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== weight.shape[0])) {
    throw new Error(`linear: bias ${fmtShape(bias.shape)} does not match weight ${fmtShape(weight.shape)} (expected [${weight.shape[0]}])`);
  }
  return bias ? linearOp.apply({ x, w: weight, b: bias }, undefined) : linearNoBiasOp.apply({ x, w: weight }, undefined);
}
