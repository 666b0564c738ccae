// The Tensor: a typed-array buffer seen through a shape, strides and offset,
// plus the autodiff bookkeeping (requiresGrad, grad, the node that made it).
// Views (transpose, permute, expand, slice, reshape of contiguous data) share
// the buffer; kernels ask for contiguous data and copy only when they must.
import type { FloatArray } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import { allocateUninit, dtypeOf, type DType } from './dtype.js';
import { fmtShape, rowMajorStrides, sizeOf, type Shape } from './shape.js';
import { backward as runBackward, type GradNode } from '../autograd/tape.js';

export type NestedArray = number | readonly NestedArray[];

export class Tensor {
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  readonly dtype: DType;
  /** Underlying storage; may be shared with other views. */
  readonly data: FloatArray;
  requiresGrad: boolean;
  /** Accumulated gradient of a leaf after backward(). */
  grad: Tensor | null = null;
  /** The op application that produced this tensor (null for leaves and under noGrad). */
  node: GradNode | null = null;

  constructor(data: FloatArray, shape: Shape, strides?: readonly number[], offset = 0, requiresGrad = false) {
    this.data = data;
    this.shape = shape.slice();
    this.strides = strides ? strides.slice() : rowMajorStrides(shape);
    this.offset = offset;
    this.dtype = dtypeOf(data);
    this.requiresGrad = requiresGrad;
    if (!strides && offset === 0 && data.length !== sizeOf(shape)) {
      throw new Error(`Tensor: data has ${data.length} elements but shape ${fmtShape(shape)} needs ${sizeOf(shape)}`);
    }
  }

  get size(): number {
    return sizeOf(this.shape);
  }

  get rank(): number {
    return this.shape.length;
  }

  /** True when the elements are laid out row-major without gaps (offset allowed). */
  get isContiguous(): boolean {
    let acc = 1;
    for (let i = this.shape.length - 1; i >= 0; i--) {
      const d = this.shape[i]!;
      if (d !== 1 && this.strides[i] !== acc) return false;
      acc *= d;
    }
    return true;
  }

  /**
   * Flat data and a shape that broadcasts to this one: axes an expand made (stride 0) read as
   * size 1, so broadcasting kernels take an expanded view as it is instead of a copy of it.
   */
  broadcastData(): { data: FloatArray; shape: readonly number[] } {
    if (!this.strides.some((s, i) => s === 0 && this.shape[i] !== 1)) return { data: this.contiguousData(), shape: this.shape };
    const shape = this.shape.map((d, i) => (this.strides[i] === 0 ? 1 : d));
    let acc = 1;
    for (let i = shape.length - 1; i >= 0; i--) {
      const d = shape[i]!;
      if (d !== 1 && this.strides[i] !== acc) return { data: this.contiguousData(), shape: this.shape };
      acc *= d;
    }
    return { data: this.data.subarray(this.offset, this.offset + acc), shape };
  }

  /**
   * The elements as a flat row-major array of exactly `size` entries. Returns
   * the storage itself when possible (callers must not write into it), else a copy.
   */
  contiguousData(): FloatArray {
    const n = this.size;
    if (this.isContiguous) {
      if (this.offset === 0 && this.data.length === n) return this.data;
      return this.data.subarray(this.offset, this.offset + n);
    }
    const out = allocateUninit(this.dtype, n);
    getBackend().copyStrided(this.data, this.offset, this.shape, this.strides, out);
    return out;
  }

  /** A contiguous tensor with the same values (this one when already contiguous). */
  contiguous(): Tensor {
    if (this.isContiguous && this.offset === 0 && this.data.length === this.size) return this;
    const t = new Tensor(this.contiguousData().slice(), this.shape);
    return t;
  }

  /** A fresh copy of the values as a flat typed array. */
  toTypedArray(): FloatArray {
    return this.contiguousData().slice();
  }

  toArray(): NestedArray {
    const flat = this.contiguousData();
    const build = (dim: number, off: number): NestedArray => {
      if (dim === this.shape.length) return flat[off]!;
      const stride = sizeOf(this.shape.slice(dim + 1));
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[dim]!; i++) out.push(build(dim + 1, off + i * stride));
      return out;
    };
    return build(0, 0);
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new Error(`item: tensor has ${this.size} elements (shape ${fmtShape(this.shape)}), expected 1`);
    return this.data[this.offset]!;
  }

  /** A view sharing storage but cut from the graph. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape, this.strides, this.offset, false);
  }

  /** Set requiresGrad in place; returns this for chaining. */
  requiresGrad_(flag = true): this {
    if (this.node) throw new Error('requiresGrad_: only leaf tensors can change requiresGrad; use detach() first');
    this.requiresGrad = flag;
    return this;
  }

  /** Reverse-mode autodiff from this tensor (a scalar unless `grad` is given). */
  backward(grad?: Tensor): void {
    runBackward(this, grad);
  }

  toString(): string {
    return `Tensor(${fmtShape(this.shape)}, ${this.dtype}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }
}
