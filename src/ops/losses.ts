// Losses, derived from primitives. Reductions: 'mean' over all elements,
// 'sum', or 'none' (elementwise).
import { fmtShape, shapesEqual } from '../tensor/shape.js';
import { add, div, exp, mul, neg, square, sub } from './elementwise.js';
import { Tensor } from '../tensor/tensor.js';
import { allocateUninit } from '../tensor/dtype.js';
import { getBackend } from '../backend/registry.js';
import { defineOp } from './op.js';
import { mean, sum } from './reduce.js';

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

// One fused pass forward (which also keeps σ(ℓ)) and one backward: the
// Bernoulli likelihood of every VAE decoder runs through here.
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
    logits: () => mul(g, sub(sig, target)),
    target: () => mul(g, neg(logits)),
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

/** Gaussian negative log-likelihood ½[log 2π + log σ² + (x−μ)²/σ²], elementwise before reduction. */
export function gaussianNll(x: Tensor, mu: Tensor, logVar: Tensor, reduction: Reduction = 'mean'): Tensor {
  checkSame(x, mu, 'gaussianNll');
  const quad = div(square(sub(x, mu)), exp(logVar));
  return reduceLoss(mul(add(add(quad, logVar), Math.log(2 * Math.PI)), 0.5), reduction);
}


