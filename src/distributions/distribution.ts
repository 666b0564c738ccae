// The common interface of every distribution, in the spirit of torch.distributions:
// a batch of independent distributions (batchShape) over events of eventShape,
// plus the shared helpers for broadcasting and validating parameters.
import { Tensor } from '../tensor/tensor.js';
import type { Rng } from '../tensor/random.js';
import type { DType } from '../tensor/dtype.js';
import { broadcastShapes, fmtShape, type Shape } from '../tensor/shape.js';
import { noGrad } from '../autograd/tape.js';
import { expand, neg, sum } from '../ops/index.js';

export abstract class Distribution {
  /** Shape of the independent (not necessarily identical) distributions held. */
  readonly batchShape: readonly number[];
  /** Shape of one draw from one of them. */
  readonly eventShape: readonly number[];

  constructor(batchShape: Shape, eventShape: Shape) {
    this.batchShape = batchShape.slice();
    this.eventShape = eventShape.slice();
  }

  /** The class name, for error messages. */
  get name(): string {
    return this.constructor.name;
  }

  abstract get dtype(): DType;

  /** True when rsample is available (draws are differentiable functions of the parameters). */
  get hasRsample(): boolean {
    return false;
  }

  /** n draws, shape [n, ...batchShape, ...eventShape], cut from the graph. */
  sample(n: number, rng: Rng): Tensor {
    return noGrad(() => this.rsample(n, rng));
  }

  /** n reparameterized draws, shape [n, ...batchShape, ...eventShape]: gradients flow to the parameters. */
  rsample(_n: number, _rng: Rng): Tensor {
    throw new Error(`${this.name}: has no reparameterized sampler (use sample(), which carries no gradient)`);
  }

  /** log density (or mass) of x with shape [...sampleShape, ...batchShape, ...eventShape]; returns [...sampleShape, ...batchShape]. */
  abstract logProb(x: Tensor): Tensor;

  /**
   * log p(x) summed over the last axis: the log-probability of a vector whose coordinates are
   * these independent distributions (torch's Independent(d, 1)). Subclasses may fuse the sum.
   */
  logProbSum(x: Tensor): Tensor {
    return sum(this.logProb(x), -1);
  }

  /** −logProbSum(x), a reconstruction loss; subclasses whose fused sum is a negative log-likelihood return it as it is. */
  negLogProbSum(x: Tensor): Tensor {
    return neg(this.logProbSum(x));
  }

  /** Differential (or discrete) entropy, shape batchShape. */
  entropy(): Tensor {
    throw new Error(`${this.name}: entropy is not implemented`);
  }

  abstract get mean(): Tensor;
  abstract get variance(): Tensor;
}

export function checkSampleCount(what: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new Error(`${what}: sample count must be a non-negative integer (got ${n})`);
}

/**
 * Broadcast named parameters to one shape (views; gradients are summed back by expand).
 * Error: `Normal: loc [3,2] and scale [3,4] cannot be broadcast`.
 */
export function broadcastParams(what: string, named: readonly (readonly [string, Tensor])[]): { shape: number[]; tensors: Tensor[] } {
  let shape: number[] = [];
  const dtype = named[0]?.[1].dtype;
  for (const [i, [name, t]] of named.entries()) {
    if (t.dtype !== dtype) throw new Error(`${what}: ${named[0]![0]} is ${dtype} but ${name} is ${t.dtype}`);
    try {
      shape = broadcastShapes(shape, t.shape, what);
    } catch {
      const prev = named.slice(0, i).map(([n, p]) => `${n} ${fmtShape(p.shape)}`).join(' and ');
      throw new Error(`${what}: ${prev} and ${name} ${fmtShape(t.shape)} cannot be broadcast`);
    }
  }
  return { shape, tensors: named.map(([, t]) => (t.rank === shape.length && t.shape.every((d, i) => d === shape[i]) ? t : expand(t, shape))) };
}

/** Throw unless every entry of t satisfies ok; the message names the first offender. */
export function checkEntries(what: string, name: string, t: Tensor, ok: (v: number) => boolean, must: string): void {
  const d = t.contiguousData();
  for (let i = 0; i < d.length; i++) {
    if (!ok(d[i]!)) throw new Error(`${what}: ${name} must be ${must} (entry ${i} of ${fmtShape(t.shape)} is ${d[i]})`);
  }
}

/** Sum over the last k axes (the event axes of a per-element log density). */
export function sumRightmost(t: Tensor, k: number): Tensor {
  if (k === 0) return t;
  return sum(t, Array.from({ length: k }, (_, i) => t.rank - 1 - i));
}

/** The most negative finite value of a dtype. */
export function lowestFinite(dtype: DType): number {
  return dtype === 'float64' ? -Number.MAX_VALUE : -3.4028234663852886e38;
}
