// The active kernel table. The JS backend is the default and the correctness
// oracle; faster backends are installed with setBackend.
import type { Backend } from './backend.js';
import { setBufferSource } from '../tensor/pool.js';
import { jsBackend } from './js/index.js';

let active: Backend = jsBackend;

export function getBackend(): Backend {
  return active;
}

export function setBackend(b: Backend): void {
  active = b;
  const alloc = b.allocate;
  setBufferSource(alloc ? (f64, n) => alloc.call(b, f64, n) : null);
}
