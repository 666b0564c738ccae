// Losses, derived from primitives. Reductions: 'mean' over all elements,
// 'sum', or 'none' (elementwise).
import { broadcastShapes, fmtShape, shapesEqual, sizeOf } from '../tensor/shape.js';
import { add, div, exp, mul, neg, square, sub } from './elementwise.js';
import { Tensor } from '../tensor/tensor.js';
import { allocateUninit } from '../tensor/dtype.js';
import { getBackend } from '../backend/registry.js';
import type { FloatArray } from '../backend/backend.js';
import { defineOp } from './op.js';
import { mean, sum, sumTo } from './reduce.js';
import { expand, unsqueeze } from './shape.js';

export type Reduction = 'mean' | 'sum' | 'none';

function reduceLoss(x: Tensor, reduction: Reduction): Tensor {
  return reduction === 'mean' ? mean(x) : reduction === 'sum' ? sum(x) : x;
}

function checkSame(a: Tensor, b: Tensor, what: string): void {
  if (!shapesEqual(a.shape, b.shape)) throw new Error(`${what}: input ${fmtShape(a.shape)} and target ${fmtShape(b.shape)} differ in shape`);
}

export function mse(pred: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  checkSame(pred, target, 'mse');
  return reduceLoss(square(sub(pred, target)), reduction);
}

/** ∂BCE/∂ℓ = g·(σ(ℓ) − y) in one kernel pass, with one g per row of `cols` (1: elementwise). */
function bceLogitsGrad(g: Tensor, sig: Tensor, target: Tensor, cols: number): Tensor {
  const out = allocateUninit(sig.dtype, sig.size);
  getBackend().bceLogitsGrad(g.contiguousData(), sig.data, target.contiguousData(), cols, out);
  return new Tensor(out, sig.shape);
}

// One fused pass forward (which also keeps σ(ℓ)) and one backward.
const bceOp = defineOp<'logits' | 'target', undefined, Tensor>({
  name: 'bceLogits',
  inputs: ['logits', 'target'],
  forward: ({ logits, target }) => {
    const out = allocateUninit(logits.dtype, logits.size);
    const sig = allocateUninit(logits.dtype, logits.size);
    getBackend().bceLogits(logits.contiguousData(), target.contiguousData(), out, sig);
    return { out: new Tensor(out, logits.shape), saved: new Tensor(sig, logits.shape) };
  },
  // ∂/∂ℓ = σ(ℓ) − y, ∂/∂y = −ℓ.
  backward: (g, { logits, target }, _out, _attrs, sig) => ({
    logits: () => bceLogitsGrad(g, sig, target, 1),
    target: () => mul(g, neg(logits)),
  }),
});

// The same, summed over the last axis in the forward pass, so the backward is one pass
// over σ(ℓ) and y with one g per row: the Bernoulli decoder of every VAE runs through here.
const bceRowsOp = defineOp<'logits' | 'target', undefined, Tensor>({
  name: 'bceLogitsRows',
  inputs: ['logits', 'target'],
  forward: ({ logits, target }) => {
    const cols = logits.shape[logits.rank - 1]!;
    const rows = logits.size / cols;
    const each = allocateUninit(logits.dtype, logits.size);
    const sig = allocateUninit(logits.dtype, logits.size);
    const out = allocateUninit(logits.dtype, rows);
    const be = getBackend();
    be.bceLogits(logits.contiguousData(), target.contiguousData(), each, sig);
    be.reduce('sum', each, rows, cols, 1, out);
    return { out: new Tensor(out, logits.shape.slice(0, -1)), saved: new Tensor(sig, logits.shape) };
  },
  backward: (g, { logits, target }, _out, _attrs, sig) => ({
    logits: () => bceLogitsGrad(g, sig, target, logits.shape[logits.rank - 1]!),
    target: () => mul(unsqueeze(g, -1), neg(logits)),
  }),
});

/**
 * Binary cross-entropy from logits: −[y log σ(x) + (1−y) log(1−σ(x))] = softplus(x) − x·y.
 * Exact for any |x|: no sigmoid is rounded to 0 or 1 before the log.
 */
export function bceWithLogits(logits: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  checkSame(logits, target, 'bceWithLogits');
  return reduceLoss(bceOp.apply({ logits, target }, undefined), reduction);
}

/**
 * Binary cross-entropy from logits summed over the last axis: [..., D] → [...], the negative
 * log-likelihood of D independent Bernoulli coordinates per row, fused forward and backward.
 */
export function bceWithLogitsRows(logits: Tensor, target: Tensor): Tensor {
  checkSame(logits, target, 'bceWithLogitsRows');
  if (logits.rank < 1 || logits.shape[logits.rank - 1] === 0) {
    throw new Error(`bceWithLogitsRows: logits ${fmtShape(logits.shape)} need a non-empty last axis to sum over`);
  }
  return bceRowsOp.apply({ logits, target }, undefined);
}

/** Gaussian negative log-likelihood ½[log 2π + log σ² + (x−μ)²/σ²], elementwise before reduction. */
export function gaussianNll(x: Tensor, mu: Tensor, logVar: Tensor, reduction: Reduction = 'mean'): Tensor {
  checkSame(x, mu, 'gaussianNll');
  const quad = div(square(sub(x, mu)), exp(logVar));
  return reduceLoss(mul(add(add(quad, logVar), Math.log(2 * Math.PI)), 0.5), reduction);
}



type KlInput = 'locP' | 'logScaleP' | 'locQ' | 'logScaleQ';
const KL_INPUTS: readonly KlInput[] = ['locP', 'logScaleP', 'locQ', 'logScaleQ'];

// One kernel forward and one backward, in place of the ~10 forward and ~20 backward elementwise
// ops of the composed formula: the KL term of every Gaussian VAE step runs through here.
const normalKlOp = defineOp<KlInput, undefined, readonly FloatArray[]>({
  name: 'normalKl',
  inputs: KL_INPUTS,
  forward: (x) => {
    const shape = KL_INPUTS.slice(1).reduce((s, k) => broadcastShapes(s, x[k].shape, 'normalKl'), x.locP.shape);
    const flat = KL_INPUTS.map((k) => expand(x[k], shape).contiguousData());
    const out = allocateUninit(x.locP.dtype, sizeOf(shape));
    getBackend().normalKl(flat[0]!, flat[1]!, flat[2]!, flat[3]!, out);
    return { out: new Tensor(out, shape), saved: flat };
  },
  backward: (g, x, out, _attrs, flat) => {
    // The four partials come from one pass, made at the first thunk that asks.
    let partials: Tensor[] | null = null;
    const partial = (i: number): Tensor => {
      if (!partials) {
        const d = KL_INPUTS.map(() => allocateUninit(g.dtype, g.size));
        getBackend().normalKlGrad(g.contiguousData(), flat[0]!, flat[1]!, flat[2]!, flat[3]!, d[0]!, d[1]!, d[2]!, d[3]!);
        partials = d.map((a) => new Tensor(a, out.shape));
      }
      return partials[i]!;
    };
    return {
      locP: () => sumTo(partial(0), x.locP.shape),
      logScaleP: () => sumTo(partial(1), x.logScaleP.shape),
      locQ: () => sumTo(partial(2), x.locQ.shape),
      logScaleQ: () => sumTo(partial(3), x.logScaleQ.shape),
    };
  },
});

/**
 * KL(N(μp, σp²) ‖ N(μq, σq²)) = log σq/σp + (σp² + (μp − μq)²)/(2σq²) − ½, elementwise with
 * broadcasting, from the log-scales (so σ is never rounded before its log is taken).
 */
export function normalKl(locP: Tensor, logScaleP: Tensor, locQ: Tensor, logScaleQ: Tensor): Tensor {
  return normalKlOp.apply({ locP, logScaleP, locQ, logScaleQ }, undefined);
}
