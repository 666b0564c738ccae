// The dense layer y = act(x·Wᵀ + b) as one primitive: a GEMM writes the output, then
// one pass (Backend.biasActInplace) adds the bias and applies the activation in place,
// which saves a broadcast pass, and with relu or sigmoid a second op and its buffer,
// per layer on the hot path of every MLP.
import { getBackend } from '../backend/registry.js';
import { gemmArgs, type BiasAct, type GemmCall } from '../backend/backend.js';
import { Tensor } from '../tensor/tensor.js';
import { allocateUninit } from '../tensor/dtype.js';
import { fmtShape } from '../tensor/shape.js';
import { defineOp } from './op.js';
import { mul, relu, sigmoid, sub, where } from './elementwise.js';
import { matmul } from './matmul.js';
import { sum } from './reduce.js';
import { reshape, transpose } from './shape.js';

/** Rows of x as a [rows, in] matrix: x itself when 2-D (an MLP's every layer), else a reshape. */
function rows2d(x: Tensor): Tensor {
  if (x.rank === 2) return x;
  const inF = x.shape[x.rank - 1]!;
  return reshape(x, [x.size / Math.max(inF, 1), inF]);
}

/** The activations fused into a dense layer. */
export type LinearActivation = Exclude<BiasAct, 'identity'>;

function forward(x: Tensor, w: Tensor, b: Tensor | null, act: BiasAct): Tensor {
  const [outF, inF] = w.shape as [number, number];
  const x2 = rows2d(x).contiguous();
  const m = x2.shape[0]!;
  const out = allocateUninit(x.dtype, m * outF);
  const be = getBackend();
  const wc = w.contiguous();
  be.gemm(false, true, m, outF, inF, x2.data, x2.offset, inF, wc.data, wc.offset, inF, 0, out, 0, outF);
  if (b && m > 0) be.biasActInplace(out, b.contiguousData(), m, outF, act);
  return new Tensor(out, [...x.shape.slice(0, -1), outF]);
}

/**
 * ∂/∂x = G·W and ∂/∂W = Gᵀ·x (rows flattened), as one Backend.gemmPair where the backend has it.
 * A leaf weight's gradient may be left running (deferSecond): it goes from here straight to the
 * tape, which takes it as it is and syncs before the pass ends.
 */
function inputAndWeightGrads(g: Tensor, x: Tensor, w: Tensor): { x: Tensor; w: Tensor } {
  const [outF, inF] = w.shape as [number, number];
  const g2 = rows2d(g).contiguous();
  const x2 = rows2d(x).contiguous();
  const wc = w.contiguous();
  const m = g2.shape[0]!;
  const dx = allocateUninit(x.dtype, m * inF);
  const dw = allocateUninit(x.dtype, outF * inF);
  const first: GemmCall = { transA: false, transB: false, m, n: inF, k: outF, a: g2.data, aOff: g2.offset, lda: outF, b: wc.data, bOff: wc.offset, ldb: inF, beta: 0, c: dx, cOff: 0, ldc: inF };
  const second: GemmCall = { transA: true, transB: false, m: outF, n: inF, k: m, a: g2.data, aOff: g2.offset, lda: outF, b: x2.data, bOff: x2.offset, ldb: inF, beta: 0, c: dw, cOff: 0, ldc: inF };
  const be = getBackend();
  if (be.gemmPair) be.gemmPair(first, second, w.node === null);
  else for (const call of [first, second]) be.gemm(...gemmArgs(call));
  return { x: new Tensor(dx, x.shape), w: new Tensor(dw, w.shape) };
}

// The gradients of z = x·Wᵀ + b from G = ∂/∂z: ∂/∂x = G·W, ∂/∂W = Gᵀ·x (rows flattened),
// ∂/∂b = Σ_rows G. gz gives G, so an activation's backward runs only when one is asked for; when
// both x and W need gradients, both come from inputAndWeightGrads, run by whichever is asked first.
function affineGrads(gz: () => Tensor, x: Tensor, w: Tensor): { x: () => Tensor; w: () => Tensor; b: () => Tensor } {
  let both: { x: Tensor; w: Tensor } | null = null;
  const pair = (): { x: Tensor; w: Tensor } => (both ??= inputAndWeightGrads(gz(), x, w));
  const paired = x.requiresGrad && w.requiresGrad;
  return {
    x: () => (paired ? pair().x : matmul(gz(), w)),
    w: () => (paired ? pair().w : matmul(transpose(rows2d(gz())), rows2d(x))),
    b: () => sum(rows2d(gz()), 0),
  };
}

const linearOp = defineOp<'x' | 'w' | 'b'>({
  name: 'linear',
  inputs: ['x', 'w', 'b'],
  forward: ({ x, w, b }) => forward(x, w, b, 'identity'),
  backward: (g, { x, w }) => affineGrads(() => g, x, w),
});

const linearNoBiasOp = defineOp<'x' | 'w'>({
  name: 'linearNoBias',
  inputs: ['x', 'w'],
  forward: ({ x, w }) => forward(x, w, null, 'identity'),
  backward: (g, { x, w }) => affineGrads(() => g, x, w),
});

// With y = act(z): ∂/∂z = G·relu′(z), kept where y ≠ 0 (as relu's backward), or G·y(1 − y)
// for sigmoid; then z's gradients, from one ∂/∂z shared by the three.
const linearActOp = defineOp<'x' | 'w' | 'b', LinearActivation>({
  name: 'linearAct',
  inputs: ['x', 'w', 'b'],
  forward: ({ x, w, b }, act) => forward(x, w, b, act),
  backward: (g, { x, w }, out, act) => {
    let gz: Tensor | null = null;
    return affineGrads(() => (gz ??= act === 'relu' ? where(out, g, 0) : mul(g, mul(out, sub(1, out)))), x, w);
  },
});

/**
 * y = x·Wᵀ + b for x [..., in], W [out, in] (PyTorch's layout) and b [out], followed by the
 * activation when given: with a bias, bias and activation are one pass over the output.
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null, activation?: LinearActivation): Tensor {
  const inF = weight.shape[1];
  if (weight.rank !== 2 || x.rank < 1 || x.shape[x.rank - 1] !== inF) {
    throw new Error(`linear: input ${fmtShape(x.shape)} does not match weight ${fmtShape(weight.shape)} (expected [..., ${inF ?? '?'}])`);
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== weight.shape[0])) {
    throw new Error(`linear: bias ${fmtShape(bias.shape)} does not match weight ${fmtShape(weight.shape)} (expected [${weight.shape[0]}])`);
  }
  if (activation !== undefined && activation !== 'relu' && activation !== 'sigmoid') {
    throw new Error(`linear: activation must be 'relu' or 'sigmoid' when given (got '${String(activation)}'); apply others after the layer`);
  }
  if (bias) return activation ? linearActOp.apply({ x, w: weight, b: bias }, activation) : linearOp.apply({ x, w: weight, b: bias }, undefined);
  const y = linearNoBiasOp.apply({ x, w: weight }, undefined);
  return activation === 'relu' ? relu(y) : activation === 'sigmoid' ? sigmoid(y) : y;
}
