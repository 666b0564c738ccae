// gradcheck itself: it passes correct gradients and catches wrong ones, both
// through the entrywise comparison and through the random-direction check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, defineOp, gradcheck, mul, powScalar, randn, Rng, sum } from '../../src/index.js';

const rng = new Rng(99);
const x = randn([3, 2], rng, { dtype: 'float64' });

// x³ with the derivative deliberately wrong (2x² instead of 3x²).
const wrongCube = defineOp<'x'>({
  name: 'test_wrongCube',
  inputs: ['x'],
  forward: ({ x }) => powScalar(x, 3),
  backward: (g, { x }) => ({ x: () => mul(g, mul(powScalar(x, 2), 2)) }),
});
const rightCube = defineOp<'x'>({
  name: 'test_rightCube',
  inputs: ['x'],
  forward: ({ x }) => powScalar(x, 3),
  backward: (g, { x }) => ({ x: () => mul(g, mul(powScalar(x, 2), 3)) }),
});
// Correct except for one entry: only the entrywise check can localize it.
const oneEntryOff = defineOp<'x'>({
  name: 'test_oneEntryOff',
  inputs: ['x'],
  forward: ({ x }) => mul(x, 2),
  backward: (g) => ({
    x: () => {
      const d = mul(g, 2).contiguousData().slice();
      d[4]! += 1e-3;
      return new Tensor(d, g.shape);
    },
  }),
});

test('gradcheck passes a correct custom op with a tiny error', () => {
  const res = gradcheck((t) => rightCube.apply({ x: t }, undefined), [x]);
  assert.equal(res.ok, true, res.failures.join('\n'));
  assert.ok(res.maxRelError < 1e-6, `maxRelError ${res.maxRelError}`);
});

test('gradcheck detects a wrong derivative (ok === false, failures name the input and entry)', () => {
  const res = gradcheck((t) => wrongCube.apply({ x: t }, undefined), [x]);
  assert.equal(res.ok, false);
  assert.ok(res.maxRelError > 0.1);
  assert.match(res.failures[0]!, /^input 0 \[3,2\] entry 0: analytic .*, numeric /);
  assert.ok(res.failures.some((f) => f.startsWith('directional check')));
});

test('gradcheck catches a wrong gradient in a single entry', () => {
  const res = gradcheck((t) => oneEntryOff.apply({ x: t }, undefined), [x]);
  assert.equal(res.ok, false);
  assert.ok(res.failures.some((f) => f.startsWith('input 0 [3,2] entry 4:')), res.failures.join('\n'));
});

test('the random-direction check alone catches a wrong gradient on inputs too large for the entrywise check', () => {
  const res = gradcheck((t) => sum(wrongCube.apply({ x: t }, undefined)), [x], { maxEntries: 0 });
  assert.equal(res.ok, false);
  assert.deepEqual(res.failures.length, 1);
  assert.match(res.failures[0]!, /^directional check/);
});

test('gradcheck does not modify its inputs', () => {
  const before = x.toTypedArray();
  gradcheck((t) => wrongCube.apply({ x: t }, undefined), [x]);
  assert.deepEqual(x.toTypedArray(), before);
});
