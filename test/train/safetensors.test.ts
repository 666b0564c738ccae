// safetensors codec: round trips, a byte-exact known file, NumPy can read what we write,
// and corrupt files fail with one-line errors that say what is wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSafetensors, encodeSafetensors } from '../../src/train/safetensors.js';

test('encode then decode returns the same tensors, dtypes, shapes and metadata', () => {
  const tensors = new Map([
    ['w', { shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 1e-30, -0, Infinity]) }],
    ['b', { shape: [3], data: Float64Array.from([Math.PI, -1e300, NaN]) }],
    ['empty', { shape: [0, 4], data: new Float32Array(0) }],
    ['s', { shape: [], data: Float32Array.from([7]) }],
  ]);
  const bytes = encodeSafetensors(tensors, { config: '{"kind":"vae"}', note: 'é ✓' });
  const back = decodeSafetensors(bytes);
  assert.deepEqual(back.metadata, { config: '{"kind":"vae"}', note: 'é ✓' });
  assert.deepEqual([...back.tensors.keys()].sort(), ['b', 'empty', 's', 'w']);
  for (const [k, t] of tensors) {
    const got = back.tensors.get(k)!;
    assert.deepEqual(got.shape, t.shape, k);
    assert.equal(got.dtype, t.data instanceof Float64Array ? 'F64' : 'F32');
    assert.deepEqual(Array.from(got.data), Array.from(t.data), k);
  }
});

test('a known file is byte-exact: u64 LE header length, space-padded JSON, LE floats', () => {
  const bytes = encodeSafetensors(new Map([['a', { shape: [2], data: Float32Array.from([1, -2]) }]]));
  const json = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
  assert.equal(json.length, 54);
  const expected = [
    ...[56, 0, 0, 0, 0, 0, 0, 0],
    ...Buffer.from(json + '  '),
    ...[0x00, 0x00, 0x80, 0x3f], // 1.0f
    ...[0x00, 0x00, 0x00, 0xc0], // -2.0f
  ];
  assert.deepEqual(Array.from(bytes), expected);
});

test('NumPy reads the header and raw data we write (when python3 with numpy is present)', (t) => {
  const probe = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    t.skip('python3 with numpy not available');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'elbo-st-'));
  const path = join(dir, 'x.safetensors');
  writeFileSync(path, encodeSafetensors(new Map([
    ['w', { shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) }],
    ['v', { shape: [3], data: Float64Array.from([0.5, 0.25, -8]) }],
  ]), { k: 'v' }));
  const py = `
import json, struct, numpy as np, sys
b = open(sys.argv[1], 'rb').read()
n = struct.unpack('<Q', b[:8])[0]
h = json.loads(b[8:8+n])
out = {}
for k, v in h.items():
    if k == '__metadata__': out[k] = v; continue
    s, e = v['data_offsets']
    a = np.frombuffer(b[8+n+s:8+n+e], dtype={'F32': '<f4', 'F64': '<f8'}[v['dtype']]).reshape(v['shape'])
    out[k] = a.tolist()
print(json.dumps(out))`;
  const r = spawnSync('python3', ['-c', py, path], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { __metadata__: { k: 'v' }, w: [[1, 2], [3, 4]], v: [0.5, 0.25, -8] });
});

function withHeader(header: unknown, data: number[] = []): Uint8Array {
  const json = Buffer.from(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

test('corrupt files fail with one-line errors naming the problem and the tensor', () => {
  const good = encodeSafetensors(new Map([['w', { shape: [2], data: Float32Array.from([1, 2]) }]]));
  const cases: [string, Uint8Array, RegExp][] = [
    ['too short', good.subarray(0, 5), /f\.st: file is 5 bytes, too short/],
    ['truncated data', good.subarray(0, good.length - 1), /tensor "w": data_offsets \[0, 8\] run past the 7-byte data section/],
    ['header past end', withHeader({}).subarray(0, 9), /header length 2 runs past the end/],
    ['bad json', (() => { const b = good.slice(); b[9] = 0x7b; return b; })(), /header is not valid UTF-8 JSON/],
    ['bad dtype', withHeader({ w: { dtype: 'I8', shape: [1], data_offsets: [0, 1] } }, [0]), /tensor "w": unsupported dtype "I8"/],
    ['shape/bytes mismatch', withHeader({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, [0, 0, 0, 0, 0, 0, 0, 0]), /shape \[3\] of F32 needs 12 bytes but data_offsets \[0, 8\] span 8/],
    ['gap', withHeader({ w: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, [0, 0, 0, 0, 0, 0, 0, 0]), /tensor "w": starts at byte 4, expected 0/],
    ['trailing bytes', withHeader({ w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, [0, 0, 0, 0, 9]), /data section is 5 bytes but tensors cover 4/],
    ['metadata not strings', withHeader({ __metadata__: { a: 1 } }), /__metadata__\.a must be a string/],
    ['huge header length', (() => { const b = new Uint8Array(16); new DataView(b.buffer).setBigUint64(0, 1n << 40n, true); return b; })(), /exceeds the 100000000-byte limit/],
  ];
  for (const [what, bytes, re] of cases) {
    assert.throws(() => decodeSafetensors(bytes, 'f.st'), (e: Error) => {
      assert.match(e.message, re, what);
      assert.ok(!e.message.includes('\n'), `${what}: message is one line`);
      return true;
    });
  }
});

test('encoding rejects a shape that does not match the data and the reserved name', () => {
  assert.throws(() => encodeSafetensors(new Map([['w', { shape: [3], data: new Float32Array(2) }]])), /tensor "w" has shape \[3\] but 2 values/);
  assert.throws(() => encodeSafetensors(new Map([['__metadata__', { shape: [1], data: new Float32Array(1) }]])), /reserved/);
});
