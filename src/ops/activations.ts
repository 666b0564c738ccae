// Activations derived from primitives (sigmoid, relu, tanh, softplus, elu,
// leakyRelu are primitives in elementwise.ts). Derived ops need no backward.
import type { Tensor } from '../tensor/tensor.js';
import { exp, mul, sigmoid, sub } from './elementwise.js';
import { logsumexp } from './reduce.js';

/** swish(z) = z·σ(z) (SiLU). Its derivative σ(z)(1 + z(1 − σ(z))) comes out of autodiff. */
export function swish(x: Tensor): Tensor {
  return mul(x, sigmoid(x));
}
export const silu = swish;

/** log softmax along an axis: x − logsumexp(x). */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return sub(x, logsumexp(x, axis, true));
}

export function softmax(x: Tensor, axis = -1): Tensor {
  return exp(logSoftmax(x, axis));
}
