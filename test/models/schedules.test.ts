// KL warm-up schedules: values of the linear and cyclical factors at given steps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkWarmup, warmupFactor } from '../../src/models/schedules.js';

test('linear warm-up over 10 steps is t/10, then stays at 1', () => {
  const s = { kind: 'linear', steps: 10 } as const;
  assert.deepEqual([0, 1, 5, 9, 10, 11, 1000].map((t) => warmupFactor(s, t)), [0, 0.1, 0.5, 0.9, 1, 1, 1]);
});

test('linear warm-up stated in epochs scales by stepsPerEpoch', () => {
  const s = { kind: 'linear', epochs: 2 } as const;
  assert.equal(warmupFactor(s, 50, 100), 0.25);
  assert.equal(warmupFactor(s, 200, 100), 1);
  assert.throws(() => warmupFactor(s, 5, 0), /stepsPerEpoch/);
});

test('cyclical warm-up (Fu et al. 2019) ramps over the first R of each period and repeats', () => {
  const s = { kind: 'cyclical', steps: 8, ratio: 0.5 } as const;
  assert.deepEqual([0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 16].map((t) => warmupFactor(s, t)), [0, 0.25, 0.5, 0.75, 1, 1, 1, 0, 0.25, 0.5, 1, 0]);
});

test('cyclical warm-up with a cycle count stays at 1 after the last cycle', () => {
  const s = { kind: 'cyclical', epochs: 1, cycles: 2 } as const;
  assert.equal(warmupFactor(s, 10, 10), 0);
  assert.equal(warmupFactor(s, 15, 10), 1);
  assert.equal(warmupFactor(s, 12, 10), 0.4);
  assert.equal(warmupFactor(s, 20, 10), 1);
  assert.equal(warmupFactor(s, 25, 10), 1);
});

test('no schedule is a constant factor 1', () => {
  assert.equal(warmupFactor(null, 0), 1);
  assert.equal(warmupFactor(undefined, 7), 1);
});

test('checkWarmup fills defaults and rejects malformed schedules', () => {
  assert.deepEqual(checkWarmup({ kind: 'cyclical', steps: 100 }), { kind: 'cyclical', steps: 100, ratio: 0.5 });
  assert.throws(() => checkWarmup({ kind: 'linear' }), /exactly one of epochs and steps/);
  assert.throws(() => checkWarmup({ kind: 'linear', steps: 5, epochs: 1 }), /exactly one of epochs and steps/);
  assert.throws(() => checkWarmup({ kind: 'cosine', steps: 5 }), /kind must be 'linear' or 'cyclical'/);
  assert.throws(() => checkWarmup({ kind: 'cyclical', steps: 5, ratio: 0 }), /ratio/);
});
