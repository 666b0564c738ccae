// Optimizers against their PyTorch update rules written out in float64: Adam,
// AdamW (decoupled decay), SGD with momentum and Nesterov; clipGradNorm; and
// getState/setState resuming bit-for-bit.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Adam, AdamW, Rng, SGD, Tensor, clipGradNorm, randn, tensor, type Optimizer } from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';

const f64 = { dtype: 'float64' } as const;

function param(values: number[]): Tensor {
  return tensor(values, { ...f64, requiresGrad: true });
}

/** Run the optimizer on fixed per-step gradients and return the parameter after each step. */
function run(opt: Optimizer, p: Tensor, grads: number[][]): number[][] {
  return grads.map((g) => {
    p.grad = tensor(g, f64);
    opt.step();
    return Array.from(p.contiguousData());
  });
}

function assertNear(actual: number[][], expected: number[][], tol: number): void {
  actual.forEach((row, t) => row.forEach((v, i) => {
    const e = expected[t]![i]!;
    assert.ok(Math.abs(v - e) <= tol * Math.max(1, Math.abs(e)), `step ${t + 1}, entry ${i}: ${v} vs ${e}`);
  }));
}

const p0 = [1, -0.5, 2, 0];
const grads = [[0.5, -0.3, 0.2, 1e-3], [-0.4, 0.1, 0.25, -2], [0.3, 0.3, -0.1, 0.5]];

/** torch.optim.Adam / AdamW (foreach=False, amsgrad=False), written out. */
function torchAdam(lr: number, b1: number, b2: number, eps: number, wd: number, decoupled: boolean): number[][] {
  const p = p0.slice();
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  const out: number[][] = [];
  grads.forEach((gs, s) => {
    const t = s + 1;
    for (let i = 0; i < p.length; i++) {
      let g = gs[i]!;
      if (decoupled) p[i] = p[i]! * (1 - lr * wd);
      else g = g + wd * p[i]!;
      m[i] = m[i]! + (1 - b1) * (g - m[i]!); // exp_avg.lerp_(grad, 1 − β₁)
      v[i] = v[i]! * b2 + (1 - b2) * g * g; // exp_avg_sq.mul_(β₂).addcmul_(grad, grad, 1 − β₂)
      const stepSize = lr / (1 - b1 ** t);
      const denom = Math.sqrt(v[i]!) / Math.sqrt(1 - b2 ** t) + eps;
      p[i] = p[i]! - stepSize * (m[i]! / denom);
    }
    out.push(p.slice());
  });
  return out;
}

/** torch.optim.SGD (dampening 0): buf ← g on the first step, then μ·buf + g; Nesterov steps along g + μ·buf. */
function torchSgd(lr: number, mu: number, nesterov: boolean, wd: number): number[][] {
  const p = p0.slice();
  const buf = p.map(() => 0);
  const out: number[][] = [];
  grads.forEach((gs, s) => {
    for (let i = 0; i < p.length; i++) {
      let d = gs[i]! + wd * p[i]!;
      if (mu !== 0) {
        buf[i] = s === 0 ? d : mu * buf[i]! + d;
        d = nesterov ? d + mu * buf[i]! : buf[i]!;
      }
      p[i] = p[i]! - lr * d;
    }
    out.push(p.slice());
  });
  return out;
}

forEachBackend(() => {
  describe('Adam and AdamW', () => {
    test('Adam matches PyTorch’s update rule for 3 steps (default betas and eps)', () => {
      const p = param(p0);
      assertNear(run(new Adam([p], 0.1), p, grads), torchAdam(0.1, 0.9, 0.999, 1e-8, 0, false), 1e-14);
    });

    test('Adam’s first step moves each entry by lr·g/(|g| + eps), as hand-computed', () => {
      const p = param(p0);
      const [first] = run(new Adam([p], 0.1), p, grads.slice(0, 1));
      const expected = p0.map((v, i) => v - (0.1 * grads[0]![i]!) / (Math.abs(grads[0]![i]!) + 1e-8));
      assertNear([first!], [expected], 1e-15);
      assert.ok(Math.abs(first![0]! - 0.900000002) < 1e-9);
    });

    test('Adam with weightDecay adds L2 to the gradient, with custom betas and eps', () => {
      const p = param(p0);
      const opt = new Adam([p], 0.05, { betas: [0.8, 0.99], eps: 1e-6, weightDecay: 0.1 });
      assertNear(run(opt, p, grads), torchAdam(0.05, 0.8, 0.99, 1e-6, 0.1, false), 1e-14);
    });

    test('AdamW decays weights decoupled from the gradient: p ← p(1 − lr·wd) before the Adam step', () => {
      const p = param(p0);
      assertNear(run(new AdamW([p], 0.1, { weightDecay: 0.2 }), p, grads), torchAdam(0.1, 0.9, 0.999, 1e-8, 0.2, true), 1e-14);
      assert.equal(new AdamW([param([1])]).weightDecay, 1e-2);
    });

    test('with zero gradients AdamW only shrinks weights geometrically, while L2 Adam takes normalized steps', () => {
      const zero = [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]];
      const pw = param(p0);
      const afterW = run(new AdamW([pw], 0.1, { weightDecay: 0.2 }), pw, zero);
      assertNear(afterW, [1, 2, 3].map((t) => p0.map((v) => v * 0.98 ** t)), 1e-15);
      const pa = param(p0);
      const afterA = run(new Adam([pa], 0.1, { weightDecay: 0.2 }), pa, zero);
      assert.ok(Math.abs(afterA[0]![0]! - (1 - 0.1)) < 1e-6, 'L2 Adam: first step is ≈ lr·sign(p)');
    });
  });

  describe('SGD', () => {
    test('plain SGD is p ← p − lr·g', () => {
      const p = param(p0);
      assertNear(run(new SGD([p], 0.1), p, grads), torchSgd(0.1, 0, false, 0), 1e-15);
    });

    test('SGD with momentum matches torch (buffer starts at the first gradient)', () => {
      const p = param(p0);
      assertNear(run(new SGD([p], 0.1, { momentum: 0.9 }), p, grads), torchSgd(0.1, 0.9, false, 0), 1e-15);
    });

    test('SGD with Nesterov momentum and weight decay matches torch', () => {
      const p = param(p0);
      assertNear(run(new SGD([p], 0.1, { momentum: 0.9, nesterov: true, weightDecay: 0.01 }), p, grads), torchSgd(0.1, 0.9, true, 0.01), 1e-15);
    });

    test('invalid hyperparameters are rejected', () => {
      assert.throws(() => new SGD([param([1])], 0.1, { nesterov: true }), { message: 'SGD: Nesterov momentum needs momentum > 0' });
      assert.throws(() => new SGD([param([1])], 0), { message: 'SGD: learning rate must be positive (got 0)' });
      assert.throws(() => new Adam([tensor([1])]), { message: 'Adam: parameter 0 [1] does not require grad' });
    });

    test('parameters without a gradient are left alone', () => {
      const a = param([1, 2]);
      const b = param([3]);
      const opt = new SGD([a, b], 0.5);
      a.grad = tensor([1, 1], f64);
      opt.step();
      assert.deepEqual(Array.from(a.contiguousData()), [0.5, 1.5]);
      assert.deepEqual(Array.from(b.contiguousData()), [3]);
    });
  });

  describe('clipGradNorm', () => {
    test('scales all gradients by maxNorm/(‖g‖ + 1e-6) when the global norm exceeds maxNorm, and returns the norm', () => {
      const a = param([0, 0]);
      const b = param([0]);
      a.grad = tensor([3, 0], f64);
      b.grad = tensor([4], f64);
      const norm = clipGradNorm([a, b], 1);
      assert.equal(norm, 5);
      const c = 1 / (5 + 1e-6);
      assert.deepEqual(Array.from(a.grad.contiguousData()), [3 * c, 0]);
      assert.deepEqual(Array.from(b.grad.contiguousData()), [4 * c]);
    });

    test('leaves gradients under the limit untouched and skips parameters without one', () => {
      const a = param([0, 0]);
      const b = param([0]);
      a.grad = tensor([0.3, 0.4], f64);
      assert.equal(clipGradNorm([a, b], 1), 0.5);
      assert.deepEqual(Array.from(a.grad.contiguousData()), [0.3, 0.4]);
      assert.equal(b.grad, null);
    });
  });

  describe('optimizer state', () => {
    for (const make of [
      (ps: Tensor[]) => new Adam(ps, 0.01),
      (ps: Tensor[]) => new AdamW(ps, 0.01, { weightDecay: 0.1 }),
      (ps: Tensor[]) => new SGD(ps, 0.01, { momentum: 0.9, nesterov: true }),
    ]) {
      const name = make([param([0])]).constructor.name;
      test(`${name}: getState/setState into a fresh optimizer continues bit-for-bit`, () => {
        const rng = new Rng(5);
        const gs = Array.from({ length: 6 }, () => randn([3, 2], rng, f64));
        const init = randn([3, 2], rng, f64);
        const pa = new Tensor(init.toTypedArray(), [3, 2], undefined, 0, true);
        const a = make([pa]);
        for (const g of gs.slice(0, 3)) { pa.grad = g; a.step(); }
        const state = a.getState();
        const pb = new Tensor(pa.toTypedArray(), [3, 2], undefined, 0, true);
        const b = make([pb]);
        b.setState(state);
        // The exported state is a copy: mutating it must not affect either optimizer.
        for (const buf of Object.values(state.buffers[0]!)) buf.fill(123);
        for (const g of gs.slice(3)) {
          pa.grad = g; a.step();
          pb.grad = g; b.step();
        }
        assert.deepEqual(pb.toTypedArray(), pa.toTypedArray());
        assert.equal(b.getState().step, 6);
      });
    }

    test('setState rejects state for a different parameter list', () => {
      const opt = new Adam([param([1, 2])]);
      assert.throws(() => opt.setState({ step: 1, buffers: [] }), { message: 'Adam.setState: state has 0 parameters, optimizer has 1' });
      assert.throws(() => opt.setState({ step: 1, buffers: [{ exp_avg: new Float64Array(3) }] }), {
        message: 'Adam.setState: buffer exp_avg of parameter 0 has 3 entries, parameter has 2',
      });
    });
  });
});
