// Reductions over axes (with keepdims). sum and expand are an adjoint pair;
// mean, var and logsumexp are derived from sum and max.
import { getBackend } from '../backend/registry.js';
import { Tensor } from '../tensor/tensor.js';
import { allocate, allocateUninit } from '../tensor/dtype.js';
import { normAxes, shapesEqual, sizeOf, type Shape } from '../tensor/shape.js';
import { defineOp } from './op.js';
import { expand, reshape } from './shape.js';
import { add, div, eq, log, mul, exp, sub, square } from './elementwise.js';
import type { ReduceKernel } from '../backend/backend.js';

export type Axes = number | readonly number[] | undefined;

interface ReduceAttrs {
  axes: number[];
  keepdims: boolean;
}

function keptShape(shape: Shape, axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

function reduceForward(kernel: ReduceKernel, x: Tensor, { axes, keepdims }: ReduceAttrs): Tensor {
  let data = x.contiguousData();
  const shape = x.shape.slice();
  for (let k = axes.length - 1; k >= 0; k--) {
    const ax = axes[k]!;
    const outer = sizeOf(shape.slice(0, ax));
    const inner = sizeOf(shape.slice(ax + 1));
    const out = allocateUninit(x.dtype, outer * inner);
    getBackend().reduce(kernel, data, outer, shape[ax]!, inner, out);
    data = out;
    shape[ax] = 1;
  }
  if (axes.length === 0) data = data.slice();
  const outShape = keepdims ? shape : shape.filter((_, i) => !axes.includes(i));
  return new Tensor(data, outShape);
}

const sumOp = defineOp<'x', ReduceAttrs>({
  name: 'sum',
  inputs: ['x'],
  forward: ({ x }, attrs) => reduceForward('sum', x, attrs),
  backward: (g, { x }, _out, { axes }) => ({ x: () => expand(reshape(g, keptShape(x.shape, axes)), x.shape) }),
});

function extremumOp(name: string, kernel: ReduceKernel) {
  return defineOp<'x', ReduceAttrs>({
    name,
    inputs: ['x'],
    forward: ({ x }, attrs) => reduceForward(kernel, x, attrs),
    // Ties share the gradient equally (the mean of the subgradients).
    backward: (g, { x }, out, { axes }) => ({
      x: () => {
        const kept = keptShape(x.shape, axes);
        const mask = eq(x, reshape(out, kept));
        const count = sumOp.apply({ x: mask }, { axes, keepdims: true });
        return mul(div(mask, count), reshape(g, kept));
      },
    }),
  });
}
const maxOp = extremumOp('max', 'max');
const minOp = extremumOp('min', 'min');

export function sum(x: Tensor, axes?: Axes, keepdims = false): Tensor {
  return sumOp.apply({ x }, { axes: normAxes(axes, x.rank, 'sum'), keepdims });
}

export function max(x: Tensor, axes?: Axes, keepdims = false): Tensor {
  return maxOp.apply({ x }, { axes: normAxes(axes, x.rank, 'max'), keepdims });
}

export function min(x: Tensor, axes?: Axes, keepdims = false): Tensor {
  return minOp.apply({ x }, { axes: normAxes(axes, x.rank, 'min'), keepdims });
}

function countOf(x: Tensor, axes: Axes, what: string): number {
  return normAxes(axes, x.rank, what).reduce((n, a) => n * x.shape[a]!, 1);
}

export function mean(x: Tensor, axes?: Axes, keepdims = false): Tensor {
  return div(sum(x, axes, keepdims), countOf(x, axes, 'mean'));
}

/** Variance with `correction` degrees of freedom removed (1 = unbiased, as in torch.var). */
export function variance(x: Tensor, axes?: Axes, keepdims = false, correction = 1): Tensor {
  const n = countOf(x, axes, 'variance');
  const dev = sub(x, mean(x, axes, true));
  return div(sum(square(dev), axes, keepdims), Math.max(n - correction, 0));
}

/**
 * log Σ exp(x), stable: the max m is subtracted first and detached, since
 * ∂/∂m of m + log Σ exp(x − m) is zero. Rows that are all −∞ give −∞.
 */
export function logsumexp(x: Tensor, axes?: Axes, keepdims = false): Tensor {
  const ax = normAxes(axes, x.rank, 'logsumexp');
  const m = max(x, ax, true).detach();
  const md = m.contiguousData();
  const safe = allocate(x.dtype, md.length);
  for (let i = 0; i < md.length; i++) safe[i] = Number.isFinite(md[i]!) ? md[i]! : 0;
  const shift = new Tensor(safe, m.shape);
  const lse = add(log(sum(exp(sub(x, shift)), ax, true)), shift);
  return keepdims ? lse : reshape(lse, x.shape.filter((_, i) => !ax.includes(i)));
}

/** Sum g down to `shape` (the adjoint of broadcasting `shape` up to g.shape). */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  // Size-1 axes of g add nothing up: when they are all that differs (g [1, n, d] for [n, d], as a
  // sample axis of one), the reshape alone is the sum, with no kernel call.
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (g.shape[i] !== 1 && (i < lead || shape[i - lead] === 1)) axes.push(i);
  }
  return reshape(axes.length > 0 ? sum(g, axes, true) : g, shape);
}
