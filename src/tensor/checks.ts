// Guards that turn silent NaN/Inf into an error naming what went wrong and where.
import type { Tensor } from './tensor.js';
import { fmtShape } from './shape.js';
import { getBackend } from '../backend/registry.js';

/** Throw if any element of t is NaN or ±Inf; `what` names the quantity in the message. */
export function assertFinite(t: Tensor, what: string): void {
  const d = t.contiguousData();
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (!Number.isFinite(v)) {
      throw new Error(`${what}: non-finite value ${v} at flat index ${i} of tensor ${fmtShape(t.shape)}`);
    }
  }
}

/** Whether every element is finite (the backend's allFinite). */
export function isFiniteTensor(t: Tensor): boolean {
  return getBackend().allFinite(t.contiguousData());
}
