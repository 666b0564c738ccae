// Clustering evaluation of a GMVAE run directory written by `elbo train --model gmvae`: majority and Hungarian
// accuracy on the run's test data, plus the cluster outputs (samples PNG, assignments CSV, clustering.json).
// Usage: node --import tsx bench/gmvae-eval.ts runs/NAME [--seed 0]
import { jsBackend } from '../src/backend/js/index.js';
import { loadNativeBackend } from '../src/backend/native/index.js';
import { setBackend } from '../src/backend/registry.js';
import { GMVAE } from '../src/models/gmvae.js';
import { Rng } from '../src/tensor/random.js';
import { writeClusterOutputs } from '../src/train/clusters.js';
import { openRun, runTestData } from '../src/train/run.js';

const [dir, flag, value] = process.argv.slice(2);
if (dir === undefined) throw new Error('bench/gmvae-eval: usage: bench/gmvae-eval.ts RUN_DIR [--seed N]');
const seed = flag === '--seed' ? Number(value) : 0;
const native = loadNativeBackend(jsBackend);
if (native) setBackend(native);
const run = openRun(dir);
if (!(run.model instanceof GMVAE)) throw new Error(`bench/gmvae-eval: ${dir} holds a "${run.model.config.kind}" model, not a gmvae`);
const test = runTestData(run);
const { files, accuracy } = writeClusterOutputs(dir, run.model, test, new Rng(seed));
console.log(JSON.stringify({ run: dir, epoch: run.state.epoch, n: test.n, majority: accuracy.majority, hungarian: accuracy.hungarian ?? null, sizes: accuracy.sizes, files }));
