// KL divergence: every registered closed form against klMonteCarlo, the
// properties of KL (zero on the diagonal, non-negative, asymmetric, affine-invariant,
// jointly convex), the VAE special case, ill-conditioned d = 50, gradients, and dispatch errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { add, eye, gradcheck, matmul, mul, Rng, tensor, transpose, zeros, ones, type Tensor } from '../../src/index.js';
import {
  Bernoulli, Categorical, ContinuousBernoulli, Distribution, klDivergence, klMonteCarlo, klStandardNormal, MixtureSameFamily, MultivariateNormal, Normal,
  OneHotCategorical, registeredKLPairs,
} from '../../src/distributions/index.js';
import { assertClose, f64, flat, randomMatrix, randomSpd, randomVector, t64 } from './helpers.js';

const randomMvn = (d: number, rng: Rng, batch: number[] = []): MultivariateNormal => {
  const count = batch.reduce((a, b) => a * b, 1);
  const locs = Array.from({ length: count }, () => randomVector(d, rng));
  const covs = Array.from({ length: count }, () => randomSpd(d, rng, 0.3));
  return new MultivariateNormal({
    loc: tensor(locs.flat(), [...batch, d], f64),
    covariance: tensor(covs.flat(2), [...batch, d, d], f64),
  });
};
const randomDiag = (d: number, rng: Rng, batch: number[] = []): Normal => {
  const n = batch.reduce((a, b) => a * b, 1) * d;
  return new Normal({
    loc: tensor(randomVector(n, rng), [...batch, d], f64),
    logVar: tensor(randomVector(n, rng, 0.8), [...batch, d], f64),
    eventDims: 1,
  });
};
const randomLogits = (shape: number[], rng: Rng): Tensor => tensor(randomVector(shape.reduce((a, b) => a * b, 1), rng, 1.5), shape, f64);
const randomBernoulli = (n: number, rng: Rng) => new Bernoulli({ logits: randomLogits([n], rng) });
const randomCategorical = (shape: number[], rng: Rng) => new Categorical({ logits: randomLogits(shape, rng) });

/** One representative (p, q) per registered pair, batched where the family allows. */
const pairMakers: Record<string, (rng: Rng) => [Distribution, Distribution]> = {
  'Normal,Normal': (rng) => [randomDiag(3, rng, [2]), randomDiag(3, rng, [2])],
  'MultivariateNormal,MultivariateNormal': (rng) => [randomMvn(3, rng, [2]), randomMvn(3, rng, [2])],
  'Normal,MultivariateNormal': (rng) => [randomDiag(3, rng, [2]), randomMvn(3, rng, [2])],
  'MultivariateNormal,Normal': (rng) => [randomMvn(3, rng, [2]), randomDiag(3, rng, [2])],
  'Bernoulli,Bernoulli': (rng) => [randomBernoulli(4, rng), randomBernoulli(4, rng)],
  'Categorical,Categorical': (rng) => [randomCategorical([2, 5], rng), randomCategorical([2, 5], rng)],
  'ContinuousBernoulli,ContinuousBernoulli': (rng) => [
    new ContinuousBernoulli({ logits: randomLogits([4], rng) }),
    new ContinuousBernoulli({ logits: tensor([0, 0.005, -2, 3], f64) }),
  ],
  'OneHotCategorical,OneHotCategorical': (rng) => [
    new OneHotCategorical({ logits: randomLogits([2, 4], rng) }),
    new OneHotCategorical({ logits: randomLogits([2, 4], rng) }),
  ],
};

test('every registered closed-form KL has a Monte Carlo check below', () => {
  assert.deepEqual(registeredKLPairs().map((p) => p.join(',')).sort(), Object.keys(pairMakers).sort());
});

for (const [pair, make] of Object.entries(pairMakers)) {
  test(`closed-form KL(${pair.replace(',', ' ‖ ')}) agrees with klMonteCarlo within 5 standard errors`, () => {
    const [p, q] = make(new Rng(pair.length));
    const closed = flat(klDivergence(p, q));
    const { estimate, standardError } = klMonteCarlo(p, q, { samples: 40000, rng: new Rng(99) });
    const est = flat(estimate);
    const se = flat(standardError);
    assert.equal(closed.length, est.length);
    closed.forEach((c, i) => assert.ok(Math.abs(c - est[i]!) <= 5 * se[i]! + 1e-12, `entry ${i}: closed ${c}, Monte Carlo ${est[i]} ± ${se[i]}`));
  });
}

const seedAndDim = fc.record({ seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }), d: fc.integer({ min: 1, max: 5 }) });
const runs = { numRuns: 40, seed: 20240601 };

test('KL(p,p) is zero for random full-covariance Gaussians, diagonal Gaussians, Bernoullis and Categoricals', () => {
  fc.assert(
    fc.property(seedAndDim, ({ seed, d }) => {
      const rng = new Rng(seed);
      const dists: Distribution[] = [randomMvn(d, rng), randomDiag(d, rng), randomBernoulli(d, rng), randomCategorical([d + 1], rng)];
      for (const p of dists) assertClose(klDivergence(p, p), zeros(p.batchShape, f64), 1e-12, 0, `KL(${p.name}, itself)`);
    }),
    runs,
  );
});

test('KL(p,q) ≥ 0 for random pairs of every registered family', () => {
  fc.assert(
    fc.property(seedAndDim, ({ seed, d }) => {
      const rng = new Rng(seed);
      for (const make of Object.values(pairMakers)) {
        const [p, q] = make(rng);
        for (const v of flat(klDivergence(p, q))) assert.ok(v >= -1e-12, `KL(${p.name}, ${q.name}) = ${v}`);
      }
      const [p, q] = [randomMvn(d, rng), randomMvn(d, rng)];
      assert.ok(klDivergence(p, q).item() >= 0);
    }),
    runs,
  );
});

test('KL is not symmetric: KL(N(0,1) ‖ N(0,4)) ≠ KL(N(0,4) ‖ N(0,1))', () => {
  const p = new Normal({ loc: t64([0]), scale: t64([1]) });
  const q = new Normal({ loc: t64([0]), scale: t64([2]) });
  // ½[σp²/σq² − log(σp²/σq²) − 1]: 0.5(0.25 + log 4 − 1) vs 0.5(4 − log 4 − 1).
  assertClose(klDivergence(p, q), 0.5 * (0.25 + Math.log(4) - 1), 1e-15);
  assertClose(klDivergence(q, p), 0.5 * (4 - Math.log(4) - 1), 1e-15);
  assert.ok(Math.abs(klDivergence(p, q).item() - klDivergence(q, p).item()) > 0.4);
});

/** The image of N(μ, Σ) under x ↦ A x + b: N(Aμ + b, A Σ Aᵀ). */
function affineImage(p: MultivariateNormal, A: Tensor, b: Tensor): MultivariateNormal {
  return new MultivariateNormal({ loc: add(matmul(A, p.loc), b), covariance: matmul(matmul(A, p.covariance), transpose(A)) });
}

test('KL is invariant under an invertible affine change of variables applied to both Gaussians', () => {
  fc.assert(
    fc.property(seedAndDim, ({ seed, d }) => {
      const rng = new Rng(seed);
      const [p, q] = [randomMvn(d, rng), randomMvn(d, rng)];
      const A = add(t64(randomMatrix(d, rng)), mul(eye(d, f64), 3));
      const b = t64(randomVector(d, rng));
      const before = klDivergence(p, q).item();
      assertClose(klDivergence(affineImage(p, A, b), affineImage(q, A, b)).item(), before, 1e-9, 1e-8, 'KL after x ↦ Ax + b');
      // Diagonal Gaussians stay diagonal under x ↦ a ⊙ x + b.
      const [u, v] = [randomDiag(d, rng), randomDiag(d, rng)];
      const a = t64(randomVector(d, rng).map((x) => x + (x >= 0 ? 0.5 : -0.5)));
      const absA = tensor(Array.from(a.contiguousData(), Math.abs), f64);
      const image = (n: Normal) => new Normal({ loc: add(mul(a, n.loc), b), scale: mul(n.scale, absA), eventDims: 1 });
      assertClose(klDivergence(image(u), image(v)).item(), klDivergence(u, v).item(), 1e-9, 1e-9, 'diagonal KL after x ↦ a⊙x + b');
    }),
    runs,
  );
});

test('KL is jointly convex on Categorical pairs: KL(λp₁+(1−λ)p₂ ‖ λq₁+(1−λ)q₂) ≤ λKL(p₁‖q₁) + (1−λ)KL(p₂‖q₂)', () => {
  const simplex = (k: number) => fc.array(fc.double({ min: 1e-3, max: 1, noNaN: true }), { minLength: k, maxLength: k }).map((w) => w.map((x) => x / w.reduce((a, b) => a + b, 0)));
  const arb = fc.integer({ min: 2, max: 6 }).chain((k) => fc.tuple(simplex(k), simplex(k), simplex(k), simplex(k), fc.double({ min: 0, max: 1, noNaN: true })));
  fc.assert(
    fc.property(arb, ([p1, p2, q1, q2, lam]) => {
      const cat = (w: number[]) => new Categorical({ probs: t64(w) });
      const mixW = (a: number[], b: number[]) => a.map((x, i) => lam * x + (1 - lam) * b[i]!);
      const lhs = klDivergence(cat(mixW(p1, p2)), cat(mixW(q1, q2))).item();
      const rhs = lam * klDivergence(cat(p1), cat(q1)).item() + (1 - lam) * klDivergence(cat(p2), cat(q2)).item();
      assert.ok(lhs <= rhs + 1e-12, `${lhs} > ${rhs}`);
    }),
    { numRuns: 200, seed: 7 },
  );
});

test('the VAE term KL(N(μ, diag σ²) ‖ N(0, I)) = ½[Σ(σ² − log σ²) − d + ‖μ‖²] comes out of klDivergence, and the fast path agrees', () => {
  const rng = new Rng(21);
  const mu = randomVector(12, rng);
  const lv = randomVector(12, rng);
  const loc = tensor(mu, [3, 4], f64);
  const logVar = tensor(lv, [3, 4], f64);
  const q = new Normal({ loc: zeros([4], f64), scale: ones([4], f64), eventDims: 1 });
  const general = klDivergence(new Normal({ loc, logVar, eventDims: 1 }), q);
  const expected = [0, 1, 2].map((b) => {
    let s = -4;
    for (let j = 0; j < 4; j++) s += Math.exp(lv[b * 4 + j]!) - lv[b * 4 + j]! + mu[b * 4 + j]! ** 2;
    return 0.5 * s;
  });
  assertClose(general, expected, 1e-14, 1e-14, 'klDivergence(Normal, N(0, I))');
  assertClose(klStandardNormal(loc, logVar), expected, 1e-14, 1e-14, 'klStandardNormal');
  const viaMvn = klDivergence(new Normal({ loc, logVar, eventDims: 1 }), new MultivariateNormal({ loc: zeros([4], f64), scaleTril: eye(4, f64) }));
  assertClose(viaMvn, expected, 1e-13, 1e-13, 'klDivergence(Normal, MultivariateNormal(0, I))');
});

test('log-variances of ±30 do not overflow the Normal KL in float32 or float64', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    const loc = tensor([0.5, -0.5], { dtype });
    const logVar = tensor([30, -30], { dtype });
    const p = new Normal({ loc, logVar, eventDims: 1 });
    const std = new Normal({ loc: zeros([2], { dtype }), scale: ones([2], { dtype }), eventDims: 1 });
    const expected = 0.5 * (Math.exp(30) - 30 + Math.exp(-30) + 30 - 2 + 0.5);
    const tol = dtype === 'float32' ? 1e-6 : 1e-14;
    assertClose(klDivergence(p, std), expected, 0, tol);
    assertClose(klStandardNormal(loc, logVar), expected, 0, tol);
    const flipped = new Normal({ loc, logVar: tensor([-30, 30], { dtype }), eventDims: 1 });
    for (const v of [klDivergence(p, flipped), klDivergence(flipped, p), klDivergence(std, p)].flatMap(flat)) assert.ok(Number.isFinite(v), `${dtype}: ${v}`);
  }
});

/** A random orthogonal matrix: modified Gram–Schmidt on a Gaussian matrix, done twice. */
function randomOrthogonal(d: number, rng: Rng): number[][] {
  const Q = randomMatrix(d, rng);
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < i; j++) {
        const dot = Q[i]!.reduce((s, v, k) => s + v * Q[j]![k]!, 0);
        Q[i] = Q[i]!.map((v, k) => v - dot * Q[j]![k]!);
      }
      const nrm = Math.hypot(...Q[i]!);
      Q[i] = Q[i]!.map((v) => v / nrm);
    }
  }
  return Q;
}

/** Σ = Qᵀ diag(λ) Q (rows of Q are eigenvectors), exactly symmetric. */
function fromEigen(Q: number[][], lam: number[]): number[][] {
  const d = lam.length;
  const S = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += Q[k]![i]! * lam[k]! * Q[k]![j]!;
      S[i]![j] = s;
      S[j]![i] = s;
    }
  }
  return S;
}

test('Gaussian KL at d = 50 with condition numbers 1e8 matches an eigendecomposition reference in float64', () => {
  const d = 50;
  const rng = new Rng(50);
  const spectrum = () => {
    const perm = rng.permutation(d);
    return Array.from({ length: d }, (_, i) => 10 ** ((8 * perm[i]!) / (d - 1)));
  };
  const [Qp, Qq] = [randomOrthogonal(d, rng), randomOrthogonal(d, rng)];
  const [lp, lq] = [spectrum(), spectrum()];
  const [mp, mq] = [randomVector(d, rng, 10), randomVector(d, rng, 10)];
  // Reference: ½[Σ log λq − Σ log λp − d + Σ_ij (q_i·p_j)² λp_j/λq_i + Σ_i (q_i·δ)²/λq_i], δ = μq − μp.
  let trace = 0;
  let maha = 0;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) trace += (Qq[i]!.reduce((s, v, k) => s + v * Qp[j]![k]!, 0) ** 2 * lp[j]!) / lq[i]!;
    maha += Qq[i]!.reduce((s, v, k) => s + v * (mq[k]! - mp[k]!), 0) ** 2 / lq[i]!;
  }
  const logDets = lq.reduce((s, v) => s + Math.log(v), 0) - lp.reduce((s, v) => s + Math.log(v), 0);
  const reference = 0.5 * (logDets - d + trace + maha);
  const p = new MultivariateNormal({ loc: t64(mp), covariance: t64(fromEigen(Qp, lp)) });
  const q = new MultivariateNormal({ loc: t64(mq), covariance: t64(fromEigen(Qq, lq)) });
  const kl = klDivergence(p, q).item();
  assert.ok(Number.isFinite(kl));
  assertClose(kl, reference, 0, 1e-8, 'KL(p‖q), d = 50, cond 1e8');
  // The diagonal-against-full paths at the same conditioning.
  const diag = new Normal({ loc: t64(mp), scale: t64(lp.map(Math.sqrt)), eventDims: 1 });
  let traceDiag = 0;
  let mahaDiag = 0;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) traceDiag += (Qq[i]![j]! ** 2 * lp[j]!) / lq[i]!;
    mahaDiag += Qq[i]!.reduce((s, v, k) => s + v * (mq[k]! - mp[k]!), 0) ** 2 / lq[i]!;
  }
  assertClose(klDivergence(diag, q).item(), 0.5 * (logDets - d + traceDiag + mahaDiag), 0, 1e-8, 'KL(diag‖full), d = 50, cond 1e8');
});

test('gradients of the closed-form KLs pass gradcheck in every parameter', () => {
  const rng = new Rng(31);
  const [A, B] = [t64(randomMatrix(3, rng)), t64(randomMatrix(3, rng))];
  const [m1, m2] = [t64(randomVector(3, rng)), t64(randomVector(3, rng))];
  const spd = (a: Tensor) => add(matmul(a, transpose(a)), mul(eye(3, f64), 0.5));
  const checks: [string, (...xs: Tensor[]) => Tensor, Tensor[]][] = [
    ['MVN‖MVN', (a, b, u, v) => klDivergence(new MultivariateNormal({ loc: u!, covariance: spd(a!) }), new MultivariateNormal({ loc: v!, covariance: spd(b!) })), [A, B, m1, m2]],
    ['Normal‖MVN', (lv, b, u, v) => klDivergence(new Normal({ loc: u!, logVar: lv!, eventDims: 1 }), new MultivariateNormal({ loc: v!, covariance: spd(b!) })), [m1, B, m2, m1]],
    ['MVN‖Normal', (a, lv, u, v) => klDivergence(new MultivariateNormal({ loc: u!, precision: spd(a!) }), new Normal({ loc: v!, logVar: lv!, eventDims: 1 })), [A, m2, m1, m2]],
    ['Normal‖Normal', (l1, l2, u, v) => klDivergence(new Normal({ loc: u!, logVar: l1! }), new Normal({ loc: v!, logVar: l2! })), [m1, m2, m2, m1]],
    ['Bernoulli‖Bernoulli', (l1, l2) => klDivergence(new Bernoulli({ logits: l1! }), new Bernoulli({ logits: l2! })), [m1, m2]],
    ['Categorical‖Categorical', (l1, l2) => klDivergence(new Categorical({ logits: l1! }), new Categorical({ logits: l2! })), [m1, m2]],
  ];
  for (const [name, fn, inputs] of checks) {
    const r = gradcheck(fn, inputs);
    assert.ok(r.ok, `${name}: ${r.failures.join('\n')}`);
  }
});

test('klMonteCarlo is differentiable through rsample: ∂/∂μ of the KL to N(0, I) estimates μ', () => {
  const loc = tensor([0.7, -1.2], { ...f64, requiresGrad: true });
  const p = new Normal({ loc, scale: t64([0.5, 2]), eventDims: 1 });
  const q = new Normal({ loc: zeros([2], f64), scale: ones([2], f64), eventDims: 1 });
  const n = 20000;
  const { estimate } = klMonteCarlo(p, q, { samples: n, rng: new Rng(4) });
  estimate.backward();
  // ∂/∂μ E[log p − log q] = E[x] = μ; the estimator's gradient is the sample mean of x = μ + σε.
  assertClose(loc.grad!, [0.7, -1.2], 4 * (2 / Math.sqrt(n)));
});

test('KL of a Gaussian mixture has no closed form: klDivergence says so and klMonteCarlo matches quadrature', () => {
  const mix = new MixtureSameFamily(new Categorical({ probs: t64([0.4, 0.6]) }), new Normal({ loc: t64([-2, 1.5]), scale: t64([0.7, 1]) }));
  const q = new Normal({ loc: t64([0]), scale: t64([2]) });
  assert.throws(
    () => klDivergence(mix, q),
    /^Error: klDivergence: no closed form registered for \(MixtureSameFamily, Normal\); estimate it with klMonteCarlo\(p, q, \{ samples, rng \}\)/,
  );
  const xs = Array.from({ length: 40001 }, (_, i) => -15 + (30 * i) / 40000);
  const lp = flat(mix.logProb(t64(xs)));
  const lq = flat(q.logProb(t64(xs)));
  const quad = lp.reduce((s, v, i) => s + Math.exp(v) * (v - lq[i]!) * (30 / 40000), 0);
  const { estimate, standardError } = klMonteCarlo(mix, q, { samples: 40000, rng: new Rng(5) });
  assert.ok(Math.abs(estimate.item() - quad) < 5 * standardError.item(), `${estimate.item()} ± ${standardError.item()} vs ${quad}`);
});

test('KL dispatch matches the exact class pair: a subclass of Normal is not silently treated as a Normal', () => {
  class ShiftedNormal extends Normal {}
  const p = new ShiftedNormal({ loc: t64([0]), scale: t64([1]) });
  const q = new Normal({ loc: t64([0]), scale: t64([1]) });
  assert.throws(() => klDivergence(p, q), /no closed form registered for \(ShiftedNormal, Normal\)/);
  assert.throws(
    () => klDivergence(new Normal({ loc: t64([0, 0]), scale: t64([1, 1]) }), randomMvn(2, new Rng(1))),
    /klDivergence\(Normal, MultivariateNormal\): the Normal needs eventDims 1/,
  );
});
