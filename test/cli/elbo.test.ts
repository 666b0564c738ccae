// The elbo CLI end to end (through tsx, no build): help, one-line errors with non-zero exits,
// `kl --json`, and a tiny train on a CSV followed by eval/sample/encode/reconstruct and --resume.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../src/tensor/random.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { main } from '../../cli/elbo.js';
import { MODEL_KINDS } from '../../src/models/registry.js';

const CLI = fileURLToPath(new URL('../../cli/elbo.ts', import.meta.url));

/** In-process run of the CLI's main with stdout/stderr captured (fast: no process start-up). */
async function elboIn(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const [w1, w2] = [process.stdout.write, process.stderr.write];
  process.stdout.write = ((chunk: string | Uint8Array) => out.push(String(chunk)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => err.push(String(chunk)) > 0) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = w1;
    process.stderr.write = w2;
  }
}

function elbo(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test('--help works at the top level and for every command', async () => {
  const top = elbo('--help');
  assert.equal(top.code, 0);
  const commands = ['train', 'eval', 'sample', 'encode', 'reconstruct', 'kl', 'info'];
  for (const c of commands) assert.match(top.stdout, new RegExp(`\\b${c}\\b`));
  for (const c of commands) {
    const r = await elboIn(c, '--help');
    assert.equal(r.code, 0, c);
    assert.match(r.stdout, new RegExp(`^Usage: elbo ${c}`), c);
  }
  assert.match((await elboIn('train', '--help')).stdout, /--resume/);
});

test('bad flags and bad values exit non-zero with one line on stderr and no stack trace', async () => {
  // One real process, to see the exit code the shell sees.
  const real = elbo('train', '--bogus');
  assert.equal(real.code, 1);
  assert.equal(real.stderr, "elbo: unknown option '--bogus'\n");
  const cases: [string[], RegExp][] = [
    [['train', '--epochs', 'ten'], /^elbo: option '--epochs <n>' argument 'ten' is invalid\. expected an integer >= 0, got "ten"\n$/],
    [['train', '--model', 'gan'], new RegExp(`^elbo: option '--model <kind>' argument 'gan' is invalid\\. Allowed choices are ${MODEL_KINDS.join(', ')}\\.\\n$`)],
    [['eval', '/nonexistent/run'], /^elbo: checkpoint: file not found: \/nonexistent\/run\/checkpoint\.safetensors\n$/],
    [['kl', '--p', '{"mu":[0]}', '--q', '{"mu":[0],"cov":[[1]]}'], /^elbo: --p: expected \{"mu": \[\.\.\.\], "cov": \[\[\.\.\.\], \.\.\.\]\}\n$/],
    [['nosuchcommand'], /^elbo: unknown command 'nosuchcommand'\n$/],
  ];
  for (const [args, re] of cases) {
    const r = await elboIn(...args);
    assert.notEqual(r.code, 0, args.join(' '));
    assert.match(r.stderr, re, args.join(' '));
  }
  const verbose = await elboIn('--verbose', 'eval', '/nonexistent/run');
  assert.match(verbose.stderr, /\n\s+at /, '--verbose adds the stack');
});

test('kl --json prints closed form and a Monte Carlo estimate within 4 standard errors', () => {
  const p = '{"mu":[0,0],"cov":[[1,0.5],[0.5,2]]}';
  const q = '{"mu":[1,-1],"cov":[[2,0],[0,1]]}';
  const r = elbo('kl', '--json', '--p', p, '--q', q, '--samples', '20000');
  assert.equal(r.code, 0, r.stderr);
  const out: unknown = JSON.parse(r.stdout);
  assert.ok(typeof out === 'object' && out !== null);
  const { closedForm, monteCarlo, stdErr } = out as Record<string, number>;
  // ½[tr(Σq⁻¹Σp) + Δμᵀ Σq⁻¹ Δμ − d + log(|Σq|/|Σp|)] = ½[2.5 + 1.5 − 2 + log(2/1.75)]
  const exact = 0.5 * (2.5 + 1.5 - 2 + Math.log(2 / 1.75));
  assert.ok(Math.abs(closedForm! - exact) < 1e-12, `closed form ${closedForm} vs ${exact}`);
  assert.ok(stdErr! > 0 && stdErr! < 0.05);
  assert.ok(Math.abs(monteCarlo! - exact) < 4 * stdErr!, `MC ${monteCarlo} ± ${stdErr} vs ${exact}`);
  const same = elbo('kl', '--json', '--p', p, '--q', p);
  assert.equal((JSON.parse(same.stdout) as Record<string, number>).closedForm, 0);
});

/** 16-pixel "images" (4×4): two bright bars, horizontal or vertical, with noise; label = orientation. */
function writeBars(path: string, n: number): void {
  const rng = new Rng(5);
  const lines = [[...Array.from({ length: 16 }, (_, i) => `p${i}`), 'label'].join(',')];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    const k = rng.int(4);
    const px = Array.from({ length: 16 }, (_, j) => {
      const on = label === 0 ? Math.floor(j / 4) === k : j % 4 === k;
      return Math.min(1, Math.max(0, (on ? 0.9 : 0.1) + 0.05 * rng.normal())).toFixed(3);
    });
    lines.push([...px, String(label)].join(','));
  }
  writeFileSync(path, lines.join('\n') + '\n');
}

test('train on a CSV, then eval, sample, encode and reconstruct write their files; --resume continues', () => {
  const dir = mkdtempSync(join(tmpdir(), 'elbo-cli-'));
  const csv = join(dir, 'bars.csv');
  writeBars(csv, 200);
  const run = join(dir, 'run');
  const common = ['--data', csv, '--label-column', 'label', '--latent', '2', '--hidden', '16', '--batch', '32', '--lr', '0.01', '--seed', '3', '--out', run];
  const tr = elbo('--json', 'train', ...common, '--epochs', '2', '--iw', '10', '--iw-n', '20', '--no-progress');
  assert.equal(tr.code, 0, tr.stderr);
  const summary = JSON.parse(tr.stdout) as { metrics: { epoch: number; testLoss: number }[]; eval: { iwae: { logLikelihood: number; elbo: number } } };
  assert.deepEqual(summary.metrics.map((m) => m.epoch), [1, 2]);
  assert.ok(Number.isFinite(summary.metrics[1]!.testLoss));
  for (const f of ['checkpoint.safetensors', 'metrics.jsonl', 'report.md', 'loss-curves.png', 'reconstructions.png', 'samples.png', 'manifold.png', 'latent-scatter.png']) {
    assert.ok(existsSync(join(run, f)), `${f} written`);
  }
  assert.equal(readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').length, 2);
  assert.match(readFileSync(join(run, 'report.md'), 'utf8'), /IWAE log p\(x\), k = 10/);

  const ev = elbo('eval', run, '--iw', '5', '--json');
  assert.equal(ev.code, 0, ev.stderr);
  const e = JSON.parse(ev.stdout) as { n: number; testLoss: number; iwae: { k: number } };
  assert.equal(e.n, 20, 'the seeded 10% hold-out of 200 rows');
  assert.equal(e.iwae.k, 5);

  const sample = elbo('sample', run, '--n', '9', '--out', join(dir, 's.csv'));
  assert.equal(sample.code, 0, sample.stderr);
  assert.equal(readFileSync(join(dir, 's.csv'), 'utf8').trim().split('\n').length, 10);
  assert.equal(elbo('sample', run, '--n', '4').code, 0);
  assert.ok(existsSync(join(run, 'samples-seed0.png')));

  const enc = elbo('encode', run, '--data', csv, '--label-column', 'label', '--out', join(dir, 'z.csv'));
  assert.equal(enc.code, 0, enc.stderr);
  const zLines = readFileSync(join(dir, 'z.csv'), 'utf8').trim().split('\n');
  assert.equal(zLines[0], 'z0,z1,label');
  assert.equal(zLines.length, 201);

  const rec = elbo('reconstruct', run, '--n', '6', '--out', join(dir, 'r.png'));
  assert.equal(rec.code, 0, rec.stderr);
  assert.deepEqual([...readFileSync(join(dir, 'r.png')).subarray(1, 4)], [...Buffer.from('PNG')]);

  const res = elbo('train', ...common, '--epochs', '3', '--resume', '--no-report', '--no-progress');
  assert.equal(res.code, 0, res.stderr);
  assert.equal(loadCheckpoint(join(run, 'checkpoint.safetensors')).epoch, 3);
  assert.equal(readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').length, 3);

  const again = elbo('train', ...common, '--epochs', '1', '--no-progress');
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already exists; pass --resume to continue it, --force to start over/);
});

test('a loss that overflows stops train with the step and quantity in one line, before any checkpoint', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'elbo-cli-nan-'));
  const csv = join(dir, 'huge.csv');
  // (1e30)² overflows float32: the Gaussian decoder's squared error is +Infinity at the first step.
  writeFileSync(csv, Array.from({ length: 40 }, (_, i) => `${i === 0 ? '1e30' : '0.5'},0.1,0.2,0.3`).join('\n') + '\n');
  const r = await elboIn('train', '--data', csv, '--decoder', 'gaussian', '--latent', '2', '--hidden', '4', '--batch', '40', '--epochs', '2', '--out', join(dir, 'run'), '--no-progress', '--no-report');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^elbo: train: non-finite loss \((Infinity|NaN)\) at step 1 \(epoch 1\); no checkpoint was written\n$/);
  assert.ok(!existsSync(join(dir, 'run', 'checkpoint.safetensors')));
});

test('every model kind trains and writes its report on a tiny image CSV (fewer test rows than a grid row)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'elbo-cli-kinds-'));
  const csv = join(dir, 'bars.csv');
  writeBars(csv, 60);
  for (const kind of ['vae', 'beta-vae', 'ae', 'linear-ae']) {
    const out = join(dir, kind);
    const r = await elboIn('train', '--data', csv, '--label-column', 'label', '--model', kind, '--latent', '2', '--hidden', '8', '--epochs', '1', '--batch', '16', '--warmup', '1', '--iw', '4', '--out', out, '--no-progress');
    assert.equal(r.code, 0, `${kind}: ${r.stderr}`);
    for (const f of ['report.md', 'reconstructions.png', 'latent-scatter.png', 'manifold.png']) assert.ok(existsSync(join(out, f)), `${kind}: ${f}`);
    assert.equal(existsSync(join(out, 'samples.png')), kind.endsWith('vae'), `${kind}: samples only for generative models`);
  }
});
