// The `elbo` command line: parses flags, installs a backend, calls library functions
// (src/train/run.ts and friends) and prints text or --json. No math lives here.
import { Command, InvalidArgumentError, Option } from 'commander';
import { realpathSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nativeInfo } from '../src/backend/native/index.js';
import { BACKEND_NAMES, createBackend, type BackendName } from '../src/backend/node.js';
import { getBackend, setBackend } from '../src/backend/registry.js';
import { MultivariateNormal } from '../src/distributions/multivariate-normal.js';
import { klDivergence, klMonteCarlo } from '../src/distributions/kl.js';
import { MODEL_KINDS } from '../src/models/registry.js';
import { tensor } from '../src/ops/creation.js';
import { Rng } from '../src/tensor/random.js';
import { imageShapeOf } from '../src/data/dataset.js';
import { formatEpoch } from '../src/train/progress.js';
import {
  encodeRun, evaluateModel, openRun, reconstructRun, runTestData, sampleRun, trainRun, type EvalSummary,
} from '../src/train/run.js';
import type { OptimizerName } from '../src/train/state.js';
import { runGplvmJob, type GplvmJobSummary } from '../src/train/gplvm-job.js';
import type { GplvmHistoryEntry } from '../src/models/gplvm.js';
import { runDerivations } from '../src/models/derivations.js';
import { DEFAULT_POINTS, MNIST_TEST_SIZE, startWebServer } from '../web/server.js';

interface GlobalOptions {
  json?: boolean;
  verbose?: boolean;
  backend?: BackendName;
}

// ---- flag parsers: each throws a one-line InvalidArgumentError naming the expectation ----

function int(min: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer >= ${min}, got "${v}"`);
    return n;
  };
}

function positive(v: string): number {
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a positive number, got "${v}"`);
  return n;
}

function nonNegative(v: string): number {
  const n = Number(v);
  if (!(n >= 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a non-negative number, got "${v}"`);
  return n;
}

function widths(v: string): number[] {
  const parts = v.split(',').map((s) => Number(s.trim()));
  if (parts.length === 0 || parts.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new InvalidArgumentError(`expected positive integers separated by commas (e.g. 400 or 512,256), got "${v}"`);
  }
  return parts;
}

function labelColumn(v: string): string | number {
  return /^-?\d+$/.test(v) ? Number(v) : v;
}

// ---- output ----

function print(g: GlobalOptions, json: unknown, text: string): void {
  process.stdout.write(g.json ? `${JSON.stringify(json)}\n` : `${text}\n`);
}

async function installBackend(choice: GlobalOptions['backend']): Promise<void> {
  try {
    setBackend(await createBackend(choice));
  } catch (e) {
    throw new Error(`--${e instanceof Error ? e.message : String(e)}`);
  }
}

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

const fmt = (v: number | undefined, d = 3): string => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(d));

function evalText(e: EvalSummary): string {
  const lines = [`test examples ${e.n}`, `test loss ${fmt(e.testLoss)} (${Object.entries(e.terms).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')})`];
  if (e.elbo) lines.push(`ELBO ${fmt(e.elbo.elbo)} (recon ${fmt(e.elbo.recon)}, KL ${fmt(e.elbo.kl)})`);
  if (e.iwae) lines.push(`IWAE k=${e.iwae.k} on ${e.iwae.n} examples: log p(x) ≥ ${fmt(e.iwae.logLikelihood)} (ELBO on the same ${fmt(e.iwae.elbo)}, k=1 ${fmt(e.iwae.k1)}; ${fmt(e.iwae.seconds, 1)} s)`);
  if (e.activeUnits) lines.push(`active units ${e.activeUnits.count}/${e.activeUnits.total} (Cov_x E_q[z] > ${e.activeUnits.threshold})`);
  return lines.join('\n');
}

// ---- commands ----

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('elbo')
    .description('Autoencoders and variational autoencoders: train, evaluate, sample, encode.')
    .addOption(new Option('--backend <name>', 'kernel backend (default: native when built, else js)').choices([...BACKEND_NAMES]))
    .option('--json', 'machine-readable output on stdout')
    .option('--verbose', 'stack traces on errors')
    .showHelpAfterError(false)
    // Set before the subcommands are added: they copy these settings when created.
    .exitOverride()
    .configureOutput({
      // Commander's own usage errors arrive as "error: ..."; keep them to one line.
      outputError: (str, write) => write(`elbo: ${str.replace(/^error: /, '').split('\n')[0]}\n`),
    })
    .hook('preAction', (_this, action) => installBackend(action.optsWithGlobals<GlobalOptions>().backend));

  program
    .command('info')
    .description('print the active backend, the native addon and its instruction set')
    .action((_o, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const n = nativeInfo();
      const info = { backend: getBackend().name, native: n, node: process.version, models: MODEL_KINDS };
      const text = [
        `backend ${info.backend}`,
        n.available ? `native  available, ISA ${n.isa}, ${n.threads} threads` : `native  unavailable: ${n.reason}`,
        `node    ${info.node}`,
        `models  ${MODEL_KINDS.join(', ')}`,
      ].join('\n');
      print(g, info, text);
    });

  program
    .command('train')
    .description('train a model; writes checkpoint, metrics.jsonl, PNG figures and report.md into --out')
    .addOption(new Option('--model <kind>', 'model').choices([...MODEL_KINDS]).default('vae'))
    .option('--data <spec>', 'mnist, or a path to an IDX images file or a .csv', 'mnist')
    .option('--test-data <spec>', 'test data (default: mnist:test for mnist, else a seeded 10% hold-out)')
    .option('--label-column <col>', 'CSV column holding labels (name or index)', labelColumn)
    .option('--limit <n>', 'use only the first n training rows', int(1))
    .option('--test-limit <n>', 'use only the first n test rows', int(1))
    .option('--latent <d>', 'latent dimension', int(1), 20)
    .option('--hidden <widths>', 'hidden widths, e.g. 400 or 512,256 (default 400; gmvae 500,500)', widths)
    .option('--clusters <k>', 'mixture components K of the gmvae', int(2))
    .option('--epochs <n>', 'total epochs (with --resume: train until this many)', int(0), 10)
    .option('--batch <n>', 'batch size', int(1), 128)
    .option('--lr <rate>', 'learning rate', positive, 1e-3)
    .addOption(new Option('--optimizer <name>', 'optimizer').choices(['adam', 'adamw', 'sgd']).default('adam'))
    .option('--beta <β>', 'KL weight (beta-vae defaults to 4)', nonNegative)
    .option('--warmup <epochs>', 'linear KL warm-up over this many epochs', int(0))
    .addOption(new Option('--decoder <kind>', 'likelihood p(x|z)').choices(['bernoulli', 'gaussian', 'gaussian-learned']))
    .option('--binarize', 'resample binary pixels x ~ Bernoulli(x) every batch', false)
    .option('--seed <n>', 'random seed', int(0), 0)
    .option('--out <dir>', 'run directory (default runs/<model>-<time>)')
    .option('--resume', 'continue the run in --out from its checkpoint', false)
    .option('--force', 'start over even if --out already holds a run', false)
    .option('--max-batches <n>', 'stop each epoch after n batches (smoke tests)', int(1))
    .option('--iw <k>', 'IWAE samples for the report (0 skips)', int(0), 1000)
    .option('--iw-n <n>', 'test examples for the report IWAE', int(1), 1000)
    .option('--no-report', 'skip figures, evaluation and report.md')
    .option('--no-progress', 'no progress bars or per-epoch lines')
    .action(async (o: TrainFlags, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      if (o.resume && o.out === undefined) throw new Error('train --resume needs --out RUN_DIR');
      const out = o.out ?? join('runs', `${o.model}-${basename(o.data).replace(/[^\w.-]/g, '_')}-${timestamp()}`);
      const r = await trainRun({
        out,
        model: o.model,
        data: o.data,
        ...(o.testData !== undefined ? { testData: o.testData } : {}),
        ...(o.labelColumn !== undefined ? { labelColumn: o.labelColumn } : {}),
        ...(o.limit !== undefined ? { limit: o.limit } : {}),
        ...(o.testLimit !== undefined ? { testLimit: o.testLimit } : {}),
        inputDim: 0,
        latent: o.latent,
        ...(o.hidden !== undefined ? { hidden: o.hidden } : {}),
        ...(o.clusters !== undefined ? { clusters: o.clusters } : {}),
        ...(o.beta !== undefined ? { beta: o.beta } : {}),
        ...(o.warmup !== undefined ? { warmup: o.warmup } : {}),
        ...(o.decoder !== undefined ? { decoder: o.decoder } : {}),
        epochs: o.epochs,
        batchSize: o.batch,
        lr: o.lr,
        optimizer: o.optimizer,
        seed: o.seed,
        binarize: o.binarize,
        resume: o.resume,
        force: o.force,
        ...(o.maxBatches !== undefined ? { maxBatches: o.maxBatches } : {}),
        iw: o.iw,
        iwN: o.iwN,
        report: o.report,
        progress: o.progress,
      });
      const last = r.metrics[r.metrics.length - 1];
      const lines = [`run ${r.dir} (backend ${r.backend}, ${fmt(r.trainSeconds, 1)} s training)`];
      if (last) lines.push(formatEpoch(last, o.epochs));
      if (r.eval) lines.push(evalText(r.eval));
      if (r.clustering) {
        const a = r.clustering.accuracy;
        lines.push(`clustering accuracy ${fmt(100 * a.majority, 2)}% (majority label)${a.hungarian !== undefined ? `, ${fmt(100 * a.hungarian, 2)}% (Hungarian)` : ''}; assignments in ${r.clustering.files.assignments}`);
      }
      if (r.report) lines.push(`report ${r.report}`);
      print(g, { dir: r.dir, checkpoint: r.checkpoint, backend: r.backend, trainSeconds: r.trainSeconds, metrics: r.metrics, eval: r.eval, figures: r.figures, report: r.report, ...(r.clustering ? { clustering: withoutAssignments(r.clustering.accuracy) } : {}) }, lines.join('\n'));
    });

  program
    .command('eval')
    .description('evaluate a run on its test data: loss, ELBO, IWAE log-likelihood, active units')
    .argument('<run>', 'run directory or checkpoint .safetensors')
    .option('--iw <k>', 'IWAE samples per example (0 skips)', int(0), 1000)
    .option('--iw-n <n>', 'evaluate IWAE on the first n test examples (default all)', int(1))
    .option('--data <spec>', 'evaluate on this dataset instead of the run\'s test data')
    .option('--label-column <col>', 'CSV column holding labels', labelColumn)
    .option('--limit <n>', 'use only the first n test rows', int(1))
    .option('--seed <n>', 'random seed for the estimators', int(0), 0)
    .action((run: string, o: EvalFlags, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const r = openRun(run);
      const ds = runTestData(r, o.data, dataOpts(o));
      const e = evaluateModel(r.model, ds, { iw: o.iw, ...(o.iwN !== undefined ? { iwN: o.iwN } : {}), seed: o.seed });
      print(g, { run, backend: getBackend().name, ...e }, evalText(e));
    });

  program
    .command('sample')
    .description('draw samples from the prior through the decoder (PNG grid for images, else CSV)')
    .argument('<run>', 'run directory or checkpoint .safetensors')
    .option('--n <n>', 'number of samples', int(1), 64)
    .option('--out <file>', 'output .png or .csv (default RUN/samples-seed<seed>.png, or .csv for non-image data)')
    .option('--seed <n>', 'random seed', int(0), 0)
    .action((run: string, o: { n: number; out?: string; seed: number }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const r = openRun(run);
      // Named by seed so the report's samples.png is never overwritten.
      const out = o.out ?? join(runDir(run), `samples-seed${o.seed}.${imageShapeOf({ dim: r.model.config.inputDim }) ? 'png' : 'csv'}`);
      const res = sampleRun(r, o.n, out, o.seed);
      print(g, res, `wrote ${res.n} samples to ${res.file}`);
    });

  program
    .command('encode')
    .description('write the latent means of a dataset as CSV (z0..z{d-1}, label)')
    .argument('<run>', 'run directory or checkpoint .safetensors')
    .option('--data <spec>', 'dataset to encode (default: the run\'s test data)')
    .option('--label-column <col>', 'CSV column holding labels', labelColumn)
    .option('--limit <n>', 'encode only the first n rows', int(1))
    .option('--out <file>', 'output CSV', 'latents.csv')
    .action((run: string, o: DataFlags & { out: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const r = openRun(run);
      const res = encodeRun(r, runTestData(r, o.data, dataOpts(o)), o.out);
      print(g, res, `wrote ${res.n} latent means (d = ${res.latentDim}) to ${res.file}`);
    });

  program
    .command('reconstruct')
    .description('inputs and their reconstructions (PNG: inputs above, reconstructions below; else CSV)')
    .argument('<run>', 'run directory or checkpoint .safetensors')
    .option('--data <spec>', 'dataset (default: the run\'s test data)')
    .option('--label-column <col>', 'CSV column holding labels', labelColumn)
    .option('--n <n>', 'number of examples', int(1), 20)
    .option('--out <file>', 'output .png or .csv (default RUN/reconstructions.png or .csv)')
    .action((run: string, o: DataFlags & { n: number; out?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const r = openRun(run);
      const ds = runTestData(r, o.data, dataOpts(o));
      const out = o.out ?? join(runDir(run), imageShapeOf(ds) ? 'reconstructions.png' : 'reconstructions.csv');
      const res = reconstructRun(r, ds, o.n, out);
      print(g, res, `wrote ${res.n} reconstructions to ${res.file}`);
    });

  program
    .command('web')
    .description("serve the latent-space explorer page for a run's checkpoint (runs until stopped)")
    .argument('<run>', 'run directory or checkpoint .safetensors')
    .option('--port <n>', 'port to listen on (0 picks a free one)', int(0), 8080)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--points <n>', `MNIST test images the page encodes (1 to ${MNIST_TEST_SIZE})`, int(1), DEFAULT_POINTS)
    .action(async (run: string, o: { port: number; host: string; points: number }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const s = await startWebServer({ source: run, port: o.port, host: o.host, points: o.points });
      print(g, { url: s.url, checkpoint: s.checkpoint, points: s.points }, `serving ${s.checkpoint} at ${s.url} (Ctrl-C stops)`);
    });

  program
    .command('gplvm')
    .description('linear GPLVM (dual probabilistic PCA) by gradient ascent; writes latents.csv, latents.png and summary.json into --out')
    .option('--data <spec>', 'mnist, or a path to an IDX images file or a .csv', 'mnist')
    .option('--label-column <col>', 'CSV column holding labels (name or index)', labelColumn)
    .option('--limit <n>', 'use only the first n rows (the dense N×N kernel caps N)', int(2))
    .option('--latent <q>', 'latent dimension Q', int(1), 2)
    .option('--steps <n>', 'Adam steps', int(0), 100)
    .option('--lr <rate>', 'Adam learning rate', positive, 0.03)
    .addOption(new Option('--init <kind>', 'initialisation').choices(['pca', 'random']).default('pca'))
    .option('--seed <n>', 'random seed (for --init random)', int(0), 0)
    .option('--max-kernel-gib <gib>', 'refuse N whose dense kernel working set exceeds this many GiB', positive, 2)
    .option('--out <dir>', 'output directory (default runs/gplvm-<data>-<time>)')
    .option('--no-progress', 'no per-step lines on stderr')
    .action(async (o: GplvmFlags, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const out = o.out ?? join('runs', `gplvm-${basename(o.data).replace(/[^\w.-]/g, '_')}-${timestamp()}`);
      const onStep = (e: GplvmHistoryEntry, n: number): void => {
        if (e.step % 10 === 0 || e.step === n) process.stderr.write(`step ${e.step}/${n}  log-lik ${fmt(e.logLik, 2)}  β ${fmt(e.beta)}\n`);
      };
      const s: GplvmJobSummary = await runGplvmJob({
        data: o.data, latent: o.latent, steps: o.steps, lr: o.lr, init: o.init, seed: o.seed, out,
        maxKernelBytes: o.maxKernelGib * 1024 ** 3,
        ...(o.limit !== undefined ? { limit: o.limit } : {}),
        ...(o.labelColumn !== undefined ? { labelColumn: o.labelColumn } : {}),
        ...(o.progress && !g.json ? { onStep } : {}),
      });
      print(g, s, [
        `gplvm ${s.dataset}: N = ${s.n}, D = ${s.d}, Q = ${s.q}, ${s.steps} steps in ${fmt(s.seconds, 1)} s (backend ${getBackend().name})`,
        `log-likelihood ${fmt(s.logLik, 2)} (PCA init ${fmt(s.pcaLogLik, 2)}, closed-form optimum ${fmt(s.optimumLogLik, 2)})`,
        `wrote ${s.files.latents}, ${s.files.scatter}, ${s.files.summary}`,
      ].join('\n'));
    });

  program
    .command('kl')
    .description('KL(p‖q) between two Gaussians, closed form and Monte Carlo side by side, in float64')
    .requiredOption('--p <json>', 'p as {"mu":[...],"cov":[[...],...]}')
    .requiredOption('--q <json>', 'q as {"mu":[...],"cov":[[...],...]}')
    .option('--samples <n>', 'Monte Carlo samples', int(2), 100000)
    .option('--seed <n>', 'random seed', int(0), 0)
    .action((o: { p: string; q: string; samples: number; seed: number }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const p = gaussianFromJson(o.p, '--p');
      const q = gaussianFromJson(o.q, '--q');
      const closedForm = klDivergence(p, q).item();
      const mc = klMonteCarlo(p, q, { samples: o.samples, rng: new Rng(o.seed) });
      const res = { closedForm, monteCarlo: mc.estimate.item(), stdErr: mc.standardError.item() };
      print(g, res, `KL(p‖q) closed form ${res.closedForm.toPrecision(10)}\nKL(p‖q) Monte Carlo ${res.monteCarlo.toPrecision(10)} ± ${res.stdErr.toPrecision(3)} (${o.samples} samples)`);
    });

  program
    .command('derive')
    .description("check the course's derivations numerically: gradients, KLs, the ELBO identity, EM's free energy, β-VAE")
    .option('--quick', 'smaller sizes, fewer seeds and samples (as the tests run it)', false)
    .option('--seed <n>', 'base random seed', int(0), 0)
    .action((o: { quick: boolean; seed: number }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const results = runDerivations({ quick: o.quick, seed: o.seed });
      const head = ['id', 'title', 'measured', 'tolerance', 'passed'];
      const rows = results.map((r) => [r.id, r.title, r.value === 0 ? '0' : r.value.toPrecision(3), String(r.tolerance), r.passed ? 'yes' : 'NO']);
      const width = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
      const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(width[i]!)).join('  ').trimEnd();
      const failed = results.filter((r) => !r.passed);
      print(g, results, [line(head), ...rows.map(line), `${results.length - failed.length}/${results.length} confirmed (docs/derivations.md)`].join('\n'));
      if (failed.length > 0) throw new Error(`derive: not confirmed: ${failed.map((r) => r.id).join(', ')}`);
    });

  return program;
}

/** Accuracy figures without the per-example assignments (those are in the run's CSV). */
function withoutAssignments<T extends { assignments: unknown }>(a: T): Omit<T, 'assignments'> {
  const { assignments: _omit, ...rest } = a;
  return rest;
}

interface GplvmFlags {
  data: string;
  labelColumn?: string | number;
  limit?: number;
  latent: number;
  steps: number;
  lr: number;
  init: 'pca' | 'random';
  seed: number;
  maxKernelGib: number;
  out?: string;
  progress: boolean;
}

interface DataFlags {
  data?: string;
  labelColumn?: string | number;
  limit?: number;
}

interface EvalFlags extends DataFlags {
  iw: number;
  iwN?: number;
  seed: number;
}

interface TrainFlags {
  model: string;
  data: string;
  testData?: string;
  labelColumn?: string | number;
  limit?: number;
  testLimit?: number;
  latent: number;
  hidden?: number[];
  clusters?: number;
  epochs: number;
  batch: number;
  lr: number;
  optimizer: OptimizerName;
  beta?: number;
  warmup?: number;
  decoder?: string;
  binarize: boolean;
  seed: number;
  out?: string;
  resume: boolean;
  force: boolean;
  maxBatches?: number;
  iw: number;
  iwN: number;
  report: boolean;
  progress: boolean;
}

function dataOpts(o: DataFlags): { limit?: number; labelColumn?: string | number } {
  return { ...(o.limit !== undefined ? { limit: o.limit } : {}), ...(o.labelColumn !== undefined ? { labelColumn: o.labelColumn } : {}) };
}

function runDir(run: string): string {
  return run.endsWith('.safetensors') ? join(run, '..') : run;
}

function isNumberArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x));
}

/** {"mu": [d], "cov": [d][d]} → a float64 MultivariateNormal. */
function gaussianFromJson(text: string, flag: string): MultivariateNormal {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new Error(`${flag}: not valid JSON: ${text.slice(0, 60)}`);
  }
  if (typeof v !== 'object' || v === null || !('mu' in v) || !('cov' in v)) throw new Error(`${flag}: expected {"mu": [...], "cov": [[...], ...]}`);
  const { mu, cov } = v;
  if (!isNumberArray(mu) || mu.length === 0) throw new Error(`${flag}: mu must be a non-empty array of finite numbers`);
  const d = mu.length;
  if (!Array.isArray(cov) || cov.length !== d || !cov.every((row): row is number[] => isNumberArray(row) && row.length === d)) {
    throw new Error(`${flag}: cov must be a ${d}×${d} array of finite numbers to match mu of length ${d}`);
  }
  try {
    return new MultivariateNormal({ loc: tensor(mu, { dtype: 'float64' }), covariance: tensor(cov, { dtype: 'float64' }) });
  } catch (e) {
    throw new Error(`${flag}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  const verbose = argv.includes('--verbose');
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (isCommanderExit(e)) return e.exitCode;
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`elbo: ${msg.split('\n')[0]}\n`);
    if (verbose && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
    return 1;
  }
}

function isCommanderExit(e: unknown): e is { exitCode: number; code: string } {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' && e.code.startsWith('commander.') && 'exitCode' in e && typeof e.exitCode === 'number';
}

// Run when executed directly (node --import tsx cli/elbo.ts); bin/elbo.js calls main itself.
if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
