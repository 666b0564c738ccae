// The JS backend's copyStrided (the reference every other backend is checked against) against its
// definition, element by element: out[i₀, …, iᵣ] = src[off + Σ i_d·stride_d], including the
// whole-run copies and the doubled fill of a broadcast row that its fast paths take.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { jsBackend } from '../../src/backend/js/index.js';

function byDefinition(src: Float32Array, off: number, shape: readonly number[], strides: readonly number[]): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  for (let flat = 0; flat < n; flat++) {
    let rest = flat;
    let at = off;
    for (let d = shape.length - 1; d >= 0; d--) {
      at += (rest % shape[d]!) * strides[d]!;
      rest = Math.floor(rest / shape[d]!);
    }
    out[flat] = src[at]!;
  }
  return out;
}

test('copyStrided equals its definition for broadcast rows, gapped and contiguous runs, long and short, up to rank 3', () => {
  const dims = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 2 });
  const inner = fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 60, max: 150 }));
  // Per outer axis: broadcast (0), packed, or with a gap after each run.
  const kinds = fc.array(fc.constantFrom('zero', 'packed', 'gapped'), { minLength: 2, maxLength: 2 });
  fc.assert(fc.property(dims, inner, kinds, fc.integer({ min: 0, max: 5 }), (outer, last, kind, off) => {
    const shape = [...outer, last];
    const strides = new Array<number>(shape.length).fill(0);
    strides[shape.length - 1] = 1;
    let span = last;
    for (let d = shape.length - 2; d >= 0; d--) {
      const k = kind[d]!;
      strides[d] = k === 'zero' ? 0 : k === 'packed' ? span : span + 3;
      span = strides[d]! === 0 ? span : strides[d]! * shape[d]!;
    }
    const src = Float32Array.from({ length: off + span + 3 }, (_, i) => i * 0.5 - 7);
    const want = byDefinition(src, off, shape, strides);
    const got = new Float32Array(want.length).fill(NaN);
    jsBackend.copyStrided(src, off, shape, strides, got);
    assert.deepEqual([...got], [...want], `shape [${shape}] strides [${strides}] off ${off}`);
  }), { numRuns: 300, seed: 5 });
});
