// Elementwise primitives with NumPy broadcasting. Gradients of broadcast
// inputs are summed back to the input's shape (sumTo), the adjoint of expand.
import type { BinaryKernel, UnaryKernel } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import { Tensor } from '../tensor/tensor.js';
import { allocate, allocateUninit, type DType } from '../tensor/dtype.js';
import { broadcastShapes, padShape, sizeOf } from '../tensor/shape.js';
import { defineOp, lift, type TensorLike } from './op.js';
import { sumTo } from './reduce.js';

function unaryForward(kernel: UnaryKernel, x: Tensor, p0 = 0, p1 = 0): Tensor {
  const out = allocateUninit(x.dtype, x.size);
  getBackend().unary(kernel, x.contiguousData(), out, p0, p1);
  return new Tensor(out, x.shape);
}

function binaryForward(kernel: BinaryKernel, a: Tensor, b: Tensor, what: string): Tensor {
  const shape = broadcastShapes(a.shape, b.shape, what);
  const out = allocateUninit(a.dtype, sizeOf(shape));
  const x = a.broadcastData();
  const y = b.broadcastData();
  getBackend().binary(kernel, x.data, padShape(x.shape, shape.length), y.data, padShape(y.shape, shape.length), out, shape);
  return new Tensor(out, shape);
}

/** Primitive unary op whose gradient is g·d(x, out). */
function unaryOp(name: string, kernel: UnaryKernel, deriv: (x: Tensor, out: Tensor) => Tensor) {
  const op = defineOp<'x'>({
    name,
    inputs: ['x'],
    forward: ({ x }) => unaryForward(kernel, x),
    backward: (g, { x }, out) => ({ x: () => mul(g, deriv(x, out)) }),
  });
  return (x: Tensor): Tensor => op.apply({ x }, undefined);
}

export const neg = unaryOp('neg', 'neg', (x) => scalarOf(-1, x.dtype));
export const exp = unaryOp('exp', 'exp', (_x, out) => out);
export const log = unaryOp('log', 'log', (x) => reciprocal(x));
export const log1p = unaryOp('log1p', 'log1p', (x) => reciprocal(add(x, 1)));
export const expm1 = unaryOp('expm1', 'expm1', (_x, out) => add(out, 1));
export const sqrt = unaryOp('sqrt', 'sqrt', (_x, out) => reciprocal(mul(out, 2)));
export const abs = unaryOp('abs', 'abs', (x) => sign(x));
export const square = unaryOp('square', 'square', (x) => mul(x, 2));
export const reciprocal = unaryOp('reciprocal', 'reciprocal', (_x, out) => neg(square(out)));
export const sigmoid = unaryOp('sigmoid', 'sigmoid', (_x, out) => mul(out, sub(1, out)));
export const tanh = unaryOp('tanh', 'tanh', (_x, out) => sub(1, square(out)));
/** softplus′ = σ. */
export const softplus = unaryOp('softplus', 'softplus', (x) => sigmoid(x));

// relu′ = step(x): the backward keeps g where the output is non-zero (x > 0), in one pass as
// PyTorch's threshold_backward does, instead of forming step(x) and multiplying by it.
const reluOp = defineOp<'x'>({
  name: 'relu',
  inputs: ['x'],
  forward: ({ x }) => unaryForward('relu', x),
  backward: (g, _x, out) => ({ x: () => where(out, g, 0) }),
});
export function relu(x: Tensor): Tensor {
  return reluOp.apply({ x }, undefined);
}

/** Piecewise-constant functions: their derivative is zero almost everywhere. */
function constantOp(name: string, kernel: UnaryKernel) {
  const op = defineOp<'x'>({ name, inputs: ['x'], forward: ({ x }) => unaryForward(kernel, x), backward: () => ({}) });
  return (x: Tensor): Tensor => op.apply({ x }, undefined);
}
export const sign = constantOp('sign', 'sign');
/** Heaviside step: 1 where x > 0, else 0. */
export const step = constantOp('step', 'step');

const powScalarOp = defineOp<'x', number>({
  name: 'powScalar',
  inputs: ['x'],
  forward: ({ x }, p) => unaryForward('powScalar', x, p),
  // NOTE: p = 0 is special-cased: p·x^(p−1) would be 0·∞ = NaN at x = 0, but x⁰ is constant.
  backward: (g, { x }, _out, p) => ({ x: () => (p === 0 ? mul(g, 0) : mul(g, mul(powScalar(x, p - 1), p))) }),
});
export function powScalar(x: Tensor, p: number): Tensor {
  return powScalarOp.apply({ x }, p);
}

const clampOp = defineOp<'x', [number, number]>({
  name: 'clamp',
  inputs: ['x'],
  forward: ({ x }, [lo, hi]) => unaryForward('clamp', x, lo, hi),
  backward: (g, { x }, _out, [lo, hi]) => ({ x: () => mul(g, mul(gt(x, lo), lt(x, hi))) }),
});
/** Clamp into [lo, hi]; the gradient is zero where clamped. */
export function clamp(x: Tensor, lo = -Infinity, hi = Infinity): Tensor {
  if (lo > hi) throw new Error(`clamp: lower bound ${lo} exceeds upper bound ${hi}`);
  return clampOp.apply({ x }, [lo, hi]);
}

const leakyReluOp = defineOp<'x', number>({
  name: 'leakyRelu',
  inputs: ['x'],
  forward: ({ x }, s) => unaryForward('leakyRelu', x, s),
  backward: (g, { x }, _out, s) => ({ x: () => mul(g, add(mul(step(x), 1 - s), s)) }),
});
export function leakyRelu(x: Tensor, slope = 0.01): Tensor {
  return leakyReluOp.apply({ x }, slope);
}

const eluOp = defineOp<'x', number>({
  name: 'elu',
  inputs: ['x'],
  // elu′ = 1 for x > 0, else α·eˣ = out + α.
  forward: ({ x }, alpha) => unaryForward('elu', x, alpha),
  backward: (g, { x }, out, alpha) => ({ x: () => mul(g, where(gt(x, 0), 1, add(out, alpha))) }),
});
export function elu(x: Tensor, alpha = 1): Tensor {
  return eluOp.apply({ x }, alpha);
}

/** Primitive binary op with broadcasting. */
function binaryOp(name: string, kernel: BinaryKernel, grads: (g: Tensor, a: Tensor, b: Tensor, out: Tensor) => { a: () => Tensor; b: () => Tensor }) {
  const op = defineOp<'a' | 'b'>({
    name,
    inputs: ['a', 'b'],
    forward: ({ a, b }) => binaryForward(kernel, a, b, name),
    backward: (g, { a, b }, out) => {
      const d = grads(g, a, b, out);
      return { a: () => sumTo(d.a(), a.shape), b: () => sumTo(d.b(), b.shape) };
    },
  });
  return (a: TensorLike, b: TensorLike): Tensor => {
    const [x, y] = lift(a, b);
    return op.apply({ a: x, b: y }, undefined);
  };
}

export const add = binaryOp('add', 'add', (g) => ({ a: () => g, b: () => g }));
export const sub = binaryOp('sub', 'sub', (g) => ({ a: () => g, b: () => neg(g) }));
export const mul = binaryOp('mul', 'mul', (g, a, b) => ({ a: () => mul(g, b), b: () => mul(g, a) }));
export const div = binaryOp('div', 'div', (g, _a, b, out) => ({ a: () => div(g, b), b: () => neg(div(mul(g, out), b)) }));
/**
 * aᵇ; ∂/∂a = b·aᵇ⁻¹, ∂/∂b = aᵇ·log a (defined for a > 0).
 * NOTE: at a = 0 these formulas give 0·∞ = NaN; as in PyTorch, ∂/∂a is 0 where b = 0
 * (a⁰ is constant) and ∂/∂b is 0 where a = 0 and b ≥ 0 (0ᵇ is constant for b > 0).
 */
export const pow = binaryOp('pow', 'pow', (g, a, b, out) => ({
  a: () => mul(g, where(eq(b, 0), 0, mul(b, pow(a, sub(b, 1))))),
  b: () => mul(g, where(mul(eq(a, 0), ge(b, 0)), 0, mul(out, log(a)))),
}));
/** Ties send half the gradient each way, as a subgradient. */
export const maximum = binaryOp('maximum', 'maximum', (g, a, b) => {
  const m = () => add(gt(a, b), mul(eq(a, b), 0.5));
  return { a: () => mul(g, m()), b: () => mul(g, sub(1, m())) };
});
export const minimum = binaryOp('minimum', 'minimum', (g, a, b) => {
  const m = () => add(lt(a, b), mul(eq(a, b), 0.5));
  return { a: () => mul(g, m()), b: () => mul(g, sub(1, m())) };
});

function compareOp(name: string, kernel: BinaryKernel) {
  const op = defineOp<'a' | 'b'>({ name, inputs: ['a', 'b'], forward: ({ a, b }) => binaryForward(kernel, a, b, name), backward: () => ({}) });
  return (a: TensorLike, b: TensorLike): Tensor => {
    const [x, y] = lift(a, b);
    return op.apply({ a: x, b: y }, undefined);
  };
}
/** Comparisons give 1/0 masks in the operands' dtype. */
export const gt = compareOp('gt', 'gt');
export const ge = compareOp('ge', 'ge');
export const lt = compareOp('lt', 'lt');
export const le = compareOp('le', 'le');
export const eq = compareOp('eq', 'eq');

const whereOp = defineOp<'cond' | 'a' | 'b'>({
  name: 'where',
  inputs: ['cond', 'a', 'b'],
  forward: ({ cond, a, b }) => {
    const s1 = broadcastShapes(a.shape, b.shape, 'where');
    const shape = broadcastShapes(cond.shape, s1, 'where');
    const r = shape.length;
    // The kernel writes every element: no zero fill.
    const out = allocateUninit(a.dtype, sizeOf(shape));
    const [c, x, y] = [cond.broadcastData(), a.broadcastData(), b.broadcastData()];
    getBackend().where(c.data, padShape(c.shape, r), x.data, padShape(x.shape, r), y.data, padShape(y.shape, r), out, shape);
    return new Tensor(out, shape);
  },
  backward: (g, { cond, a, b }) => ({
    a: () => sumTo(where(cond, g, 0), a.shape),
    b: () => sumTo(where(cond, 0, g), b.shape),
  }),
});
/** Pick a where cond ≠ 0, else b (cond carries no gradient). */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const dtype = a instanceof Tensor ? a.dtype : b instanceof Tensor ? b.dtype : cond.dtype;
  const ta = a instanceof Tensor ? a : scalarOf(a, dtype);
  const tb = b instanceof Tensor ? b : scalarOf(b, dtype);
  const c = cond.dtype === dtype ? cond : castOp.apply({ x: cond }, dtype);
  return whereOp.apply({ cond: c, a: ta, b: tb }, undefined);
}

function scalarOf(v: number, dtype: DType): Tensor {
  return new Tensor(allocate(dtype, 1).fill(v), []);
}

const castOp = defineOp<'x', DType>({
  name: 'cast',
  inputs: ['x'],
  forward: ({ x }, dtype) => {
    const data = allocateUninit(dtype, x.size);
    data.set(x.contiguousData());
    return new Tensor(data, x.shape);
  },
  backward: (g, { x }) => ({ x: () => cast(g, x.dtype) }),
});
/** The same values in another dtype; gradients flow back in the source dtype. */
export function cast(x: Tensor, dtype: DType): Tensor {
  return x.dtype === dtype ? x : castOp.apply({ x }, dtype);
}
