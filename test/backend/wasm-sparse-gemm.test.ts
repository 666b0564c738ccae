// The WebAssembly gemm's zero skipping (k-steps where a sparse operand's packed panel is all ±0 are
// left out; for an untransposed op(A), each zero, by the row kernel): on sparse operands it must
// equal the same kernel with skipping off bit for bit (up to the sign of a zero), and the JS
// backend within float32 rounding, NaN and ±∞ included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from '../../src/backend/backend.js';
import { jsBackend } from '../../src/backend/js/index.js';
import { createWasmBackendNode } from '../../src/backend/wasm/node.js';
import type { WasmBackend } from '../../src/backend/wasm/index.js';
import { Rng } from '../../src/tensor/random.js';
import { makeGemmCase, opIndex, type GemmCase } from '../helpers/gemm-check.js';

const common = { minWasmMacs: 0, minWasmElements: 0 } as const;
// 'always' lists the zero steps of every operand, so small shapes take the skipping path too.
const single = await createWasmBackendNode(jsBackend, { ...common, threads: 1, skipZeros: 'always' });
const singleDense = await createWasmBackendNode(jsBackend, { ...common, threads: 1, skipZeros: false });
const plain = await createWasmBackendNode(jsBackend, { ...common, threads: 1, relaxedSimd: false, skipZeros: 'always' });
const plainDense = await createWasmBackendNode(jsBackend, { ...common, threads: 1, relaxedSimd: false, skipZeros: false });
const split = await createWasmBackendNode(jsBackend, { ...common, threads: 2, minParallelMacs: 0, skipZeros: 'always' });
// The default: zero steps listed where sampling says it pays.
const auto = await createWasmBackendNode(jsBackend, { ...common, threads: 1 });
const splitDense = await createWasmBackendNode(jsBackend, { ...common, threads: 2, minParallelMacs: 0, skipZeros: false });
/** Each skipping backend with its non-skipping twin (same FMA use, same thread split). */
const PAIRS: [WasmBackend, WasmBackend][] = [[single, singleDense], [plain, plainDense], [split, splitDense], [auto, singleDense]];

const COMBOS: [boolean, boolean][] = [[false, false], [false, true], [true, false], [true, true]];

// Edges of the 5×8 register block, the KC = 256 depth block, the MC = 160 row block and the
// NC = 1024 column block, and the reference VAE's first layer (x·W1ᵀ, gᵀ·x). With transA and not
// transB, the column kernel takes k ≤ 256, m whole 8-row strips and n whole 4-column groups (with
// beta 1 also m whole 5-row panels and n whole 8-column ones): [40, 24, 130] (a strip of 8 rows
// after one of 32), [16, 12, 37] and [200, 36, 256] (beta 0 only), [48, 332, 9] (over MC = 160 columns).
const SHAPES: [number, number, number][] = [
  [1, 1, 1], [5, 8, 1], [4, 7, 3], [6, 9, 17], [37, 29, 53], [10, 16, 256], [11, 17, 257],
  [161, 9, 20], [3, 1030, 5], [128, 40, 300], [40, 24, 600],
  [40, 24, 130], [16, 12, 37], [200, 36, 256], [48, 332, 9],
];

/** Where an operand is zeroed: op(X) is rows × k (for B: columns of op(B) as rows), element (r, p). */
type Pattern = (rng: Rng, rows: number, k: number) => (r: number, p: number) => boolean;

const PATTERNS: Record<string, Pattern> = {
  'random 80% zeros': (rng) => () => rng.uniform() < 0.8,
  'whole k-steps zero (60%)': (rng, _rows, k) => {
    const zero = Array.from({ length: k }, () => rng.uniform() < 0.6);
    return (_r, p) => zero[p]!;
  },
  'whole rows zero': (rng, rows) => {
    const zero = Array.from({ length: rows }, () => rng.uniform() < 0.5);
    return (r) => zero[r]!;
  },
  // Like MNIST: a border of zeros around an ink band that differs a little from row to row.
  'zero border, ink band': (rng, _rows, k) => {
    const lo = Math.floor(k * 0.3);
    const hi = Math.ceil(k * 0.7);
    return (_r, p) => p < lo || p >= hi || rng.uniform() < 0.5;
  },
  'all zeros': () => () => true,
  'no zeros': () => () => false,
};

interface Operands {
  a: Float32Array;
  b: Float32Array;
  c: Float32Array;
}

/** Random normal operands for cs with op(A) zeroed where zeroA says, op(B) where zeroB says; zeros are signed at random. */
function operands(rng: Rng, cs: GemmCase, zeroA: Pattern, zeroB: Pattern): Operands {
  const { m, n, k, tA, tB, aOff, lda, bOff, ldb, cOff, ldc } = cs;
  const fill = (len: number): Float32Array => Float32Array.from({ length: len }, () => rng.normal());
  const a = fill(aOff + (tA ? k : m) * lda);
  const b = fill(bOff + (tB ? n : k) * ldb);
  const c = fill(cOff + m * ldc + 3);
  const signedZero = (): number => (rng.uniform() < 0.5 ? 0 : -0);
  const za = zeroA(rng, m, k);
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) if (za(i, p)) a[opIndex(aOff, lda, tA, i, p)] = signedZero();
  const zb = zeroB(rng, n, k);
  for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) if (zb(j, p)) b[opIndex(bOff, ldb, !tB, j, p)] = signedZero();
  return { a, b, c };
}

function run(be: Backend, cs: GemmCase, o: Operands): Float32Array {
  const c = Float32Array.from(o.c);
  be.gemm(cs.tA, cs.tB, cs.m, cs.n, cs.k, o.a, cs.aOff, cs.lda, o.b, cs.bOff, cs.ldb, cs.beta, c, cs.cOff, cs.ldc);
  return c;
}

const describe = (cs: GemmCase): string => `m=${cs.m} n=${cs.n} k=${cs.k} transA=${cs.tA} transB=${cs.tB} beta=${cs.beta}`;

/** got equals want exactly, NaN matching NaN and −0 matching +0. */
function assertSame(got: Float32Array, want: Float32Array, what: string): void {
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    if (!(g === w || (Number.isNaN(g) && Number.isNaN(w)))) assert.fail(`${what}: C[${i}] = ${g}, expected ${w}`);
  }
}

/** got within float32 summation-order rounding of the JS backend's want: (k + 2)·2⁻²³·(Σ|a·b| + |C0|); NaN and ±∞ where it has them. */
function assertNear(got: Float32Array, want: Float32Array, cs: GemmCase, o: Operands, what: string): void {
  const { m, n, k, tA, tB, aOff, lda, bOff, ldb, cOff, ldc, beta } = cs;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let mag = 0;
      for (let p = 0; p < k; p++) mag += Math.abs(o.a[opIndex(aOff, lda, tA, i, p)]! * o.b[opIndex(bOff, ldb, !tB, j, p)]!);
      const at = cOff + i * ldc + j;
      if (beta === 1) mag += Math.abs(o.c[at]!);
      const g = got[at]!;
      const w = want[at]!;
      const ok = Number.isFinite(w)
        ? Math.abs(g - w) <= (k + 2) * 2 ** -23 * mag + 1e-30
        : g === w || (Number.isNaN(g) && Number.isNaN(w));
      if (!ok) assert.fail(`${what}: C[${i},${j}] = ${g}, JS backend ${w}`);
    }
  }
}

/** The pairs' skipping kernel against its non-skipping twin and against the JS backend. */
function checkAll(cs: GemmCase, o: Operands, what: string): void {
  const want = run(jsBackend, cs, o);
  for (const [skip, dense] of PAIRS) {
    const label = `${skip.name}, ${what}, ${describe(cs)}`;
    const got = run(skip, cs, o);
    assertSame(got, run(dense, cs, o), `${label} (against skipZeros: false)`);
    assertNear(got, want, cs, o, label);
  }
}

test('gemm on sparse operands equals the non-skipping kernel bit for bit and the JS backend within rounding, for every zero pattern, transpose and edge shape', () => {
  const rng = new Rng(77);
  const names = Object.keys(PATTERNS);
  let t = 0;
  for (const [m, n, k] of SHAPES) {
    for (const [tA, tB] of COMBOS) {
      // Every pattern on each side, in turn, against a rotating pattern on the other.
      for (const name of names) {
        const other = names[t++ % names.length]!;
        const beta = t % 2 === 0 ? 0 : 1;
        const cs = makeGemmCase(rng, m, n, k, tA, tB, beta);
        checkAll(cs, operands(rng, cs, PATTERNS[name]!, PATTERNS[other]!), `A: ${name}, B: ${other}`);
        checkAll(cs, operands(rng, cs, PATTERNS[other]!, PATTERNS[name]!), `A: ${other}, B: ${name}`);
      }
    }
  }
});

test('a gemm split over two threads, its shared operand packed in parts by the job\'s leading chunks, gives the single thread\'s bits', () => {
  const rng = new Rng(78);
  // Row splits (m > n) and column splits, with panel counts that the leading chunks split unevenly,
  // over row lists, listed zero steps and plain panels.
  const shapes: [number, number, number][] = [[128, 400, 300], [400, 128, 130], [23, 61, 257], [61, 23, 40], [9, 300, 64], [80, 300, 100]];
  for (const [m, n, k] of shapes) {
    for (const [tA, tB] of COMBOS) {
      for (const name of ['random 80% zeros', 'zero border, ink band', 'no zeros']) {
        const cs = makeGemmCase(rng, m, n, k, tA, tB, 0);
        const o = operands(rng, cs, PATTERNS[name]!, PATTERNS['whole k-steps zero (60%)']!);
        assertSame(run(split, cs, o), run(single, cs, o), `split against single, A: ${name}, ${describe(cs)}`);
        assertSame(run(splitDense, cs, o), run(singleDense, cs, o), `splitDense against singleDense, A: ${name}, ${describe(cs)}`);
      }
    }
  }
});

test('gemm on the reference VAE first-layer shapes (x·W1ᵀ and gᵀ·x) with an 81%-zero input matches the JS backend', () => {
  const rng = new Rng(5);
  const band = PATTERNS['zero border, ink band']!;
  const none = PATTERNS['no zeros']!;
  const fwd = makeGemmCase(rng, 128, 400, 784, false, true, 0);
  checkAll(fwd, operands(rng, fwd, band, none), 'x·W1ᵀ');
  const grad = makeGemmCase(rng, 400, 784, 128, true, false, 0);
  // gᵀ·x: op(B) = x, whose columns (pixels) are zero in the border for every sample.
  const pixels: Pattern = (r, rows, k) => {
    const inner = PATTERNS['zero border, ink band']!(r, k, rows);
    return (j, p) => inner(p, j);
  };
  checkAll(grad, operands(rng, grad, none, pixels), 'gᵀ·x');
});

/** Operands with op(A)'s steps all zero but for a few, and op(B)'s likewise, then `poison` written into one of them. */
function poisoned(rng: Rng, cs: GemmCase, side: 'A' | 'B', value: number, onZeroStep: boolean): Operands {
  const sparse = PATTERNS['whole k-steps zero (60%)']!;
  const o = operands(rng, cs, sparse, sparse);
  // Find a step where the poisoned side is all zero (onZeroStep) or not, for the element's row.
  const { m, n, k, tA, tB, aOff, lda, bOff, ldb } = cs;
  const rows = side === 'A' ? m : n;
  const at = (r: number, p: number): number => (side === 'A' ? opIndex(aOff, lda, tA, r, p) : opIndex(bOff, ldb, !tB, r, p));
  const x = side === 'A' ? o.a : o.b;
  const r = Math.floor(rng.uniform() * rows);
  let p = 0;
  while (p < k - 1 && (x[at(r, p)] === 0) !== onZeroStep) p++;
  x[at(r, p)] = value;
  return o;
}

test('a NaN or ±∞ in either sparse operand propagates to C as in the JS backend (0·NaN and 0·∞ are NaN), never skipped', () => {
  const rng = new Rng(9);
  for (const [m, n, k] of [[7, 11, 40], [37, 29, 300], [128, 40, 300], [40, 24, 100]] as const) {
    for (const [tA, tB] of COMBOS) {
      for (const side of ['A', 'B'] as const) {
        for (const value of [NaN, Infinity, -Infinity]) {
          for (const onZeroStep of [true, false]) {
            const cs = makeGemmCase(rng, m, n, k, tA, tB, 0);
            const o = poisoned(rng, cs, side, value, onZeroStep);
            checkAll(cs, o, `${value} in ${side} on ${onZeroStep ? 'an otherwise zero' : 'a nonzero'} step`);
            const c = run(single, cs, o);
            assert.ok(c.some((v) => Number.isNaN(v) || !Number.isFinite(v)), `${value} in ${side}: C has no NaN or ±∞ (${describe(cs)})`);
          }
        }
      }
    }
  }
});

test('skipping off or on, a fully dense gemm gives the same bits', () => {
  const rng = new Rng(13);
  const none = PATTERNS['no zeros']!;
  for (const [tA, tB] of COMBOS) {
    const cs = makeGemmCase(rng, 37, 45, 270, tA, tB, 1);
    const o = operands(rng, cs, none, none);
    for (const [skip, dense] of PAIRS) assertSame(run(skip, cs, o), run(dense, cs, o), `${skip.name} ${describe(cs)}`);
  }
});

test.after(() => {
  for (const [skip, dense] of PAIRS) {
    skip.dispose();
    dense.dispose();
  }
});
