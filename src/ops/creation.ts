// Creating tensors: from nested arrays or typed arrays, constant fills,
// ranges, and seeded random draws (an Rng is always passed explicitly).
import type { FloatArray } from '../backend/backend.js';
import { Tensor, type NestedArray } from '../tensor/tensor.js';
import { allocate, allocateUninit, type DType } from '../tensor/dtype.js';
import { checkShape, fmtShape, sizeOf, type Shape } from '../tensor/shape.js';
import type { Rng } from '../tensor/random.js';

export interface CreateOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

function inferShape(v: NestedArray): number[] {
  const shape: number[] = [];
  let cur: NestedArray = v;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = (cur as readonly NestedArray[])[0]!;
  }
  return shape;
}

function flattenInto(v: NestedArray, shape: readonly number[], dim: number, out: FloatArray, pos: { i: number }): void {
  if (dim === shape.length) {
    if (typeof v !== 'number') throw new Error(`tensor: ragged nested array (expected a number at depth ${dim})`);
    out[pos.i++] = v;
    return;
  }
  if (!Array.isArray(v) || v.length !== shape[dim]) {
    throw new Error(`tensor: ragged nested array (expected length ${shape[dim]} at depth ${dim}, shape ${fmtShape(shape)})`);
  }
  for (const e of v as readonly NestedArray[]) flattenInto(e, shape, dim + 1, out, pos);
}

/** A tensor from a nested array, a typed array (with shape) or a number. */
export function tensor(values: NestedArray | FloatArray, shapeOrOpts?: Shape | CreateOptions, maybeOpts?: CreateOptions): Tensor {
  const shapeArg = Array.isArray(shapeOrOpts) ? (shapeOrOpts as Shape) : undefined;
  const opts = (Array.isArray(shapeOrOpts) ? maybeOpts : (shapeOrOpts as CreateOptions | undefined)) ?? {};
  if (values instanceof Float32Array || values instanceof Float64Array) {
    const dtype = opts.dtype ?? (values instanceof Float64Array ? 'float64' : 'float32');
    const shape = shapeArg ?? [values.length];
    checkShape(shape, 'tensor');
    if (sizeOf(shape) !== values.length) {
      throw new Error(`tensor: ${values.length} values do not fill shape ${fmtShape(shape)}`);
    }
    const data = allocate(dtype, values.length);
    data.set(values);
    return new Tensor(data, shape, undefined, 0, opts.requiresGrad ?? false);
  }
  const shape = inferShape(values as NestedArray);
  const data = allocate(opts.dtype ?? 'float32', sizeOf(shape));
  flattenInto(values as NestedArray, shape, 0, data, { i: 0 });
  const t = new Tensor(data, shape, undefined, 0, opts.requiresGrad ?? false);
  return shapeArg ? new Tensor(data, shapeArg, undefined, 0, t.requiresGrad) : t;
}

export function full(shape: Shape, value: number, opts: CreateOptions = {}): Tensor {
  checkShape(shape, 'full');
  const data = allocate(opts.dtype ?? 'float32', sizeOf(shape)).fill(value);
  return new Tensor(data, shape, undefined, 0, opts.requiresGrad ?? false);
}

export function zeros(shape: Shape, opts: CreateOptions = {}): Tensor {
  return full(shape, 0, opts);
}

export function ones(shape: Shape, opts: CreateOptions = {}): Tensor {
  return full(shape, 1, opts);
}

export function zerosLike(t: Tensor): Tensor {
  return zeros(t.shape, { dtype: t.dtype });
}

export function onesLike(t: Tensor): Tensor {
  return ones(t.shape, { dtype: t.dtype });
}

export function eye(n: number, opts: CreateOptions = {}): Tensor {
  const t = zeros([n, n], opts);
  for (let i = 0; i < n; i++) t.data[i * n + i] = 1;
  return t;
}

export function arange(start: number, stop?: number, step = 1, opts: CreateOptions = {}): Tensor {
  const [a, b] = stop === undefined ? [0, start] : [start, stop];
  if (step === 0) throw new Error('arange: step must be non-zero');
  const n = Math.max(0, Math.ceil((b - a) / step));
  const data = allocate(opts.dtype ?? 'float32', n);
  for (let i = 0; i < n; i++) data[i] = a + i * step;
  return new Tensor(data, [n], undefined, 0, opts.requiresGrad ?? false);
}

export function linspace(start: number, stop: number, n: number, opts: CreateOptions = {}): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new Error(`linspace: n must be a non-negative integer (got ${n})`);
  const data = allocate(opts.dtype ?? 'float32', n);
  for (let i = 0; i < n; i++) data[i] = n === 1 ? start : start + ((stop - start) * i) / (n - 1);
  return new Tensor(data, [n], undefined, 0, opts.requiresGrad ?? false);
}

/** Standard normal draws. */
export function randn(shape: Shape, rng: Rng, opts: CreateOptions = {}): Tensor {
  checkShape(shape, 'randn');
  const data = allocateUninit(opts.dtype ?? 'float32', sizeOf(shape));
  rng.fillNormal(data);
  return new Tensor(data, shape, undefined, 0, opts.requiresGrad ?? false);
}

/** Uniform draws in [low, high). */
export function rand(shape: Shape, rng: Rng, opts: CreateOptions & { low?: number; high?: number } = {}): Tensor {
  checkShape(shape, 'rand');
  const lo = opts.low ?? 0;
  const hi = opts.high ?? 1;
  const data = allocateUninit(opts.dtype ?? 'float32', sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = lo + (hi - lo) * rng.uniform();
  return new Tensor(data, shape, undefined, 0, opts.requiresGrad ?? false);
}

/** One-hot rows for integer class indices (no gradient). */
export function oneHot(indices: ArrayLike<number>, numClasses: number, opts: CreateOptions = {}): Tensor {
  const n = indices.length;
  const t = zeros([n, numClasses], opts);
  for (let i = 0; i < n; i++) {
    const c = indices[i]!;
    if (!Number.isInteger(c) || c < 0 || c >= numClasses) {
      throw new Error(`oneHot: index ${c} at position ${i} is outside [0, ${numClasses})`);
    }
    t.data[i * numClasses + c] = 1;
  }
  return t;
}
