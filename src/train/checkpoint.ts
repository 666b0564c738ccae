// Node adapter for checkpoints: atomic, durable file writes (temp file, fsync, rename, fsync
// of the directory), so a crash at any moment leaves either the old or the new checkpoint.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { decodeTrainState, encodeTrainState, type TrainState } from './state.js';

/** The temp file a write to `path` goes through; stale ones (after a crash) are safe to delete. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
}

/**
 * Write `data` (bytes, or chunks of bytes) to `path` atomically: readers see the old file or
 * the complete new one, never a prefix. If writing throws, the temp file is removed.
 */
export function writeFileAtomicSync(path: string, data: Uint8Array | Iterable<Uint8Array>): void {
  const tmp = tempPathFor(path);
  const fd = openSync(tmp, 'w', 0o644);
  let ok = false;
  try {
    const chunks = data instanceof Uint8Array ? [data] : data;
    for (const chunk of chunks) {
      let off = 0;
      while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
    }
    // NOTE: without fsync before rename, a power loss can leave the new name pointing at an
    // empty or partial file on some filesystems (ext4 delayed allocation).
    fsyncSync(fd);
    ok = true;
  } finally {
    closeSync(fd);
    if (!ok) rmSync(tmp, { force: true });
  }
  renameSync(tmp, path);
  try {
    const dfd = openSync(dirname(path), 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // Directories cannot be opened for fsync on every platform (Windows); the rename stands.
  }
}

export function saveCheckpoint(path: string, state: TrainState): void {
  writeFileAtomicSync(path, encodeTrainState(state));
}

export function loadCheckpoint(path: string): TrainState {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : '';
    throw new Error(code === 'ENOENT' ? `checkpoint: file not found: ${path}` : `checkpoint: cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return decodeTrainState(bytes, path);
}
