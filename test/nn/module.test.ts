// Modules: parameters found by walking typed fields (with dotted names),
// parameterCount, stateDict round trips with shape checks, Linear init bounds
// and mlp shapes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Linear, Module, Rng, Sequential, Tensor, matmul, mlp, randn, relu, sigmoid, tanh, tensor, transpose, add, zeros, sum,
} from '../../src/index.js';

class TwoHeads extends Module {
  readonly encoder: Sequential;
  readonly heads: Linear[];
  readonly logScale: Tensor;
  /** A buffer (no requiresGrad): not a parameter. */
  readonly runningMean: Tensor;
  readonly width = 3;

  constructor(rng: Rng) {
    super();
    this.encoder = mlp([4, 5, 3], rng, { activation: relu });
    this.heads = [new Linear(3, 2, rng), new Linear(3, 2, rng, { bias: false })];
    this.logScale = zeros([2], { requiresGrad: true });
    this.runningMean = zeros([3]);
  }

  forward(x: Tensor): Tensor {
    const hdn = this.encoder.forward(x);
    return add(add(this.heads[0]!.forward(hdn), this.heads[1]!.forward(hdn)), this.logScale);
  }
}

describe('parameters', () => {
  test('namedParameters walks fields, sub-modules and arrays in field order with dotted names', () => {
    const m = new TwoHeads(new Rng(1));
    assert.deepEqual(m.namedParameters().map(([name, p]) => [name, p.shape]), [
      ['encoder.layers.0.weight', [5, 4]],
      ['encoder.layers.0.bias', [5]],
      ['encoder.layers.2.weight', [3, 5]],
      ['encoder.layers.2.bias', [3]],
      ['heads.0.weight', [2, 3]],
      ['heads.0.bias', [2]],
      ['heads.1.weight', [2, 3]],
      ['logScale', [2]],
    ]);
    assert.equal(m.parameters().length, 8);
    assert.ok(m.parameters().every((p) => p.requiresGrad));
  });

  test('parameterCount of an n-h-n network without biases is 2nh, with biases 2nh + h + n', () => {
    for (const [n, h] of [[784, 20], [5, 2]] as const) {
      assert.equal(mlp([n, h, n], new Rng(0), { activation: sigmoid, bias: false }).parameterCount(), 2 * n * h);
      assert.equal(mlp([n, h, n], new Rng(0), { activation: sigmoid }).parameterCount(), 2 * n * h + h + n);
    }
    assert.equal(new TwoHeads(new Rng(0)).parameterCount(), 20 + 5 + 15 + 3 + 6 + 2 + 6 + 2);
  });

  test('zeroGrad clears every parameter gradient', () => {
    const m = new TwoHeads(new Rng(2));
    sum(m.forward(randn([3, 4], new Rng(3)))).backward();
    assert.ok(m.parameters().every((p) => p.grad !== null));
    m.zeroGrad();
    assert.ok(m.parameters().every((p) => p.grad === null));
  });
});

describe('stateDict', () => {
  test('round trip: loading A’s state into B makes B compute what A computes, without aliasing', () => {
    const a = new TwoHeads(new Rng(10));
    const b = new TwoHeads(new Rng(11));
    const x = randn([2, 4], new Rng(12));
    assert.notDeepEqual(b.forward(x).toArray(), a.forward(x).toArray());
    b.loadStateDict(a.stateDict());
    assert.deepEqual(b.forward(x).toArray(), a.forward(x).toArray());
    a.heads[0]!.weight.data[0]! += 1;
    assert.notDeepEqual(b.forward(x).toArray(), a.forward(x).toArray());
  });

  test('stateDict holds the parameter tensors themselves, keyed by name', () => {
    const m = new TwoHeads(new Rng(13));
    const sd = m.stateDict();
    assert.equal(sd.get('heads.0.weight'), m.heads[0]!.weight);
    assert.deepEqual([...sd.keys()], m.namedParameters().map(([n]) => n));
  });

  test('a shape mismatch names the parameter and both shapes', () => {
    const m = mlp([4, 3, 2], new Rng(0), { activation: relu });
    const state = new Map(m.stateDict());
    state.set('layers.0.weight', zeros([4, 3]));
    assert.throws(() => m.loadStateDict(state), { message: 'loadStateDict: layers.0.weight has shape [4,3] in the state but [3,4] in the module' });
  });

  test('missing and unexpected names are errors when strict, ignored otherwise', () => {
    const m = mlp([4, 3, 2], new Rng(0), { activation: relu });
    const state = new Map(m.stateDict());
    state.delete('layers.2.bias');
    state.set('extra', zeros([1]));
    assert.throws(() => m.loadStateDict(state), { message: 'loadStateDict: missing [layers.2.bias], unexpected [extra]' });
    const before = m.stateDict().get('layers.2.bias')!.toTypedArray();
    assert.doesNotThrow(() => m.loadStateDict(state, false));
    assert.deepEqual(m.stateDict().get('layers.2.bias')!.toTypedArray(), before);
  });
});

describe('Linear and mlp', () => {
  test('Linear computes x·Wᵀ + b with W stored [out, in]', () => {
    const l = new Linear(3, 2, new Rng(5), { dtype: 'float64' });
    const x = randn([4, 3], new Rng(6), { dtype: 'float64' });
    assert.deepEqual(l.weight.shape, [2, 3]);
    // The fused kernel adds the bias first, so the order of roundings differs from matmul-then-add.
    const got = l.forward(x).contiguousData();
    const want = add(matmul(x, transpose(l.weight)), l.bias!).contiguousData();
    got.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) <= 1e-14 * Math.max(1, Math.abs(want[i]!)), `entry ${i}: ${v} vs ${want[i]}`));
    assert.equal(l.forward(x).dtype, 'float64');
  });

  test('torch init draws weight and bias from U(±1/√fanIn)', () => {
    const l = new Linear(400, 300, new Rng(7));
    const bound = 1 / Math.sqrt(400);
    for (const t of [l.weight, l.bias!]) {
      const d = t.contiguousData();
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of d) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
      assert.ok(lo >= -bound && hi <= bound, `range [${lo}, ${hi}] exceeds ±${bound}`);
      if (t === l.weight) assert.ok(lo < -0.99 * bound && hi > 0.99 * bound, 'weights should fill the interval');
    }
  });

  test('xavier init is bounded by √(6/(fanIn+fanOut)) with zero bias; he init has std √(2/fanIn)', () => {
    const x = new Linear(300, 100, new Rng(8), { init: 'xavier' });
    const bound = Math.sqrt(6 / 400);
    assert.ok(x.weight.contiguousData().every((v) => Math.abs(v) <= bound));
    assert.ok(x.bias!.contiguousData().every((v) => v === 0));
    const he = new Linear(500, 400, new Rng(9), { init: 'he' });
    const d = he.weight.contiguousData();
    let ss = 0;
    for (const v of d) ss += v * v;
    const std = Math.sqrt(ss / d.length);
    assert.ok(Math.abs(std / Math.sqrt(2 / 500) - 1) < 0.01, `he std ${std}`);
    assert.ok(he.weight.requiresGrad);
  });

  test('Linear rejects inputs whose last axis is not inFeatures', () => {
    const l = new Linear(3, 2, new Rng(0));
    assert.throws(() => l.forward(zeros([4, 5])), { message: 'Linear(3→2): input has shape [4,5], last axis must be 3' });
    assert.throws(() => new Linear(0, 2, new Rng(0)), { message: 'Linear: feature counts must be positive integers (got 0 → 2)' });
  });

  test('mlp through 784-400-20 maps [B,784] to [B,20] with activations between layers only', () => {
    const net = mlp([784, 400, 20], new Rng(0), { activation: relu });
    assert.equal(net.layers.length, 3);
    assert.ok(net.layers[0] instanceof Linear && net.layers[2] instanceof Linear);
    assert.equal(net.layers[1], relu);
    assert.deepEqual(net.forward(zeros([7, 784])).shape, [7, 20]);
    const withOut = mlp([3, 4, 5, 2], new Rng(0), { activation: tanh, outputActivation: sigmoid });
    assert.equal(withOut.layers.length, 6);
    assert.equal(withOut.layers[5], sigmoid);
    assert.deepEqual(withOut.forward(tensor([[1, 2, 3]])).shape, [1, 2]);
    assert.throws(() => mlp([3], new Rng(0), { activation: relu }), { message: 'mlp: needs at least an input and an output width, got [3]' });
  });

  test('Sequential runs Linear + relu and Linear + sigmoid as fused layers with the values and gradients of the separate ops', () => {
    for (const activation of [relu, sigmoid]) {
      const rng = new Rng(3);
      const net = mlp([6, 8, 5, 4], rng, { activation, outputActivation: activation, dtype: 'float64' });
      const x = randn([9, 6], rng, { dtype: 'float64' });
      const separate = (h: Tensor): Tensor => net.layers.reduce((v, l) => (typeof l === 'function' ? l(v) : l.forward(v)), h);
      const lossOf = (f: (h: Tensor) => Tensor): [number[], number[][]] => {
        net.zeroGrad();
        const y = f(x);
        sum(y).backward();
        return [[...y.toTypedArray()], net.parameters().map((p) => [...p.grad!.toTypedArray()])];
      };
      const [yFused, gFused] = lossOf((h) => net.forward(h));
      const [ySeparate, gSeparate] = lossOf(separate);
      assert.deepEqual(yFused, ySeparate, activation.name);
      gFused.forEach((g, i) => g.forEach((v, j) => assert.ok(Math.abs(v - gSeparate[i]![j]!) <= 1e-14 * (1 + Math.abs(v)), `${activation.name} grad ${i}[${j}]`)));
    }
  });
});
