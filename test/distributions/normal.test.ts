// Normal (diagonal Gaussian): textbook densities, both parameterizations, sampling
// moments, gradients through rsample and logProb, ±30 log-variances, and Φ / Φ⁻¹.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exp, gradcheck, Rng, sum, tensor, zeros } from '../../src/index.js';
import { klDivergence } from '../../src/distributions/kl.js';
import { Normal, normalCdf, normalIcdf } from '../../src/distributions/index.js';
import { assertClose, f64, flat, t64 } from './helpers.js';

test('Normal.logProb matches the textbook density −(x−μ)²/(2σ²) − log σ − ½ log 2π', () => {
  const p = new Normal({ loc: t64([0, 1, -2]), scale: t64([1, 2, 0.5]) });
  const x = t64([0, 3, -1]);
  const expected = [0, 3, -1].map((v, i) => {
    const [m, s] = [[0, 1], [1, 2], [-2, 0.5]][i]!;
    return -((v - m!) ** 2) / (2 * s! ** 2) - Math.log(s!) - 0.5 * Math.log(2 * Math.PI);
  });
  assertClose(p.logProb(x), expected, 1e-14, 0, 'logProb');
});

test('Normal from logVar equals Normal from scale = exp(logVar/2), and eventDims sums the event axis', () => {
  const loc = t64([[0.3, -1], [2, 0.1]]);
  const logVar = t64([[0.2, -1.5], [1, 0]]);
  const a = new Normal({ loc, logVar, eventDims: 1 });
  const b = new Normal({ loc, scale: exp(tensor([[0.1, -0.75], [0.5, 0]], f64)), eventDims: 1 });
  assert.deepEqual(a.batchShape, [2]);
  assert.deepEqual(a.eventShape, [2]);
  const x = t64([[[1, 1], [0, 0]], [[-1, 2], [3, -3]]]);
  assertClose(a.logProb(x), b.logProb(x), 1e-13, 0, 'logProb');
  assert.deepEqual(a.logProb(x).shape, [2, 2]);
  assertClose(a.entropy(), b.entropy(), 1e-13);
  assertClose(a.variance, exp(logVar), 1e-14);
});

test('Normal.entropy is ½ log(2πe σ²) per coordinate', () => {
  const p = new Normal({ loc: t64([0, 5]), scale: t64([1, 3]) });
  assertClose(p.entropy(), [1, 3].map((s) => 0.5 * Math.log(2 * Math.PI * Math.E * s * s)), 1e-14);
});

test('Normal.rsample moments match loc and scale within sampling error', () => {
  const p = new Normal({ loc: t64([1, -2]), scale: t64([0.5, 3]) });
  const n = 20000;
  const x = p.rsample(n, new Rng(11));
  assert.deepEqual(x.shape, [n, 2]);
  const d = flat(x);
  [1, -2].forEach((mu, j) => {
    const s = [0.5, 3][j]!;
    const col = d.filter((_, i) => i % 2 === j);
    const m = col.reduce((a, b) => a + b, 0) / n;
    const v = col.reduce((a, b) => a + (b - m) ** 2, 0) / (n - 1);
    assert.ok(Math.abs(m - mu) < (4 * s) / Math.sqrt(n), `mean ${m} vs ${mu}`);
    // Var of the sample variance of a Gaussian is 2σ⁴/(n−1).
    assert.ok(Math.abs(v - s * s) < 4 * s * s * Math.sqrt(2 / (n - 1)), `variance ${v} vs ${s * s}`);
  });
});

test('gradients through Normal.rsample and Normal.logProb pass gradcheck', () => {
  const loc = t64([0.3, -1.2, 2]);
  const logVar = t64([0.1, -0.7, 0.4]);
  const r = gradcheck((m, lv) => new Normal({ loc: m, logVar: lv }).rsample(4, new Rng(5)), [loc, logVar]);
  assert.ok(r.ok, r.failures.join('\n'));
  const x = t64([0.5, 0, 1]);
  const l = gradcheck((m, lv, xx) => new Normal({ loc: m, logVar: lv }).logProb(xx), [loc, logVar, x]);
  assert.ok(l.ok, l.failures.join('\n'));
  const s = gradcheck((m, sc) => new Normal({ loc: m, scale: sc }).logProb(x), [loc, t64([0.5, 1, 2])]);
  assert.ok(s.ok, s.failures.join('\n'));
});

test('log-variance inputs of ±30 give finite logProb, entropy and samples in float32 and float64', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    const p = new Normal({ loc: zeros([2], { dtype }), logVar: tensor([30, -30], { dtype }) });
    for (const t of [p.logProb(tensor([1e6, 1e-7], { dtype })), p.entropy(), p.rsample(3, new Rng(1)), p.variance]) {
      assert.ok(flat(t).every(Number.isFinite), `${dtype}: ${flat(t)}`);
    }
    assertClose(p.entropy(), [15, -15].map((l) => l + 0.5 * Math.log(2 * Math.PI * Math.E)), dtype === 'float32' ? 1e-5 : 1e-12);
  }
});

test('Normal validates its parameters with errors naming shapes and entries', () => {
  assert.throws(() => new Normal({ loc: zeros([3, 2], f64), scale: zeros([3, 4], f64) }), /^Error: Normal: loc \[3,2\] and scale \[3,4\] cannot be broadcast$/);
  assert.throws(() => new Normal({ loc: zeros([2], f64), scale: t64([1, -0.5]) }), /Normal: scale must be positive and finite \(entry 1 of \[2\] is -0.5\)/);
  assert.throws(() => new Normal({ loc: zeros([2], f64) }), /exactly one of scale and logVar/);
  assert.throws(() => new Normal({ loc: zeros([2], f64), logVar: zeros([2]) }), /Normal: loc is float64 but logVar is float32/);
  assert.throws(() => new Normal({ loc: zeros([2], f64), scale: t64([1, 1]), eventDims: 2 }), /eventDims 2 is out of range/);
});

test('Normal logProb broadcasts sample axes over the batch: shape [n, ...batch]', () => {
  const p = new Normal({ loc: zeros([4, 3], f64), scale: t64([1, 2, 3]), eventDims: 1 });
  const x = p.sample(5, new Rng(2));
  assert.deepEqual(x.shape, [5, 4, 3]);
  assert.equal(x.requiresGrad, false);
  assert.deepEqual(p.logProb(x).shape, [5, 4]);
  assertClose(sum(p.logProb(x)).item(), sum(new Normal({ loc: zeros([4, 3], f64), scale: t64([1, 2, 3]) }).logProb(x)).item(), 1e-10);
});

test('normalCdf matches reference values in the centre and far tails', () => {
  // Reference values of Φ computed in high precision.
  const cases: [number, number][] = [
    [0, 0.5],
    [-1, 0.15865525393145707],
    [1.96, 0.9750021048517795],
    [-5, 2.866515718791939e-7],
    [-10, 7.619853024160527e-24],
    [-20, 2.7536241186062337e-89],
  ];
  for (const [x, p] of cases) assertClose(normalCdf(x), p, 0, 1e-13, `Φ(${x})`);
});

test('normalIcdf inverts normalCdf to 1e-12 from 1e-300 to 1 − 1e-12', () => {
  assertClose(normalIcdf(0.975), 1.959963984540054, 0, 1e-14, 'Φ⁻¹(0.975)');
  assertClose(normalIcdf(0.5), 0, 1e-16);
  for (let e = -300; e <= -1; e += 7) {
    const p = 10 ** e;
    assertClose(normalCdf(normalIcdf(p)), p, 0, 1e-12, `Φ(Φ⁻¹(1e${e}))`);
  }
  for (let p = 0.01; p < 1; p += 0.0137) assertClose(normalCdf(normalIcdf(p)), p, 0, 1e-13, `Φ(Φ⁻¹(${p}))`);
  for (const p of [1 - 1e-6, 1 - 1e-12]) assertClose(normalIcdf(p), -normalIcdf(1 - p), 0, 1e-15);
  assert.equal(normalIcdf(0), -Infinity);
  assert.equal(normalIcdf(1), Infinity);
  assert.throws(() => normalIcdf(1.5), /normalIcdf: p must be in \[0, 1\] \(got 1.5\)/);
});

test('Normal with logVarBounds clamps log σ² into them (zero gradient where clamped) and rejects bad bounds', () => {
  const loc = zeros([4], f64);
  const logVar = t64([-40, -1, 2, 25]);
  const p = new Normal({ loc, logVar, logVarBounds: [-30, 20] });
  assertClose(p.logScale, [-15, -0.5, 1, 10], 0, 0, 'log σ = ½·clamp(log σ², -30, 20)');
  assertClose(p.variance, [Math.exp(-30), Math.exp(-1), Math.exp(2), Math.exp(20)], 1e-14, 0, 'variance');
  const lv = tensor([-40, -1, 2, 25], { dtype: 'float64', requiresGrad: true });
  sum(new Normal({ loc, logVar: lv, logVarBounds: [-30, 20] }).rsample(1, new Rng(3))).backward();
  const g = lv.grad!.data;
  assert.ok(g[0] === 0 && g[3] === 0 && g[1] !== 0 && g[2] !== 0, `gradient ${Array.from(g).join(', ')}`);
  assert.throws(() => new Normal({ loc, logVar, logVarBounds: [1, -1] }), /Normal: logVarBounds must be \[lo, hi\] with lo < hi, given with logVar \(got \[1,-1\]\)/);
  assert.throws(() => new Normal({ loc, scale: t64([1, 1, 1, 1]), logVarBounds: [-1, 1] }), /logVarBounds .* \(got \[-1,1\] with scale\)/);
});

test('Normal.standard is N(0, I), and its KL from a Normal built from log σ² equals the general closed form bit for bit', () => {
  const std = Normal.standard([3], { dtype: 'float64', eventDims: 1 });
  assert.ok(std.isStandard && !new Normal({ loc: zeros([3], f64), scale: t64([1, 1, 1]) }).isStandard);
  assertClose(std.loc, [0, 0, 0], 0, 0);
  assertClose(std.scale, [1, 1, 1], 0, 0);
  const rng = new Rng(8);
  const loc = tensor(Float64Array.from({ length: 6 }, () => rng.normal()), [2, 3]);
  const logVar = tensor(Float64Array.from({ length: 6 }, () => 2 * rng.normal()), [2, 3]);
  const q = new Normal({ loc, logVar, logVarBounds: [-30, 20], eventDims: 1 });
  const fast = klDivergence(q, std);
  const general = klDivergence(q, new Normal({ loc: zeros([3], f64), scale: t64([1, 1, 1]), eventDims: 1 }));
  assert.deepEqual(Array.from(fast.data), Array.from(general.data));
});
