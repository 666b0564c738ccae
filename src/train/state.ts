// A training run's resumable state (weights, optimizer moments, rng, epoch, metrics, config)
// packed into one safetensors file: tensors for the weights and optimizer buffers, JSON strings
// in __metadata__ for the rest, and the model rebuilt from it. Pure and browser-safe; checkpoint.ts
// does the file I/O.
import type { FloatArray } from '../backend/backend.js';
import type { ModelConfig } from '../models/model.js';
import { createModel } from '../models/registry.js';
import { Rng, type RngState } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { decodeSafetensors, encodeSafetensors } from './safetensors.js';

export const CHECKPOINT_FORMAT = 'elbo-checkpoint/1';

export type OptimizerName = 'adam' | 'adamw' | 'sgd';

/** What a training run was asked to do; stored so `--resume` and `eval` need no flags. */
export interface TrainSettings {
  readonly epochs: number;
  readonly batchSize: number;
  readonly optimizer: OptimizerName;
  readonly lr: number;
  readonly seed: number;
  /** Dataset spec the run trained on (e.g. "mnist"), for tools that reload it. */
  readonly data?: string;
  readonly testData?: string;
  /** Row limit and label column the data was loaded with, so a held-out split can be rebuilt exactly. */
  readonly dataLimit?: number;
  readonly labelColumn?: string | number;
  /** Resample binary pixels ~ Bernoulli(x) every batch. */
  readonly binarize?: boolean;
}

/** One line of metrics.jsonl. Losses are per sample, in nats; terms are the model's named parts. */
export interface EpochMetrics {
  readonly epoch: number;
  readonly step: number;
  readonly trainLoss: number;
  readonly train: Record<string, number>;
  /** −(recon + kl) averaged over the epoch's batches, when the model reports both terms. */
  readonly trainElbo?: number;
  readonly testLoss?: number;
  readonly test?: Record<string, number>;
  /** −(recon + kl) on the test set when the model reports both terms. */
  readonly testElbo?: number;
  readonly trainSeconds: number;
  readonly evalSeconds: number;
}

export interface TrainState {
  readonly config: ModelConfig;
  /** Parameters by dotted name, in the model's parameter order. */
  readonly params: ReadonlyMap<string, { readonly shape: readonly number[]; readonly data: FloatArray }>;
  readonly optimizer: {
    readonly name: OptimizerName;
    readonly lr: number;
    readonly step: number;
    /** Per-parameter buffers in parameter order, e.g. { exp_avg, exp_avg_sq } for Adam. */
    readonly buffers: readonly Record<string, FloatArray>[];
  };
  /** Completed epochs. */
  readonly epoch: number;
  /** The trainer's rng after `epoch` epochs: shuffles and reparameterisation noise continue from here. */
  readonly rng: RngState;
  readonly metrics: readonly EpochMetrics[];
  readonly settings: TrainSettings;
}

const OPTIM_PREFIX = 'optim.';

export function encodeTrainState(s: TrainState): Uint8Array {
  const tensors = new Map<string, { shape: readonly number[]; data: FloatArray }>();
  for (const [name, t] of s.params) {
    if (name.startsWith(OPTIM_PREFIX)) throw new Error(`encodeTrainState: parameter name "${name}" clashes with the optimizer prefix`);
    tensors.set(name, t);
  }
  const names = [...s.params.keys()];
  s.optimizer.buffers.forEach((b, i) => {
    for (const [k, v] of Object.entries(b)) {
      const shape = s.params.get(names[i] ?? '')?.shape ?? [v.length];
      tensors.set(`${OPTIM_PREFIX}${i}.${k}`, { shape, data: v });
    }
  });
  return encodeSafetensors(tensors, {
    format: CHECKPOINT_FORMAT,
    config: JSON.stringify(s.config),
    // Parameter order matters to the optimizer buffers; JSON keeps it explicit.
    params: JSON.stringify(names),
    optimizer: JSON.stringify({ name: s.optimizer.name, lr: s.optimizer.lr, step: s.optimizer.step }),
    epoch: String(s.epoch),
    rng: JSON.stringify(s.rng),
    metrics: JSON.stringify(s.metrics),
    settings: JSON.stringify(s.settings),
  });
}

function parseJson(source: string, key: string, text: string | undefined): unknown {
  if (text === undefined) throw new Error(`${source}: checkpoint metadata has no "${key}" entry`);
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${source}: checkpoint metadata "${key}" is not valid JSON`);
  }
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export function decodeTrainState(bytes: Uint8Array, source = 'checkpoint'): TrainState {
  const { tensors, metadata } = decodeSafetensors(bytes, source);
  if (metadata['format'] !== CHECKPOINT_FORMAT) {
    throw new Error(`${source}: not an elbo checkpoint (metadata format is ${JSON.stringify(metadata['format'])}, expected "${CHECKPOINT_FORMAT}")`);
  }
  const config = parseJson(source, 'config', metadata['config']);
  if (!isObject(config) || typeof config['kind'] !== 'string' || typeof config['inputDim'] !== 'number') {
    throw new Error(`${source}: metadata "config" must be an object with a string kind and a numeric inputDim`);
  }
  const names = parseJson(source, 'params', metadata['params']);
  if (!Array.isArray(names) || !names.every((n): n is string => typeof n === 'string')) {
    throw new Error(`${source}: metadata "params" must be an array of parameter names`);
  }
  const params = new Map<string, { shape: readonly number[]; data: FloatArray }>();
  for (const n of names) {
    const t = tensors.get(n);
    if (!t) throw new Error(`${source}: parameter "${n}" is listed in metadata but has no tensor`);
    params.set(n, { shape: t.shape, data: t.data });
  }
  const optim = parseJson(source, 'optimizer', metadata['optimizer']);
  if (!isObject(optim) || !['adam', 'adamw', 'sgd'].includes(String(optim['name'])) || typeof optim['lr'] !== 'number' || typeof optim['step'] !== 'number') {
    throw new Error(`${source}: metadata "optimizer" must be {name: adam|adamw|sgd, lr, step}`);
  }
  const buffers: Record<string, FloatArray>[] = names.map(() => ({}));
  for (const [name, t] of tensors) {
    if (!name.startsWith(OPTIM_PREFIX)) {
      if (!params.has(name)) throw new Error(`${source}: tensor "${name}" is neither a listed parameter nor an optimizer buffer`);
      continue;
    }
    const m = /^optim\.(\d+)\.(.+)$/.exec(name);
    const i = m ? Number(m[1]) : -1;
    if (!m || i >= names.length) throw new Error(`${source}: optimizer buffer "${name}" does not match a parameter index (have ${names.length})`);
    buffers[i]![m[2]!] = t.data;
  }
  const rawRng = parseJson(source, 'rng', metadata['rng']);
  const s4 = isObject(rawRng) && Array.isArray(rawRng['s']) ? rawRng['s'] : [];
  const spare = isObject(rawRng) ? rawRng['spare'] : undefined;
  if (s4.length !== 4 || !s4.every((v): v is number => Number.isInteger(v)) || !(spare === null || typeof spare === 'number')) {
    throw new Error(`${source}: metadata "rng" must be an Rng state {s: [4 integers], spare: number | null}`);
  }
  const rng: RngState = { s: [s4[0]!, s4[1]!, s4[2]!, s4[3]!], spare };
  const epoch = Number(metadata['epoch']);
  if (!Number.isInteger(epoch) || epoch < 0) throw new Error(`${source}: metadata "epoch" must be a non-negative integer (got ${JSON.stringify(metadata['epoch'])})`);
  const metrics = parseJson(source, 'metrics', metadata['metrics']);
  if (!Array.isArray(metrics)) throw new Error(`${source}: metadata "metrics" must be an array`);
  const st = parseJson(source, 'settings', metadata['settings']);
  if (!isObject(st) || typeof st['epochs'] !== 'number' || typeof st['batchSize'] !== 'number' || typeof st['seed'] !== 'number') {
    throw new Error(`${source}: metadata "settings" must be an object with numeric epochs, batchSize and seed`);
  }
  const settings: TrainSettings = {
    epochs: st['epochs'],
    batchSize: st['batchSize'],
    optimizer: optim['name'] as OptimizerName,
    lr: optim['lr'],
    seed: st['seed'],
    ...(typeof st['data'] === 'string' ? { data: st['data'] } : {}),
    ...(typeof st['testData'] === 'string' ? { testData: st['testData'] } : {}),
    ...(typeof st['binarize'] === 'boolean' ? { binarize: st['binarize'] } : {}),
    ...(typeof st['dataLimit'] === 'number' ? { dataLimit: st['dataLimit'] } : {}),
    ...(typeof st['labelColumn'] === 'string' || typeof st['labelColumn'] === 'number' ? { labelColumn: st['labelColumn'] } : {}),
  };
  const kind = config['kind'];
  const inputDim = config['inputDim'];
  return {
    config: { ...config, kind, inputDim },
    params,
    optimizer: { name: optim['name'] as OptimizerName, lr: optim['lr'], step: optim['step'], buffers },
    epoch,
    rng,
    metrics: metrics as EpochMetrics[],
    settings,
  };
}

/** The checkpoint's model, rebuilt from its config with the saved weights loaded. */
export function restoreModel(state: Pick<TrainState, 'config' | 'params'>): ReturnType<typeof createModel> {
  const model = createModel(state.config, new Rng(0));
  model.loadStateDict(new Map([...state.params].map(([k, v]) => [k, new Tensor(v.data, v.shape)])));
  return model;
}
