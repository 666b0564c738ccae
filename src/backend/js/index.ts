// The reference JS backend: every kernel in plain TypeScript. It is the
// default, runs anywhere, and is the oracle faster backends are tested against.
import type { Backend } from '../backend.js';
import { gemm } from './gemm.js';
import { allFinite, bceLogits, biasActInplace, bceLogitsGrad, binary, copyStrided, gather, normalKl, normalKlGrad, reduce, scatterAdd, unary, where } from './elementwise.js';
import { lu, makeBlockedLinalg } from './linalg.js';
import { adamStep } from './optim.js';

export const jsBackend: Backend = {
  name: 'js',
  gemm,
  biasActInplace,
  unary,
  binary,
  reduce,
  where,
  copyStrided,
  ...makeBlockedLinalg(gemm),
  lu,
  gather,
  scatterAdd,
  adamStep,
  bceLogits,
  bceLogitsGrad,
  normalKl,
  normalKlGrad,
  allFinite,
};
