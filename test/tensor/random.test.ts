// Rng's normals (the ziggurat) are standard normal: moments, the Kolmogorov–Smirnov distance, 200
// equiprobable bins and the tail beyond the base strip's r, on millions of draws. Rng.fillNormal is
// randn's fast path: it must be the normal() stream itself, so that seeded runs, checkpoints and
// resumes are unchanged by which of the two a caller uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Rng } from '../../src/tensor/random.js';
import { normalCdf, normalIcdf } from '../../src/distributions/normal.js';

test('fillNormal writes exactly the draws of repeated normal() and leaves the same state, spare included', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 301 }), (seed, before, n) => {
      const a = new Rng(seed);
      const b = new Rng(seed);
      for (let i = 0; i < before; i++) assert.equal(a.normal(), b.normal());
      // A state saved by a Box–Muller version may hold a spare normal, which comes out first.
      if (before === 3) {
        a.setState({ ...a.getState(), spare: 0.25 });
        b.setState({ ...b.getState(), spare: 0.25 });
      }
      const expected = new Float64Array(n);
      for (let i = 0; i < n; i++) expected[i] = a.normal();
      const got = new Float64Array(n);
      b.fillNormal(got);
      assert.deepEqual(got, expected);
      assert.deepEqual(b.getState(), a.getState());
      assert.equal(b.normal(), a.normal());
    }),
    { numRuns: 200 },
  );
});

test('fillNormal into float32 rounds each draw as an element assignment would', () => {
  const a = new Rng(7);
  const b = new Rng(7);
  const want = Float32Array.from({ length: 1001 }, () => a.normal());
  const got = new Float32Array(1001);
  b.fillNormal(got);
  assert.deepEqual(got, want);
});

test('normal() draws are standard normal: mean, variance, skewness, kurtosis, KS distance and 200 equiprobable bins on 2M draws', () => {
  const n = 2_000_000;
  const z = new Float64Array(n);
  new Rng(2026).fillNormal(z);
  let m1 = 0, m2 = 0, m3 = 0, m4 = 0;
  for (const v of z) {
    m1 += v;
    m2 += v * v;
    m3 += v ** 3;
    m4 += v ** 4;
  }
  // Standard errors on n draws: √(1/n), √(2/n), √(15/n), √(96/n); 5 of them is a 1-in-a-million miss.
  const se = (c: number): number => 5 * Math.sqrt(c / n);
  assert.ok(Math.abs(m1 / n) < se(1), `mean ${m1 / n}`);
  assert.ok(Math.abs(m2 / n - 1) < se(2), `variance ${m2 / n}`);
  assert.ok(Math.abs(m3 / n) < se(15), `third moment ${m3 / n}`);
  assert.ok(Math.abs(m4 / n - 3) < se(96), `fourth moment ${m4 / n}`);
  const sorted = Float64Array.from(z).sort();
  let d = 0;
  for (let i = 0; i < n; i += 97) {
    const f = normalCdf(sorted[i]!);
    d = Math.max(d, Math.abs(f - i / n), Math.abs(f - (i + 1) / n));
  }
  // √n·D beyond 1.95 has probability 0.1% for a true N(0, 1).
  assert.ok(Math.sqrt(n) * d < 1.95, `Kolmogorov–Smirnov √n·D = ${Math.sqrt(n) * d}`);
  // 200 bins of probability 1/200 each: χ² with 199 degrees of freedom, mean 199, sd 19.9.
  const bins = 200;
  const edges = Array.from({ length: bins - 1 }, (_, k) => normalIcdf((k + 1) / bins));
  const count = new Float64Array(bins);
  let k = 0;
  for (const v of sorted) {
    while (k < bins - 1 && v >= edges[k]!) k++;
    count[k]!++;
  }
  const expected = n / bins;
  const chi2 = count.reduce((acc, c) => acc + (c - expected) ** 2 / expected, 0);
  assert.ok(chi2 < 199 + 5 * 19.9, `χ² over ${bins} equiprobable bins = ${chi2}`);
});

test('normal() samples the tail beyond the ziggurat base r = 3.654 at the normal rate, with the normal tail\'s mean excess, symmetrically', () => {
  const r = 3.6541528853610088;
  const rng = new Rng(7);
  const buf = new Float64Array(1 << 20);
  const n = 16 * buf.length;
  let above = 0, below = 0, excess = 0, excess2 = 0;
  for (let rep = 0; rep < 16; rep++) {
    rng.fillNormal(buf);
    for (const v of buf) {
      if (Math.abs(v) <= r) continue;
      if (v > 0) above++;
      else below++;
      excess += Math.abs(v) - r;
      excess2 += (Math.abs(v) - r) ** 2;
    }
  }
  const p = normalCdf(-r);
  // Poisson counts: within 5 standard deviations of n·p on each side.
  for (const [side, c] of [['above', above], ['below', below]] as const) {
    assert.ok(Math.abs(c - n * p) < 5 * Math.sqrt(n * p), `${side} ±r: ${c} draws, expected ${n * p}`);
  }
  // E[|z| − r | |z| > r] = φ(r)/Φ(−r) − r ≈ 0.243 (an exponential tail of rate r, without the
  // rejection step, would give 1/r ≈ 0.274).
  const t = above + below;
  const mean = excess / t;
  const want = Math.exp(-0.5 * r * r) / Math.sqrt(2 * Math.PI) / p - r;
  const sd = Math.sqrt(excess2 / t - mean * mean);
  assert.ok(Math.abs(mean - want) < 5 * sd / Math.sqrt(t), `mean excess beyond r ${mean}, expected ${want} (${t} tail draws)`);
});
