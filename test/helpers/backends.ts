// The kernel tables the suite runs against: js always, native when the addon
// loads. forEachBackend opens one describe-block per backend with it installed.
// ELBO_BACKENDS=js (comma list) restricts the run.
import { after, before, describe } from 'node:test';
import type { Backend } from '../../src/backend/backend.js';
import { getBackend, setBackend } from '../../src/backend/registry.js';
import { jsBackend } from '../../src/backend/js/index.js';
import { loadNativeBackend } from '../../src/backend/native/index.js';

export interface NamedBackend {
  /** Short key: 'js' or 'native'. */
  readonly name: string;
  readonly backend: Backend;
}

export function availableBackends(): NamedBackend[] {
  const list: NamedBackend[] = [{ name: 'js', backend: jsBackend }];
  const native = loadNativeBackend(jsBackend);
  if (native) list.push({ name: 'native', backend: native });
  const only = process.env.ELBO_BACKENDS?.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  return only && only.length > 0 ? list.filter((b) => only.includes(b.name)) : list;
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
