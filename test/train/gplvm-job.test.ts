// The `elbo gplvm` job end to end on a small labelled CSV: it writes latents.csv,
// latents.png and summary.json, improves on the PCA start, and refuses an N whose
// dense kernel would not fit with a message that suggests --limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/tensor/random.js';
import { lowRank } from '../../src/data/synthetic.js';
import { runGplvmJob } from '../../src/train/gplvm-job.js';

function writeLowRankCsv(dir: string): string {
  const ds = lowRank(40, 6, 2, new Rng(21), { noise: 0.05 });
  const rows = ['a,b,c,d,e,f,cls'];
  for (let i = 0; i < ds.n; i++) rows.push([...ds.x.subarray(i * 6, i * 6 + 6)].map((v) => v.toFixed(5)).join(',') + `,${i % 3}`);
  const path = join(dir, 'lowrank.csv');
  writeFileSync(path, rows.join('\n') + '\n');
  return path;
}

test('runGplvmJob writes the latents, a scatter PNG and a summary whose fitted L is at least the PCA start', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'elbo-gplvm-'));
  try {
    const out = join(dir, 'out');
    let calls = 0;
    const s = await runGplvmJob({ data: writeLowRankCsv(dir), labelColumn: 'cls', latent: 2, limit: 30, steps: 40, lr: 0.03, out, onStep: () => calls++ });
    assert.equal(calls, 41);
    assert.deepEqual([s.n, s.d, s.q, s.steps], [30, 6, 2, 40]);
    assert.ok(s.logLik >= s.pcaLogLik, `${s.logLik} < ${s.pcaLogLik}`);
    assert.ok(s.logLik <= s.optimumLogLik + 1e-6 * Math.abs(s.optimumLogLik));
    const csv = readFileSync(s.files.latents, 'utf8').trim().split('\n');
    assert.equal(csv[0], 'z1,z2,label');
    assert.equal(csv.length, 31);
    assert.match(csv[1]!, /^-?[\d.e-]+,-?[\d.e-]+,0$/);
    assert.deepEqual([...readFileSync(s.files.scatter).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    assert.equal(JSON.parse(readFileSync(s.files.summary, 'utf8')).n, 30);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('runGplvmJob refuses an N too large for the dense kernel and suggests --limit', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'elbo-gplvm-'));
  try {
    await assert.rejects(runGplvmJob({ data: writeLowRankCsv(dir), latent: 2, out: join(dir, 'out'), maxKernelBytes: 100_000 }), {
      message: 'LinearGPLVM: N = 40 needs ~205 kB for the dense 40×40 kernel (limit 98 KiB); use a subset of at most 27 rows (e.g. --limit 27)',
    });
    await assert.rejects(runGplvmJob({ data: 'mnist', latent: 2, limit: 1, out: join(dir, 'out') }), /--limit must be an integer ≥ 2, got 1/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
