// `npm install` hook: builds the native GEMM addon with node-gyp, and never
// fails the install (no compiler, no headers, …): elbo then uses the WebAssembly backend.
// Node's own headers are used when installed beside it, so no download is needed.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const fallback = 'elbo: native backend not built; using the WebAssembly backend';

if (process.env.ELBO_SKIP_NATIVE === '1') {
  console.log(`${fallback} (ELBO_SKIP_NATIVE=1)`);
  process.exit(0);
}

// npm exports the path of its bundled node-gyp to lifecycle scripts.
const gyp = process.env.npm_config_node_gyp;
const args = ['rebuild', '-C', here];
const prefix = join(dirname(process.execPath), '..');
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'common.gypi'))) {
  args.push(`--nodedir=${prefix}`);
}
const run = gyp && existsSync(gyp)
  ? spawnSync(process.execPath, [gyp, ...args], { stdio: 'inherit' })
  : spawnSync('node-gyp', args, { stdio: 'inherit', shell: process.platform === 'win32' });
if (run.status !== 0) console.log(`${fallback} (node-gyp ${run.error ? run.error.message : `exited with ${run.status}`})`);
