// Bad kernel arguments fail the same way on every backend: a RangeError that names the kernel, the
// array and the sizes, never a read past an array (NaN in JS, neighbouring memory in wasm or C++)
// or a copy that silently comes up short. The JS reference backend is the one most users run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend, BiasAct } from '../../src/backend/backend.js';
import { availableBackends } from '../helpers/backends.js';

const f = (n: number): Float32Array => new Float32Array(n);
const d = (n: number): Float64Array => new Float64Array(n);
const adam = (be: Backend, p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array): void =>
  be.adamStep(p, g, m, v, 1e-3, 0.9, 0.999, 1e-8, 0.1, 0.001, 0, false);

/** [what the call does wrong, the call, the message every backend gives]. */
const cases: ReadonlyArray<readonly [string, (be: Backend) => void, string]> = [
  ['gemm with an A shorter than op(A) needs', (be) => be.gemm(false, false, 3, 2, 4, f(10), 0, 4, f(8), 0, 2, 0, f(6), 0, 2), 'gemm: a is too short for a 3×4 matrix at offset 0 with lda=4 (needs 12 elements, has 10)'],
  ['gemm with a transposed B read past its end', (be) => be.gemm(false, true, 3, 2, 4, f(12), 0, 4, f(8), 1, 4, 0, f(6), 0, 2), 'gemm: b is too short for a 2×4 matrix at offset 1 with ldb=4 (needs 9 elements, has 8)'],
  ['gemm with a row stride of C below its width', (be) => be.gemm(false, false, 3, 2, 4, f(12), 0, 4, f(8), 0, 2, 0, f(6), 0, 1), 'gemm: ldc=1 is less than the 2 columns of stored c'],
  ['biasActInplace with an activation it does not know', (be) => be.biasActInplace(f(6), f(3), 2, 3, 'tanh' as BiasAct), "biasActInplace: act must be 'identity', 'relu' or 'sigmoid' (got 'tanh')"],
  ['biasActInplace with a bias shorter than a row', (be) => be.biasActInplace(f(6), f(2), 2, 3, 'relu'), 'biasActInplace: bias has 2 elements, fewer than n=3'],
  ['biasActInplace of an x shorter than m×n', (be) => be.biasActInplace(f(5), f(3), 2, 3, 'identity'), 'biasActInplace: x has 5 elements, fewer than 2×3'],
  ['unary into a shorter out', (be) => be.unary('exp', f(3), f(2), 0, 0), 'unary: out has 2 elements, x has 3'],
  ['binary with an operand shorter than its shape', (be) => be.binary('add', f(6), [2, 3], f(3), [2, 3], f(6), [2, 3]), 'binary: b has 3 elements, its shape needs 6'],
  ['binary with shapes that do not broadcast', (be) => be.binary('mul', f(6), [2, 3], f(4), [2, 2], f(6), [2, 3]), 'binary: b axis 1 has size 2, which does not broadcast to 3'],
  ['binary into an out of the wrong size', (be) => be.binary('sub', f(6), [2, 3], f(6), [2, 3], f(5), [2, 3]), 'binary: out has 5 elements, outShape needs 6'],
  ['where with a branch that does not broadcast', (be) => be.where(f(6), [2, 3], f(6), [2, 3], f(6), [3, 2], f(6), [2, 3]), 'where: b axis 1 has size 2, which does not broadcast to 3'],
  ['reduce over more rows than x holds', (be) => be.reduce('sum', f(5), 1, 2, 3, f(3)), 'reduce: x has 5 elements, [1, 2, 3] needs 6'],
  ['reduce into an out shorter than its result', (be) => be.reduce('sum', f(600), 2, 100, 3, f(5)), 'reduce: out has 5 elements, [2, 3] needs 6'],
  ['copyStrided of a view past the end of src', (be) => be.copyStrided(f(10), 2, [3, 4], [4, 1], f(12)), 'copyStrided: the view reads src[2..13], src has 10 elements'],
  ['copyStrided of a view before the start of src', (be) => be.copyStrided(d(10), 1, [3], [-1], d(3)), 'copyStrided: the view reads src[-1..1], src has 10 elements'],
  ['copyStrided into an out of the wrong size', (be) => be.copyStrided(f(20), 0, [3, 4], [4, 1], f(10)), 'copyStrided: out has 10 elements, the shape needs 12'],
  ['gather of a row index past n', (be) => be.gather(f(6), 1, 3, 2, Int32Array.of(0, 3), f(4)), 'gather: idx[1] = 3 is outside [0, 3)'],
  ['gather from an x shorter than [outer, n, inner]', (be) => be.gather(f(5), 1, 3, 2, Int32Array.of(0), f(2)), 'gather: x has 5 elements, fewer than 1×3×2'],
  ['gather into a short out', (be) => be.gather(f(6), 1, 3, 2, Int32Array.of(0, 1), f(3)), 'gather: out has 3 elements, fewer than 1×2×2'],
  ['scatterAdd to a negative row index', (be) => be.scatterAdd(f(4), 1, 3, 2, Int32Array.of(1, -1), f(6)), 'scatterAdd: idx[1] = -1 is outside [0, 3)'],
  ['scatterAdd from a short g', (be) => be.scatterAdd(f(3), 1, 3, 2, Int32Array.of(1, 2), f(6)), 'scatterAdd: g has 3 elements, fewer than 1×2×2'],
  ['adamStep with a gradient of the wrong size', (be) => adam(be, f(4), f(3), f(4), f(4)), 'adamStep: g has 3 elements, p has 4'],
  ['bceLogits with a short target', (be) => be.bceLogits(f(3), f(2), f(3), f(3)), 'bceLogits: target has 2 elements, logits has 3'],
  ['normalKl with a short locQ', (be) => be.normalKl(f(4), f(4), f(3), f(4), f(4)), 'normalKl: locQ has 3 elements, out has 4'],
  ['normalKlGrad into a short dLogScaleQ', (be) => be.normalKlGrad(f(4), f(4), f(4), f(4), f(4), f(4), f(4), f(4), f(1)), 'normalKlGrad: dLogScaleQ has 1 elements, g has 4'],
];

for (const { name, backend } of availableBackends()) {
  test(`the ${name} backend rejects bad kernel arguments with a RangeError naming the kernel, the array and the sizes`, () => {
    for (const [what, call, message] of cases) assert.throws(() => call(backend), { name: 'RangeError', message }, `${name}: ${what}`);
  });
}

test('valid edge cases still pass the checks: empty outputs, broadcast scalars and zero strides', () => {
  for (const { name, backend: be } of availableBackends()) {
    const out = f(6);
    be.copyStrided(Float32Array.of(7), 0, [2, 3], [0, 0], out);
    assert.deepEqual([...out], [7, 7, 7, 7, 7, 7], name);
    be.copyStrided(f(0), 0, [0, 3], [3, 1], f(0));
    be.binary('add', f(0), [0, 3], f(3), [1, 3], f(0), [0, 3]);
    be.gather(f(0), 1, 0, 4, new Int32Array(0), f(0));
    const sum = f(1);
    be.reduce('sum', Float32Array.of(1, 2, 3), 1, 3, 1, sum);
    assert.equal(sum[0], 6, name);
  }
});
