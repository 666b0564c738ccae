// elbo's public API: everything a user imports comes through here.
export { Tensor, type NestedArray } from './tensor/tensor.js';
export type { DType } from './tensor/dtype.js';
export { Rng, type RngState } from './tensor/random.js';
export { assertFinite, isFiniteTensor } from './tensor/checks.js';
export { poolStats, type PoolStats } from './tensor/pool.js';
export * from './ops/index.js';
export { noGrad, isGradEnabled } from './autograd/tape.js';
export { grad, valueAndGrad } from './autograd/functional.js';
export { gradcheck, type GradcheckOptions, type GradcheckResult } from './autograd/gradcheck.js';
export type { Backend, FloatArray } from './backend/backend.js';
export { getBackend, setBackend } from './backend/registry.js';
export { jsBackend } from './backend/js/index.js';
export * from './nn/index.js';
export * from './optim/index.js';
export * from './models/index.js';
export * from './distributions/index.js';
export { GaussianMixture, type GaussianMixtureOptions, type CovarianceType, type EmStep, type EmResult } from './models/gaussian-mixture.js';
export * from './train/index.js';
