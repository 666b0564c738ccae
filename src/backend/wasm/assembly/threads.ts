// @ts-nocheck — AssemblyScript, compiled by scripts/build-wasm.mjs (asc) into the shared-memory builds only.
// The loop a worker thread runs forever: wait for the main thread to publish a job in the control
// block, run its share on the shared linear memory, count itself done. No JS runs per job.
import { gemm } from './gemm';
import { adamF32, bceF32, unaryF32 } from './elementwise';

// Control block layout (byte offsets from ctrl), shared with src/backend/wasm/index.ts:
//   0 seq     bumped by the main thread to publish a job
//   4 pending workers yet to finish the published job
//   8 quit    non-zero: return from workerLoop
//   JOB_BASE + id·JOB_BYTES: worker id's job: i32 kind at 0, then the kind's arguments as runJob reads them.
const SEQ: usize = 0;
const PENDING: usize = 4;
const QUIT: usize = 8;
const JOB_BASE: usize = 64;
const JOB_BYTES: usize = 128;
// ≈ tens of µs of polling before sleeping: the main thread issues GEMMs back to back during a
// training step, so a short spin saves the futex wake-up on most jobs without burning a core idle.
const SPIN: i32 = 20000;

// Job kinds (field 0).
const JOB_NONE: i32 = 0;
const JOB_GEMM: i32 = 1;
const JOB_ADAM: i32 = 2;
const JOB_UNARY: i32 = 3;
const JOB_BCE: i32 = 4;

function runJob(job: usize): void {
  const kind = load<i32>(job);
  if (kind == JOB_GEMM) {
    gemm(
      load<i32>(job, 4) != 0, load<i32>(job, 8) != 0, load<i32>(job, 12), load<i32>(job, 16),
      load<u32>(job, 20), load<i32>(job, 24), load<u32>(job, 28), load<i32>(job, 32),
      load<i32>(job, 36), load<u32>(job, 40), load<i32>(job, 44), load<i32>(job, 48), load<i32>(job, 52),
      load<u32>(job, 56),
    );
  } else if (kind == JOB_ADAM) {
    adamF32(
      load<u32>(job, 4), load<u32>(job, 8), load<u32>(job, 12), load<u32>(job, 16), load<i32>(job, 20),
      load<f64>(job, 24), load<f64>(job, 32), load<f64>(job, 40), load<f64>(job, 48), load<f64>(job, 56),
      load<f64>(job, 64), load<f64>(job, 72), load<f64>(job, 80), load<f64>(job, 88),
    );
  } else if (kind == JOB_UNARY) {
    unaryF32(load<i32>(job, 4), load<u32>(job, 8), load<u32>(job, 12), load<i32>(job, 16));
  } else if (kind == JOB_BCE) {
    bceF32(load<u32>(job, 4), load<u32>(job, 8), load<u32>(job, 12), load<u32>(job, 16), load<i32>(job, 20));
  } else if (kind != JOB_NONE) {
    unreachable();
  }
}

/**
 * Serve jobs for worker `id` until the quit flag is set. `seen` is the sequence number when the
 * worker was spawned: reading it here instead would miss a job published before this thread started.
 */
export function workerLoop(ctrl: usize, id: i32, seen: i32): void {
  const job = ctrl + JOB_BASE + <usize>id * JOB_BYTES;
  while (true) {
    let seq = atomic.load<i32>(ctrl + SEQ);
    for (let s = 0; seq == seen && s < SPIN; s++) seq = atomic.load<i32>(ctrl + SEQ);
    if (seq == seen) {
      memory.atomic.wait32(ctrl + SEQ, seen, -1);
      continue;
    }
    seen = seq;
    if (atomic.load<i32>(ctrl + QUIT) != 0) return;
    runJob(job);
    if (atomic.sub<i32>(ctrl + PENDING, 1) == 1) atomic.notify(ctrl + PENDING, 1);
  }
}
