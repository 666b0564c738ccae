// Linear algebra with gradients, batched over leading axes. Primitives:
// cholesky, triangularSolve, solve, inverse, logAbsDet. The rest (logdet of an
// SPD matrix, choleskySolve, det, trace, outer) is derived from them.
import { getBackend } from '../backend/registry.js';
import { Tensor } from '../tensor/tensor.js';
import { allocate } from '../tensor/dtype.js';
import { broadcastShapes, fmtShape, sizeOf } from '../tensor/shape.js';
import { defineOp } from './op.js';
import { add, exp, log, mul, neg } from './elementwise.js';
import { sum, sumTo } from './reduce.js';
import { diagonal, expand, reshape, transpose } from './shape.js';
import { matmul } from './matmul.js';

function checkSquare(x: Tensor, what: string): number {
  const r = x.rank;
  if (r < 2 || x.shape[r - 1] !== x.shape[r - 2]) throw new Error(`${what}: expected square matrices in the last two axes, got ${fmtShape(x.shape)}`);
  return x.shape[r - 1]!;
}

/** Broadcast the batch axes of a (square, n×n) and b (n×m) and return contiguous copies. */
function batchPair(a: Tensor, b: Tensor, what: string): { a: Float64Array | Float32Array; b: Float64Array | Float32Array; batch: number[]; n: number; m: number } {
  const n = checkSquare(a, what);
  if (b.rank < 2 || b.shape[b.rank - 2] !== n) {
    throw new Error(`${what}: right-hand side ${fmtShape(b.shape)} does not match matrix ${fmtShape(a.shape)}`);
  }
  const m = b.shape[b.rank - 1]!;
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), what);
  const ad = expand(a, [...batch, n, n]).contiguousData();
  const bd = expand(b, [...batch, n, m]).contiguousData().slice();
  return { a: ad, b: bd, batch, n, m };
}

/** Lower-triangular mask (with the diagonal scaled by `diag`), for masking gradients. */
function trilMask(n: number, dtype: Tensor['dtype'], diag: number, upper = false): Tensor {
  const d = allocate(dtype, n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) d[i * n + j] = i === j ? diag : (upper ? j > i : j < i) ? 1 : 0;
  return new Tensor(d, [n, n]);
}

/** Pivots print like -3.00 or -2.1e-4: tiny failing pivots usually mean a nearly singular matrix. */
function fmtPivot(v: number): string {
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-2 || a >= 1e4) ? v.toExponential(1) : v.toPrecision(3);
}

const choleskyOp = defineOp<'x'>({
  name: 'cholesky',
  inputs: ['x'],
  forward: ({ x }) => {
    const n = checkSquare(x, 'cholesky');
    const data = x.contiguousData().slice();
    const count = n === 0 ? 0 : data.length / (n * n);
    for (let b = 0; b < count; b++) {
      const p = getBackend().cholesky(n, data, b * n * n);
      if (p >= 0) {
        const v = data[b * n * n + p * n + p]!;
        const where = count > 1 ? ` in batch entry ${b}` : '';
        throw new Error(`cholesky: matrix is not positive definite${where} (pivot ${p + 1} of ${n} is ${fmtPivot(v)})`);
      }
    }
    return new Tensor(data, x.shape);
  },
  // Murray (2016): Ā = ½ S + ½ Sᵀ with S = L⁻ᵀ Φ(Lᵀ L̄) L⁻¹, Φ = lower triangle with halved diagonal.
  backward: (g, _x, L) => ({
    x: () => {
      const n = L.shape[L.rank - 1]!;
      const phi = mul(matmul(transpose(L), g), trilMask(n, L.dtype, 0.5));
      const left = triangularSolve(L, phi, { upper: false, transpose: true });
      const S = transpose(triangularSolve(L, transpose(left), { upper: false, transpose: true }));
      return mul(add(S, transpose(S)), 0.5);
    },
  }),
});
/** Lower Cholesky factor L of a symmetric positive-definite A = L·Lᵀ (only the lower triangle of A is read). */
export function cholesky(x: Tensor): Tensor {
  return choleskyOp.apply({ x }, undefined);
}

export interface TriangularOptions {
  /** A is upper-triangular (default lower). */
  upper?: boolean;
  /** Solve with Aᵀ instead of A. */
  transpose?: boolean;
  /** Take the diagonal of A as ones. */
  unitDiagonal?: boolean;
}

type TriAttrs = Required<TriangularOptions>;

const triSolveOp = defineOp<'a' | 'b', TriAttrs>({
  name: 'triangularSolve',
  inputs: ['a', 'b'],
  forward: ({ a, b }, o) => {
    const { a: ad, b: bd, batch, n, m } = batchPair(a, b, 'triangularSolve');
    const count = sizeOf(batch);
    for (let k = 0; k < count; k++) getBackend().trsm(!o.upper, o.transpose, o.unitDiagonal, n, m, ad, k * n * n, bd, k * n * m);
    return new Tensor(bd, [...batch, n, m]);
  },
  // X = op(A)⁻¹B: B̄ = op(A)⁻ᵀX̄; Ā = −B̄Xᵀ (or −X B̄ᵀ when transposed), kept on A's triangle.
  backward: (g, { a, b }, X, o) => {
    const gb = () => triangularSolve(a, g, { ...o, transpose: !o.transpose });
    return {
      b: () => sumTo(gb(), b.shape),
      a: () => {
        const G = gb();
        const full = o.transpose ? matmul(X, transpose(G)) : matmul(G, transpose(X));
        const n = a.shape[a.rank - 1]!;
        return sumTo(neg(mul(full, trilMask(n, a.dtype, o.unitDiagonal ? 0 : 1, o.upper))), a.shape);
      },
    };
  },
});
/** Solve op(A)·X = B for triangular A (batched, broadcasting batch axes). */
export function triangularSolve(a: Tensor, b: Tensor, opts: TriangularOptions = {}): Tensor {
  return triSolveOp.apply({ a, b }, { upper: opts.upper ?? false, transpose: opts.transpose ?? false, unitDiagonal: opts.unitDiagonal ?? false });
}

/** LU-factor each matrix of a contiguous batch in place; throws on a singular one. */
function luBatch(data: Float32Array | Float64Array, n: number, count: number, what: string): { perms: Int32Array[]; signs: number[] } {
  const perms: Int32Array[] = [];
  const signs: number[] = [];
  for (let k = 0; k < count; k++) {
    const perm = new Int32Array(n);
    const s = getBackend().lu(n, data, k * n * n, perm);
    if (s === 0) throw new Error(`${what}: matrix is singular${count > 1 ? ` (batch entry ${k})` : ''}`);
    perms.push(perm);
    signs.push(s);
  }
  return { perms, signs };
}

/** Solve A X = B in place in b given LU factors of A. */
function luSolveInPlace(lu: Float32Array | Float64Array, lOff: number, perm: Int32Array, n: number, m: number, b: Float32Array | Float64Array, bOff: number): void {
  const tmp = b.slice(bOff, bOff + n * m);
  for (let i = 0; i < n; i++) for (let c = 0; c < m; c++) b[bOff + i * m + c] = tmp[perm[i]! * m + c]!;
  getBackend().trsm(true, false, true, n, m, lu, lOff, b, bOff);
  getBackend().trsm(false, false, false, n, m, lu, lOff, b, bOff);
}

const solveOp = defineOp<'a' | 'b'>({
  name: 'solve',
  inputs: ['a', 'b'],
  forward: ({ a, b }) => {
    const { a: ad, b: bd, batch, n, m } = batchPair(a, b, 'solve');
    const lu = ad.slice();
    const count = sizeOf(batch);
    const { perms } = luBatch(lu, n, count, 'solve');
    for (let k = 0; k < count; k++) luSolveInPlace(lu, k * n * n, perms[k]!, n, m, bd, k * n * m);
    return new Tensor(bd, [...batch, n, m]);
  },
  // X = A⁻¹B: B̄ = A⁻ᵀX̄, Ā = −B̄Xᵀ.
  backward: (g, { a, b }, X) => {
    const gb = () => solve(transpose(a), g);
    return {
      b: () => sumTo(gb(), b.shape),
      a: () => sumTo(neg(matmul(gb(), transpose(X))), a.shape),
    };
  },
});
/** Solve A·X = B for general square A (LU with partial pivoting). */
export function solve(a: Tensor, b: Tensor): Tensor {
  return solveOp.apply({ a, b }, undefined);
}

const inverseOp = defineOp<'x'>({
  name: 'inverse',
  inputs: ['x'],
  forward: ({ x }) => {
    const n = checkSquare(x, 'inverse');
    const lu = x.contiguousData().slice();
    const count = n === 0 ? 0 : lu.length / (n * n);
    const { perms } = luBatch(lu, n, count, 'inverse');
    const out = allocate(x.dtype, lu.length);
    for (let k = 0; k < count; k++) {
      for (let i = 0; i < n; i++) out[k * n * n + i * n + i] = 1;
      luSolveInPlace(lu, k * n * n, perms[k]!, n, n, out, k * n * n);
    }
    return new Tensor(out, x.shape);
  },
  // d(A⁻¹) = −A⁻¹ dA A⁻¹, so Ā = −A⁻ᵀ Ḡ A⁻ᵀ.
  backward: (g, _x, inv) => ({ x: () => neg(matmul(transpose(inv), matmul(g, transpose(inv)))) }),
});
export function inverse(x: Tensor): Tensor {
  return inverseOp.apply({ x }, undefined);
}

function luDet(x: Tensor): { logAbs: Float32Array | Float64Array; sign: Float32Array | Float64Array; n: number } {
  const n = checkSquare(x, 'slogdet');
  const lu = x.contiguousData().slice();
  const count = n === 0 ? 0 : lu.length / (n * n);
  const logAbs = allocate(x.dtype, count);
  const sign = allocate(x.dtype, count);
  for (let k = 0; k < count; k++) {
    const perm = new Int32Array(n);
    let s = getBackend().lu(n, lu, k * n * n, perm);
    let acc = 0;
    for (let i = 0; i < n && s !== 0; i++) {
      const d = lu[k * n * n + i * n + i]!;
      if (d < 0) s = -s;
      acc += Math.log(Math.abs(d));
    }
    logAbs[k] = s === 0 ? -Infinity : acc;
    sign[k] = s;
  }
  return { logAbs, sign, n };
}

const logAbsDetOp = defineOp<'x'>({
  name: 'logAbsDet',
  inputs: ['x'],
  forward: ({ x }) => new Tensor(luDet(x).logAbs, x.shape.slice(0, -2)),
  // ∂ log|det A| / ∂A = A⁻ᵀ (Jacobi's formula).
  backward: (g, { x }) => ({ x: () => mul(transpose(inverse(x)), reshape(g, [...g.shape, 1, 1])) }),
});

/** sign(det A) and log|det A| of general square matrices (LU with partial pivoting). */
export function slogdet(x: Tensor): { sign: Tensor; logAbsDet: Tensor } {
  const { sign } = luDet(x);
  return { sign: new Tensor(sign, x.shape.slice(0, -2)), logAbsDet: logAbsDetOp.apply({ x }, undefined) };
}

export function det(x: Tensor): Tensor {
  const { sign, logAbsDet } = slogdet(x);
  return mul(sign, exp(logAbsDet));
}

/** log det A for symmetric positive-definite A: 2 Σ log diag(chol A). */
export function logdet(x: Tensor): Tensor {
  return mul(sum(log(diagonal(cholesky(x))), -1), 2);
}

/** Solve A X = B given the lower Cholesky factor L of A: two triangular solves. */
export function choleskySolve(L: Tensor, b: Tensor): Tensor {
  return triangularSolve(L, triangularSolve(L, b), { transpose: true });
}

export function trace(x: Tensor): Tensor {
  return sum(diagonal(x), -1);
}

/** u vᵀ for vectors u (n) and v (m). */
export function outer(u: Tensor, v: Tensor): Tensor {
  if (u.rank !== 1 || v.rank !== 1) throw new Error(`outer: expected vectors, got ${fmtShape(u.shape)} and ${fmtShape(v.shape)}`);
  return mul(reshape(u, [u.shape[0]!, 1]), reshape(v, [1, v.shape[0]!]));
}

