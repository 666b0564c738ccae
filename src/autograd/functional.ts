// Functional gradients in the style of JAX: grad(f) and valueAndGrad(f)
// return new functions; the inputs passed to them are never modified.
import { Tensor } from '../tensor/tensor.js';
import { fmtShape } from '../tensor/shape.js';
import { allocate } from '../tensor/dtype.js';

function leavesOf(xs: readonly Tensor[]): Tensor[] {
  return xs.map((x) => new Tensor(x.data, x.shape, x.strides, x.offset, true));
}

/** f ↦ (x₁…xₙ) ↦ { value: f(x), grads: [∂f/∂x₁ …] } for a scalar-valued f. */
export function valueAndGrad(f: (...xs: Tensor[]) => Tensor): (...xs: Tensor[]) => { value: Tensor; grads: Tensor[] } {
  return (...xs) => {
    const leaves = leavesOf(xs);
    const value = f(...leaves);
    if (value.size !== 1) throw new Error(`valueAndGrad: f must return a scalar, got shape ${fmtShape(value.shape)}`);
    if (value.requiresGrad) value.backward();
    const grads = leaves.map((l) => l.grad ?? new Tensor(allocate(l.dtype, l.size), l.shape));
    return { value: value.detach(), grads };
  };
}

export function grad(f: (...xs: Tensor[]) => Tensor): (...xs: Tensor[]) => Tensor[] {
  const vg = valueAndGrad(f);
  return (...xs) => vg(...xs).grads;
}
