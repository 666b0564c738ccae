// The reparameterized diagonal-Gaussian draw z = μ + σ·ε and its KL divergence to N(0, I), from
// (μ, log σ²) with log σ² clamped into bounds, as two primitives over raw backend kernels. In a VAE
// step (128×20 latents in the reference model) they stand for about twenty small ops of the
// composites (clamp, halve, exp, product, sum, the prior's broadcast, and their backward): two
// graph nodes, and no broadcast prior. The kernels and their order are the composites', so the
// floats are the same: ½·clamp(λ) is log σ, exp(log σ) is σ, normalKl against a zero mean and
// log-scale is KL to N(0, I). NOTE: the ten kernel calls left cost about what the saved bookkeeping
// did: forward and backward, the block took 107 µs against 111 native and 319 against 328 wasm. One
// kernel per op and direction is what would pay.
import { getBackend } from '../backend/registry.js';
import type { FloatArray } from '../backend/backend.js';
import { Tensor } from '../tensor/tensor.js';
import { allocate, allocateUninit, dtypeOf } from '../tensor/dtype.js';
import { fmtShape, padShape, shapesEqual, sizeOf, type Shape } from '../tensor/shape.js';
import { defineOp, scalar } from './op.js';
import { sumTo } from './reduce.js';

/** Bounds on log σ², the same for every coordinate; [−∞, ∞] clamps nothing. */
export type LogVarBounds = readonly [number, number];

const UNBOUNDED: LogVarBounds = [-Infinity, Infinity];

function checkBounds(bounds: LogVarBounds, what: string): void {
  const [lo, hi] = bounds;
  if (!(lo < hi)) throw new Error(`${what}: logVar bounds must be [lo, hi] with lo < hi (got [${lo}, ${hi}])`);
}

/** log σ = ½·clamp(λ, lo, hi), with the clamp's mask (1 where lo < λ < hi, else 0) or null when it is all ones. */
interface HalfLogVar {
  logScale: FloatArray;
  mask: FloatArray | null;
}

function halfLogVar(logVar: FloatArray, [lo, hi]: LogVarBounds): HalfLogVar {
  const be = getBackend();
  const n = logVar.length;
  const dt = dtypeOf(logVar);
  const one = [1];
  let clamped = logVar;
  let mask: FloatArray | null = null;
  if (lo !== -Infinity || hi !== Infinity) {
    // Inside the bounds everywhere (NaN is not), clamp is the identity and its mask all ones.
    let inside = true;
    for (let i = 0; i < n && inside; i++) inside = logVar[i]! > lo && logVar[i]! < hi;
    if (!inside) {
      clamped = allocateUninit(dt, n);
      be.unary('clamp', logVar, clamped, lo, hi);
      const above = allocateUninit(dt, n);
      const below = allocateUninit(dt, n);
      mask = allocateUninit(dt, n);
      be.binary('gt', logVar, [n], scalar(lo, dt).data, one, above, [n]);
      be.binary('lt', logVar, [n], scalar(hi, dt).data, one, below, [n]);
      be.binary('mul', above, [n], below, [n], mask, [n]);
    }
  }
  const logScale = allocateUninit(dt, n);
  be.binary('mul', clamped, [n], scalar(0.5, dt).data, one, logScale, [n]);
  return { logScale, mask };
}

/** ∂/∂λ from ∂/∂log σ: ½·d (then the clamp's mask), as the composite's halving and clamp backward. */
function logVarGrad(dLogScale: FloatArray, mask: FloatArray | null, shape: Shape): Tensor {
  const be = getBackend();
  const n = dLogScale.length;
  const dt = dtypeOf(dLogScale);
  const half = allocateUninit(dt, n);
  be.binary('mul', dLogScale, [n], scalar(0.5, dt).data, [1], half, [n]);
  if (!mask) return new Tensor(half, shape);
  const out = allocateUninit(dt, n);
  be.binary('mul', half, [n], mask, [n], out, [n]);
  return new Tensor(out, shape);
}

interface RsampleSaved {
  scale: FloatArray;
  eps: FloatArray;
  mask: FloatArray | null;
}

const rsampleOp = defineOp<'loc' | 'logVar', { eps: Tensor; bounds: LogVarBounds }, RsampleSaved>({
  name: 'normalRsample',
  inputs: ['loc', 'logVar'],
  forward: ({ loc, logVar }, { eps, bounds }) => {
    const be = getBackend();
    const n = loc.size;
    const dt = loc.dtype;
    const { logScale, mask } = halfLogVar(logVar.contiguousData(), bounds);
    const scale = allocateUninit(dt, n);
    be.unary('exp', logScale, scale, 0, 0);
    // σ·ε then μ + σ·ε over eps's shape [samples, ...loc.shape]: loc and σ broadcast along the samples.
    const shape = eps.shape;
    const total = sizeOf(shape);
    const params = padShape(loc.shape, shape.length);
    const epsData = eps.contiguousData();
    const noise = allocateUninit(dt, total);
    be.binary('mul', scale, params, epsData, shape, noise, shape);
    const z = allocateUninit(dt, total);
    be.binary('add', loc.contiguousData(), params, noise, shape, z, shape);
    return { out: new Tensor(z, shape), saved: { scale, eps: epsData, mask } };
  },
  backward: (g, { loc }, _out, { eps }, saved) => ({
    // ∂z/∂μ = 1, summed over the samples.
    loc: () => sumTo(g, loc.shape),
    // ∂z/∂log σ = ε·σ: the product's gradient g·ε summed over the samples, then the exp's ·σ.
    logVar: () => {
      const be = getBackend();
      const total = sizeOf(eps.shape);
      const dt = g.dtype;
      const ge = allocateUninit(dt, total);
      be.binary('mul', g.contiguousData(), eps.shape, saved.eps, eps.shape, ge, eps.shape);
      const perParam = sumTo(new Tensor(ge, eps.shape), loc.shape).contiguousData();
      const dLogScale = allocateUninit(dt, loc.size);
      be.binary('mul', perParam, [loc.size], saved.scale, [loc.size], dLogScale, [loc.size]);
      return logVarGrad(dLogScale, saved.mask, loc.shape);
    },
  }),
});

/**
 * n reparameterized draws z = μ + exp(½·clamp(λ, lo, hi))·ε (Kingma & Welling 2014, eq. 10) for
 * ε of shape [n, ...μ.shape]: [n, ...μ.shape], differentiable in μ and λ = log σ² (zero gradient in λ
 * where clamped). The numbers of add(μ, mul(exp(mul(clamp(λ), ½)), ε)).
 */
export function normalRsample(loc: Tensor, logVar: Tensor, eps: Tensor, bounds: LogVarBounds = UNBOUNDED): Tensor {
  checkBounds(bounds, 'normalRsample');
  if (!shapesEqual(loc.shape, logVar.shape) || eps.rank !== loc.rank + 1 || !shapesEqual(eps.shape.slice(1), loc.shape)) {
    throw new Error(`normalRsample: loc ${fmtShape(loc.shape)}, logVar ${fmtShape(logVar.shape)} and eps ${fmtShape(eps.shape)} must be [...s], [...s] and [n, ...s]`);
  }
  if (eps.dtype !== loc.dtype) throw new Error(`normalRsample: eps is ${eps.dtype} but loc is ${loc.dtype}`);
  return rsampleOp.apply({ loc, logVar }, { eps, bounds });
}

interface KlSaved {
  logScale: FloatArray;
  mask: FloatArray | null;
  zeros: FloatArray;
}

const klOp = defineOp<'loc' | 'logVar', LogVarBounds, KlSaved>({
  name: 'normalKlStandard',
  inputs: ['loc', 'logVar'],
  forward: ({ loc, logVar }, bounds) => {
    const { logScale, mask } = halfLogVar(logVar.contiguousData(), bounds);
    const dt = loc.dtype;
    // N(0, I)'s mean and log-scale, both zero, as the broadcast prior reached the composite's kernel.
    const zeros = allocate(dt, loc.size);
    const out = allocateUninit(dt, loc.size);
    getBackend().normalKl(loc.contiguousData(), logScale, zeros, zeros, out);
    return { out: new Tensor(out, loc.shape), saved: { logScale, mask, zeros } };
  },
  backward: (g, { loc }, _out, _bounds, saved) => {
    let partials: { dLoc: FloatArray; dLogScale: FloatArray } | null = null;
    const get = (): { dLoc: FloatArray; dLogScale: FloatArray } => {
      if (!partials) {
        const n = loc.size;
        const make = (): FloatArray => allocateUninit(g.dtype, n);
        partials = { dLoc: make(), dLogScale: make() };
        getBackend().normalKlGrad(g.contiguousData(), loc.contiguousData(), saved.logScale, saved.zeros, saved.zeros, partials.dLoc, partials.dLogScale, make(), make());
      }
      return partials;
    };
    return {
      loc: () => new Tensor(get().dLoc, loc.shape),
      logVar: () => logVarGrad(get().dLogScale, saved.mask, loc.shape),
    };
  },
});

/**
 * KL(N(μ, σ²) ‖ N(0, 1)) per coordinate, σ² = exp(clamp(λ, lo, hi)): ½(σ² − 1 − log σ²) + ½μ²,
 * as normalKl(μ, ½·clamp(λ), 0, 0) computes it. Differentiable in μ and λ (zero where clamped).
 */
export function normalKlStandard(loc: Tensor, logVar: Tensor, bounds: LogVarBounds = UNBOUNDED): Tensor {
  checkBounds(bounds, 'normalKlStandard');
  if (!shapesEqual(loc.shape, logVar.shape)) {
    throw new Error(`normalKlStandard: loc ${fmtShape(loc.shape)} and logVar ${fmtShape(logVar.shape)} differ`);
  }
  return klOp.apply({ loc, logVar }, bounds);
}

