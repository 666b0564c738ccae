// Optimizers and gradient utilities.
export { Optimizer, SGD, Adam, AdamW, clipGradNorm, type OptimizerState, type SgdOptions, type AdamOptions } from './optimizer.js';
