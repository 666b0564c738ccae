// EM for Gaussian mixtures as coordinate ascent on F(θ, q) = E_q[log p(x, z)] + H(q):
// F never decreases, the E-step closes the gap to the log-likelihood, the gap for any q
// is Σᵢ KL(qᵢ ‖ p(z | xᵢ)), and EM recovers the means of a seeded 3-cluster data set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, sum, tensor, type Tensor } from '../../src/index.js';
import { GaussianMixture } from '../../src/models/gaussian-mixture.js';

const TRUE_MEANS = [[-4, 0], [4, 0], [0, 5]];
const TRUE_COVS = [[[1, 0.4], [0.4, 0.6]], [[0.5, -0.2], [-0.2, 1.2]], [[0.8, 0], [0, 0.8]]];

/** 150 points per cluster from N(μ_c, Σ_c), drawn via the 2×2 Cholesky factor. */
function threeClusters(seed: number): Tensor {
  const rng = new Rng(seed);
  const rows: number[][] = [];
  TRUE_MEANS.forEach((m, c) => {
    const [[a, b], [, d]] = TRUE_COVS[c]! as [[number, number], [number, number]];
    const l11 = Math.sqrt(a);
    const l21 = b / l11;
    const l22 = Math.sqrt(d - l21 * l21);
    for (let i = 0; i < 150; i++) {
      const [e1, e2] = [rng.normal(), rng.normal()];
      rows.push([m[0]! + l11 * e1, m[1]! + l21 * e1 + l22 * e2]);
    }
  });
  return tensor(rows, { dtype: 'float64' });
}

const data = threeClusters(2024);

for (const covariance of ['full', 'diagonal'] as const) {
  for (const regularization of [0, 0.5]) {
    test(`F(θ, q) + log-prior never decreases across E- and M-steps (${covariance} covariances, λ = ${regularization})`, () => {
      const gm = new GaussianMixture({ components: 3, covariance, regularization, init: 'random', maxIterations: 60 });
      const { history } = gm.fit(data, new Rng(3));
      assert.ok(history.length > 4);
      for (let t = 1; t < history.length; t++) {
        const [a, b] = [history[t - 1]!, history[t]!];
        const [fa, fb] = [a.freeEnergy + a.logPrior, b.freeEnergy + b.logPrior];
        assert.ok(fb >= fa - 1e-9 * Math.abs(fa), `objective fell from ${fa} (${a.step} ${a.iteration}) to ${fb} (${b.step} ${b.iteration})`);
        if (regularization === 0) assert.equal(b.logPrior, 0);
      }
    });
  }
}

test('after each E-step F(θ, q) equals the log-likelihood: the gap KL(q ‖ p(z|x)) is zero', () => {
  const gm = new GaussianMixture({ components: 3, maxIterations: 30 });
  const { history, logLikelihoods } = gm.fit(data, new Rng(1));
  const eSteps = history.filter((h) => h.step === 'E');
  assert.equal(eSteps.length, logLikelihoods.length);
  eSteps.forEach((h, t) => assert.ok(Math.abs(h.freeEnergy - logLikelihoods[t]!) <= 1e-10 * Math.abs(logLikelihoods[t]!), `iteration ${t}: F ${h.freeEnergy} vs ${logLikelihoods[t]}`));
});

test('for any q, log p(x|θ) − F(θ, q) = Σᵢ KL(qᵢ ‖ p(z | xᵢ, θ)) ≥ 0', () => {
  const gm = new GaussianMixture({ components: 3, maxIterations: 5 });
  gm.fit(data, new Rng(2));
  const rng = new Rng(9);
  const n = data.shape[0]!;
  const q = new Float64Array(n * 3);
  for (let i = 0; i < n; i++) {
    const w = [rng.uniform(), rng.uniform(), rng.uniform()];
    const s = w[0]! + w[1]! + w[2]!;
    w.forEach((v, c) => (q[i * 3 + c] = v / s));
  }
  const r = gm.responsibilities(data);
  let kl = 0;
  for (let t = 0; t < q.length; t++) kl += q[t]! * Math.log(q[t]! / r[t]!);
  const gap = gm.logLikelihood(data) - gm.freeEnergy(data, q);
  assert.ok(gap > 0);
  assert.ok(Math.abs(gap - kl) <= 1e-9 * Math.abs(gap), `gap ${gap} vs Σ KL ${kl}`);
});

function assertRecovers(gm: GaussianMixture, tol: number): void {
  const found = gm.means;
  for (const m of TRUE_MEANS) {
    const dist = Math.min(...found.map((f) => Math.hypot(f[0]! - m[0]!, f[1]! - m[1]!)));
    assert.ok(dist < tol, `no fitted mean within ${tol} of [${m}] (means: ${JSON.stringify(found)})`);
  }
  gm.weights.forEach((w) => assert.ok(Math.abs(w - 1 / 3) < 0.05, `weight ${w}`));
}

test('EM recovers the means of a seeded 3-cluster 2-D data set (k-means++ init, full covariances)', () => {
  const gm = new GaussianMixture({ components: 3, init: 'kmeans++' });
  const res = gm.fit(data, new Rng(7));
  assert.ok(res.converged, `not converged after ${res.iterations} iterations`);
  assertRecovers(gm, 0.25);
  const cov = gm.covariances;
  for (const [c, m] of TRUE_MEANS.entries()) {
    const k = gm.means.findIndex((f) => Math.hypot(f[0]! - m[0]!, f[1]! - m[1]!) < 0.25);
    TRUE_COVS[c]!.flat().forEach((v, i) => assert.ok(Math.abs(cov[k]!.flat()[i]! - v) < 0.3, `covariance ${c}`));
  }
});

test('EM recovers the means with seeded random init and diagonal covariances', () => {
  const gm = new GaussianMixture({ components: 3, init: 'random', covariance: 'diagonal' });
  gm.fit(data, new Rng(11));
  assertRecovers(gm, 0.3);
});

test('the fitted mixture as a MixtureSameFamily has the same log-likelihood', () => {
  for (const covariance of ['full', 'diagonal'] as const) {
    const gm = new GaussianMixture({ components: 3, covariance, maxIterations: 20 });
    gm.fit(data, new Rng(5));
    const dist = gm.toDistribution();
    assert.deepEqual(dist.eventShape, [2]);
    const ll = sum(dist.logProb(data)).item();
    assert.ok(Math.abs(ll - gm.logLikelihood(data)) <= 1e-10 * Math.abs(ll), `${covariance}: ${ll} vs ${gm.logLikelihood(data)}`);
  }
});

test('GaussianMixture errors name the problem: unfitted model, wrong dimension, too few points', () => {
  const gm = new GaussianMixture({ components: 3 });
  assert.throws(() => gm.logLikelihood(data), /GaussianMixture.logLikelihood: the mixture is not fitted yet/);
  gm.fit(data, new Rng(1));
  assert.throws(() => gm.logLikelihood(tensor([[1, 2, 3]], { dtype: 'float64' })), /data has 3 columns but the mixture was fitted in 2 dimensions/);
  assert.throws(() => new GaussianMixture({ components: 5 }).fit(tensor([[0, 0], [1, 1]]), new Rng(0)), /2 points cannot seed 5 components/);
  assert.throws(() => new GaussianMixture({ components: 0 }), /components must be a positive integer \(got 0\)/);
});
