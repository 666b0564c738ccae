// Optimizers update parameters in place from their .grad. Their state
// (moments, step count) can be exported and restored exactly, so a resumed
// run continues bit-for-bit.
import type { FloatArray } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import type { Tensor } from '../tensor/tensor.js';
import { allocate } from '../tensor/dtype.js';
import { fmtShape } from '../tensor/shape.js';

export interface OptimizerState {
  step: number;
  /** Per-parameter named buffers, in parameter order. */
  buffers: Record<string, FloatArray>[];
}

export abstract class Optimizer {
  protected stepCount = 0;
  protected buffers: Record<string, FloatArray>[];

  constructor(readonly params: readonly Tensor[], public lr: number) {
    if (!(lr > 0)) throw new Error(`${this.constructor.name}: learning rate must be positive (got ${lr})`);
    params.forEach((p, i) => {
      if (!p.requiresGrad) throw new Error(`${this.constructor.name}: parameter ${i} ${fmtShape(p.shape)} does not require grad`);
      if (!p.isContiguous || p.offset !== 0 || p.data.length !== p.size) {
        throw new Error(`${this.constructor.name}: parameter ${i} ${fmtShape(p.shape)} must own contiguous storage`);
      }
    });
    this.buffers = params.map(() => ({}));
  }

  zeroGrad(): void {
    for (const p of this.params) p.grad = null;
  }

  protected buffer(i: number, name: string): FloatArray {
    const b = this.buffers[i]!;
    return (b[name] ??= allocate(this.params[i]!.dtype, this.params[i]!.size));
  }

  /** Apply one update to every parameter that has a gradient. */
  step(): void {
    this.stepCount++;
    this.params.forEach((p, i) => {
      if (p.grad) this.update(i, p.data, p.grad.contiguousData());
    });
  }

  protected abstract update(i: number, p: FloatArray, g: FloatArray): void;

  getState(): OptimizerState {
    return { step: this.stepCount, buffers: this.buffers.map((b) => Object.fromEntries(Object.entries(b).map(([k, v]) => [k, v.slice()]))) };
  }

  setState(state: OptimizerState): void {
    if (state.buffers.length !== this.params.length) {
      throw new Error(`${this.constructor.name}.setState: state has ${state.buffers.length} parameters, optimizer has ${this.params.length}`);
    }
    state.buffers.forEach((b, i) => {
      for (const [k, v] of Object.entries(b)) {
        if (v.length !== this.params[i]!.size) {
          throw new Error(`${this.constructor.name}.setState: buffer ${k} of parameter ${i} has ${v.length} entries, parameter has ${this.params[i]!.size}`);
        }
      }
    });
    this.stepCount = state.step;
    this.buffers = state.buffers.map((b) => Object.fromEntries(Object.entries(b).map(([k, v]) => [k, v.slice()])));
  }
}

export interface SgdOptions {
  momentum?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

/** SGD with optional momentum and Nesterov momentum, as torch.optim.SGD (dampening 0). */
export class SGD extends Optimizer {
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;

  constructor(params: readonly Tensor[], lr: number, opts: SgdOptions = {}) {
    super(params, lr);
    this.momentum = opts.momentum ?? 0;
    this.nesterov = opts.nesterov ?? false;
    this.weightDecay = opts.weightDecay ?? 0;
    if (this.nesterov && this.momentum <= 0) throw new Error('SGD: Nesterov momentum needs momentum > 0');
  }

  protected update(i: number, p: FloatArray, g: FloatArray): void {
    const mu = this.momentum;
    const wd = this.weightDecay;
    const buf = mu > 0 ? this.buffer(i, 'momentum') : null;
    const first = buf !== null && this.stepCount === 1;
    for (let j = 0; j < p.length; j++) {
      let d = g[j]! + wd * p[j]!;
      if (buf) {
        // torch: b ← g on the first step, then b ← μb + g; Nesterov uses g + μb.
        const b = first ? d : mu * buf[j]! + d;
        buf[j] = b;
        d = this.nesterov ? d + mu * b : b;
      }
      p[j]! -= this.lr * d;
    }
  }
}

export interface AdamOptions {
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
}

/** Adam (Kingma & Ba, 2015) with PyTorch's exact update; weightDecay is L2 added to the gradient. */
export class Adam extends Optimizer {
  readonly betas: [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  protected readonly decoupled: boolean = false;

  constructor(params: readonly Tensor[], lr = 1e-3, opts: AdamOptions = {}) {
    super(params, lr);
    this.betas = opts.betas ?? [0.9, 0.999];
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
  }

  protected update(i: number, p: FloatArray, g: FloatArray): void {
    const [b1, b2] = this.betas;
    const t = this.stepCount;
    getBackend().adamStep(p, g, this.buffer(i, 'exp_avg'), this.buffer(i, 'exp_avg_sq'), this.lr, b1, b2, this.eps, 1 - b1 ** t, 1 - b2 ** t, this.weightDecay, this.decoupled);
  }
}

/** AdamW (Loshchilov & Hutter, 2019): decoupled weight decay p ← p(1 − lr·wd). */
export class AdamW extends Adam {
  protected override readonly decoupled = true;

  constructor(params: readonly Tensor[], lr = 1e-3, opts: AdamOptions = {}) {
    super(params, lr, { ...opts, weightDecay: opts.weightDecay ?? 1e-2 });
  }
}

/** Scale gradients in place so their global L2 norm is at most maxNorm; returns the norm before clipping. */
export function clipGradNorm(params: readonly Tensor[], maxNorm: number): number {
  let sq = 0;
  for (const p of params) {
    if (!p.grad) continue;
    const g = p.grad.data;
    for (let i = 0; i < g.length; i++) sq += g[i]! * g[i]!;
  }
  const norm = Math.sqrt(sq);
  // torch.nn.utils.clip_grad_norm_: coefficient max_norm / (norm + 1e-6), applied when < 1.
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) {
    for (const p of params) {
      if (!p.grad) continue;
      const g = p.grad.data;
      for (let i = 0; i < g.length; i++) g[i]! *= coef;
    }
  }
  return norm;
}
