// Linear GPLVM (dual PPCA) and the PCA helper: the autodiff gradient is the closed form
// −DαK⁻¹X + αK⁻¹YYᵀK⁻¹X (and not a K⁻² form), the fit finds the PCA subspace and the
// analytic optimum, PCA matches an exact eigen-decomposition, and errors state shapes and sizes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { noGrad } from '../../src/autograd/tape.js';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import { add, eye, inverse, matmul, mul, randn, sub, transpose } from '../../src/ops/index.js';
import { lowRank } from '../../src/data/synthetic.js';
import { LinearGPLVM, checkGplvmMemory, gplvmKernelBytes, linearGplvmLogLik } from '../../src/models/gplvm.js';
import { pca, symmetricEigen } from '../../src/models/pca.js';
import { maxAbsDiff } from '../helpers/compare.js';


function maxAbs(a: Tensor): number {
  return Array.from(a.contiguousData()).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}

/** P = A(AᵀA)⁻¹Aᵀ, the orthogonal projection onto the column span of A (N×Q). */
function projection(A: Tensor): Tensor {
  return noGrad(() => matmul(A, matmul(inverse(matmul(transpose(A), A)), transpose(A))));
}

function frobenius(a: Tensor): number {
  return Math.sqrt(Array.from(a.contiguousData()).reduce((s, v) => s + v * v, 0));
}

/** Seeded low-rank data as a float64 tensor: N = 60 points near a 2-D subspace of R⁸. */
function lowRankData(seed: number, noise = 0.1): Tensor {
  const ds = lowRank(60, 8, 2, new Rng(seed), { noise });
  return new Tensor(Float64Array.from(ds.x), [ds.n, ds.dim]);
}

test('the autodiff gradient of L in X equals −DαK⁻¹X + αK⁻¹YYᵀK⁻¹X and not the K⁻² form −DαK⁻¹X + αK⁻²YYᵀX (float64)', () => {
  const Y = randn([12, 5], new Rng(1), { dtype: 'float64' });
  const model = new LinearGPLVM(Y, { latentDim: 2, init: 'random', rng: new Rng(2), alpha: 0.7, beta: 3 });
  model.logLikelihood().backward();
  const autodiff = model.X.grad!;
  const { X } = model;
  const Yc = model.data();
  const [D, alpha, beta] = [5, model.alpha, model.beta];
  const closed = noGrad(() => {
    const K = add(mul(matmul(X, transpose(X)), alpha), mul(eye(12, { dtype: 'float64' }), 1 / beta));
    const Kinv = inverse(K);
    const KinvX = matmul(Kinv, X);
    const YYt = matmul(Yc, transpose(Yc));
    const right = mul(matmul(Kinv, matmul(YYt, KinvX)), alpha);
    const wrong = mul(matmul(Kinv, matmul(Kinv, matmul(YYt, X))), alpha);
    return { right: add(mul(KinvX, -D * alpha), right), wrong: add(mul(KinvX, -D * alpha), wrong) };
  });
  const scale = maxAbs(closed.right);
  assert.ok(maxAbsDiff(autodiff, closed.right) <= 1e-10 * scale, `autodiff vs closed form: ${maxAbsDiff(autodiff, closed.right)} (scale ${scale})`);
  assert.ok(maxAbsDiff(autodiff, closed.wrong) > 1e-2 * scale, `the K⁻² form should differ, but differs by only ${maxAbsDiff(autodiff, closed.wrong)}`);
});

test('linearGplvmLogLik passes gradcheck in X, log α and log β (float64)', () => {
  const rng = new Rng(3);
  const Y = randn([7, 3], rng, { dtype: 'float64' });
  const X = randn([7, 2], rng, { dtype: 'float64' });
  const la = new Tensor(Float64Array.of(Math.log(0.8)), []);
  const lb = new Tensor(Float64Array.of(Math.log(2)), []);
  const res = gradcheck((x, a, b) => linearGplvmLogLik(x!, a!, b!, Y), [X, la, lb]);
  assert.ok(res.ok, res.failures.join('\n'));
});

test('the log-likelihood equals the dense Gaussian formula Σ_d log N(y_d; 0, K)', () => {
  const Y = randn([6, 3], new Rng(4), { dtype: 'float64' });
  const model = new LinearGPLVM(Y, { latentDim: 2, init: 'random', rng: new Rng(5), alpha: 1.3, beta: 0.9 });
  const ll = model.logLikelihood().item();
  const ref = noGrad(() => {
    const X = model.X;
    const K = add(mul(matmul(X, transpose(X)), 1.3), mul(eye(6, { dtype: 'float64' }), 1 / 0.9));
    const Kinv = inverse(K).toTypedArray();
    const Kd = K.toTypedArray();
    // log|K| by Gaussian elimination, independent of cholesky.
    const a = Float64Array.from(Kd);
    let logDet = 0;
    for (let k = 0; k < 6; k++) {
      logDet += Math.log(a[k * 6 + k]!);
      for (let i = k + 1; i < 6; i++) {
        const f = a[i * 6 + k]! / a[k * 6 + k]!;
        for (let j = k; j < 6; j++) a[i * 6 + j]! -= f * a[k * 6 + j]!;
      }
    }
    const y = model.data().toTypedArray();
    let quad = 0;
    for (let d = 0; d < 3; d++) for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) quad += y[i * 3 + d]! * Kinv[i * 6 + j]! * y[j * 3 + d]!;
    return -0.5 * 18 * Math.log(2 * Math.PI) - 1.5 * logDet - 0.5 * quad;
  });
  assert.ok(Math.abs(ll - ref) < 1e-9 * Math.abs(ref), `${ll} vs ${ref}`);
});

test('pca matches a full Jacobi eigen-decomposition of the covariance, in both the primal (D ≤ N) and dual (N < D) paths', () => {
  for (const [n, d] of [[40, 6], [5, 9]] as const) {
    const Y = randn([n, d], new Rng(6 + n), { dtype: 'float64' });
    const q = 3;
    const p = pca(Y, q);
    const y = Y.toTypedArray();
    const mu = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mu[j]! += y[i * d + j]! / n;
    const C = new Float64Array(d * d);
    for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) C[a * d + b]! += ((y[i * d + a]! - mu[a]!) * (y[i * d + b]! - mu[b]!)) / (n - 1);
    const ref = symmetricEigen(C, d);
    const ev = p.explainedVariance.toTypedArray();
    const comps = p.components.toTypedArray();
    for (let c = 0; c < q; c++) {
      assert.ok(Math.abs(ev[c]! - ref.values[c]!) < 1e-9 * ref.values[0]!, `[${n},${d}] variance ${c}: ${ev[c]} vs ${ref.values[c]}`);
      let dot = 0;
      for (let j = 0; j < d; j++) dot += comps[c * d + j]! * ref.vectors[j * d + c]!;
      assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-8, `[${n},${d}] axis ${c}: |cos| = ${Math.abs(dot)}`);
    }
    // Scores are the centred data projected on the axes.
    const scores = p.scores.toTypedArray();
    let s = 0;
    for (let j = 0; j < d; j++) s += (y[j]! - mu[j]!) * comps[j]!;
    assert.ok(Math.abs(scores[0]! - s) < 1e-10);
  }
});

test('pca converges by subspace iteration when the block is smaller than the space (N = 200, D = 50, q = 2)', () => {
  const Y = randn([200, 50], new Rng(8), { dtype: 'float64' });
  const p = pca(Y, 2);
  assert.ok(p.iterations > 1, 'expected the iterative path');
  const y = Y.toTypedArray();
  const mu = new Float64Array(50);
  for (let i = 0; i < 200; i++) for (let j = 0; j < 50; j++) mu[j]! += y[i * 50 + j]! / 200;
  const C = new Float64Array(2500);
  for (let i = 0; i < 200; i++) for (let a = 0; a < 50; a++) for (let b = 0; b < 50; b++) C[a * 50 + b]! += ((y[i * 50 + a]! - mu[a]!) * (y[i * 50 + b]! - mu[b]!)) / 199;
  const ref = symmetricEigen(C, 50);
  const ev = p.explainedVariance.toTypedArray();
  for (let c = 0; c < 2; c++) assert.ok(Math.abs(ev[c]! - ref.values[c]!) < 1e-8 * ref.values[0]!, `variance ${c}: ${ev[c]} vs ${ref.values[c]}`);
});

test('from a random start the fitted latent subspace matches the top-2 principal components (projection matrices agree)', () => {
  const Y = lowRankData(10);
  const model = new LinearGPLVM(Y, { latentDim: 2, init: 'random', rng: new Rng(11) });
  model.fit({ steps: 600, lr: 0.02 });
  // U_Q: the top-Q eigenvectors of YYᵀ are the normalised PCA scores.
  const U = pca(Y, 2).scores;
  const dist = frobenius(sub(projection(model.latents()), projection(U)));
  assert.ok(dist < 1e-3, `‖P_X − U_QU_Qᵀ‖_F = ${dist}`);
});

test('the fitted likelihood is at least the PCA initialisation and reaches the closed-form optimum', () => {
  const Y = lowRankData(12);
  const model = new LinearGPLVM(Y, { latentDim: 2 });
  const history = model.fit({ steps: 400, lr: 0.02 });
  const initLL = history[0]!.logLik;
  const fitted = history.at(-1)!.logLik;
  const opt = model.analyticOptimum();
  assert.ok(fitted >= initLL, `fitted ${fitted} < PCA init ${initLL}`);
  assert.ok(fitted <= opt.logLik + 1e-6 * Math.abs(opt.logLik), `fitted ${fitted} exceeds the maximum ${opt.logLik}`);
  assert.ok(opt.logLik - fitted < 1e-2, `fitted ${fitted} vs optimum ${opt.logLik}`);
  assert.ok(Math.abs(model.beta / opt.beta - 1) < 1e-2, `β ${model.beta} vs ML β ${opt.beta}`);
  // The closed-form latents evaluate to the closed-form likelihood.
  const check = linearGplvmLogLik(opt.latents, model.logAlpha, new Tensor(Float64Array.of(Math.log(opt.beta)), []), model.data()).item();
  assert.ok(Math.abs(check - opt.logLik) < 1e-8 * Math.abs(opt.logLik), `${check} vs ${opt.logLik}`);
});

test('with β fixed the PCA initialisation is already the maximum, and fitting does not lower it', () => {
  const Y = lowRankData(13);
  const model = new LinearGPLVM(Y, { latentDim: 2, learnBeta: false, beta: 50 });
  const opt = model.analyticOptimum();
  const history = model.fit({ steps: 20, lr: 0.001 });
  assert.ok(Math.abs(history[0]!.logLik - opt.logLik) < 1e-8 * Math.abs(opt.logLik), `${history[0]!.logLik} vs ${opt.logLik}`);
  assert.ok(history.at(-1)!.logLik >= opt.logLik - 1e-3);
});

test('fit raises the log-likelihood almost monotonically and returns steps + 1 entries', () => {
  const model = new LinearGPLVM(lowRankData(14), { latentDim: 2, init: 'random', rng: new Rng(15), learnAlpha: true });
  const h = model.fit({ steps: 150, lr: 0.02 });
  assert.equal(h.length, 151);
  assert.deepEqual(h.map((e) => e.step), Array.from({ length: 151 }, (_, i) => i));
  const drops = h.slice(1).filter((e, i) => e.logLik < h[i]!.logLik).length;
  assert.ok(drops <= 15, `${drops} of 150 steps lowered L`);
  for (let k = 10; k < h.length; k += 10) assert.ok(h[k]!.logLik > h[k - 10]!.logLik - 1e-6, `L fell from step ${k - 10} to ${k}`);
  assert.ok(h.at(-1)!.logLik > h[0]!.logLik + 100);
});

test('the memory guard names N, the estimate and a subset size, and runs before anything N×N is allocated', () => {
  assert.equal(gplvmKernelBytes(1000), 16 * 8 * 1000 * 1000);
  assert.throws(() => checkGplvmMemory(60000), {
    message: 'LinearGPLVM: N = 60000 needs ~461 GB for the dense 60000×60000 kernel (limit 2 GiB); use a subset of at most 4096 rows (e.g. --limit 2000)',
  });
  assert.doesNotThrow(() => checkGplvmMemory(4096));
  const Y = randn([100, 3], new Rng(16), { dtype: 'float64' });
  assert.throws(() => new LinearGPLVM(Y, { latentDim: 2, maxKernelBytes: 1e6 }), {
    message: 'LinearGPLVM: N = 100 needs ~1.3 MB for the dense 100×100 kernel (limit 977 KiB); use a subset of at most 88 rows (e.g. --limit 88)',
  });
});

test('bad shapes and options are rejected with the shapes in the message', () => {
  const rng = new Rng(17);
  const Y = randn([10, 4], rng, { dtype: 'float64' });
  assert.throws(() => new LinearGPLVM(randn([10], rng), { latentDim: 1 }), /expected data Y of shape \[N, D\], got \[10\]/);
  assert.throws(() => new LinearGPLVM(Y, { latentDim: 5 }), /latentDim must be an integer in \[1, min\(D, N − 1\) = 4\] for Y \[10,4\], got 5/);
  assert.throws(() => new LinearGPLVM(Y, { latentDim: 1.5 }), /latentDim/);
  assert.throws(() => new LinearGPLVM(randn([1, 4], rng), { latentDim: 1 }), /need at least 2 rows and 1 column, got Y \[1,4\]/);
  assert.throws(() => new LinearGPLVM(Y, { latentDim: 2, init: 'random' }), /init 'random' needs an rng/);
  assert.throws(() => new LinearGPLVM(Y, { latentDim: 2, beta: -1 }), /beta must be positive and finite, got -1/);
  const bad = Y.toTypedArray();
  bad[6] = NaN;
  assert.throws(() => new LinearGPLVM(new Tensor(bad, [10, 4]), { latentDim: 2 }), /non-finite value NaN at row 1, column 2/);
  assert.throws(() => new LinearGPLVM(new Tensor(new Float64Array(40).fill(3), [10, 4]), { latentDim: 2 }), /is constant after centring/);
  assert.throws(() => linearGplvmLogLik(randn([9, 2], rng, { dtype: 'float64' }), new Tensor(Float64Array.of(0), []), new Tensor(Float64Array.of(0), []), Y),
    /expected X \[N, Q\] and Y \[N, D\] with the same N, got X \[9,2\] and Y \[10,4\]/);
  assert.throws(() => new LinearGPLVM(Y, { latentDim: 2 }).fit({ steps: -1 }), /steps must be a non-negative integer, got -1/);
  assert.throws(() => pca(Y, 0), /number of components must be an integer in \[1, min\(N, D\) = 4\] for data \[10,4\], got 0/);
});
