// The native backend's buffers: large ones come from the addon's huge-page arena
// (native/src/arena.cc) as external ArrayBuffers; they must behave as ordinary typed arrays,
// never share memory while alive, and go back to the arena when JS drops them.
// Skipped when the addon is not built.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { jsBackend } from '../../src/backend/js/index.js';
import { loadNativeBackend, nativeInfo } from '../../src/backend/native/index.js';

const native = loadNativeBackend(jsBackend);
const skip = native ? false : `native addon not built: ${nativeInfo().reason ?? ''}`;

test('native allocate gives arena arrays of the asked dtype and length from 64 KB to 8 MB, and null outside (the pool makes plain ones)', { skip }, () => {
  assert.equal(native!.allocate!(false, 16_383), null);
  assert.equal(native!.allocate!(true, 8_191), null);
  assert.equal(native!.allocate!(false, 2_097_153), null);
  for (const n of [16_384, 16_385, 313_600, 1_048_576]) {
    const a = native!.allocate!(false, n)!;
    const d = native!.allocate!(true, n)!;
    assert.ok(a instanceof Float32Array);
    assert.ok(d instanceof Float64Array);
    assert.equal(a.length, n);
    assert.equal(d.length, n);
    a[n - 1] = 1.5;
    d[n - 1] = -2.25;
    assert.equal(a[n - 1], 1.5);
    assert.equal(d[n - 1], -2.25);
  }
});

test('live arena buffers never overlap: each keeps its own fill after all are written', { skip }, () => {
  const sizes = [16_384, 100_352, 16_384, 51_200, 313_600, 100_352, 20_000];
  const bufs = sizes.map((n, i) => native!.allocate!(i % 2 === 1, n)!);
  bufs.forEach((b, i) => b.fill(i + 1));
  bufs.forEach((b, i) => {
    assert.equal(b[0], i + 1, `buffer ${i} first element`);
    assert.equal(b[b.length - 1], i + 1, `buffer ${i} last element`);
    assert.ok(b.every((v) => v === i + 1), `buffer ${i} kept its fill`);
  });
});

test('native kernels read and write arena buffers like any other (Adam on 313,600 weights)', { skip }, () => {
  const n = 313_600;
  const make = (arena: boolean): Float32Array[] =>
    [0, 1, 2, 3].map((k) => {
      const a = arena ? (native!.allocate!(false, n)! as Float32Array) : new Float32Array(n);
      for (let i = 0; i < n; i++) a[i] = k === 3 ? Math.abs(Math.sin(i)) * 1e-4 : Math.sin(i * (k + 1)) * 0.01;
      return a;
    });
  const [p, g, m, v] = make(true);
  const [q, h, m2, v2] = make(false);
  native!.adamStep(p!, g!, m!, v!, 1e-3, 0.9, 0.999, 1e-8, 0.1, 0.001, 0, false);
  native!.adamStep(q!, h!, m2!, v2!, 1e-3, 0.9, 0.999, 1e-8, 0.1, 0.001, 0, false);
  assert.deepEqual(p, q);
  assert.deepEqual(m, m2);
  assert.deepEqual(v, v2);
});

test('a synchronous loop dropping 4 GB of 4 MB buffers stays under 1 GB of RSS, and the arena gets them back', { skip }, () => {
  const helper = fileURLToPath(new URL('../helpers/native-arena-churn.ts', import.meta.url));
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', helper], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { sum: number; churnRssMb: number; externalMb: number; reuseRssMb: number };
  assert.equal(out.sum, 1024 * 3);
  // The arena maps at most 256 MB; past that the loop gets ordinary memory, which V8 frees as it
  // goes, while the arena's blocks wait for the event loop.
  assert.ok(out.churnRssMb < 1024, `peak RSS ${out.churnRssMb} MB after the loop`);
  assert.ok(out.externalMb < 16, `${out.externalMb} MB still external after the event loop turned`);
  // 64 more come from the blocks given back, not from new memory.
  assert.ok(out.reuseRssMb <= out.churnRssMb + 16, `peak RSS grew from ${out.churnRssMb} to ${out.reuseRssMb} MB`);
});

test('ELBO_HUGE_PAGES=0 makes every native buffer an ordinary typed array', { skip }, () => {
  const helper = fileURLToPath(new URL('../helpers/native-arena-churn.ts', import.meta.url));
  const r = spawnSync(process.execPath, ['--import', 'tsx', helper, '--external'], {
    encoding: 'utf8', env: { ...process.env, ELBO_HUGE_PAGES: '0' },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { external: false });
  const on = spawnSync(process.execPath, ['--import', 'tsx', helper, '--external'], { encoding: 'utf8' });
  assert.deepEqual(JSON.parse(on.stdout), { external: true });
});
