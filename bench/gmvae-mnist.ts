// GMVAE clustering benchmark on MNIST (issue 6): trains with the library trainer and prints, per epoch,
// the loss terms and the test clustering accuracy (majority and Hungarian). One JSON line per epoch.
// Usage: node --import tsx bench/gmvae-mnist.ts --epochs 30 --clusters 10 --latent 10 [--limit N] [--out runs/x]
import { jsBackend } from '../src/backend/js/index.js';
import { loadNativeBackend } from '../src/backend/native/index.js';
import { getBackend, setBackend } from '../src/backend/registry.js';
import { takeFirst } from '../src/data/index.js';
import { loadDataset } from '../src/data/node.js';
import { createModel } from '../src/models/registry.js';
import { GMVAE } from '../src/models/gmvae.js';
import { clusterAccuracy } from '../src/models/clustering.js';
import { writeClusterOutputs } from '../src/train/clusters.js';
import { Rng } from '../src/tensor/random.js';
import { train } from '../src/train/trainer.js';
import { loadavg } from 'node:os';

function parse(argv: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i]!;
    if (!f.startsWith('--')) throw new Error(`bench/gmvae-mnist: unexpected argument "${f}"`);
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) m.set(f.slice(2), 'true');
    else {
      m.set(f.slice(2), v);
      i++;
    }
  }
  return m;
}

const a = parse(process.argv.slice(2));
const num = (k: string, d: number): number => (a.has(k) ? Number(a.get(k)) : d);
const native = loadNativeBackend(jsBackend);
if (native) setBackend(native);
const limit = a.has('limit') ? num('limit', 60000) : undefined;
const trainData = loadDataset('mnist', limit !== undefined ? { limit } : {});
const testFull = loadDataset('mnist:test');
const test = a.has('test-limit') ? takeFirst(testFull, num('test-limit', 10000)) : testFull;
const seed = num('seed', 0);
const hidden = (a.get('hidden') ?? '500,500').split(',').map(Number);
const config = {
  kind: 'gmvae',
  inputDim: trainData.dim,
  latentDim: num('latent', 10),
  clusters: num('clusters', 10),
  hidden,
  zFreeBits: num('zfree', 0),
  marginalWeight: num('marginal', 0),
  componentInitStd: num('init-std', 1),
  pretrainEpochs: num('pretrain', 0),
  pretrainNoise: num('noise', 0),
  beta: num('beta', 1),
  ...(a.has('warmup') ? { warmup: { kind: 'linear', epochs: num('warmup', 0) } } : {}),
};
const model = createModel(config, new Rng(seed));
if (!(model instanceof GMVAE)) throw new Error('bench/gmvae-mnist: createModel did not build a GMVAE');
const started = performance.now();
console.error(`backend ${getBackend().name}, config ${JSON.stringify(config)}, train ${trainData.n}, test ${test.n}, load ${loadavg()[0]!.toFixed(1)}`);
const result = await train({
  model,
  data: trainData,
  epochs: num('epochs', 10),
  batchSize: num('batch', 128),
  lr: num('lr', 1e-3),
  seed,
  binarize: a.get('binarize') === 'true',
  onEpoch: (m) => {
    const acc = clusterAccuracy(model, test);
    const line = {
      epoch: m.epoch, trainLoss: +m.trainLoss.toFixed(2), ...Object.fromEntries(Object.entries(m.train).map(([k, v]) => [k, +v.toFixed(3)])),
      majority: +acc.majority.toFixed(4), hungarian: acc.hungarian === undefined ? null : +acc.hungarian.toFixed(4), used: acc.usedClusters,
      s: +m.trainSeconds.toFixed(1), load: +loadavg()[0]!.toFixed(1),
    };
    console.log(JSON.stringify(line));
  },
});
if (a.has('out')) {
  const out = a.get('out')!;
  const { files } = writeClusterOutputs(out, model, test, new Rng(seed + 1));
  console.error(`wrote ${Object.values(files).join(', ')} in ${out}`);
}
console.error(`done: ${result.metrics.length} epochs in ${((performance.now() - started) / 1000).toFixed(0)} s`);
