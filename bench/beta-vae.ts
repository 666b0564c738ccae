// β-VAE check (issue 4): train the reference VAE on MNIST with β = 1 and β = 4 and measure active
// units (Cov_x E_q[z] > 0.01) and the total KL on the test set; β = 4 should give fewer and lower.
// Usage: tsx bench/beta-vae.ts [--epochs 10] [--betas 1,4]; prints one JSON line per β, then a verdict.
import { jsBackend } from '../src/backend/js/index.js';
import { loadNativeBackend } from '../src/backend/native/index.js';
import { getBackend, setBackend } from '../src/backend/registry.js';
import { loadDataset } from '../src/data/node.js';
import { activeUnits, evaluateElbo } from '../src/models/evaluate.js';
import { VAE } from '../src/models/vae.js';
import { Rng } from '../src/tensor/random.js';
import { formatEpoch } from '../src/train/progress.js';
import { train } from '../src/train/trainer.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

async function main(): Promise<void> {
  const epochs = Number(arg('--epochs', '10'));
  const betas = arg('--betas', '1,4').split(',').map(Number);
  if (!Number.isInteger(epochs) || epochs < 1 || betas.some((b) => !(b >= 0))) throw new Error('bench/beta-vae: --epochs N (>= 1) and --betas b1,b2 (>= 0)');
  const native = loadNativeBackend(jsBackend);
  if (native) setBackend(native);
  const trainData = loadDataset('mnist');
  const testData = loadDataset('mnist:test');
  const results: { beta: number; activeUnits: number; kl: number; recon: number; elbo: number; variances: number[] }[] = [];
  for (const beta of betas) {
    const model = new VAE({ kind: beta === 1 ? 'vae' : 'beta-vae', inputDim: 784, latentDim: 20, hidden: [400], decoder: 'bernoulli', beta }, new Rng(0));
    process.stderr.write(`bench/beta-vae: β = ${beta}, ${epochs} epochs, backend ${getBackend().name}\n`);
    await train({
      model, data: trainData, testData, epochs, batchSize: 128, optimizer: 'adam', lr: 1e-3, seed: 0,
      onEpoch: (m) => void process.stderr.write(`  ${formatEpoch(m, epochs)}\n`),
    });
    const au = activeUnits(model, testData.x);
    const e = evaluateElbo(model, testData.x, new Rng(1));
    const r = { beta, activeUnits: au.count, kl: e.kl, recon: e.recon, elbo: e.elbo, variances: Array.from(au.variances, (v) => Number(v.toPrecision(4))) };
    results.push(r);
    process.stdout.write(`${JSON.stringify(r)}\n`);
  }
  const [a, b] = [results[0]!, results[results.length - 1]!];
  const ok = b.activeUnits < a.activeUnits && b.kl < a.kl;
  process.stdout.write(`${JSON.stringify({ verdict: ok ? 'pass' : 'fail', claim: `β=${b.beta} has fewer active units and lower KL than β=${a.beta}` })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
