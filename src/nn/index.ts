// Neural-network building blocks.
export { Module, applyLayer, type Layer, type LayerLike } from './module.js';
export { Linear, Sequential, mlp, type Init, type LinearOptions, type MlpOptions } from './linear.js';
