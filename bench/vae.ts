// Reference VAE benchmark (issue 4's quality bar): 784-400-20 ReLU encoder, 20-400-784 Bernoulli
// decoder, BCE summed + analytic KL per sample, Adam 1e-3, batch 128, pixels/255, no binarization.
// Prints one JSON line {"engine":"elbo","backend",…,"epoch_s":[…],"test_loss":[…],"peak_rss_mb_per_epoch":[…]} for bench/peers/run.ts.
import { availableBackendNames, BACKEND_NAMES, createBackend, type BackendName } from '../src/backend/node.js';
import { getBackend, setBackend } from '../src/backend/registry.js';
import { loadDataset } from '../src/data/node.js';
import { createModel } from '../src/models/registry.js';
import { Rng } from '../src/tensor/random.js';
import { formatEpoch } from '../src/train/progress.js';
import { train } from '../src/train/trainer.js';

interface Options {
  epochs: number;
  backend: BackendName | null;
  maxBatches: number | undefined;
  seed: number;
  list: boolean;
}

function parse(argv: readonly string[]): Options {
  const o: Options = { epochs: 10, backend: null, maxBatches: undefined, seed: 0, list: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`bench/vae: ${flag} needs a value`);
      return v;
    };
    const count = (min: number): number => {
      const v = value();
      const n = Number(v);
      if (!Number.isInteger(n) || n < min) throw new Error(`bench/vae: ${flag} expects an integer >= ${min}, got "${v}"`);
      return n;
    };
    switch (flag) {
      case '--epochs':
        o.epochs = count(1);
        break;
      case '--backend': {
        const b = value();
        const known = BACKEND_NAMES.find((n) => n === b);
        if (!known) throw new Error(`bench/vae: --backend must be one of ${BACKEND_NAMES.join(', ')}, got "${b}"`);
        o.backend = known;
        break;
      }
      case '--max-batches':
        o.maxBatches = count(1);
        break;
      case '--seed':
        o.seed = count(0);
        break;
      case '--list-backends':
        o.list = true;
        break;
      default:
        throw new Error(`bench/vae: unknown option ${flag} (known: --epochs N, --backend js|native|wasm, --max-batches B, --seed S, --list-backends)`);
    }
  }
  return o;
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  if (o.list) {
    process.stdout.write(availableBackendNames().join('\n') + '\n');
    return;
  }
  setBackend(await createBackend(o.backend ?? undefined));
  const backendName = o.backend ?? availableBackendNames()[0]!;

  const trainData = loadDataset('mnist');
  const testData = loadDataset('mnist:test');
  const model = createModel({ kind: 'vae', inputDim: 784, latentDim: 20, hidden: [400], activation: 'relu', decoder: 'bernoulli', beta: 1 }, new Rng(o.seed));
  const epochS: number[] = [];
  // Peak RSS so far after each epoch: flat from epoch to epoch means no growth (issue 5, target 4).
  const peakRssPerEpoch: number[] = [];
  const testLoss: number[] = [];
  process.stderr.write(`bench/vae: backend ${getBackend().name}, ${o.epochs} epochs${o.maxBatches ? `, max ${o.maxBatches} batches/epoch` : ''}\n`);
  await train({
    model,
    data: trainData,
    testData,
    epochs: o.epochs,
    batchSize: 128,
    optimizer: 'adam',
    lr: 1e-3,
    seed: o.seed,
    ...(o.maxBatches !== undefined ? { maxBatches: o.maxBatches } : {}),
    onEpoch: (m) => {
      epochS.push(Number(m.trainSeconds.toFixed(3)));
      peakRssPerEpoch.push(Math.round(process.resourceUsage().maxRSS / 1024));
      testLoss.push(Number((m.testLoss ?? NaN).toFixed(4)));
      process.stderr.write(`${formatEpoch(m, o.epochs)}\n`);
    },
  });
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(`${JSON.stringify({ engine: 'elbo', backend: backendName, epoch_s: epochS, test_loss: testLoss, peak_rss_mb: peakRssMb, peak_rss_mb_per_epoch: peakRssPerEpoch })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
