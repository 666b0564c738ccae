// MultivariateNormal: the three parameterizations agree on one Cholesky factor,
// logProb matches the textbook density, samples have the right moments,
// gradients pass gradcheck, and invalid matrices get errors that say what is wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { add, eye, gradcheck, inverse, matmul, mul, Rng, transpose, zeros } from '../../src/index.js';
import { MultivariateNormal } from '../../src/distributions/index.js';
import { assertClose, f64, flat, randomSpd, randomVector, t64 } from './helpers.js';

const Sigma = [[2, 0.6, -0.3], [0.6, 1, 0.2], [-0.3, 0.2, 0.5]];
const mu = [1, -1, 0.5];

/** Textbook density in 2-D: −½ qᵀΣ⁻¹q − ½ log((2π)² |Σ|) with the explicit 2×2 inverse. */
function logDensity2d(x: number[], m: number[], S: number[][]): number {
  const det = S[0]![0]! * S[1]![1]! - S[0]![1]! * S[1]![0]!;
  const a = x[0]! - m[0]!;
  const b = x[1]! - m[1]!;
  const quad = (S[1]![1]! * a * a - 2 * S[0]![1]! * a * b + S[0]![0]! * b * b) / det;
  return -0.5 * quad - 0.5 * Math.log((2 * Math.PI) ** 2 * det);
}

test('MultivariateNormal.logProb matches the textbook 2-D density', () => {
  const S = [[1.5, -0.4], [-0.4, 0.8]];
  const p = new MultivariateNormal({ loc: t64([0.5, -1]), covariance: t64(S) });
  const xs = [[0, 0], [1, -2], [3, 3]];
  assertClose(p.logProb(t64(xs)), xs.map((x) => logDensity2d(x, [0.5, -1], S)), 1e-13);
});

test('covariance, precision and scaleTril parameterizations give the same Cholesky factor and density', () => {
  const byCov = new MultivariateNormal({ loc: t64(mu), covariance: t64(Sigma) });
  const byPrec = new MultivariateNormal({ loc: t64(mu), precision: inverse(t64(Sigma)) });
  const byTril = new MultivariateNormal({ loc: t64(mu), scaleTril: byCov.scaleTril.contiguous() });
  assertClose(byPrec.scaleTril, byCov.scaleTril, 1e-13, 0, 'L from precision');
  const L = flat(byPrec.scaleTril);
  assert.ok([1, 2, 5].every((i) => L[i] === 0) && [0, 4, 8].every((i) => L[i]! > 0), 'lower-triangular with a positive diagonal');
  const x = t64([[0, 0, 0], [1, 2, -1]]);
  for (const q of [byPrec, byTril]) assertClose(q.logProb(x), byCov.logProb(x), 1e-12);
  assertClose(byTril.covariance, t64(Sigma), 1e-14, 0, 'covariance from L');
  assertClose(byCov.precision, inverse(t64(Sigma)), 1e-12, 0, 'precision from L');
  assertClose(byCov.variance, [2, 1, 0.5], 1e-14);
});

test('MultivariateNormal.entropy is ½ log((2πe)^d |Σ|)', () => {
  const p = new MultivariateNormal({ loc: t64([0, 0]), covariance: t64([[2, 1], [1, 2]]) });
  assertClose(p.entropy(), 0.5 * Math.log((2 * Math.PI * Math.E) ** 2 * 3), 1e-14);
});

test('MultivariateNormal.rsample mean and covariance match within sampling error', () => {
  const p = new MultivariateNormal({ loc: t64(mu), covariance: t64(Sigma) });
  const n = 20000;
  const x = p.rsample(n, new Rng(3));
  assert.deepEqual(x.shape, [n, 3]);
  const d = flat(x);
  const m = [0, 1, 2].map((j) => d.filter((_, i) => i % 3 === j).reduce((a, b) => a + b, 0) / n);
  m.forEach((v, j) => assert.ok(Math.abs(v - mu[j]!) < 4 * Math.sqrt(Sigma[j]![j]! / n), `mean ${j}: ${v}`));
  for (let a = 0; a < 3; a++) {
    for (let b = 0; b < 3; b++) {
      let c = 0;
      for (let i = 0; i < n; i++) c += (d[i * 3 + a]! - m[a]!) * (d[i * 3 + b]! - m[b]!);
      c /= n - 1;
      // Var of a sample covariance entry ≈ (Σaa Σbb + Σab²)/n.
      const se = Math.sqrt((Sigma[a]![a]! * Sigma[b]![b]! + Sigma[a]![b]! ** 2) / n);
      assert.ok(Math.abs(c - Sigma[a]![b]!) < 4 * se, `cov[${a},${b}] = ${c} vs ${Sigma[a]![b]}`);
    }
  }
});

test('batched MultivariateNormal broadcasts loc against the factor and gives [n, ...batch] log-densities', () => {
  const rng = new Rng(8);
  const covs = t64([randomSpd(2, rng), randomSpd(2, rng), randomSpd(2, rng)]);
  const p = new MultivariateNormal({ loc: t64([0.1, 0.2]), covariance: covs });
  assert.deepEqual(p.batchShape, [3]);
  const x = p.sample(4, rng);
  assert.deepEqual(x.shape, [4, 3, 2]);
  const lp = p.logProb(x);
  assert.deepEqual(lp.shape, [4, 3]);
  const c = covs.toArray() as number[][][];
  const xs = x.toArray() as number[][][];
  const expected = xs.flatMap((row) => row.map((xi, b) => logDensity2d(xi, [0.1, 0.2], c[b]!)));
  assertClose(lp, expected, 1e-12);
});

test('gradients through MultivariateNormal.rsample and logProb pass gradcheck (covariance and precision)', () => {
  const rng = new Rng(4);
  const A = t64([[1, 0.2, 0], [-0.3, 0.8, 0.1], [0.5, 0.1, 1.2]]);
  const loc = t64(randomVector(3, rng));
  const x = t64([[0.3, -0.2, 1], [1, 1, -1]]);
  const spd = (a: typeof A) => add(matmul(a, transpose(a)), mul(eye(3, f64), 0.5));
  const r = gradcheck((m, a) => new MultivariateNormal({ loc: m, covariance: spd(a) }).rsample(3, new Rng(9)), [loc, A]);
  assert.ok(r.ok, r.failures.join('\n'));
  const l = gradcheck((m, a, xx) => new MultivariateNormal({ loc: m, covariance: spd(a) }).logProb(xx), [loc, A, x]);
  assert.ok(l.ok, l.failures.join('\n'));
  const pr = gradcheck((m, a) => new MultivariateNormal({ loc: m, precision: spd(a) }).logProb(x), [loc, A]);
  assert.ok(pr.ok, pr.failures.join('\n'));
});

test('a covariance that is not positive definite gets an error that says so, with the pivot', () => {
  assert.throws(
    () => new MultivariateNormal({ loc: zeros([2], f64), covariance: t64([[1, 2], [2, 1]]) }),
    /^Error: MultivariateNormal: covariance is not positive definite \(pivot 2 of 2 is -3.00\)$/,
  );
  assert.throws(() => new MultivariateNormal({ loc: zeros([2], f64), precision: t64([[-1, 0], [0, 1]]) }), /MultivariateNormal: precision is not positive definite/);
});

test('MultivariateNormal rejects asymmetric, non-triangular and mismatched parameters by name and shape', () => {
  assert.throws(
    () => new MultivariateNormal({ loc: zeros([2], f64), covariance: t64([[1, 0.5], [0.3, 1]]) }),
    /MultivariateNormal: covariance is not symmetric \(entry \[1,0\] is 0.3 but \[0,1\] is 0.5\)/,
  );
  assert.throws(() => new MultivariateNormal({ loc: zeros([2], f64), scaleTril: t64([[1, 0.5], [0, 1]]) }), /scaleTril must be lower-triangular \(entry \[0,1\] is 0.5\)/);
  assert.throws(() => new MultivariateNormal({ loc: zeros([2], f64), scaleTril: t64([[1, 0], [0, -1]]) }), /scaleTril must have a positive diagonal/);
  assert.throws(() => new MultivariateNormal({ loc: zeros([3, 2], f64), covariance: eye(4, f64) }), /loc \[3,2\] and covariance \[4,4\] disagree on the event size \(2 vs 4\)/);
  assert.throws(() => new MultivariateNormal({ loc: zeros([3, 2], f64), covariance: zeros([4, 2, 2], f64) }), /loc \[3,2\] and covariance \[4,2,2\] cannot be broadcast/);
  assert.throws(() => new MultivariateNormal({ loc: zeros([2], f64) }), /give exactly one of covariance, precision and scaleTril \(got none\)/);
});
