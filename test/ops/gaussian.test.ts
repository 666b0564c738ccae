// The fused Gaussian latent ops (ops/gaussian.ts) against the composites they replace: the same
// floats bit for bit, values and gradients, on every backend; the clamp's zero gradient; errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Tensor, add, clamp, exp, mul, normalKl, normalKlStandard, normalRsample, randn, sum, tensor, zeros, Rng,
} from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';

/** float32 leaves of the given shape: normal draws scaled by s, with a few set to v. */
function leaf(shape: number[], rng: Rng, s: number, set: Record<number, number> = {}): Tensor {
  const t = randn(shape, rng);
  for (let i = 0; i < t.data.length; i++) t.data[i] = s * t.data[i]!;
  for (const [i, v] of Object.entries(set)) t.data[Number(i)] = v;
  return new Tensor(t.data, shape, undefined, 0, true);
}

/** Bit for bit; with anyZeroSign, +0 and −0 count as equal (see the clamped case below). */
function sameBits(a: Float32Array | Float64Array, b: Float32Array | Float64Array, what: string, anyZeroSign = false): void {
  assert.equal(a.length, b.length, `${what}: lengths`);
  for (let i = 0; i < a.length; i++) {
    assert.ok(Object.is(a[i], b[i]) || (anyZeroSign && a[i] === 0 && b[i] === 0), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
  }
}

/** The composite the fused ops replace: μ + exp(½·clamp(λ))·ε and normalKl(μ, ½·clamp(λ), 0, 0) against a broadcast prior. */
function composite(loc: Tensor, logVar: Tensor, eps: Tensor, lo: number, hi: number): { z: Tensor; kl: Tensor } {
  const logScale = mul(lo === -Infinity && hi === Infinity ? logVar : clamp(logVar, lo, hi), 0.5);
  const d = loc.shape[loc.rank - 1]!;
  const prior = zeros([d]);
  return { z: add(loc, mul(exp(logScale), eps)), kl: normalKl(loc, logScale, prior, prior) };
}

forEachBackend((name) => {
  for (const [lo, hi, label] of [[-Infinity, Infinity, 'unbounded'], [-30, 20, 'inside [-30, 20]'], [-1, 0.5, 'clamped to [-1, 0.5] in places']] as const) {
    test(`${name}: normalRsample and normalKlStandard (${label}) give the composite's floats, forward and backward`, () => {
      const shape = [16, 5];
      const lv: Record<number, number> = label.startsWith('clamped') ? { 3: -4, 7: 2, 11: -1, 12: 0.5 } : {};
      const run = (fused: boolean): Float32Array[] => {
        const loc = leaf(shape, new Rng(1), 1);
        const logVar = leaf(shape, new Rng(2), 0.8, lv);
        const eps = randn([2, ...shape], new Rng(3));
        const w = randn([2, ...shape], new Rng(4));
        const v = randn(shape, new Rng(5));
        const { z, kl } = fused
          ? { z: normalRsample(loc, logVar, eps, [lo, hi]), kl: normalKlStandard(loc, logVar, [lo, hi]) }
          : composite(loc, logVar, eps, lo, hi);
        add(sum(mul(z, w)), sum(mul(kl, v))).backward();
        return [z.contiguousData(), kl.contiguousData(), loc.grad!.contiguousData(), logVar.grad!.contiguousData()] as Float32Array[];
      };
      const [a, b] = [run(true), run(false)];
      // Where λ is clamped its gradient is a zero: the composite masks the sum of the draw's and the
      // KL's terms once, the fused ops each mask their own, so its sign may differ.
      ['z', 'kl', '∂/∂loc', '∂/∂logVar'].forEach((what, i) => sameBits(a[i]!, b[i]!, what, i === 3));
    });
  }

  test(`${name}: the gradient in logVar is zero where it is clamped, and NaN stays NaN`, () => {
    const loc = new Tensor(Float32Array.from([0, 0, 0, 0]), [4], undefined, 0, true);
    const logVar = new Tensor(Float32Array.from([-5, 0, 5, NaN]), [4], undefined, 0, true);
    const kl = normalKlStandard(loc, logVar, [-2, 2]);
    sum(kl).backward();
    const g = logVar.grad!.data;
    assert.ok(g[0] === 0 && g[2] === 0, `clamped entries have zero gradients (got ${g[0]}, ${g[2]})`);
    assert.ok(g[1] === 0 && kl.data[1] === 0, 'KL(N(0, 1) ‖ N(0, 1)) = 0 with a zero gradient');
    assert.ok(Number.isNaN(kl.data[3]!), 'a NaN log σ² gives a NaN KL');
  });
});

test('normalRsample and normalKlStandard reject mismatched shapes, dtypes and bounds, naming them', () => {
  const f32 = (shape: number[]): Tensor => zeros(shape);
  assert.throws(() => normalRsample(f32([2, 3]), f32([2, 4]), f32([1, 2, 3])), /normalRsample: loc \[2,3\], logVar \[2,4\] and eps \[1,2,3\] must be/);
  assert.throws(() => normalRsample(f32([2, 3]), f32([2, 3]), f32([2, 3])), /eps \[2,3\] must be \[\.\.\.s\], \[\.\.\.s\] and \[n, \.\.\.s\]/);
  assert.throws(() => normalRsample(f32([3]), f32([3]), tensor(new Float64Array(3), [1, 3])), /normalRsample: eps is float64 but loc is float32/);
  assert.throws(() => normalRsample(f32([3]), f32([3]), f32([1, 3]), [1, 1]), /normalRsample: logVar bounds must be \[lo, hi\] with lo < hi \(got \[1, 1\]\)/);
  assert.throws(() => normalKlStandard(f32([3]), f32([4])), /normalKlStandard: loc \[3\] and logVar \[4\] differ/);
  assert.throws(() => normalKlStandard(f32([3]), f32([3]), [NaN, 0]), /normalKlStandard: logVar bounds must be/);
});
