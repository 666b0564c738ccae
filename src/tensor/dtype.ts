// Element types. float32 is the fast default; float64 exists for gradient
// checks and numerically delicate linear algebra.
import type { FloatArray } from '../backend/backend.js';
import { freshBuffer, takeFree, track } from './pool.js';

export type DType = 'float32' | 'float64';

/** A zero-filled buffer (recycled when one of this size is free). */
export function allocate(dtype: 'float32', n: number): Float32Array;
export function allocate(dtype: DType, n: number): FloatArray;
export function allocate(dtype: DType, n: number): FloatArray {
  const reused = takeFree(dtype === 'float64', n);
  const buf = reused ? reused.fill(0) : freshBuffer(dtype === 'float64', n, true);
  track(buf);
  return buf;
}

/** A buffer whose contents are arbitrary: only for kernels that write every element. */
export function allocateUninit(dtype: 'float32', n: number): Float32Array;
export function allocateUninit(dtype: DType, n: number): FloatArray;
export function allocateUninit(dtype: DType, n: number): FloatArray {
  const buf = takeFree(dtype === 'float64', n) ?? freshBuffer(dtype === 'float64', n, false);
  track(buf);
  return buf;
}

export function dtypeOf(a: FloatArray): DType {
  return a instanceof Float64Array ? 'float64' : 'float32';
}
