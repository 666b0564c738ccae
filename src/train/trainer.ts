// The training loop, browser-safe: seeded per-epoch shuffles, one optimizer step per batch,
// per-epoch evaluation, a NaN/Inf guard, and exact resume from a TrainState. Models provide
// only their objective (models/model.ts); the loop lives here and nowhere else.
import { batchCount, batches } from '../data/batches.js';
import type { Dataset } from '../data/dataset.js';
import { dynamicBinarize } from '../data/preprocess.js';
import type { TrainableModel } from '../models/model.js';
import { evaluateLoss } from '../models/evaluate.js';
import { Adam, AdamW, SGD, type Optimizer } from '../optim/index.js';
import { Rng } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { isFiniteTensor } from '../tensor/checks.js';
import { recycleScope, release } from '../tensor/pool.js';
import type { EpochMetrics, OptimizerName, TrainSettings, TrainState } from './state.js';

/** Thrown when the loss or a gradient stops being finite; names the step and the quantity. */
export class NonFiniteError extends Error {
  constructor(readonly step: number, readonly epoch: number, readonly quantity: string, value: number) {
    super(`train: non-finite ${quantity} (${value}) at step ${step} (epoch ${epoch})`);
    this.name = 'NonFiniteError';
  }
}

export interface StepInfo {
  readonly epoch: number;
  /** 1-based batch index within the epoch. */
  readonly batch: number;
  readonly batches: number;
  /** Global optimizer step after this update (1-based). */
  readonly step: number;
  readonly loss: number;
  /** Mean loss per sample over the epoch so far. */
  readonly runningLoss: number;
  readonly examples: number;
}

export interface TrainOptions {
  readonly model: TrainableModel;
  readonly data: Dataset;
  readonly testData?: Dataset;
  /** Total epochs; a resumed run continues until this many are complete. */
  readonly epochs: number;
  readonly batchSize: number;
  readonly optimizer?: OptimizerName;
  readonly lr?: number;
  readonly seed?: number;
  /** Resample x ~ Bernoulli(x) per batch (dynamic binarization); default false. */
  readonly binarize?: boolean;
  /** Continue from this state: weights, optimizer moments, rng and metrics are restored exactly. */
  readonly resume?: TrainState;
  /** Stop each epoch after this many batches (benchmarks and smoke tests); default all. */
  readonly maxBatches?: number;
  readonly evalBatchSize?: number;
  /** Dataset specs recorded in the checkpoint so tools can reload the data. */
  readonly dataSpec?: string;
  readonly testDataSpec?: string;
  readonly dataLimit?: number;
  readonly labelColumn?: string | number;
  readonly onEpochStart?: (epoch: number, batches: number) => void;
  readonly onStep?: (info: StepInfo) => void;
  /** Called after each epoch's evaluation; `state()` snapshots the run for a checkpoint. */
  readonly onEpoch?: (metrics: EpochMetrics, state: () => TrainState) => void | Promise<void>;
}

export interface TrainResult {
  readonly metrics: EpochMetrics[];
  readonly state: TrainState;
}

export function makeOptimizer(name: OptimizerName, params: readonly Tensor[], lr: number): Optimizer {
  switch (name) {
    case 'adam':
      return new Adam(params, lr);
    case 'adamw':
      return new AdamW(params, lr);
    case 'sgd':
      return new SGD(params, lr);
    default:
      throw new Error(`makeOptimizer: unknown optimizer "${String(name)}" (known: adam, adamw, sgd)`);
  }
}

/** The trainer's rng stream, kept apart from the model-initialisation stream Rng(seed). */
export function trainRngFor(seed: number): Rng {
  return new Rng((seed ^ 0x5bd1e995) >>> 0);
}

/** A per-epoch evaluation stream, so evaluating never perturbs the training stream. */
function evalRngFor(seed: number, epoch: number): Rng {
  return new Rng(((seed ^ 0x27d4eb2f) + epoch * 0x9e3779b1) >>> 0);
}

function rowsTensor(x: Float32Array, n: number, dim: number): Tensor {
  return new Tensor(x, [n, dim]);
}

function elboOf(terms: Record<string, number>): number | undefined {
  const { recon, kl } = terms;
  return recon !== undefined && kl !== undefined ? -(recon + kl) : undefined;
}

function checkDims(model: TrainableModel, ds: Dataset, what: string): void {
  if (ds.dim !== model.config.inputDim) {
    throw new Error(`train: ${what} "${ds.name}" has ${ds.dim} features but the model expects inputDim ${model.config.inputDim}`);
  }
  if (ds.n === 0) throw new Error(`train: ${what} "${ds.name}" is empty`);
}

export async function train(opts: TrainOptions): Promise<TrainResult> {
  const { model, data, testData, epochs, batchSize } = opts;
  const resume = opts.resume;
  const seed = resume?.settings.seed ?? opts.seed ?? 0;
  const optimName = resume?.optimizer.name ?? opts.optimizer ?? 'adam';
  const lr = resume?.optimizer.lr ?? opts.lr ?? 1e-3;
  const binarize = opts.binarize ?? resume?.settings.binarize ?? false;
  if (!Number.isInteger(epochs) || epochs < 0) throw new Error(`train: epochs must be a non-negative integer (got ${epochs})`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`train: batchSize must be a positive integer (got ${batchSize})`);
  checkDims(model, data, 'training data');
  if (testData) checkDims(model, testData, 'test data');

  const named = model.namedParameters();
  const params = named.map(([, p]) => p);
  const optimizer = makeOptimizer(optimName, params, lr);
  const rng = trainRngFor(seed);
  const metrics: EpochMetrics[] = [];
  let startEpoch = 0;
  if (resume) {
    if (resume.settings.batchSize !== batchSize) {
      throw new Error(`train: resume with batch size ${batchSize} but the checkpoint trained with ${resume.settings.batchSize}; the shuffles would differ`);
    }
    model.loadStateDict(new Map([...resume.params].map(([k, v]) => [k, new Tensor(v.data, v.shape)])));
    optimizer.setState({ step: resume.optimizer.step, buffers: resume.optimizer.buffers.map((b) => ({ ...b })) });
    rng.setState(resume.rng);
    metrics.push(...resume.metrics);
    startEpoch = resume.epoch;
  }
  let settings: TrainSettings = {
    epochs,
    batchSize,
    optimizer: optimName,
    lr,
    seed,
    binarize,
    ...(opts.dataSpec !== undefined ? { data: opts.dataSpec } : resume?.settings.data !== undefined ? { data: resume.settings.data } : {}),
    ...(opts.testDataSpec !== undefined ? { testData: opts.testDataSpec } : resume?.settings.testData !== undefined ? { testData: resume.settings.testData } : {}),
  };
  const dataLimit = opts.dataLimit ?? resume?.settings.dataLimit;
  const labelColumn = opts.labelColumn ?? resume?.settings.labelColumn;
  if (dataLimit !== undefined) settings = { ...settings, dataLimit };
  if (labelColumn !== undefined) settings = { ...settings, labelColumn };
  let completed = startEpoch;
  const snapshot = (): TrainState => {
    const st = optimizer.getState();
    return {
      config: model.config,
      params: new Map(named.map(([k, p]) => [k, { shape: p.shape, data: p.data.slice() }])),
      optimizer: { name: optimName, lr, step: st.step, buffers: st.buffers },
      epoch: completed,
      rng: rng.getState(),
      metrics: metrics.slice(),
      settings,
    };
  };

  const full = batchCount(data.n, batchSize);
  const perEpoch = opts.maxBatches !== undefined ? Math.min(full, opts.maxBatches) : full;
  let step = optimizer.getState().step;
  for (let epoch = startEpoch + 1; epoch <= epochs; epoch++) {
    opts.onEpochStart?.(epoch, perEpoch);
    const t0 = performance.now();
    let lossSum = 0;
    let seen = 0;
    const termSums: Record<string, number> = {};
    // NOTE: batches() draws the epoch's permutation from rng immediately, before any noise.
    const epochBatches = batches(data, batchSize, { rng });
    for (let b = 1; b <= perEpoch; b++) {
      // The batch, the forward intermediates and the backward temporaries all go back to the
      // buffer pool when the scope ends (only numbers leave it); the leaf gradients are kept
      // for the optimizer and released right after it, so a steady-state step allocates nothing.
      const done = recycleScope(() => {
        const next = epochBatches.next();
        if (next.done === true) return null;
        const batch = next.value;
        const x = binarize ? dynamicBinarize(batch.x, rng, batch.x) : batch.x;
        optimizer.zeroGrad();
        const out = model.loss(rowsTensor(x, batch.size, data.dim), { rng, step, stepsPerEpoch: full });
        const lossValue = out.loss.item();
        if (!Number.isFinite(lossValue)) throw new NonFiniteError(step + 1, epoch, 'loss', lossValue);
        out.loss.backward();
        for (const [name, p] of named) {
          if (p.grad && !isFiniteTensor(p.grad)) {
            const bad = p.grad.contiguousData().find((v) => !Number.isFinite(v)) ?? NaN;
            throw new NonFiniteError(step + 1, epoch, `gradient of ${name}`, bad);
          }
        }
        return { lossValue, terms: out.terms, size: batch.size };
      });
      if (done === null) break;
      optimizer.step();
      for (const p of params) {
        if (p.grad) release(p.grad.data);
        p.grad = null;
      }
      step++;
      lossSum += done.lossValue * done.size;
      seen += done.size;
      for (const [k, v] of Object.entries(done.terms)) termSums[k] = (termSums[k] ?? 0) + v * done.size;
      opts.onStep?.({ epoch, batch: b, batches: perEpoch, step, loss: done.lossValue, runningLoss: lossSum / seen, examples: seen });
    }
    const trainSeconds = (performance.now() - t0) / 1000;
    const train: Record<string, number> = {};
    for (const [k, v] of Object.entries(termSums)) train[k] = v / seen;
    const t1 = performance.now();
    const test = testData
      ? evaluateLoss(model, testData.x, evalRngFor(seed, epoch), opts.evalBatchSize !== undefined ? { batchSize: opts.evalBatchSize } : {})
      : undefined;
    const evalSeconds = (performance.now() - t1) / 1000;
    const testElbo = test ? elboOf(test.terms) : undefined;
    const trainElbo = elboOf(train);
    const m: EpochMetrics = {
      epoch,
      step,
      trainLoss: lossSum / seen,
      train,
      ...(trainElbo !== undefined ? { trainElbo } : {}),
      ...(test ? { testLoss: test.loss, test: test.terms } : {}),
      ...(testElbo !== undefined ? { testElbo } : {}),
      trainSeconds,
      evalSeconds,
    };
    metrics.push(m);
    completed = epoch;
    await opts.onEpoch?.(m, snapshot);
  }
  return { metrics, state: snapshot() };
}
