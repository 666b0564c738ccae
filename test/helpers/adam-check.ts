// One float32 Adam conformance check shared by the backend tests: a backend that
// computes Adam in float32 (wasm, native) must leave p, m and v within 4 float32
// roundings of the JS kernel, which computes in double.
import assert from 'node:assert/strict';
import type { Backend } from '../../src/backend/backend.js';
import { jsBackend } from '../../src/backend/js/index.js';
import type { Rng } from '../../src/tensor/random.js';
import { randomFloats } from './gemm-check.js';

const U = 2 ** -24;

/** Adam and AdamW at t = 3, on parameter vectors of several lengths (vector bodies and tails). */
export function checkAdamFloat32(be: Backend, rng: Rng): void {
  const rand = (n: number): Float32Array => randomFloats(rng, 'float32', n) as Float32Array;
  for (const [n, wd, decoupled] of [[1001, 0, false], [64, 0.01, false], [333, 0.05, true], [3, 0, true]] as const) {
    const p0 = rand(n);
    const g = rand(n);
    const m0 = rand(n).map((x) => x * 0.1);
    const v0 = rand(n).map((x) => x * x * 0.01);
    const [lr, b1, b2] = [1e-3, 0.9, 0.999];
    const want = [p0.slice(), m0.slice(), v0.slice()] as const;
    jsBackend.adamStep(want[0], g, want[1], want[2], lr, b1, b2, 1e-8, 1 - b1 ** 3, 1 - b2 ** 3, wd, decoupled);
    const got = [p0.slice(), m0.slice(), v0.slice()] as const;
    be.adamStep(got[0], g, got[1], got[2], lr, b1, b2, 1e-8, 1 - b1 ** 3, 1 - b2 ** 3, wd, decoupled);
    for (let i = 0; i < n; i++) {
      // Bounds scale with the magnitudes of the terms each result sums, so cancellation is allowed for.
      const gi = Math.abs(g[i]!) + (decoupled ? 0 : wd * Math.abs(p0[i]!));
      const shrunk = Math.abs(p0[i]!) * (decoupled ? 1 - lr * wd : 1);
      const scale = [shrunk + Math.abs(shrunk - Math.abs(want[0][i]!)) + Math.abs(p0[i]! - want[0][i]!), b1 * Math.abs(m0[i]!) + (1 - b1) * gi, b2 * v0[i]! + (1 - b2) * gi * gi];
      ['p', 'm', 'v'].forEach((name, k) => {
        const err = Math.abs(got[k]![i]! - want[k]![i]!);
        if (!(err <= 4 * U * scale[k]! + 2 ** -140)) {
          assert.fail(`${be.name} adam n=${n} wd=${wd} decoupled=${decoupled}: ${name}[${i}] is ${got[k]![i]}, the JS backend gives ${want[k]![i]}`);
        }
      });
    }
  }
}
