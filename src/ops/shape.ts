// Shape ops. Most are views on the same buffer; their backwards come in
// adjoint pairs: reshape↔reshape, permute↔inverse permute, expand↔sumTo,
// slice↔pad, gather↔scatterAdd, diagonal↔diagEmbed.
import { getBackend } from '../backend/registry.js';
import { Tensor } from '../tensor/tensor.js';
import { allocate, allocateUninit } from '../tensor/dtype.js';
import { fmtShape, normAxis, rowMajorStrides, sizeOf, type Shape } from '../tensor/shape.js';
import { defineOp } from './op.js';
import { sumTo } from './reduce.js';
import { add } from './elementwise.js';

function resolveShape(shape: Shape, size: number, what: string, from: Shape): number[] {
  const out = shape.slice();
  const free = out.indexOf(-1);
  if (free >= 0) {
    const known = out.reduce((n, d, i) => (i === free ? n : n * d), 1);
    if (known === 0 || size % known !== 0) throw new Error(`${what}: cannot reshape ${fmtShape(from)} to ${fmtShape(shape)}`);
    out[free] = size / known;
  }
  if (sizeOf(out) !== size || out.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`${what}: cannot reshape ${fmtShape(from)} (${size} elements) to ${fmtShape(shape)}`);
  }
  return out;
}

const reshapeOp = defineOp<'x', number[]>({
  name: 'reshape',
  inputs: ['x'],
  forward: ({ x }, shape) => {
    if (x.isContiguous) return new Tensor(x.data, shape, rowMajorStrides(shape), x.offset);
    return new Tensor(x.contiguousData(), shape);
  },
  backward: (g, { x }) => ({ x: () => reshape(g, x.shape) }),
});
/** Same elements in a new shape (one entry may be -1); a view when x is contiguous. */
export function reshape(x: Tensor, shape: Shape): Tensor {
  return reshapeOp.apply({ x }, resolveShape(shape, x.size, 'reshape', x.shape));
}

export function flatten(x: Tensor, startAxis = 0): Tensor {
  const a = normAxis(startAxis, Math.max(x.rank, 1), 'flatten');
  return reshape(x, [...x.shape.slice(0, a), -1]);
}

export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = normAxis(axis, x.rank + 1, 'unsqueeze');
  return reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
}

export function squeeze(x: Tensor, axis?: number): Tensor {
  if (axis === undefined) return reshape(x, x.shape.filter((d) => d !== 1));
  const a = normAxis(axis, x.rank, 'squeeze');
  if (x.shape[a] !== 1) throw new Error(`squeeze: axis ${axis} has size ${x.shape[a]}, not 1 (shape ${fmtShape(x.shape)})`);
  return reshape(x, x.shape.filter((_, i) => i !== a));
}

const permuteOp = defineOp<'x', number[]>({
  name: 'permute',
  inputs: ['x'],
  forward: ({ x }, perm) => new Tensor(x.data, perm.map((p) => x.shape[p]!), perm.map((p) => x.strides[p]!), x.offset),
  backward: (g, _x, _out, perm) => {
    const inv = new Array<number>(perm.length);
    perm.forEach((p, i) => (inv[p] = i));
    return { x: () => permute(g, inv) };
  },
});
/** Reorder axes (a view). */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  const p = perm.map((a) => normAxis(a, x.rank, 'permute'));
  if (p.length !== x.rank || new Set(p).size !== p.length) {
    throw new Error(`permute: [${perm.join(',')}] is not a permutation of the ${x.rank} axes of ${fmtShape(x.shape)}`);
  }
  return permuteOp.apply({ x }, p);
}

/** Swap two axes (default: the last two, i.e. the matrix transpose), as a view. */
export function transpose(x: Tensor, a = -2, b = -1): Tensor {
  if (x.rank < 2) throw new Error(`transpose: needs rank >= 2, got ${fmtShape(x.shape)}`);
  const i = normAxis(a, x.rank, 'transpose');
  const j = normAxis(b, x.rank, 'transpose');
  const perm = Array.from({ length: x.rank }, (_, k) => k);
  perm[i] = j;
  perm[j] = i;
  return permute(x, perm);
}

const expandOp = defineOp<'x', number[]>({
  name: 'expand',
  inputs: ['x'],
  forward: ({ x }, shape) => {
    const lead = shape.length - x.rank;
    const strides = shape.map((d, i) => (i < lead || (x.shape[i - lead] === 1 && d !== 1) ? 0 : x.strides[i - lead]!));
    return new Tensor(x.data, shape, strides, x.offset);
  },
  backward: (g, { x }) => ({ x: () => sumTo(g, x.shape) }),
});
/**
 * Broadcast to a larger shape without copying (size-1 axes get stride 0); x itself when it has
 * that shape already (a view either way: the broadcasting ops and losses expand operands that
 * mostly have their output's shape, and an op application costs more than the view).
 */
export function expand(x: Tensor, shape: Shape): Tensor {
  const lead = shape.length - x.rank;
  const ok = lead >= 0 && x.shape.every((d, i) => d === shape[i + lead] || d === 1);
  if (!ok) throw new Error(`expand: cannot broadcast ${fmtShape(x.shape)} to ${fmtShape(shape)}`);
  if (lead === 0 && x.shape.every((d, i) => d === shape[i])) return x;
  return expandOp.apply({ x }, shape.slice());
}
export const broadcastTo = expand;

type Range = readonly [number, number] | null;

const sliceOp = defineOp<'x', number[][]>({
  name: 'slice',
  inputs: ['x'],
  forward: ({ x }, ranges) => {
    let off = x.offset;
    ranges.forEach(([s], i) => (off += s! * x.strides[i]!));
    return new Tensor(x.data, ranges.map(([s, e]) => e! - s!), x.strides, off);
  },
  backward: (g, { x }, _out, ranges) => ({ x: () => padTo(g, x.shape, ranges.map(([s]) => s!)) }),
});
/**
 * A view of [start, end) on each axis (null keeps the whole axis; negative
 * indices count from the end), e.g. slice(x, [null, [0, 20]]).
 */
export function slice(x: Tensor, ranges: readonly Range[]): Tensor {
  if (ranges.length > x.rank) throw new Error(`slice: ${ranges.length} ranges for a tensor of rank ${x.rank}`);
  const r = x.shape.map((d, i) => {
    const spec = ranges[i] ?? null;
    if (spec === null) return [0, d];
    const s = spec[0] < 0 ? spec[0] + d : spec[0];
    const e = spec[1] < 0 ? spec[1] + d : spec[1];
    if (!(0 <= s && s <= e && e <= d)) {
      throw new Error(`slice: range [${spec[0]}, ${spec[1]}) is out of bounds for axis ${i} of ${fmtShape(x.shape)}`);
    }
    return [s, e];
  });
  return sliceOp.apply({ x }, r);
}

const padToOp = defineOp<'x', { shape: number[]; starts: number[] }>({
  name: 'padTo',
  inputs: ['x'],
  forward: ({ x }, { shape, starts }) => {
    const data = allocate(x.dtype, sizeOf(shape));
    const strides = rowMajorStrides(shape);
    const off = starts.reduce((o, s, i) => o + s * strides[i]!, 0);
    // Write x into the zero block through a strided view of the destination.
    const src = x.contiguousData();
    const inner = x.shape[x.rank - 1] ?? 1;
    const rows = inner === 0 ? 0 : x.size / inner;
    const idx = new Array<number>(Math.max(x.rank - 1, 0)).fill(0);
    let d = off;
    for (let r = 0; r < rows; r++) {
      data.set(src.subarray(r * inner, (r + 1) * inner), d);
      for (let k = x.rank - 2; k >= 0; k--) {
        idx[k]!++;
        d += strides[k]!;
        if (idx[k]! < x.shape[k]!) break;
        d -= strides[k]! * x.shape[k]!;
        idx[k] = 0;
      }
    }
    return new Tensor(data, shape);
  },
  backward: (g, { x }, _out, { starts }) => ({ x: () => slice(g, starts.map((s, i) => [s, s + x.shape[i]!] as const)) }),
});
/** Place x at `starts` inside a zero tensor of `shape` (the adjoint of slice). */
export function padTo(x: Tensor, shape: Shape, starts: readonly number[]): Tensor {
  if (shape.length !== x.rank || starts.length !== x.rank || x.shape.some((d, i) => starts[i]! < 0 || starts[i]! + d > shape[i]!)) {
    throw new Error(`padTo: ${fmtShape(x.shape)} at [${starts.join(',')}] does not fit in ${fmtShape(shape)}`);
  }
  return padToOp.apply({ x }, { shape: shape.slice(), starts: starts.slice() });
}

/** Join along an axis; derived as a sum of zero-padded blocks, so it needs no backward. */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new Error('concat: needs at least one tensor');
  const first = xs[0]!;
  const a = normAxis(axis, first.rank, 'concat');
  let total = 0;
  for (const [k, t] of xs.entries()) {
    if (t.rank !== first.rank || t.shape.some((d, i) => i !== a && d !== first.shape[i])) {
      throw new Error(`concat: tensor ${k} has shape ${fmtShape(t.shape)}, incompatible with ${fmtShape(first.shape)} along axis ${a}`);
    }
    total += t.shape[a]!;
  }
  const shape = first.shape.slice();
  shape[a] = total;
  let at = 0;
  let out: Tensor | null = null;
  for (const t of xs) {
    const starts = shape.map((_, i) => (i === a ? at : 0));
    const block = padTo(t, shape, starts);
    out = out ? add(out, block) : block;
    at += t.shape[a]!;
  }
  return out!;
}

export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new Error('stack: needs at least one tensor');
  const a = normAxis(axis, xs[0]!.rank + 1, 'stack');
  return concat(xs.map((t) => unsqueeze(t, a)), a);
}

interface GatherAttrs {
  axis: number;
  idx: Int32Array;
}

function dims3(shape: Shape, axis: number): [number, number, number] {
  return [sizeOf(shape.slice(0, axis)), shape[axis]!, sizeOf(shape.slice(axis + 1))];
}

const gatherOp = defineOp<'x', GatherAttrs>({
  name: 'indexSelect',
  inputs: ['x'],
  forward: ({ x }, { axis, idx }) => {
    const [outer, n, inner] = dims3(x.shape, axis);
    const shape = x.shape.slice();
    shape[axis] = idx.length;
    const out = allocateUninit(x.dtype, sizeOf(shape));
    getBackend().gather(x.contiguousData(), outer, n, inner, idx, out);
    return new Tensor(out, shape);
  },
  backward: (g, { x }, _out, attrs) => ({ x: () => indexAdd(g, x.shape, attrs) }),
});

const scatterOp = defineOp<'x', GatherAttrs & { shape: number[] }>({
  name: 'indexAdd',
  inputs: ['x'],
  forward: ({ x }, { axis, idx, shape }) => {
    const [outer, n, inner] = dims3(shape, axis);
    const out = allocate(x.dtype, sizeOf(shape));
    getBackend().scatterAdd(x.contiguousData(), outer, n, inner, idx, out);
    return new Tensor(out, shape);
  },
  backward: (g, _x, _out, { axis, idx }) => ({ x: () => gatherOp.apply({ x: g }, { axis, idx }) }),
});

function indexAdd(g: Tensor, shape: Shape, attrs: GatherAttrs): Tensor {
  return scatterOp.apply({ x: g }, { ...attrs, shape: shape.slice() });
}

/** Select entries along an axis by integer index (rows of an embedding, classes of logits). */
export function indexSelect(x: Tensor, axis: number, indices: ArrayLike<number>): Tensor {
  const a = normAxis(axis, x.rank, 'indexSelect');
  const n = x.shape[a]!;
  const idx = Int32Array.from(indices as ArrayLike<number>);
  for (let i = 0; i < idx.length; i++) {
    if (idx[i]! < 0 || idx[i]! >= n || idx[i] !== (indices as ArrayLike<number>)[i]) {
      throw new Error(`indexSelect: index ${(indices as ArrayLike<number>)[i]} at position ${i} is out of range for axis ${a} of size ${n}`);
    }
  }
  return gatherOp.apply({ x }, { axis: a, idx });
}

const diagonalOp = defineOp<'x'>({
  name: 'diagonal',
  inputs: ['x'],
  forward: ({ x }) => {
    const r = x.rank;
    const shape = [...x.shape.slice(0, r - 2), x.shape[r - 1]!];
    const strides = [...x.strides.slice(0, r - 2), x.strides[r - 2]! + x.strides[r - 1]!];
    return new Tensor(x.data, shape, strides, x.offset);
  },
  backward: (g) => ({ x: () => diagEmbed(g) }),
});
/** The main diagonal of the last two (square) axes, as a view. */
export function diagonal(x: Tensor): Tensor {
  const r = x.rank;
  if (r < 2 || x.shape[r - 1] !== x.shape[r - 2]) throw new Error(`diagonal: needs square matrices in the last two axes, got ${fmtShape(x.shape)}`);
  return diagonalOp.apply({ x }, undefined);
}

const diagEmbedOp = defineOp<'x'>({
  name: 'diagEmbed',
  inputs: ['x'],
  forward: ({ x }) => {
    const n = x.shape[x.rank - 1]!;
    const shape = [...x.shape, n];
    const out = allocate(x.dtype, sizeOf(shape));
    const src = x.contiguousData();
    const batches = n === 0 ? 0 : src.length / n;
    for (let b = 0; b < batches; b++) for (let i = 0; i < n; i++) out[b * n * n + i * n + i] = src[b * n + i]!;
    return new Tensor(out, shape);
  },
  backward: (g) => ({ x: () => diagonal(g) }),
});
/** Square matrices with x on the diagonal (batched over leading axes). */
export function diagEmbed(x: Tensor): Tensor {
  if (x.rank < 1) throw new Error('diagEmbed: needs rank >= 1');
  return diagEmbedOp.apply({ x }, undefined);
}
export const diag = diagEmbed;
