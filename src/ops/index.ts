// All ops, primitive and derived, in one namespace.
export * from './creation.js';
export * from './elementwise.js';
export * from './reduce.js';
export * from './shape.js';
export * from './matmul.js';
export * from './linear.js';
export * from './linalg.js';
export * from './activations.js';
export * from './losses.js';
export { scalar, opRegistry, defineOp, type TensorLike, type OpDef, type Op } from './op.js';
export * from './gaussian.js';
