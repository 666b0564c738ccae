// Buffer reuse. Every buffer allocated inside a scope (a backward pass, or one
// training step) is a temporary of it unless kept (leaf gradients), so when the
// scope ends it goes back to a free list, and the next step's allocations of the
// same size skip the allocator, the page faults and the GC.
import type { FloatArray } from '../backend/backend.js';

/** Free buffers per (dtype, length); bounded so an unusual step cannot pin much memory. */
const free = new Map<number, FloatArray[]>();
const MAX_PER_SIZE = 256;
const MAX_BYTES = 512 * 1024 * 1024;
let freeBytes = 0;

/**
 * Where fresh buffers come from: the active backend may supply its own (the wasm backend hands
 * out views of its memory, so its kernels need no copies). No source, or a null from it, means a
 * plain typed array.
 */
export type BufferSource = (f64: boolean, n: number) => FloatArray | null;
let source: BufferSource | null = null;

export function setBufferSource(s: BufferSource | null): void {
  source = s;
}

/** How many buffers were made new and how many came from the free list, since the process started. */
export interface PoolStats {
  readonly fresh: number;
  readonly reused: number;
  readonly freeBytes: number;
}
let freshCount = 0;
let reusedCount = 0;

export function poolStats(): PoolStats {
  return { fresh: freshCount, reused: reusedCount, freeBytes };
}

/** A new buffer (not from the free list); zeroed when asked, else its contents are arbitrary. */
export function freshBuffer(f64: boolean, n: number, zeroed: boolean): FloatArray {
  freshCount++;
  const own = source?.(f64, n) ?? null;
  if (own) return zeroed ? own.fill(0) : own;
  return f64 ? new Float64Array(n) : new Float32Array(n);
}

/** Buffers handed out inside each active scope (a stack: backward passes may nest). */
const scopes: Set<FloatArray>[] = [];

/** A number, not a string: a fresh string per lookup would be hashed every time. */
function key(f64: boolean, n: number): number {
  return 2 * n + (f64 ? 1 : 0);
}

/** A recycled buffer of this kind and length, or null. Its contents are arbitrary. */
export function takeFree(f64: boolean, n: number): FloatArray | null {
  const list = free.get(key(f64, n));
  const buf = list?.pop() ?? null;
  if (buf) {
    freeBytes -= buf.byteLength;
    reusedCount++;
  }
  return buf;
}

/** Record a buffer handed out now, so the innermost scope can recycle it. */
export function track(buf: FloatArray): void {
  scopes[scopes.length - 1]?.add(buf);
}

/** Whether buf was handed out inside the innermost active scope (so nothing outside it can hold it). */
export function isScopeLocal(buf: FloatArray): boolean {
  return scopes[scopes.length - 1]?.has(buf) ?? false;
}

/** Run fn; buffers allocated inside it return to the free list afterwards, unless kept. */
export function recycleScope<T>(fn: (keep: (buf: FloatArray) => void) => T): T {
  const scope = new Set<FloatArray>();
  const kept = new Set<FloatArray>();
  scopes.push(scope);
  try {
    return fn((buf) => kept.add(buf));
  } finally {
    scopes.pop();
    for (const buf of scope) if (!kept.has(buf)) release(buf);
  }
}

/**
 * Hand buf back to the free list now. Only for a buffer its caller owns outright: nothing may
 * read or write it afterwards (the next allocation of its size gets it).
 */
export function release(buf: FloatArray): void {
  if (buf.length === 0 || freeBytes + buf.byteLength > MAX_BYTES) return;
  const k = key(buf instanceof Float64Array, buf.length);
  const list = free.get(k) ?? [];
  if (list.length >= MAX_PER_SIZE) return;
  list.push(buf);
  free.set(k, list);
  freeBytes += buf.byteLength;
}

/** Drop every free buffer (for memory measurements and tests). */
export function clearPool(): void {
  free.clear();
  freeBytes = 0;
}
