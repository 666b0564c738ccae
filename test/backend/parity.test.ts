// Every backend against the JS reference: the same float32 and float64 training
// step (forward, backward, Adam) gives the same loss, gradients and parameters.
// Skipped when only the JS backend is available.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Adam, Rng, add, bceWithLogits, exp, getBackend, mlp, mul, rand, randn, relu, setBackend, slice, square, sub, sum, type DType, type FloatArray,
} from '../../src/index.js';
import { availableBackends } from '../helpers/backends.js';
import { relErr } from '../helpers/compare.js';

const others = availableBackends().filter((b) => b.name !== 'js');
const reference = availableBackends().find((b) => b.name === 'js');

interface StepResult { loss: number; grads: FloatArray[]; params: FloatArray[] }

/** One VAE-shaped training step (small widths, batch 16), fully seeded. */
function trainingStep(dtype: DType): StepResult {
  const rng = new Rng(77);
  const encoder = mlp([30, 24, 8], rng, { activation: relu, dtype });
  const decoder = mlp([4, 24, 30], rng, { activation: relu, dtype });
  const params = [...encoder.parameters(), ...decoder.parameters()];
  const x = rand([16, 30], rng, { dtype });
  const h = encoder.forward(x);
  const mu = slice(h, [null, [0, 4]]);
  const logVar = slice(h, [null, [4, 8]]);
  const z = add(mu, mul(exp(mul(logVar, 0.5)), randn([16, 4], rng, { dtype })));
  const kl = mul(sum(sub(add(logVar, 1), add(square(mu), exp(logVar)))), -0.5);
  const loss = add(bceWithLogits(decoder.forward(z), x, 'sum'), kl);
  loss.backward();
  const grads = params.map((p) => p.grad!.toTypedArray());
  new Adam(params, 1e-2).step();
  return { loss: loss.item(), grads, params: params.map((p) => p.toTypedArray()) };
}

function runOn(name: string, dtype: DType): StepResult {
  const b = availableBackends().find((x) => x.name === name)!;
  const prev = getBackend();
  setBackend(b.backend);
  try {
    return trainingStep(dtype);
  } finally {
    setBackend(prev);
  }
}

for (const { name } of others) {
  for (const [dtype, tol] of [['float64', 1e-12], ['float32', 2e-5]] as const) {
    test(`${name} backend matches the JS reference on a ${dtype} VAE training step (loss, gradients, Adam update)`, () => {
      assert.ok(reference);
      const want = runOn('js', dtype);
      const got = runOn(name, dtype);
      assert.ok(relErr([got.loss], [want.loss]) < tol, `loss ${got.loss} vs ${want.loss}`);
      want.grads.forEach((g, i) => assert.ok(relErr(got.grads[i]!, g) < tol, `gradient ${i}: rel error ${relErr(got.grads[i]!, g)}`));
      want.params.forEach((p, i) => assert.ok(relErr(got.params[i]!, p) < tol, `parameter ${i} after Adam: rel error ${relErr(got.params[i]!, p)}`));
    });
  }
}

test('the JS reference backend is always available', () => {
  assert.equal(availableBackends()[0]?.name, 'js');
});
