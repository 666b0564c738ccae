// A mixture of K components of one family (e.g. a Gaussian mixture): the
// components' rightmost batch axis indexes the component, a Categorical picks one.
// log p(x) = logsumexp_k(log π_k + log p_k(x)); no closed-form KL, so use klMonteCarlo.
import type { Tensor } from '../tensor/tensor.js';
import type { Rng } from '../tensor/random.js';
import type { DType } from '../tensor/dtype.js';
import { fmtShape, shapesEqual } from '../tensor/shape.js';
import { add, logsumexp, mul, reshape, square, sub, sum, unsqueeze } from '../ops/index.js';
import { checkSampleCount, Distribution } from './distribution.js';
import type { Categorical } from './categorical.js';

export class MixtureSameFamily<D extends Distribution = Distribution> extends Distribution {
  readonly mixture: Categorical;
  readonly components: D;

  constructor(mixture: Categorical, components: D) {
    const cb = components.batchShape;
    const K = mixture.numClasses;
    if (cb.length < 1 || cb[cb.length - 1] !== K || !shapesEqual(cb.slice(0, -1), mixture.batchShape)) {
      throw new Error(
        `MixtureSameFamily: components' batch shape ${fmtShape(cb)} must be the mixture's batch shape ${fmtShape(mixture.batchShape)} followed by its ${K} components`,
      );
    }
    if (mixture.dtype !== components.dtype) throw new Error(`MixtureSameFamily: mixture is ${mixture.dtype} but components are ${components.dtype}`);
    super(mixture.batchShape, components.eventShape);
    this.mixture = mixture;
    this.components = components;
  }

  get dtype(): DType {
    return this.components.dtype;
  }

  /** The axis of the component index in a component-level tensor [...sample, ...batch, K, ...event]. */
  private get componentAxisFromEnd(): number {
    return this.eventShape.length + 1;
  }

  /** Draw a component index, then a draw of that component: shape [n, ...batch, ...event]. */
  override sample(n: number, rng: Rng): Tensor {
    checkSampleCount('MixtureSameFamily.sample', n);
    const onehot = this.mixture.oneHotOf(this.mixture.sample(n, rng));
    const all = this.components.sample(n, rng);
    const mask = reshape(onehot, [...onehot.shape, ...this.eventShape.map(() => 1)]);
    return sum(mul(all, mask), all.rank - this.componentAxisFromEnd);
  }

  logProb(x: Tensor): Tensor {
    const xk = unsqueeze(x, x.rank - this.eventShape.length);
    return logsumexp(add(this.components.logProb(xk), this.mixture.logits), -1);
  }

  /** E[x] = Σ_k π_k μ_k. */
  get mean(): Tensor {
    return sum(mul(this.components.mean, this.weightsForEvent()), -1 - this.eventShape.length);
  }

  /** Law of total variance: Σ_k π_k (σ_k² + μ_k²) − (Σ_k π_k μ_k)². */
  get variance(): Tensor {
    const w = this.weightsForEvent();
    const m2 = sum(mul(add(this.components.variance, square(this.components.mean)), w), -1 - this.eventShape.length);
    return sub(m2, square(this.mean));
  }

  private weightsForEvent(): Tensor {
    const p = this.mixture.probs;
    return reshape(p, [...p.shape, ...this.eventShape.map(() => 1)]);
  }
}
