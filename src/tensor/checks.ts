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

/**
 * Whether every element is finite: the backend's allFinite where it has one, else one backend
 * sum, since any NaN or ±Inf makes the sum non-finite; only a non-finite sum (which finite
 * values can also produce by overflowing) is followed by the exact scan.
 */
export function isFiniteTensor(t: Tensor): boolean {
  const d = t.contiguousData();
  if (d.length === 0) return true;
  const backend = getBackend();
  if (backend.allFinite) return backend.allFinite(d);
  const total = d instanceof Float64Array ? new Float64Array(1) : new Float32Array(1);
  backend.reduce('sum', d, 1, d.length, 1, total);
  if (Number.isFinite(total[0]!)) return true;
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i]!)) return false;
  return true;
}
