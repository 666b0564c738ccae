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
export type { Backend, FloatArray, GemmCall } from './backend/backend.js';
export { getBackend, setBackend } from './backend/registry.js';
export { jsBackend } from './backend/js/index.js';
// The browser's fast path (Web Workers over shared memory where the page is cross-origin isolated).
export { createWasmBackend, type WasmBackend, type WasmBackendOptions, type WasmInfo } from './backend/wasm/index.js';
export * from './nn/index.js';
export * from './optim/index.js';
export * from './models/index.js';
export * from './distributions/index.js';
export { GaussianMixture, type GaussianMixtureOptions, type CovarianceType, type EmStep, type EmResult } from './models/gaussian-mixture.js';
export * from './train/index.js';
// The data layer except CSV parsing, which needs Node's Buffer (csv-parse), so the bundle stays browser-safe.
export * from './data/dataset.js';
export * from './data/idx.js';
export * from './data/preprocess.js';
export * from './data/batches.js';
export * from './data/synthetic.js';
export { imageGrid, stackGrids, upscale, type RgbaImage, type ImageGridOptions, type Colormap } from './viz/grid.js';
export { manifoldLatents, boxLatents, pca2, latentPlane, interpolateLatents, type LatentPlane, type Pca2Result } from './viz/latent.js';
