// Element types. float32 is the fast default; float64 exists for gradient
// checks and numerically delicate linear algebra.
import type { FloatArray } from '../backend/backend.js';

export type DType = 'float32' | 'float64';

export function allocate(dtype: DType, n: number): FloatArray {
  return dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
}

export function dtypeOf(a: FloatArray): DType {
  return a instanceof Float64Array ? 'float64' : 'float32';
}
