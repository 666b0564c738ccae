// Backend.biasActInplace, the epilogue of a dense layer (x ← act(x + bias) row by row), on every
// backend against the definition: identity and relu exact, sigmoid within 4 ulp, both dtypes, and
// the special values as unary's relu and sigmoid treat them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/random.js';
import { availableBackends } from '../helpers/backends.js';
import { randomFloats } from '../helpers/gemm-check.js';

const EPS = { float32: 2 ** -24, float64: 2 ** -53 } as const;
const definition = {
  identity: (v: number) => v,
  relu: (v: number) => (v > 0 ? v : 0),
  sigmoid: (v: number) => 1 / (1 + Math.exp(-v)),
} as const;

for (const { name, backend } of availableBackends()) {
  for (const dtype of ['float32', 'float64'] as const) {
    test(`${name}: ${dtype} biasActInplace adds a row-vector bias, then applies identity or relu exactly and sigmoid within 4 ulp`, () => {
      const rng = new Rng(dtype === 'float32' ? 7 : 8);
      for (const act of ['identity', 'relu', 'sigmoid'] as const) {
        // Widths around the SIMD lanes, and the reference VAE's hidden layer.
        for (const [m, n] of [[1, 1], [3, 17], [5, 33], [2, 100], [128, 400]] as const) {
          const x = randomFloats(rng, dtype, m * n);
          for (let i = 0; i < x.length; i++) x[i]! *= 30; // into sigmoid's saturated tails
          const bias = randomFloats(rng, dtype, n);
          const sum = (idx: number): number => (dtype === 'float32' ? Math.fround(x[idx]! + bias[idx % n]!) : x[idx]! + bias[idx % n]!);
          const want = Array.from(x, (_, idx) => definition[act](sum(idx)));
          const got = backend.allocate?.(dtype === 'float64', x.length) ?? (dtype === 'float32' ? new Float32Array(x.length) : new Float64Array(x.length));
          got.set(x);
          backend.biasActInplace(got, bias, m, n, act);
          for (let idx = 0; idx < x.length; idx++) {
            // NOTE: sigmoid in float32 flushes results below the smallest normal (2^-126) to zero.
            const tol = act === 'sigmoid' ? 4 * EPS[dtype] * Math.abs(want[idx]!) + (dtype === 'float32' ? 2 ** -126 : 0) : 0;
            if (!(Math.abs(got[idx]! - want[idx]!) <= tol)) assert.fail(`${act} m=${m} n=${n}: x[${idx}] = ${got[idx]}, expected ${want[idx]}`);
          }
        }
      }
    });
  }

  test(`${name}: biasActInplace maps NaN to 0 under relu (as unary relu), keeps it under sigmoid, saturates sigmoid at ±∞`, () => {
    const x = Float32Array.from([NaN, Infinity, -Infinity, 0, -200, -0]);
    backend.biasActInplace(x, new Float32Array(6), 1, 6, 'sigmoid');
    assert.deepEqual([...x], [NaN, 1, 0, 0.5, 0, 0.5]);
    const y = Float32Array.from([NaN, -1, -0, 2]);
    backend.biasActInplace(y, new Float32Array(4), 1, 4, 'relu');
    assert.deepEqual([...y], [0, 0, 0, 2]);
    assert.ok(Object.is(y[2], 0), 'relu(−0) is +0');
  });
}
