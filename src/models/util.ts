// Shared pieces of the model files: activations named in JSON-safe configs,
// input shape checks, and small config readers for rebuilding from checkpoints.
import type { Tensor } from '../tensor/tensor.js';
import { fmtShape } from '../tensor/shape.js';
import { elu, leakyRelu, relu, sigmoid, softplus, swish, tanh } from '../ops/index.js';
import type { ModelConfig } from './model.js';

export type ActivationName = 'relu' | 'sigmoid' | 'tanh' | 'swish' | 'elu' | 'softplus' | 'leakyRelu' | 'identity';

const ACTIVATIONS: Record<ActivationName, (x: Tensor) => Tensor> = {
  relu, sigmoid, tanh, swish, elu, softplus,
  leakyRelu: (x) => leakyRelu(x),
  identity: (x) => x,
};

export function activationFn(name: ActivationName, who: string): (x: Tensor) => Tensor {
  const f = (ACTIVATIONS as Record<string, ((x: Tensor) => Tensor) | undefined>)[name];
  if (!f) throw new Error(`${who}: unknown activation "${name}" (expected one of ${Object.keys(ACTIVATIONS).join(', ')})`);
  return f;
}

/** Throws unless x is [batch, dim] with the model's input width. */
export function checkBatch(x: Tensor, dim: number, who: string): void {
  if (x.rank !== 2 || x.shape[1] !== dim) throw new Error(`${who}: x has shape ${fmtShape(x.shape)}, expected [*,${dim}]`);
}

export function checkPositiveInt(v: unknown, what: string, who: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`${who}: ${what} must be a positive integer (got ${String(v)})`);
  return v;
}

export function checkWidths(v: unknown, what: string, who: string): number[] {
  if (!Array.isArray(v)) throw new Error(`${who}: ${what} must be an array of positive integers (got ${JSON.stringify(v)})`);
  return v.map((w, i) => checkPositiveInt(w, `${what}[${i}]`, who));
}

export function checkOneOf<T extends string>(v: unknown, allowed: readonly T[], what: string, who: string): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new Error(`${who}: ${what} must be one of ${allowed.map((a) => `'${a}'`).join(', ')} (got ${JSON.stringify(v)})`);
  }
  return v as T;
}

/** A config field, or undefined when absent or null (JSON has no undefined). */
export function field(config: ModelConfig, key: string): unknown {
  const v = config[key];
  return v === null ? undefined : v;
}
