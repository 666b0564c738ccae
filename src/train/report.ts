// A run's figures and report.md (Node): reconstructions, prior samples, the 2-D manifold,
// the latent scatter and loss curves as PNGs through src/viz/node.ts, plus a short summary.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset } from '../data/index.js';
import { imageShapeOf, takeFirst } from '../data/index.js';
import { isGenerativeModel, isLatentModel, type GenerativeModel, type LatentModel, type ModelConfig, type TrainableModel } from '../models/model.js';
import { decodeMeans, encodeMeans } from '../models/evaluate.js';
import { noGrad } from '../autograd/tape.js';
import { Tensor } from '../tensor/tensor.js';
import type { Rng } from '../tensor/random.js';
import { barSpec, imageGrid, latentScatterSpec, lossCurveSpec, stackGrids, upscale } from '../viz/index.js';
import type { LossRow, ScatterPoint } from '../viz/index.js';
import { manifoldLatents, pca2 } from '../viz/latent.js';
import { writePng, writeSpecPng } from '../viz/node.js';
import type { EpochMetrics, TrainSettings } from './state.js';

/** Every figure file a run directory can hold. */
export const RUN_FIGURES = ['loss-curves.png', 'reconstructions.png', 'samples.png', 'manifold.png', 'latent-scatter.png', 'active-units.png', 'cluster-samples.png', 'cluster-assignments.csv', 'clustering.json'] as const;

/** File names (relative to the run directory) of the figures that were written. */
export interface FigureSet {
  reconstructions?: string;
  samples?: string;
  manifold?: string;
  latentScatter?: string;
  lossCurves?: string;
  klPerUnit?: string;
  /** Gaussian-mixture VAE: one row of samples per cluster. */
  clusterSamples?: string;
}

/** Inputs above, reconstructions below: `cols` × `rows` test images each. */
export function writeReconstructions(path: string, model: LatentModel, ds: Dataset, cols = 10, rows = 2): void {
  const shape = imageShapeOf(ds);
  if (!shape) throw new Error(`writeReconstructions: dataset "${ds.name}" (dim ${ds.dim}) is not an image dataset`);
  const sub = takeFirst(ds, cols * rows);
  // Small test sets may fill fewer rows (or fewer columns) than asked.
  const c = Math.min(cols, sub.n);
  const r = Math.ceil(sub.n / c);
  const recon = noGrad(() => model.reconstruct(new Tensor(sub.x, [sub.n, ds.dim]))).contiguousData();
  const labelChars = 5;
  const top = imageGrid(sub.x, sub.n, shape[0], shape[1], { cols: c, rowLabels: Array<string>(r).fill('input'), labelChars });
  const bottom = imageGrid(recon, sub.n, shape[0], shape[1], { cols: c, rowLabels: Array<string>(r).fill('recon'), labelChars });
  writePng(path, upscale(stackGrids(top, bottom, { gap: 6 }), 3));
}

export function writeSamples(path: string, model: GenerativeModel, imageShape: [number, number], rng: Rng, n = 64): void {
  const x = noGrad(() => model.sample(n, rng)).contiguousData();
  writePng(path, upscale(imageGrid(x, n, imageShape[0], imageShape[1], { cols: Math.ceil(Math.sqrt(n)) }), 3));
}

/** Decoder means over Φ⁻¹ of an n×n grid of the unit square (Kingma & Welling 2014, fig. 4); needs d = 2. */
export function writeManifold(path: string, model: LatentModel, imageShape: [number, number], n = 20): void {
  if (model.latentDim !== 2) throw new Error(`writeManifold: needs a 2-D latent space (model has ${model.latentDim})`);
  const x = decodeMeans(model, manifoldLatents(n));
  writePng(path, upscale(imageGrid(x, n * n, imageShape[0], imageShape[1], { cols: n, padding: 0 }), 2));
}

/** Test-set latent means coloured by label: the first two dims when d ≤ 2, else the top two principal components. */
export async function writeLatentScatter(path: string, model: LatentModel, ds: Dataset, maxPoints = 5000): Promise<void> {
  const sub = takeFirst(ds, maxPoints);
  const z = encodeMeans(model, sub.x);
  const d = model.latentDim;
  const usePca = d > 2;
  const pts = usePca ? pca2(z, sub.n, d).points : null;
  const points: ScatterPoint[] = [];
  for (let i = 0; i < sub.n; i++) {
    const x = pts ? pts[2 * i]! : z[i * d]!;
    const y = pts ? pts[2 * i + 1]! : d > 1 ? z[i * d + 1]! : 0;
    const label = sub.labels ? (sub.labelNames?.[sub.labels[i]!] ?? sub.labels[i]!) : undefined;
    points.push(label === undefined ? { x, y } : { x, y, label });
  }
  const title = usePca ? `Latent means of ${sub.n} test points (PCA of d = ${d})` : `Latent means of ${sub.n} test points`;
  await writeSpecPng(path, latentScatterSpec(points, usePca ? { title, xTitle: 'PC 1', yTitle: 'PC 2', legendTitle: 'label' } : { title, legendTitle: 'label' }));
}

export async function writeLossCurves(path: string, metrics: readonly EpochMetrics[]): Promise<void> {
  const rows: LossRow[] = [];
  for (const m of metrics) {
    rows.push({ epoch: m.epoch, series: 'train loss', value: m.trainLoss });
    if (m.testLoss !== undefined) rows.push({ epoch: m.epoch, series: 'test loss', value: m.testLoss });
  }
  await writeSpecPng(path, lossCurveSpec(rows, { title: 'Loss per sample (nats)', yTitle: 'loss per sample' }));
}

export async function writeKlPerUnit(path: string, klPerUnit: readonly number[], threshold: number): Promise<void> {
  await writeSpecPng(
    path,
    barSpec(klPerUnit.map((v, i) => ({ category: i, value: v })), { title: 'Per-unit activity Cov_x(E_q[z])', xTitle: 'latent unit', yTitle: 'activity', threshold }),
  );
}

/** Every figure that fits the model and data; returns the files written. */
export async function writeFigures(
  dir: string,
  model: TrainableModel,
  testData: Dataset | undefined,
  metrics: readonly EpochMetrics[],
  rng: Rng,
): Promise<FigureSet> {
  const figs: FigureSet = {};
  if (metrics.length > 0) {
    figs.lossCurves = 'loss-curves.png';
    await writeLossCurves(join(dir, figs.lossCurves), metrics);
  }
  if (!isLatentModel(model) || !testData) return figs;
  const shape = imageShapeOf(testData);
  if (shape) {
    figs.reconstructions = 'reconstructions.png';
    writeReconstructions(join(dir, figs.reconstructions), model, testData);
    if (isGenerativeModel(model)) {
      figs.samples = 'samples.png';
      writeSamples(join(dir, figs.samples), model, shape, rng);
    }
    if (model.latentDim === 2) {
      figs.manifold = 'manifold.png';
      writeManifold(join(dir, figs.manifold), model, shape);
    }
  }
  figs.latentScatter = 'latent-scatter.png';
  await writeLatentScatter(join(dir, figs.latentScatter), model, testData);
  return figs;
}

export interface ReportInfo {
  readonly name: string;
  readonly config: ModelConfig;
  readonly settings: TrainSettings;
  readonly metrics: readonly EpochMetrics[];
  readonly backend: string;
  readonly parameterCount: number;
  readonly figures: FigureSet;
  /** IWAE estimate of log p(x) and the ELBO on the same examples. */
  readonly iwae?: { readonly k: number; readonly n: number; readonly logLikelihood: number; readonly elbo: number; readonly k1?: number; readonly seconds: number };
  readonly activeUnits?: { readonly active: number; readonly total: number; readonly threshold: number };
  readonly totalKl?: number;
  /** Unsupervised clustering accuracy on the labelled test set (Gaussian-mixture VAE). */
  readonly clustering?: { readonly clusters: number; readonly majority: number; readonly hungarian?: number; readonly assignments: string };
  readonly checkpoint: string;
}

const fmt = (v: number | undefined, digits = 2): string => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits));

export function renderReport(r: ReportInfo): string {
  const last = r.metrics[r.metrics.length - 1];
  const trainTotal = r.metrics.reduce((s, m) => s + m.trainSeconds, 0);
  const L: string[] = [];
  L.push(`# ${r.name}`, '');
  L.push(`Model \`${r.config.kind}\` (${r.parameterCount.toLocaleString('en-US')} parameters), config \`${JSON.stringify(r.config)}\`.`);
  L.push(
    `Trained ${r.metrics.length} epochs on \`${r.settings.data ?? '?'}\`, batch ${r.settings.batchSize}, ${r.settings.optimizer} lr ${r.settings.lr}, seed ${r.settings.seed}, backend \`${r.backend}\`.`,
    '',
  );
  L.push('## Results (test set, nats per example)', '');
  L.push('| quantity | value |', '|---|---|');
  if (last?.testLoss !== undefined) L.push(`| final test loss | ${fmt(last.testLoss, 3)} |`);
  if (last?.testElbo !== undefined) L.push(`| final test ELBO | ${fmt(last.testElbo, 3)} |`);
  // β is a setting, not a measurement; the model reports it as a term only for warm-up logs.
  for (const [k, v] of Object.entries(last?.test ?? {})) if (k !== 'beta') L.push(`| final test ${k} | ${fmt(v, 3)} |`);
  if (r.iwae) {
    L.push(`| IWAE log p(x), k = ${r.iwae.k} (first ${r.iwae.n} test examples) | ${fmt(r.iwae.logLikelihood, 3)} |`);
    L.push(`| ELBO on the same examples | ${fmt(r.iwae.elbo, 3)} |`);
    if (r.iwae.k1 !== undefined) L.push(`| IWAE, k = 1 (a one-sample ELBO estimate) | ${fmt(r.iwae.k1, 3)} |`);
    L.push(`| IWAE − ELBO (≥ 0) | ${fmt(r.iwae.logLikelihood - r.iwae.elbo, 3)} |`);
  }
  if (r.totalKl !== undefined) L.push(`| total KL | ${fmt(r.totalKl, 3)} |`);
  if (r.activeUnits) L.push(`| active units (Cov_x E_q[z] > ${r.activeUnits.threshold}) | ${r.activeUnits.active} / ${r.activeUnits.total} |`);
  if (r.clustering) {
    L.push(`| clustering accuracy, each of ${r.clustering.clusters} clusters → its majority label | ${fmt(100 * r.clustering.majority, 2)}% |`);
    if (r.clustering.hungarian !== undefined) L.push(`| clustering accuracy, Hungarian-matched | ${fmt(100 * r.clustering.hungarian, 2)}% |`);
  }
  L.push('');
  if (r.clustering) L.push(`Cluster of every test example: [${r.clustering.assignments}](${r.clustering.assignments}).`, '');
  L.push('## Timing', '');
  L.push(`Training ${fmt(trainTotal, 1)} s in total, ${fmt(r.metrics.length ? trainTotal / r.metrics.length : undefined, 1)} s per epoch on average.`);
  if (r.iwae) L.push(`IWAE evaluation ${fmt(r.iwae.seconds, 1)} s.`);
  L.push('');
  L.push('| epoch | train loss | test loss | train s | eval s |', '|---|---|---|---|---|');
  for (const m of r.metrics) L.push(`| ${m.epoch} | ${fmt(m.trainLoss, 3)} | ${fmt(m.testLoss, 3)} | ${fmt(m.trainSeconds, 1)} | ${fmt(m.evalSeconds, 1)} |`);
  L.push('');
  const f = r.figures;
  const images: [string, string | undefined][] = [
    ['Loss curves', f.lossCurves],
    ['Reconstructions (inputs above, reconstructions below)', f.reconstructions],
    ['Samples from the prior', f.samples],
    ['2-D latent manifold (decoder means over Φ⁻¹ of a uniform grid)', f.manifold],
    ['Latent means of test points', f.latentScatter],
    ['Per-unit activity', f.klPerUnit],
    ['Samples per cluster (one row per mixture component)', f.clusterSamples],
  ];
  L.push('## Figures', '');
  for (const [title, file] of images) if (file) L.push(`### ${title}`, '', `![${title}](${file})`, '');
  L.push(`Checkpoint: [${r.checkpoint}](${r.checkpoint}) (safetensors; metrics in [metrics.jsonl](metrics.jsonl)).`, '');
  return L.join('\n');
}

export function writeReport(dir: string, r: ReportInfo): string {
  const path = join(dir, 'report.md');
  writeFileSync(path, renderReport(r));
  return path;
}
