// The training loop, checkpoint state and safetensors codec run in a browser: no node: imports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../../src/train/', import.meta.url));

test('trainer, state, safetensors and the train index import no Node modules', () => {
  for (const f of ['trainer.ts', 'state.ts', 'safetensors.ts', 'index.ts']) {
    const src = readFileSync(dir + f, 'utf8');
    assert.doesNotMatch(src, /from ['"](node:|fs|path|zlib|module|cli-progress)['"/]/, f);
    assert.doesNotMatch(src, /Math\.random/, f);
  }
  assert.doesNotMatch(readFileSync(dir + 'index.ts', 'utf8'), /from '\.\/(checkpoint|progress|report|run)\.js'/);
});
