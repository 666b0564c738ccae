// The kernel tables the suite runs against: js always, native when the addon
// loads, wasm (WebAssembly SIMD, built once here by top-level await since its
// creation is async). forEachBackend opens one describe-block per backend with
// it installed. ELBO_BACKENDS=js (comma list) restricts the run.
import { after, before, describe } from 'node:test';
import type { Backend } from '../../src/backend/backend.js';
import { getBackend, setBackend } from '../../src/backend/registry.js';
import { jsBackend } from '../../src/backend/js/index.js';
import { loadNativeBackend } from '../../src/backend/native/index.js';
import { createWasmBackendNode } from '../../src/backend/wasm/node.js';

export interface NamedBackend {
  /** Short key: 'js', 'native' or 'wasm'. */
  readonly name: string;
  readonly backend: Backend;
}

const only = process.env.ELBO_BACKENDS?.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
const wanted = (name: string): boolean => !only || only.length === 0 || only.includes(name);

const all: NamedBackend[] = [{ name: 'js', backend: jsBackend }];
const native = loadNativeBackend(jsBackend);
if (native) all.push({ name: 'native', backend: native });
// Two threads, so the suite also covers the shared-memory split (its workers never keep Node alive).
if (wanted('wasm')) all.push({ name: 'wasm', backend: await createWasmBackendNode(jsBackend, { threads: 2 }) });

export function availableBackends(): NamedBackend[] {
  return all.filter((b) => wanted(b.name));
}

/** Define the tests in `body` once per available backend, each inside `describe('backend <name>')`. */
export function forEachBackend(body: (name: string, backend: Backend) => void): void {
  for (const { name, backend } of availableBackends()) {
    describe(`backend ${name} (${backend.name})`, () => {
      let previous: Backend = jsBackend;
      before(() => {
        previous = getBackend();
        setBackend(backend);
      });
      after(() => setBackend(previous));
      body(name, backend);
    });
  }
}
