// Backend selection in Node: an explicit name, or the default chain native → WebAssembly → js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBackend } from '../../src/backend/node.js';
import { jsBackend } from '../../src/backend/js/index.js';
import type { WasmBackend } from '../../src/backend/wasm/index.js';

test('without the native addon the default backend is WebAssembly, not the JS oracle', async () => {
  const be = await createBackend(undefined, null);
  assert.match(be.name, /^wasm/);
  (be as WasmBackend).dispose();
});

test('an explicit js or native choice is honoured, and a missing native addon is named as the reason', async () => {
  assert.equal(await createBackend('js', null), jsBackend);
  const native = { ...jsBackend, name: 'native-stub' };
  assert.equal(await createBackend(undefined, native), native);
  assert.equal(await createBackend('native', native), native);
  await assert.rejects(createBackend('native', null), /^Error: backend native: /);
});
