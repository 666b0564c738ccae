// ContinuousBernoulli: the density integrates to one, mean and variance match
// quadrature on both sides of the λ = ½ series switch, the inverse-CDF rsample has
// the right distribution, and gradients pass gradcheck at and away from ℓ = 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gradcheck, Rng, tensor } from '../../src/index.js';
import { ContinuousBernoulli } from '../../src/distributions/index.js';
import { assertClose, f64, flat, t64 } from './helpers.js';

const LOGITS = [0, 0.004, -0.02, 0.05, 0.7, -3, 12, -30];

/** Simpson's rule on [0, 1] for each logit: ∫ f(x) p(x) dx with m (even) intervals. */
function integrate(f: (x: number) => number, m = 20000): number[] {
  const xs = Array.from({ length: m + 1 }, (_, i) => i / m);
  const p = new ContinuousBernoulli({ logits: t64(LOGITS) });
  const lp = p.logProb(tensor(xs.flatMap((x) => LOGITS.map(() => x)), [m + 1, LOGITS.length], f64)).toArray() as number[][];
  return LOGITS.map((_, j) => xs.reduce((s, x, i) => s + (i === 0 || i === m ? 1 : i % 2 ? 4 : 2) * f(x) * Math.exp(lp[i]![j]!), 0) / (3 * m));
}

test('ContinuousBernoulli density integrates to one, including at λ = ½ and for |logit| up to 30', () => {
  assertClose(integrate(() => 1), LOGITS.map(() => 1), 1e-10);
});

test('ContinuousBernoulli mean and variance match quadrature on both sides of the series switch', () => {
  const p = new ContinuousBernoulli({ logits: t64(LOGITS) });
  const m1 = integrate((x) => x);
  const m2 = integrate((x) => x * x);
  assertClose(p.mean, m1, 1e-11, 0, 'mean');
  assertClose(p.variance, m2.map((v, j) => v - m1[j]! ** 2), 1e-11, 0, 'variance');
  assertClose(new ContinuousBernoulli({ logits: t64([0]) }).entropy(), 0, 1e-15, 0, 'entropy of the uniform');
});

test('ContinuousBernoulli.rsample is the inverse CDF: sample moments match, all draws lie in [0, 1]', () => {
  const p = new ContinuousBernoulli({ probs: t64([0.5, 0.2, 0.97]) });
  const n = 20000;
  const x = flat(p.rsample(n, new Rng(8)));
  assert.ok(x.every((v) => v >= 0 && v <= 1));
  const mean = flat(p.mean);
  const variance = flat(p.variance);
  [0, 1, 2].forEach((j) => {
    const col = x.filter((_, i) => i % 3 === j);
    const m = col.reduce((a, b) => a + b, 0) / n;
    assert.ok(Math.abs(m - mean[j]!) < 4 * Math.sqrt(variance[j]! / n), `mean ${j}: ${m} vs ${mean[j]}`);
  });
  const extreme = flat(new ContinuousBernoulli({ logits: t64([800, -800]) }).rsample(10, new Rng(1)));
  assert.ok(extreme.every((v) => Number.isFinite(v) && v >= 0 && v <= 1), `${extreme}`);
});

test('gradients through ContinuousBernoulli.rsample, logProb, mean and variance pass gradcheck at and away from ℓ = 0', () => {
  const logits = t64([0, 0.003, -0.5, 2]);
  const x = t64([0.1, 0.5, 0.7, 0.99]);
  for (const [name, fn] of [
    ['rsample', (l: typeof logits) => new ContinuousBernoulli({ logits: l }).rsample(3, new Rng(2))],
    ['logProb', (l: typeof logits) => new ContinuousBernoulli({ logits: l }).logProb(x)],
    ['mean', (l: typeof logits) => new ContinuousBernoulli({ logits: l }).mean],
    ['variance', (l: typeof logits) => new ContinuousBernoulli({ logits: l }).variance],
  ] as const) {
    const r = gradcheck(fn, [logits], { atol: 1e-6, rtol: 1e-5 });
    assert.ok(r.ok, `${name}: ${r.failures.join('\n')}`);
  }
  assert.throws(() => new ContinuousBernoulli({ probs: t64([1]) }), /ContinuousBernoulli: probs must be in \(0, 1\) \(entry 0 of \[1\] is 1\)/);
});
