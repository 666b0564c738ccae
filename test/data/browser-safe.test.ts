// The data layer promises that everything except node.ts runs in a browser.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../../src/data/', import.meta.url));

test('no src/data file other than node.ts imports node: modules, and index.ts does not re-export node.ts', () => {
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'node.ts')) {
    const src = readFileSync(dir + f, 'utf8');
    assert.doesNotMatch(src, /from ['"](node:|fs|path|zlib|module)['"/]/, f);
    assert.doesNotMatch(src, /Math\.random/, f);
  }
  assert.doesNotMatch(readFileSync(dir + 'index.ts', 'utf8'), /from '\.\/node\.js'/);
});
