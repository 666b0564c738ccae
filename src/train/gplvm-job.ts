// `elbo gplvm`: load a dataset, take the first --limit rows, fit a linear GPLVM
// (dual PPCA) and write latents.csv, latents.png (scatter coloured by label) and
// summary.json. Node-side; the CLI only parses flags and calls runGplvmJob.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset } from '../data/node.js';
import { LinearGPLVM, DEFAULT_MAX_KERNEL_BYTES, checkGplvmMemory, type GplvmHistoryEntry } from '../models/gplvm.js';
import { noGrad } from '../autograd/tape.js';
import { Rng } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { latentScatterSpec, type ScatterPoint } from '../viz/specs.js';
import { writeSpecPng } from '../viz/node.js';
import { writeFileAtomicSync } from './checkpoint.js';

export interface GplvmJobOptions {
  /** Dataset spec for loadDataset: 'mnist', 'mnist:test', an IDX images path or a .csv path. */
  data: string;
  /** Latent dimension Q. */
  latent: number;
  /** CSV only: the column holding class labels (header name or 0-based index). */
  labelColumn?: string | number;
  /** Keep the first `limit` rows (the dense N×N kernel limits N; see checkGplvmMemory). */
  limit?: number;
  /** Adam steps (default 100). */
  steps?: number;
  /** Adam learning rate (default 0.03). */
  lr?: number;
  init?: 'pca' | 'random';
  /** Seed for the random initialisation (default 0). */
  seed?: number;
  /** Output directory (created if missing). */
  out: string;
  /** Dense-kernel memory limit in bytes (default 2 GiB). */
  maxKernelBytes?: number;
  /** Called after every step (e.g. for a progress line). */
  onStep?: (entry: GplvmHistoryEntry, steps: number) => void;
}

export interface GplvmJobSummary {
  dataset: string;
  n: number;
  d: number;
  q: number;
  steps: number;
  lr: number;
  /** Wall-clock seconds for the fit (construction with PCA included, file writing excluded). */
  seconds: number;
  /** L after the last step. */
  logLik: number;
  /** L at the initialisation (step 0). */
  initLogLik: number;
  /** L at the PCA initialisation (= initLogLik unless init is 'random'). */
  pcaLogLik: number;
  /** The closed-form maximum of L (Lawrence 2005), for reference. */
  optimumLogLik: number;
  alpha: number;
  beta: number;
  files: { latents: string; scatter: string; summary: string };
}

function csvNumber(v: number): string {
  return String(Number(v.toPrecision(10)));
}

export async function runGplvmJob(opts: GplvmJobOptions): Promise<GplvmJobSummary> {
  const steps = opts.steps ?? 100;
  const lr = opts.lr ?? 0.03;
  const maxBytes = opts.maxKernelBytes ?? DEFAULT_MAX_KERNEL_BYTES;
  if (opts.limit !== undefined && !(Number.isInteger(opts.limit) && opts.limit >= 2)) {
    throw new Error(`gplvm: --limit must be an integer ≥ 2, got ${opts.limit}`);
  }
  const ds = loadDataset(opts.data, {
    ...(opts.limit === undefined ? {} : { limit: opts.limit }),
    ...(opts.labelColumn === undefined ? {} : { labelColumn: opts.labelColumn }),
  });
  // Fail on size before building anything N×N (the model checks again with its own options).
  checkGplvmMemory(ds.n, maxBytes);

  const t0 = performance.now();
  const Y = new Tensor(Float64Array.from(ds.x), [ds.n, ds.dim]);
  const init = opts.init ?? 'pca';
  const model = new LinearGPLVM(Y, { latentDim: opts.latent, init, rng: new Rng(opts.seed ?? 0), maxKernelBytes: maxBytes });
  const pcaLogLik = init === 'pca' ? undefined : noGrad(() => new LinearGPLVM(Y, { latentDim: opts.latent, maxKernelBytes: maxBytes }).logLikelihood().item());
  const history = model.fit(opts.onStep ? { steps, lr, onStep: (e) => opts.onStep!(e, steps) } : { steps, lr });
  const seconds = (performance.now() - t0) / 1000;
  const optimum = model.analyticOptimum();

  mkdirSync(opts.out, { recursive: true });
  const files = { latents: join(opts.out, 'latents.csv'), scatter: join(opts.out, 'latents.png'), summary: join(opts.out, 'summary.json') };
  const Q = model.latentDim;
  const Z = model.latents().contiguousData();
  const labelOf = (i: number): string | number | undefined => {
    const l = ds.labels?.[i];
    return l === undefined ? undefined : ds.labelNames?.[l] ?? l;
  };
  const header = [...Array.from({ length: Q }, (_, j) => `z${j + 1}`), ...(ds.labels ? ['label'] : [])].join(',');
  const lines = [header];
  for (let i = 0; i < ds.n; i++) {
    const row = Array.from({ length: Q }, (_, j) => csvNumber(Z[i * Q + j]!));
    const label = labelOf(i);
    if (label !== undefined) row.push(String(label));
    lines.push(row.join(','));
  }
  writeFileAtomicSync(files.latents, new TextEncoder().encode(lines.join('\n') + '\n'));

  // Q = 1 has no second axis: plot z₁ against the row index.
  const points: ScatterPoint[] = Array.from({ length: ds.n }, (_, i) => {
    const label = labelOf(i);
    const p = Q >= 2 ? { x: Z[i * Q]!, y: Z[i * Q + 1]! } : { x: Z[i]!, y: i };
    return label === undefined ? p : { ...p, label };
  });
  const title = `Linear GPLVM latents: ${ds.name}, N = ${ds.n}, Q = ${Q}${Q > 2 ? ' (z₁, z₂ shown)' : ''}`;
  await writeSpecPng(files.scatter, latentScatterSpec(points, Q >= 2 ? { title } : { title, yTitle: 'row' }));

  const summary: GplvmJobSummary = {
    dataset: ds.name,
    n: ds.n,
    d: ds.dim,
    q: Q,
    steps,
    lr,
    seconds,
    logLik: history.at(-1)!.logLik,
    initLogLik: history[0]!.logLik,
    pcaLogLik: pcaLogLik ?? history[0]!.logLik,
    optimumLogLik: optimum.logLik,
    alpha: model.alpha,
    beta: model.beta,
    files,
  };
  writeFileAtomicSync(files.summary, new TextEncoder().encode(JSON.stringify(summary, null, 2) + '\n'));
  return summary;
}
