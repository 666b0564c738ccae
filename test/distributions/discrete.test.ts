// Bernoulli, Categorical, OneHotCategorical, RelaxedOneHotCategorical and
// MixtureSameFamily: textbook masses and densities, sampling frequencies and
// moments, stable logits, gradients through the Gumbel-softmax, and validation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gradcheck, Rng, sum, tensor, type Tensor } from '../../src/index.js';
import { Bernoulli, Categorical, MixtureSameFamily, MultivariateNormal, Normal, OneHotCategorical, RelaxedOneHotCategorical } from '../../src/distributions/index.js';
import { assertClose, flat, t64 } from './helpers.js';

test('Bernoulli.logProb is log p at 1 and log(1 − p) at 0, from logits and from probs alike', () => {
  const p = [0.2, 0.5, 0.9];
  const x = t64([1, 0, 0]);
  const expected = [Math.log(0.2), Math.log(0.5), Math.log(0.1)];
  assertClose(new Bernoulli({ probs: t64(p) }).logProb(x), expected, 1e-15);
  assertClose(new Bernoulli({ logits: t64(p.map((v) => Math.log(v / (1 - v)))) }).logProb(x), expected, 1e-14);
  const b = new Bernoulli({ probs: t64(p) });
  assertClose(b.entropy(), p.map((v) => -v * Math.log(v) - (1 - v) * Math.log(1 - v)), 1e-15);
  assertClose(b.variance, p.map((v) => v * (1 - v)), 1e-16);
});

test('Bernoulli.logProb from logits of ±200 is exact where sigmoid would round to 0 or 1 (float32 too)', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    const b = new Bernoulli({ logits: tensor([200, -200], { dtype }) });
    assertClose(b.logProb(tensor([0, 1], { dtype })), [-200, -200], 1e-4);
    assertClose(b.logProb(tensor([1, 0], { dtype })), [0, 0], 1e-30);
  }
});

test('Bernoulli.logProbSum is logProb summed over the last axis, from logits (fused, with broadcasting and gradients) and from probs', () => {
  const logits = t64([[0.3, -2, 5], [0, 1.5, -0.7]]);
  const x = t64([[1, 0, 1], [0, 0.25, 1]]);
  const b = new Bernoulli({ logits });
  assertClose(b.logProbSum(x), flat(sum(b.logProb(x), -1)), 1e-15);
  // x of [3] broadcasts against the [2, 3] batch; a sample dimension in front broadcasts too.
  assertClose(b.logProbSum(t64([1, 0, 1])), flat(sum(b.logProb(t64([1, 0, 1])), -1)), 1e-15);
  const draws = t64([[[1, 0, 1], [0, 1, 1]], [[1, 1, 1], [0, 0, 0]]]);
  assertClose(b.logProbSum(draws), flat(sum(b.logProb(draws), -1)), 1e-15);
  const p = new Bernoulli({ probs: t64([0.2, 0.5, 0.9]) });
  assertClose(p.logProbSum(t64([1, 0, 0])), [Math.log(0.2) + Math.log(0.5) + Math.log(0.1)], 1e-15);
  const r = gradcheck((l: Tensor) => new Bernoulli({ logits: l }).logProbSum(x), [logits]);
  assert.ok(r.ok, r.failures.join('\n'));
});

test('Bernoulli.sample frequencies match probs within sampling error', () => {
  const b = new Bernoulli({ probs: t64([0.1, 0.7]) });
  const n = 20000;
  const s = flat(b.sample(n, new Rng(2)));
  [0.1, 0.7].forEach((p, j) => {
    const f = s.filter((_, i) => i % 2 === j).reduce((a, v) => a + v, 0) / n;
    assert.ok(Math.abs(f - p) < 4 * Math.sqrt((p * (1 - p)) / n), `frequency ${f} vs ${p}`);
  });
});

test('Categorical.logProb picks the normalized log-probability of each class; probs are normalized', () => {
  const c = new Categorical({ probs: t64([[2, 1, 1], [1, 1, 2]]) });
  const lp = c.logProb(t64([[0, 2], [1, 2]]));
  assertClose(lp, [Math.log(0.5), Math.log(0.5), Math.log(0.25), Math.log(0.5)], 1e-15);
  assertClose(c.entropy(), [1.5 * Math.log(2), 1.5 * Math.log(2)], 1e-15);
  const z = new Categorical({ probs: t64([0.5, 0.5, 0]) });
  assertClose(z.entropy(), Math.log(2), 1e-15);
  assert.throws(() => c.logProb(t64([0.5, 1])), /Categorical.logProb: value 0.5 at flat index 0 is not a class in \[0, 3\)/);
  assert.throws(() => new Categorical({ probs: t64([0.5, -0.1]) }), /Categorical: probs must be non-negative and finite \(entry 1 of \[2\] is -0.1\)/);
});

test('Categorical.sample frequencies match probs; OneHotCategorical draws one-hot rows with the same mass', () => {
  const probs = [0.2, 0.5, 0.3];
  const n = 20000;
  const s = flat(new Categorical({ probs: t64(probs) }).sample(n, new Rng(5)));
  probs.forEach((p, k) => {
    const f = s.filter((v) => v === k).length / n;
    assert.ok(Math.abs(f - p) < 4 * Math.sqrt((p * (1 - p)) / n), `class ${k}: ${f} vs ${p}`);
  });
  const oh = new OneHotCategorical({ probs: t64(probs) });
  const y = oh.sample(4, new Rng(6));
  assert.deepEqual(y.shape, [4, 3]);
  assert.ok((y.toArray() as number[][]).every((row) => row.filter((v) => v === 1).length === 1 && row.every((v) => v === 0 || v === 1)));
  assertClose(oh.logProb(t64([0, 1, 0])), Math.log(0.5), 1e-15);
  assertClose(oh.entropy(), -probs.reduce((a, p) => a + p * Math.log(p), 0), 1e-15);
});

test('RelaxedOneHotCategorical.logProb matches the binary Concrete density τα t^(−τ−1)(1−t)^(−τ−1) / (α t^(−τ) + (1−t)^(−τ))²', () => {
  const [l1, l2, tau] = [0.9, -0.2, 0.6];
  const alpha = Math.exp(l1 - l2);
  const r = new RelaxedOneHotCategorical({ logits: t64([l1, l2]), temperature: tau });
  const ts = [0.05, 0.3, 0.5, 0.92];
  const dens = (t: number) => (tau * alpha * t ** (-tau - 1) * (1 - t) ** (-tau - 1)) / (alpha * t ** -tau + (1 - t) ** -tau) ** 2;
  assertClose(r.logProb(t64(ts.map((t) => [t, 1 - t]))), ts.map((t) => Math.log(dens(t))), 1e-13);
});

test('RelaxedOneHotCategorical density integrates to one over the 2-simplex', () => {
  const r = new RelaxedOneHotCategorical({ logits: t64([0.3, -0.4]), temperature: 2 });
  const m = 20000;
  const ys: number[][] = [];
  for (let i = 0; i < m; i++) {
    const t = (i + 0.5) / m;
    ys.push([t, 1 - t]);
  }
  const total = flat(r.logProb(t64(ys))).reduce((a, lp) => a + Math.exp(lp) / m, 0);
  assertClose(total, 1, 1e-6);
});

test('RelaxedOneHotCategorical at low temperature approaches one-hot draws with the categorical frequencies (Gumbel-max)', () => {
  const probs = [0.6, 0.3, 0.1];
  const r = new RelaxedOneHotCategorical({ probs: t64(probs), temperature: 0.05 });
  const n = 10000;
  const y = r.rsample(n, new Rng(7)).toArray() as number[][];
  const counts = [0, 0, 0];
  for (const row of y) {
    const k = row.indexOf(Math.max(...row));
    counts[k]!++;
    assertClose(row.reduce((a, v) => a + v, 0), 1, 1e-12);
  }
  probs.forEach((p, k) => assert.ok(Math.abs(counts[k]! / n - p) < 4 * Math.sqrt((p * (1 - p)) / n), `class ${k}`));
  const peaked = y.filter((row) => Math.max(...row) > 0.99).length / n;
  assert.ok(peaked > 0.8, `only ${peaked} of draws are nearly one-hot`);
});

test('gradients through RelaxedOneHotCategorical.rsample and logProb pass gradcheck', () => {
  const logits = t64([[0.2, -0.5, 1], [0, 0.3, -0.2]]);
  const r = gradcheck((l) => new RelaxedOneHotCategorical({ logits: l, temperature: 0.7 }).rsample(2, new Rng(3)), [logits]);
  assert.ok(r.ok, r.failures.join('\n'));
  const y = t64([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]]);
  const l = gradcheck((lg, yy) => new RelaxedOneHotCategorical({ logits: lg, temperature: 0.7 }).logProb(yy), [logits, y]);
  assert.ok(l.ok, l.failures.join('\n'));
});

test('MixtureSameFamily.logProb is log Σ_k π_k N(x; μ_k, σ_k²)', () => {
  const w = [0.3, 0.7];
  const mus = [-1, 2];
  const sds = [0.5, 1.5];
  const m = new MixtureSameFamily(new Categorical({ probs: t64(w) }), new Normal({ loc: t64(mus), scale: t64(sds) }));
  const xs = [-1, 0, 2.5, 10];
  const dens = (x: number) => w.reduce((a, wk, k) => a + (wk * Math.exp(-((x - mus[k]!) ** 2) / (2 * sds[k]! ** 2))) / (sds[k]! * Math.sqrt(2 * Math.PI)), 0);
  assertClose(m.logProb(t64(xs)), xs.map((x) => Math.log(dens(x))), 1e-13);
  assertClose(m.mean, 0.3 * -1 + 0.7 * 2, 1e-15);
});

test('MixtureSameFamily of MultivariateNormals: samples match the law-of-total-variance moments', () => {
  const mix = new MixtureSameFamily(
    new Categorical({ logits: t64([0, Math.log(3)]) }),
    new MultivariateNormal({ loc: t64([[-2, 0], [2, 1]]), covariance: t64([[[1, 0.3], [0.3, 0.5]], [[0.4, 0], [0, 2]]]) }),
  );
  const n = 20000;
  const x = mix.sample(n, new Rng(12));
  assert.deepEqual(x.shape, [n, 2]);
  assert.deepEqual(mix.logProb(x).shape, [n]);
  const d = flat(x);
  const mean = flat(mix.mean);
  const variance = flat(mix.variance);
  [0, 1].forEach((j) => {
    const col = d.filter((_, i) => i % 2 === j);
    const m = col.reduce((a, b) => a + b, 0) / n;
    const v = col.reduce((a, b) => a + (b - m) ** 2, 0) / (n - 1);
    assert.ok(Math.abs(m - mean[j]!) < 4 * Math.sqrt(variance[j]! / n), `mean ${j}: ${m} vs ${mean[j]}`);
    assert.ok(Math.abs(v - variance[j]!) < 0.05 * variance[j]!, `variance ${j}: ${v} vs ${variance[j]}`);
  });
  assertClose(sum(mix.mixture.probs).item(), 1, 1e-15);
});

test('gradients through logProb of Bernoulli, Categorical, OneHotCategorical and MixtureSameFamily pass gradcheck', () => {
  const l = t64([0.3, -1.1, 2]);
  const checks: [string, (...xs: Tensor[]) => Tensor, Tensor[]][] = [
    ['Bernoulli', (lg) => new Bernoulli({ logits: lg! }).logProb(t64([1, 0, 1])), [l]],
    ['Bernoulli (probs)', (p) => new Bernoulli({ probs: p! }).logProb(t64([1, 0, 1])), [t64([0.2, 0.5, 0.9])]],
    ['Categorical', (lg) => new Categorical({ logits: lg! }).logProb(t64([2, 0])), [l]],
    ['OneHotCategorical', (lg) => new OneHotCategorical({ logits: lg! }).logProb(t64([[0, 1, 0], [1, 0, 0]])), [l]],
    [
      'MixtureSameFamily',
      (lg, m, s) => new MixtureSameFamily(new Categorical({ logits: lg! }), new Normal({ loc: m!, logVar: s! })).logProb(t64([-1, 0.5, 3])),
      [l, t64([-1, 0, 2]), t64([0.1, -0.3, 0.5])],
    ],
  ];
  for (const [name, fn, inputs] of checks) {
    const r = gradcheck(fn, inputs);
    assert.ok(r.ok, `${name}: ${r.failures.join('\n')}`);
  }
});

test('MixtureSameFamily rejects components whose batch shape does not end in the mixture size', () => {
  assert.throws(
    () => new MixtureSameFamily(new Categorical({ logits: t64([0, 0, 0]) }), new Normal({ loc: t64([0, 1]), scale: t64([1, 1]) })),
    /MixtureSameFamily: components' batch shape \[2\] must be the mixture's batch shape \[\] followed by its 3 components/,
  );
  assert.throws(() => new Bernoulli({ probs: t64([0.5]) }).rsample(1, new Rng(0)), /Bernoulli: has no reparameterized sampler/);
});
