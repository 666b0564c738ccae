// Optimizer update kernels: one fused pass over a parameter and its state.
import type { FloatArray } from '../backend.js';
import { checkLengths } from '../checks.js';

export function adamStep(
  p: FloatArray, g: FloatArray, m: FloatArray, v: FloatArray,
  lr: number, beta1: number, beta2: number, eps: number, bc1: number, bc2: number,
  weightDecay: number, decoupled: boolean,
): void {
  checkLengths('adamStep', { p, g, m, v });
  const n = p.length;
  const stepSize = lr / bc1;
  const sqrtBc2 = Math.sqrt(bc2);
  const shrink = decoupled ? 1 - lr * weightDecay : 1;
  const l2 = decoupled ? 0 : weightDecay;
  for (let i = 0; i < n; i++) {
    const pi = p[i]! * shrink;
    const gi = g[i]! + l2 * p[i]!;
    const mi = beta1 * m[i]! + (1 - beta1) * gi;
    const vi = beta2 * v[i]! + (1 - beta2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = pi - (stepSize * mi) / (Math.sqrt(vi) / sqrtBc2 + eps);
  }
}
