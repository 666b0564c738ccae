// Shape arithmetic shared by tensors and ops: sizes, row-major strides,
// NumPy broadcasting and axis normalization.

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function rowMajorStrides(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

export function fmtShape(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** NumPy broadcasting of two shapes; `what` names the op in the error. */
export function broadcastShapes(a: Shape, b: Shape, what: string): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`${what}: shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast (axis ${i}: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Left-pad a shape with ones to rank n. */
export function padShape(shape: Shape, n: number): number[] {
  const out = new Array<number>(n).fill(1);
  for (let i = 0; i < shape.length; i++) out[n - shape.length + i] = shape[i]!;
  return out;
}

/** Normalize one axis (negative counts from the end). */
export function normAxis(axis: number, rank: number, what: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw new Error(`${what}: axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return a;
}

/** Normalize an axis list (undefined = all axes), sorted and deduplicated. */
export function normAxes(axes: number | readonly number[] | undefined, rank: number, what: string): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  const set = new Set(list.map((a) => normAxis(a, rank, what)));
  return [...set].sort((x, y) => x - y);
}

export function checkShape(shape: Shape, what: string): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`${what}: invalid shape ${fmtShape(shape)}`);
  }
}
