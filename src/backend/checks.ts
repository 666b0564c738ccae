// Argument checks of the kernels, worded as the native addon words them, so a bad call fails the
// same way on every backend: a RangeError naming the kernel, the array and the sizes involved,
// never an out-of-range read that JS turns into NaN or a copy that silently comes up short.
import type { FloatArray, GemmCall } from './backend.js';

/** Throw unless every named array has as many elements as the first named one. */
export function checkLengths(kernel: string, arrays: Record<string, FloatArray>): void {
  const entries = Object.entries(arrays);
  const [first, ref] = entries[0]!;
  for (const [name, x] of entries) {
    if (x.length !== ref.length) throw new RangeError(`${kernel}: ${name} has ${x.length} elements, ${first} has ${ref.length}`);
  }
}

/** Throw unless x holds the [outer, n, inner] array that reduce reads and out its [outer, inner] result. */
export function checkReduce(x: FloatArray, outer: number, n: number, inner: number, out: FloatArray): void {
  const need = outer * n * inner;
  if (x.length < need) throw new RangeError(`reduce: x has ${x.length} elements, [${outer}, ${n}, ${inner}] needs ${need}`);
  if (out.length < outer * inner) throw new RangeError(`reduce: out has ${out.length} elements, [${outer}, ${inner}] needs ${outer * inner}`);
}

/** Throw unless the stored rows×cols matrix at off with row stride ld fits arr (ld ≥ cols). */
function checkExtent(kernel: string, name: string, arr: FloatArray, rows: number, cols: number, off: number, ld: number, ldName: string): void {
  if (rows === 0 || cols === 0) return;
  if (ld < cols) throw new RangeError(`${kernel}: ${ldName}=${ld} is less than the ${cols} columns of stored ${name}`);
  const need = off + (rows - 1) * ld + cols;
  if (need > arr.length) {
    throw new RangeError(`${kernel}: ${name} is too short for a ${rows}×${cols} matrix at offset ${off} with ${ldName}=${ld} (needs ${need} elements, has ${arr.length})`);
  }
}

/** Throw unless op(A) (m×k), op(B) (k×n) and C (m×n) fit their arrays as stored, transposed or not. */
export function checkGemm(
  transA: boolean, transB: boolean, m: number, n: number, k: number,
  a: FloatArray, aOff: number, lda: number, b: FloatArray, bOff: number, ldb: number, c: FloatArray, cOff: number, ldc: number,
  kernel = 'gemm',
): void {
  if (m === 0 || n === 0) return;
  if (k > 0) {
    checkExtent(kernel, 'a', a, transA ? k : m, transA ? m : k, aOff, lda, 'lda');
    checkExtent(kernel, 'b', b, transB ? n : k, transB ? k : n, bOff, ldb, 'ldb');
  }
  checkExtent(kernel, 'c', c, m, n, cOff, ldc, 'ldc');
}

/** Byte span [lo, hi) of a stored rows×cols matrix at off with row stride ld, in its buffer. */
function span(arr: FloatArray, rows: number, cols: number, off: number, ld: number): [number, number] {
  const lo = arr.byteOffset + off * arr.BYTES_PER_ELEMENT;
  return [lo, rows === 0 || cols === 0 ? lo : lo + ((rows - 1) * ld + cols) * arr.BYTES_PER_ELEMENT];
}

/** The byte spans of a call's A, B and C as stored, by name (it reads A and B, and writes C). */
function spans(g: GemmCall): { name: string; arr: FloatArray; span: [number, number] }[] {
  const aRows = g.transA ? g.k : g.m, aCols = g.transA ? g.m : g.k;
  const bRows = g.transB ? g.n : g.k, bCols = g.transB ? g.k : g.n;
  return [
    { name: 'a', arr: g.a, span: span(g.a, aRows, aCols, g.aOff, g.lda) },
    { name: 'b', arr: g.b, span: span(g.b, bRows, bCols, g.bOff, g.ldb) },
    { name: 'c', arr: g.c, span: span(g.c, g.m, g.n, g.cOff, g.ldc) },
  ];
}

/**
 * Throw unless both calls fit their arrays (checkGemm) and neither's C overlaps (first to last
 * element, as stored) an operand or the C of the other: gemmPair may run the two at once.
 */
export function checkGemmPair(first: GemmCall, second: GemmCall): void {
  for (const [which, g] of [['first', first], ['second', second]] as const) {
    checkGemm(g.transA, g.transB, g.m, g.n, g.k, g.a, g.aOff, g.lda, g.b, g.bOff, g.ldb, g.c, g.cOff, g.ldc, `gemmPair: ${which}`);
  }
  const one = spans(first);
  const two = spans(second);
  const overlap = (x: (typeof one)[number], y: (typeof one)[number]): boolean =>
    x.arr.buffer === y.arr.buffer && x.span[0] < y.span[1] && y.span[0] < x.span[1];
  for (const [w, r, wName, rName] of [[one[2]!, two, 'first', 'second'], [two[2]!, one, 'second', 'first']] as const) {
    for (const x of r) {
      if (overlap(w, x)) throw new RangeError(`gemmPair: the ${wName} call's c overlaps the ${rName} call's ${x.name} (the two may run at once)`);
    }
  }
}

/** Throw unless cols is a positive integer, out, sig and target have one length and g a value per row; the row count. */
export function checkBceLogitsGrad(g: FloatArray, sig: FloatArray, target: FloatArray, cols: number, out: FloatArray): number {
  if (!Number.isInteger(cols) || cols < 1) throw new RangeError(`bceLogitsGrad: cols must be a positive integer (got ${cols})`);
  checkLengths('bceLogitsGrad', { out, sig, target });
  const rows = Math.ceil(out.length / cols);
  if (g.length < rows) throw new RangeError(`bceLogitsGrad: g has ${g.length} elements, fewer than the ${rows} rows`);
  return rows;
}

/** Throw unless act is a BiasAct, x holds an m×n matrix and bias one value per column. */
export function checkBiasAct(x: FloatArray, bias: FloatArray, m: number, n: number, act: string): void {
  if (act !== 'identity' && act !== 'relu' && act !== 'sigmoid') {
    throw new RangeError(`biasActInplace: act must be 'identity', 'relu' or 'sigmoid' (got '${act}')`);
  }
  if (x.length < m * n) throw new RangeError(`biasActInplace: x has ${x.length} elements, fewer than ${m}×${n}`);
  if (m > 0 && bias.length < n) throw new RangeError(`biasActInplace: bias has ${bias.length} elements, fewer than n=${n}`);
}

/** Throw unless each operand's shape broadcasts to outShape (same rank) and its array holds it, and out holds outShape. */
export function checkBroadcast(
  kernel: string, outShape: readonly number[], out: FloatArray, operands: Record<string, readonly [FloatArray, readonly number[]]>,
): void {
  const rank = outShape.length;
  for (const [name, [x, shape]] of Object.entries(operands)) {
    if (shape.length !== rank) throw new RangeError(`${kernel}: ${name} has rank ${shape.length}, outShape has rank ${rank}`);
    let need = 1;
    for (let d = rank - 1; d >= 0; d--) {
      const s = shape[d]!;
      if (s !== outShape[d] && s !== 1) throw new RangeError(`${kernel}: ${name} axis ${d} has size ${s}, which does not broadcast to ${outShape[d]}`);
      need *= s;
    }
    if (need > x.length) throw new RangeError(`${kernel}: ${name} has ${x.length} elements, its shape needs ${need}`);
  }
  const total = outShape.reduce((a, b) => a * b, 1);
  if (out.length !== total) throw new RangeError(`${kernel}: out has ${out.length} elements, outShape needs ${total}`);
}

/** Throw unless out has one element per index of shape and every index of the view lies in src. */
export function checkView(src: FloatArray, srcOff: number, shape: readonly number[], strides: readonly number[], out: FloatArray): void {
  const total = shape.reduce((a, b) => a * b, 1);
  if (out.length !== total) throw new RangeError(`copyStrided: out has ${out.length} elements, the shape needs ${total}`);
  if (total === 0) return;
  let lo = srcOff;
  let hi = srcOff;
  for (let d = 0; d < shape.length; d++) {
    const reach = (shape[d]! - 1) * strides[d]!;
    if (reach < 0) lo += reach;
    else hi += reach;
  }
  if (!(lo >= 0 && hi < src.length)) throw new RangeError(`copyStrided: the view reads src[${lo}..${hi}], src has ${src.length} elements`);
}

/**
 * Throw unless rows idx of an [outer, n, inner] array and an [outer, idx.length, inner] one fit their
 * arrays and every index lies in [0, n): the shapes of gather (x, out) and of its adjoint scatterAdd (out, g).
 */
export function checkRows(
  kernel: string, outer: number, n: number, inner: number, idx: Int32Array,
  all: readonly [string, FloatArray], picked: readonly [string, FloatArray],
): void {
  const r = idx.length;
  if (all[1].length < outer * n * inner) throw new RangeError(`${kernel}: ${all[0]} has ${all[1].length} elements, fewer than ${outer}×${n}×${inner}`);
  if (picked[1].length < outer * r * inner) throw new RangeError(`${kernel}: ${picked[0]} has ${picked[1].length} elements, fewer than ${outer}×${r}×${inner}`);
  for (let k = 0; k < r; k++) {
    const i = idx[k]!;
    if (!(i >= 0 && i < n)) throw new RangeError(`${kernel}: idx[${k}] = ${i} is outside [0, ${n})`);
  }
}
