// Training does not leak: 10,000 steps of a small MLP (forward, backward,
// Adam) leave the heap where it started, and each step's graph is collectable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Adam, Rng, Tensor, add, mlp, mse, mul, randn, tanh } from '../../src/index.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

test('10,000 training steps of a 2-16-2 MLP do not grow the heap, and step graphs are released', async () => {
  const rng = new Rng(3);
  const net = mlp([2, 16, 2], rng, { activation: tanh });
  const opt = new Adam(net.parameters(), 1e-2);
  const x = randn([32, 2], rng);
  const y = tanh(add(mul(x, 0.5), 0.1));
  let firstLoss: WeakRef<Tensor> | null = null;
  const step = (): number => {
    const loss = mse(net.forward(x), y);
    firstLoss ??= new WeakRef(loss);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    return loss.item();
  };
  const start = step();
  for (let i = 0; i < 99; i++) step();
  const before = heapAfterGc();
  let last = start;
  for (let i = 0; i < 10_000; i++) last = step();
  const after = heapAfterGc();
  // NOTE: a WeakRef target stays alive until the job that created it ends, so yield before checking.
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  assert.ok(last < start, `training should reduce the loss (${start} → ${last})`);
  assert.equal(firstLoss!.deref(), undefined, 'the first step’s loss tensor (and its graph) should have been collected');
  const growthMb = (after - before) / 2 ** 20;
  assert.ok(growthMb < 1, `heap grew by ${growthMb.toFixed(2)} MB over 10,000 steps`);
});
