// Run directories (Node): train a model into runs/NAME (checkpoint every epoch, metrics.jsonl,
// figures, report.md) and the tools that reopen a run (eval, sample, encode, reconstruct).
// The CLI parses flags and calls these; all work happens here and in the library below.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { imageShapeOf, takeFirst, trainValSplit, type Dataset } from '../data/index.js';
import { loadDataset } from '../data/node.js';
import { createModel, MODEL_KINDS, type ModelKind } from '../models/registry.js';
import { activeUnits, encodeMeans, evaluateElbo, evaluateIwae, evaluateLoss, type ElboModel } from '../models/evaluate.js';
import { isGenerativeModel, isLatentModel, type LatentModel, type ModelConfig, type TrainableModel } from '../models/model.js';
import { noGrad } from '../autograd/tape.js';
import { getBackend } from '../backend/registry.js';
import { Rng } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { loadCheckpoint, saveCheckpoint, writeFileAtomicSync } from './checkpoint.js';
import { EpochProgress } from './progress.js';
import {
  RUN_FIGURES, writeFigures, writeKlPerUnit, writeReconstructions, writeReport, writeSamples,
  type FigureSet,
} from './report.js';
import { restoreModel, type EpochMetrics, type OptimizerName, type TrainSettings, type TrainState } from './state.js';
import { NonFiniteError, train } from './trainer.js';
import { GMVAE } from '../models/gmvae.js';
import { writeClusterOutputs, type ClusterOutputs } from './clusters.js';

export const CHECKPOINT_FILE = 'checkpoint.safetensors';
export const METRICS_FILE = 'metrics.jsonl';

/** Fraction of the training data held out as test data when none is given (and it is not MNIST). */
const HELD_OUT = 0.1;

export interface LoadedData {
  readonly train: Dataset;
  readonly test: Dataset;
  /** The spec that reloads the test data: a dataset spec, or "split:<fraction>" of the training data. */
  readonly testSpec: string;
}

export interface DataOptions {
  readonly limit?: number;
  readonly testLimit?: number;
  readonly labelColumn?: string | number;
}

function loadOpts(limit: number | undefined, labelColumn: string | number | undefined): { limit?: number; labelColumn?: string | number } {
  return { ...(limit !== undefined ? { limit } : {}), ...(labelColumn !== undefined ? { labelColumn } : {}) };
}

/**
 * Training and test data by spec: MNIST's test split for "mnist", an explicit test spec, or a
 * seeded 10% hold-out of the training data ("split:0.1"), reproducible from the run's seed.
 */
export function loadRunData(spec: string, testSpec: string | undefined, seed: number, o: DataOptions = {}): LoadedData {
  const full = loadDataset(spec, loadOpts(o.limit, o.labelColumn));
  const isMnist = /^mnist(:train)?$/.test(spec);
  const resolved = testSpec ?? (isMnist ? 'mnist:test' : `split:${HELD_OUT}`);
  const split = /^split:([\d.]+)$/.exec(resolved);
  if (split) {
    const { train: tr, val } = trainValSplit(full, Number(split[1]), new Rng(seed));
    if (val.n === 0) throw new Error(`data: "${spec}" has ${full.n} rows, too few to hold out ${split[1]} as test data; pass --test-data`);
    return { train: tr, test: o.testLimit !== undefined ? takeFirst(val, o.testLimit) : val, testSpec: resolved };
  }
  return { train: full, test: loadDataset(resolved, loadOpts(o.testLimit, o.labelColumn)), testSpec: resolved };
}

export interface ModelFlags {
  readonly model: string;
  readonly inputDim: number;
  readonly latent: number;
  /** Hidden widths; when absent each kind uses its own default ([400] for the VAE and autoencoder). */
  readonly hidden?: readonly number[];
  /** Mixture components K of the Gaussian-mixture VAE. */
  readonly clusters?: number;
  readonly beta?: number;
  /** Linear KL warm-up over this many epochs. */
  readonly warmup?: number;
  readonly decoder?: string;
}

/** A model config from CLI-style flags; fields a model kind does not use are left out. */
export function configFromFlags(f: ModelFlags): ModelConfig {
  if (!(MODEL_KINDS as readonly string[]).includes(f.model)) {
    throw new Error(`train: unknown model "${f.model}" (expected one of ${MODEL_KINDS.join(', ')})`);
  }
  const kind = f.model as ModelKind;
  const base = { kind, inputDim: f.inputDim, latentDim: f.latent };
  const hidden = [...(f.hidden ?? [400])];
  switch (kind) {
    case 'vae':
    case 'beta-vae':
      return {
        ...base,
        hidden,
        ...(f.decoder !== undefined ? { decoder: f.decoder } : {}),
        ...(f.beta !== undefined ? { beta: f.beta } : {}),
        ...(f.warmup !== undefined && f.warmup > 0 ? { warmup: { kind: 'linear', epochs: f.warmup } } : {}),
      };
    case 'ae':
      return { ...base, hidden };
    case 'linear-ae':
      return base;
    case 'gmvae':
      return {
        ...base,
        ...(f.hidden !== undefined ? { hidden: [...f.hidden] } : {}),
        ...(f.clusters !== undefined ? { clusters: f.clusters } : {}),
        ...(f.decoder !== undefined ? { decoder: f.decoder } : {}),
        ...(f.beta !== undefined ? { beta: f.beta } : {}),
      };
  }
}

export interface RunPaths {
  readonly dir: string;
  readonly checkpoint: string;
  readonly metrics: string;
}

export function runPaths(dir: string): RunPaths {
  return { dir, checkpoint: join(dir, CHECKPOINT_FILE), metrics: join(dir, METRICS_FILE) };
}

/** The checkpoint a run argument names: the .safetensors file itself, or the run directory's checkpoint. */
export function checkpointPathOf(run: string): string {
  return run.endsWith('.safetensors') ? run : runPaths(run).checkpoint;
}

function writeMetrics(path: string, metrics: readonly EpochMetrics[]): void {
  writeFileAtomicSync(path, new TextEncoder().encode(metrics.map((m) => JSON.stringify(m)).join('\n') + (metrics.length ? '\n' : '')));
}

export interface IwaeResult {
  readonly k: number;
  readonly n: number;
  readonly logLikelihood: number;
  /** The ELBO on the same examples: IWAE ≥ ELBO. */
  readonly elbo: number;
  /** The k = 1 bound on the same examples, which is a one-sample ELBO estimate. */
  readonly k1: number;
  readonly seconds: number;
}

export interface EvalSummary {
  readonly n: number;
  readonly testLoss: number;
  readonly terms: Record<string, number>;
  readonly elbo?: { readonly elbo: number; readonly recon: number; readonly kl: number };
  readonly iwae?: IwaeResult;
  readonly activeUnits?: { readonly count: number; readonly total: number; readonly threshold: number; readonly variances: number[] };
}

function hasElboParts(m: TrainableModel): m is ElboModel {
  return typeof (m as Partial<ElboModel>).elboParts === 'function';
}

export interface EvalOptions {
  /** IWAE samples per example; 0 skips the IWAE estimate. */
  readonly iw: number;
  /** Evaluate IWAE on the first this-many test examples (it costs k decoder passes each); default all. */
  readonly iwN?: number;
  readonly seed?: number;
}

/** Test loss, ELBO and KL, the IWAE log-likelihood estimate and active units of a trained model. */
export function evaluateModel(model: TrainableModel, test: Dataset, o: EvalOptions): EvalSummary {
  const rng = new Rng(o.seed ?? 0);
  const loss = evaluateLoss(model, test.x, rng);
  const elbo = hasElboParts(model) ? evaluateElbo(model, test.x, rng) : undefined;
  let iwae: IwaeResult | undefined;
  if (o.iw > 0 && isGenerativeModel(model)) {
    const sub = o.iwN !== undefined ? takeFirst(test, o.iwN) : test;
    const t0 = performance.now();
    // NOTE: iwaeBound holds [k, batch, inputDim] tensors; ~8k rows per batch keeps memory near 100 MB.
    const batchSize = Math.max(1, Math.floor(8192 / o.iw));
    const r = evaluateIwae(model, sub.x, o.iw, rng, { batchSize });
    const seconds = (performance.now() - t0) / 1000;
    const sameElbo = hasElboParts(model) ? evaluateElbo(model, sub.x, rng).elbo : NaN;
    const k1 = evaluateIwae(model, sub.x, 1, rng).logLikelihood;
    iwae = { k: o.iw, n: sub.n, logLikelihood: r.logLikelihood, elbo: sameElbo, k1, seconds };
  }
  const au = isLatentModel(model) ? activeUnits(model, test.x) : undefined;
  return {
    n: test.n,
    testLoss: loss.loss,
    terms: loss.terms,
    ...(elbo ? { elbo } : {}),
    ...(iwae ? { iwae } : {}),
    ...(au ? { activeUnits: { count: au.count, total: au.variances.length, threshold: au.threshold, variances: Array.from(au.variances) } } : {}),
  };
}

export interface TrainRunOptions extends ModelFlags, DataOptions {
  readonly out: string;
  readonly data: string;
  readonly testData?: string;
  readonly epochs: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly optimizer: OptimizerName;
  readonly seed: number;
  readonly binarize: boolean;
  readonly resume: boolean;
  /** Start a fresh run even when `out` already holds one (its files are replaced). */
  readonly force?: boolean;
  readonly maxBatches?: number;
  /** IWAE samples for the report (0 skips it) and how many test examples it uses. */
  readonly iw: number;
  readonly iwN?: number;
  /** Write the figures and report.md (default true). */
  readonly report: boolean;
  /** Progress bars and per-epoch lines on stderr (default true). */
  readonly progress: boolean;
}

export interface TrainRunResult {
  readonly dir: string;
  readonly checkpoint: string;
  readonly metrics: readonly EpochMetrics[];
  readonly config: ModelConfig;
  readonly backend: string;
  readonly trainSeconds: number;
  readonly figures: FigureSet;
  readonly report?: string;
  readonly eval?: EvalSummary;
  readonly clustering?: ClusterOutputs;
}

/** Train into a run directory; with `resume`, continue from its checkpoint exactly. */
export async function trainRun(o: TrainRunOptions): Promise<TrainRunResult> {
  const paths = runPaths(o.out);
  let resumeState: TrainState | undefined;
  if (o.resume) {
    if (!existsSync(paths.checkpoint)) throw new Error(`train --resume: no checkpoint at ${paths.checkpoint}`);
    resumeState = loadCheckpoint(paths.checkpoint);
  } else if (existsSync(paths.checkpoint) && !o.force) {
    throw new Error(`train: ${paths.checkpoint} already exists; pass --resume to continue it, --force to start over, or choose another --out`);
  }
  if (o.force && !o.resume) {
    // A fresh run must not leave an older run's figures (e.g. a 2-D manifold) beside its own.
    for (const f of [CHECKPOINT_FILE, METRICS_FILE, 'report.md', ...RUN_FIGURES]) rmSync(join(paths.dir, f), { force: true });
  }
  mkdirSync(paths.dir, { recursive: true });
  const seed = resumeState?.settings.seed ?? o.seed;
  const dataSpec = resumeState?.settings.data ?? o.data;
  const rs = resumeState?.settings;
  const dataOpts: DataOptions = rs
    ? { ...(rs.dataLimit !== undefined ? { limit: rs.dataLimit } : {}), ...(rs.labelColumn !== undefined ? { labelColumn: rs.labelColumn } : {}), ...(o.testLimit !== undefined ? { testLimit: o.testLimit } : {}) }
    : o;
  const data = loadRunData(dataSpec, rs?.testData ?? o.testData, seed, dataOpts);
  const config = resumeState?.config ?? configFromFlags({ ...o, inputDim: data.train.dim });
  const model = createModel(config, new Rng(seed));
  const batchSize = resumeState?.settings.batchSize ?? o.batchSize;
  const progress = o.progress ? new EpochProgress({ totalEpochs: o.epochs }) : null;
  let lastSaved = resumeState?.epoch ?? 0;
  let result;
  try {
    result = await train({
      model,
      data: data.train,
      testData: data.test,
      epochs: o.epochs,
      batchSize,
      optimizer: o.optimizer,
      lr: o.lr,
      seed,
      binarize: resumeState?.settings.binarize ?? o.binarize,
      ...(resumeState ? { resume: resumeState } : {}),
      ...(o.maxBatches !== undefined ? { maxBatches: o.maxBatches } : {}),
      dataSpec,
      testDataSpec: data.testSpec,
      ...(dataOpts.limit !== undefined ? { dataLimit: dataOpts.limit } : {}),
      ...(dataOpts.labelColumn !== undefined ? { labelColumn: dataOpts.labelColumn } : {}),
      onEpochStart: (e, n) => progress?.start(e, n),
      onStep: (s) => progress?.update(s),
      onEpoch: (m, state) => {
        saveCheckpoint(paths.checkpoint, state());
        lastSaved = m.epoch;
        writeMetrics(paths.metrics, state().metrics);
        progress?.end(m);
      },
    });
  } catch (e) {
    progress?.abort();
    if (e instanceof NonFiniteError) {
      const kept = lastSaved > 0 ? `last good checkpoint ${paths.checkpoint} (epoch ${lastSaved})` : 'no checkpoint was written';
      throw new Error(`${e.message}; ${kept}`);
    }
    throw e;
  }
  const trainSeconds = result.metrics.reduce((s, m) => s + m.trainSeconds, 0);
  let figures: FigureSet = {};
  let report: string | undefined;
  let ev: EvalSummary | undefined;
  let clustering: ClusterOutputs | undefined;
  if (o.report) {
    const rng = new Rng(seed + 1);
    figures = await writeFigures(paths.dir, model, data.test, result.metrics, rng);
    ev = evaluateModel(model, data.test, { iw: o.iw, ...(o.iwN !== undefined ? { iwN: o.iwN } : {}), seed });
    if (ev.activeUnits) {
      figures.klPerUnit = 'active-units.png';
      await writeKlPerUnit(join(paths.dir, figures.klPerUnit), ev.activeUnits.variances, ev.activeUnits.threshold);
    }
    if (model instanceof GMVAE && data.test.labels) {
      clustering = writeClusterOutputs(paths.dir, model, data.test, rng);
      figures.clusterSamples = clustering.files.samples;
    }
    report = writeReport(paths.dir, {
      name: o.out,
      config,
      settings: result.state.settings,
      metrics: result.metrics,
      backend: getBackend().name,
      parameterCount: model.parameterCount(),
      figures,
      ...(ev.iwae ? { iwae: ev.iwae } : {}),
      ...(ev.activeUnits ? { activeUnits: { active: ev.activeUnits.count, total: ev.activeUnits.total, threshold: ev.activeUnits.threshold } } : {}),
      ...(ev.elbo ? { totalKl: ev.elbo.kl } : {}),
      ...(clustering && model instanceof GMVAE ? { clustering: { clusters: model.clusters, majority: clustering.accuracy.majority, ...(clustering.accuracy.hungarian !== undefined ? { hungarian: clustering.accuracy.hungarian } : {}), assignments: clustering.files.assignments } } : {}),
      checkpoint: CHECKPOINT_FILE,
    });
  }
  return {
    dir: paths.dir,
    checkpoint: paths.checkpoint,
    metrics: result.metrics,
    config,
    backend: getBackend().name,
    trainSeconds,
    figures,
    ...(report !== undefined ? { report } : {}),
    ...(ev ? { eval: ev } : {}),
    ...(clustering ? { clustering } : {}),
  };
}

export interface OpenedRun {
  readonly state: TrainState;
  readonly model: TrainableModel;
  readonly settings: TrainSettings;
}

/** A run's model rebuilt from its checkpoint (a run directory or the .safetensors file itself). */
export function openRun(run: string): OpenedRun {
  const path = checkpointPathOf(run);
  const state = loadCheckpoint(path);
  return { state, model: restoreModel(state), settings: state.settings };
}

/** The test data a run was evaluated on, rebuilt from its settings (or the dataset `spec` instead). */
export function runTestData(r: OpenedRun, spec?: string, o: DataOptions = {}): Dataset {
  if (spec !== undefined) return loadDataset(spec, loadOpts(o.limit, o.labelColumn));
  const s = r.settings;
  if (s.data === undefined) throw new Error('the checkpoint does not record its data; pass --data');
  return loadRunData(s.data, s.testData, s.seed, {
    ...(s.dataLimit !== undefined ? { limit: s.dataLimit } : {}),
    ...(s.labelColumn !== undefined ? { labelColumn: s.labelColumn } : {}),
    ...(o.limit !== undefined ? { testLimit: o.limit } : {}),
  }).test;
}

function requireLatent(m: TrainableModel, who: string): LatentModel {
  if (!isLatentModel(m)) throw new Error(`${who}: model kind "${m.config.kind}" has no latent space`);
  return m;
}

function csvOf(rows: number, cols: number, values: ArrayLike<number>, header: string[], labels?: ArrayLike<number>): string {
  const lines = [header.join(',')];
  for (let i = 0; i < rows; i++) {
    const cells: string[] = [];
    for (let j = 0; j < cols; j++) cells.push(String(values[i * cols + j]));
    if (labels) cells.push(String(labels[i]));
    lines.push(cells.join(','));
  }
  return lines.join('\n') + '\n';
}

function writeOut(path: string, text: string): void {
  writeFileSync(path, text);
}

/** n prior samples through the decoder: a PNG grid for image data, else CSV rows. */
export function sampleRun(r: OpenedRun, n: number, out: string, seed: number): { file: string; n: number } {
  const g = r.model;
  if (!isGenerativeModel(g)) throw new Error(`sample: model kind "${g.config.kind}" cannot sample (it has no prior)`);
  const rng = new Rng(seed);
  const D = g.config.inputDim;
  if (out.endsWith('.png')) {
    const shape = imageShapeOf({ dim: D });
    if (!shape) throw new Error(`sample: inputDim ${D} is not a square image; write CSV instead (--out samples.csv)`);
    writeSamples(out, g, shape, rng, n);
  } else {
    const x = noGrad(() => g.sample(n, rng)).contiguousData();
    writeOut(out, csvOf(n, D, x, Array.from({ length: D }, (_, j) => `x${j}`)));
  }
  return { file: out, n };
}

/** Latent means of every row of ds, as CSV (z0..z{d-1}, plus label when the data has labels). */
export function encodeRun(r: OpenedRun, ds: Dataset, out: string): { file: string; n: number; latentDim: number } {
  const m = requireLatent(r.model, 'encode');
  if (ds.dim !== m.config.inputDim) throw new Error(`encode: data "${ds.name}" has ${ds.dim} features, the model expects ${m.config.inputDim}`);
  const d = m.latentDim;
  const z = encodeMeans(m, ds.x);
  const header = Array.from({ length: d }, (_, j) => `z${j}`);
  if (ds.labels) header.push('label');
  writeOut(out, csvOf(ds.n, d, z, header, ds.labels));
  return { file: out, n: ds.n, latentDim: d };
}

/** Inputs and their reconstructions: a PNG (inputs above, reconstructions below) for images, else CSV. */
export function reconstructRun(r: OpenedRun, ds: Dataset, n: number, out: string): { file: string; n: number } {
  const m = requireLatent(r.model, 'reconstruct');
  if (ds.dim !== m.config.inputDim) throw new Error(`reconstruct: data "${ds.name}" has ${ds.dim} features, the model expects ${m.config.inputDim}`);
  const sub = takeFirst(ds, n);
  if (out.endsWith('.png')) {
    if (!imageShapeOf(ds)) throw new Error(`reconstruct: data "${ds.name}" (dim ${ds.dim}) is not images; write CSV instead (--out recon.csv)`);
    const cols = Math.min(10, sub.n);
    writeReconstructions(out, m, sub, cols, Math.ceil(sub.n / cols));
  } else {
    const x = noGrad(() => m.reconstruct(new Tensor(sub.x, [sub.n, ds.dim]))).contiguousData();
    writeOut(out, csvOf(sub.n, ds.dim, x, Array.from({ length: ds.dim }, (_, j) => `x${j}`)));
  }
  return { file: out, n: sub.n };
}
