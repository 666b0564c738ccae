// Trainer and checkpoints: resume is bit-exact, the NaN guard names step and quantity and keeps
// the last good checkpoint, and checkpoint writes are atomic even when the writer is killed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/tensor/random.js';
import { add, mul, sqrt, sum } from '../../src/ops/index.js';
import type { LossContext, LossOutput } from '../../src/models/model.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { NonFiniteError, train, trainRngFor } from '../../src/train/trainer.js';
import { createModel } from '../../src/models/registry.js';
import { Adam } from '../../src/optim/index.js';
import { batches } from '../../src/data/batches.js';
import { poolStats } from '../../src/tensor/pool.js';
import { loadCheckpoint, saveCheckpoint, tempPathFor, writeFileAtomicSync } from '../../src/train/checkpoint.js';
import { encodeTrainState, decodeTrainState } from '../../src/train/state.js';
import { TinyAe, synthetic } from './tiny.js';

const data = synthetic(50, 6, 1);
const testData = synthetic(20, 6, 2);
const base = { data, testData, batchSize: 8, optimizer: 'adam' as const, lr: 1e-2, seed: 7 };
const tmp = (): string => mkdtempSync(join(tmpdir(), 'elbo-train-'));

function paramsOf(m: TinyAe): Float32Array[] {
  return m.parameters().map((p) => Float32Array.from(p.data));
}

test('resuming after 2 epochs gives bit-identical parameters, optimizer state and losses to an uninterrupted 4-epoch run', async () => {
  const full = new TinyAe(6, 2, new Rng(3));
  const a = await train({ ...base, model: full, epochs: 4 });

  const dir = tmp();
  const path = join(dir, 'ckpt.safetensors');
  const first = new TinyAe(6, 2, new Rng(3));
  await train({ ...base, model: first, epochs: 2, onEpoch: (_m, state) => saveCheckpoint(path, state()) });
  // A differently initialised model proves the weights come from the checkpoint file.
  const resumed = new TinyAe(6, 2, new Rng(99));
  const state = loadCheckpoint(path);
  assert.equal(state.epoch, 2);
  const b = await train({ ...base, model: resumed, epochs: 4, resume: state });

  assert.deepEqual(paramsOf(resumed), paramsOf(full));
  assert.deepEqual(b.state.optimizer, a.state.optimizer);
  assert.deepEqual(b.state.rng, a.state.rng);
  assert.deepEqual(b.metrics.map((m) => [m.epoch, m.step, m.trainLoss, m.testLoss]), a.metrics.map((m) => [m.epoch, m.step, m.trainLoss, m.testLoss]));
});

test('checkpoint state round-trips through bytes exactly (weights, Adam moments, rng, metrics, config)', async () => {
  const m = new TinyAe(6, 2, new Rng(1));
  const r = await train({ ...base, model: m, epochs: 1 });
  const back = decodeTrainState(encodeTrainState(r.state));
  assert.deepEqual(back.config, r.state.config);
  assert.deepEqual([...back.params.keys()], ['enc.weight', 'enc.bias', 'dec.weight', 'dec.bias']);
  assert.deepEqual(back.optimizer, r.state.optimizer);
  assert.deepEqual(Object.keys(back.optimizer.buffers[0]!).sort(), ['exp_avg', 'exp_avg_sq']);
  assert.deepEqual(back.rng, r.state.rng);
  assert.deepEqual(back.metrics, r.state.metrics);
  assert.deepEqual(back.settings, r.state.settings);
});

class Poisoned extends TinyAe {
  poison: 'loss' | 'grad' | null = null;
  override loss(x: Tensor, ctx: LossContext): LossOutput {
    const out = super.loss(x, ctx);
    if (this.poison === 'loss') return { loss: mul(out.loss, Infinity), terms: out.terms };
    // d/db √(0·b) = 0·∞ = NaN while the value stays 0: a finite loss with a NaN gradient.
    if (this.poison === 'grad') return { loss: add(out.loss, sum(sqrt(mul(this.dec.bias!, 0)))), terms: out.terms };
    return out;
  }
}

for (const [poison, quantity] of [['loss', 'loss (Infinity)'], ['grad', 'gradient of dec.bias (NaN)']] as const) {
  test(`a non-finite ${poison} stops training with the step and quantity, keeping the last good checkpoint`, async () => {
    const dir = tmp();
    const path = join(dir, 'ckpt.safetensors');
    const m = new Poisoned(6, 2, new Rng(3));
    const perEpoch = Math.ceil(data.n / base.batchSize);
    await assert.rejects(
      train({
        ...base,
        model: m,
        epochs: 4,
        onEpoch: (metrics, state) => {
          saveCheckpoint(path, state());
          if (metrics.epoch === 2) m.poison = poison;
        },
      }),
      (e: unknown) => {
        assert.ok(e instanceof NonFiniteError, String(e));
        assert.equal(e.message, `train: non-finite ${quantity} at step ${2 * perEpoch + 1} (epoch 3)`);
        return true;
      },
    );
    const kept = loadCheckpoint(path);
    assert.equal(kept.epoch, 2);
    assert.ok([...kept.params.values()].every((t) => t.data.every(Number.isFinite)));
  });
}

test('an atomic write replaces the file and leaves no temp file behind', () => {
  const dir = tmp();
  const path = join(dir, 'f.bin');
  writeFileAtomicSync(path, Uint8Array.from([1, 2, 3]));
  writeFileAtomicSync(path, [Uint8Array.from([4]), Uint8Array.from([5, 6])]);
  assert.deepEqual([...readFileSync(path)], [4, 5, 6]);
  assert.deepEqual(readdirSync(dir), ['f.bin']);
});

test('a writer that throws mid-write removes its temp file and keeps the old content', () => {
  const dir = tmp();
  const path = join(dir, 'f.bin');
  writeFileAtomicSync(path, Uint8Array.from([1, 2, 3]));
  function* failing(): Generator<Uint8Array> {
    yield Uint8Array.from([9, 9]);
    throw new Error('disk on fire');
  }
  assert.throws(() => writeFileAtomicSync(path, failing()), /disk on fire/);
  assert.deepEqual([...readFileSync(path)], [1, 2, 3]);
  assert.deepEqual(readdirSync(dir), ['f.bin']);
});

test('a process killed mid-checkpoint-write leaves the previous checkpoint intact and loadable', async () => {
  const dir = tmp();
  const path = join(dir, 'ckpt.safetensors');
  const m = new TinyAe(6, 2, new Rng(3));
  const r = await train({ ...base, model: m, epochs: 1 });
  saveCheckpoint(path, r.state);
  const before = readFileSync(path);
  // The child writes half a checkpoint to the same path, then SIGKILLs itself before the rename.
  const script = `
    import { writeFileAtomicSync } from ${JSON.stringify(new URL('../../src/train/checkpoint.ts', import.meta.url).pathname)};
    function* chunks() { yield new Uint8Array(4096).fill(7); process.kill(process.pid, 'SIGKILL'); }
    writeFileAtomicSync(${JSON.stringify(path)}, chunks());`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(child.signal, 'SIGKILL', child.stderr);
  assert.ok(readdirSync(dir).some((f) => f.startsWith('.ckpt.safetensors.tmp-')), 'the killed writer left its temp file');
  assert.deepEqual(readFileSync(path), before);
  assert.equal(loadCheckpoint(path).epoch, 1);
  assert.ok(!existsSync(tempPathFor(path)), 'our own pid has no temp file');
});

test('a steady-state training step takes every buffer from the pool: no new allocations after the first epoch', async () => {
  const model = createModel({ kind: 'vae', inputDim: 6, latentDim: 2, hidden: [5], decoder: 'gaussian' }, new Rng(4));
  const fresh: number[] = [];
  await train({ ...base, model, epochs: 3, onStep: (s) => { if (s.epoch > 1) fresh.push(poolStats().fresh); } });
  assert.ok(fresh.length > 10);
  assert.equal(fresh[fresh.length - 1]! - fresh[0]!, 0, `new buffers allocated in epochs 2–3: ${fresh[fresh.length - 1]! - fresh[0]!}`);
});

test('recycling step buffers changes no number: the trainer matches a plain loop that never recycles', async () => {
  const cfg = { kind: 'vae', inputDim: 6, latentDim: 2, hidden: [5], decoder: 'gaussian' } as const;
  const viaTrainer = createModel(cfg, new Rng(5));
  await train({ ...base, testData: undefined, model: viaTrainer, epochs: 2 });

  const plain = createModel(cfg, new Rng(5));
  const params = plain.namedParameters().map(([, p]) => p);
  const opt = new Adam(params, base.lr);
  const rng = trainRngFor(base.seed);
  let step = 0;
  for (let epoch = 0; epoch < 2; epoch++) {
    for (const batch of batches(data, base.batchSize, { rng })) {
      opt.zeroGrad();
      const out = plain.loss(new Tensor(batch.x, [batch.size, data.dim]), { rng, step, stepsPerEpoch: 7 });
      out.loss.backward();
      opt.step();
      step++;
    }
  }
  assert.deepEqual(viaTrainer.parameters().map((p) => Array.from(p.data)), plain.parameters().map((p) => Array.from(p.data)));
});
