// Issue 6: every derivation of the course, as runDerivations checks it (quick sizes),
// passes with the fields `elbo derive` prints; docs/derivations.md quotes the full run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runDerivations, type DerivationResult } from '../../src/index.js';

const EXPECTED_IDS = [
  'ae-gradients', 'tied-linear', 'gplvm-gradient', 'swish-derivative', 'mvn-kl', 'mvn-kl-mc', 'vae-kl', 'elbo-identity', 'em-free-energy', 'beta-vae',
];

let cached: DerivationResult[] | null = null;
const results = (): DerivationResult[] => (cached ??= runDerivations({ quick: true }));

test('runDerivations({ quick: true }) covers every course item, each with its formula, check, value and tolerance', () => {
  const rs = results();
  assert.deepEqual(rs.map((r) => r.id), EXPECTED_IDS);
  for (const r of rs) {
    for (const key of ['title', 'formula', 'check'] as const) assert.ok(typeof r[key] === 'string' && r[key].length > 0, `${r.id}: ${key} is empty`);
    assert.ok(Number.isFinite(r.value), `${r.id}: value ${r.value} is not finite`);
    assert.ok(r.tolerance > 0, `${r.id}: tolerance ${r.tolerance}`);
    assert.equal(typeof r.passed, 'boolean');
    for (const [k, v] of Object.entries(r.details ?? {})) assert.ok(Number.isFinite(v), `${r.id}: details.${k} = ${v}`);
  }
});

test('every derivation is confirmed numerically (value within tolerance and every side condition holds)', () => {
  for (const r of results()) {
    assert.ok(r.passed, `${r.id}: value ${r.value.toExponential(3)} vs tolerance ${r.tolerance}; details ${JSON.stringify(r.details)}`);
  }
});

test('the K⁻² GPLVM gradient is wrong for random Y but exact when YYᵀ commutes with K', () => {
  const g = results().find((r) => r.id === 'gplvm-gradient')!;
  assert.ok(g.details!['k2FormRelErr']! > 0.05);
  assert.ok(g.details!['k2FormRelErrWhenCommuting']! < 1e-10);
});

test('β = 4 gives a lower KL and no more active units than β = 1', () => {
  const d = results().find((r) => r.id === 'beta-vae')!.details!;
  assert.ok(d['klBeta4']! < d['klBeta1']!, JSON.stringify(d));
  assert.ok(d['activeUnitsBeta4']! <= d['activeUnitsBeta1']!, JSON.stringify(d));
});
