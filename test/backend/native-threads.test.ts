// The native pool changes no bit: the same kernels on the same seeded data give the same results
// with one thread and with two (ELBO_NUM_THREADS fixes the pool's size when the addon loads, so
// each count runs in a child process). Training is then the same on any number of cores.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { nativeInfo } from '../../src/backend/native/index.js';

const info = nativeInfo();
const skip = info.available ? false : `native addon not built: ${info.reason ?? ''}`;
const script = fileURLToPath(new URL('../helpers/native-thread-digests.ts', import.meta.url));

function digests(threads: number): Record<string, string> {
  const stdout = execFileSync(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, ELBO_NUM_THREADS: String(threads) },
    encoding: 'utf8',
  });
  return JSON.parse(stdout) as Record<string, string>;
}

test('native GEMMs (MNIST-like zeros skipped), a gemmPair (sequential on one thread, one a thread on two), Adam, a long sum, fused BCE and a gather give the same bits on one thread as on two', { skip }, () => {
  const one = digests(1);
  const two = digests(2);
  assert.deepEqual(two, one);
  assert.equal(Object.keys(one).length, 8);
});
