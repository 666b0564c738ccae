// @ts-nocheck — AssemblyScript, compiled by scripts/build-wasm.mjs (asc) into the shared-memory builds only.
// Work sharing on the shared linear memory: the main thread publishes one job split into chunks,
// and it and the worker threads claim chunks until none are left (so a thread the OS has parked
// delays the job by at most one chunk). No JS runs per chunk. A job's leading chunks may prepare
// what all its other chunks read (a gemm's shared packed operand): those wait until they are done.
import { gemm, prepackAPart, prepackBPart } from './gemm';
import { adamF32, bceF32, bceGradF32, gatherF32, nonFiniteF32, normalKlF32, normalKlGradF32, sumBlocksF32, unaryF32 } from './elementwise';

// Control block layout (byte offsets from ctrl), shared with src/backend/wasm/index.ts:
//   0 seq     bumped by the main thread to wake the workers for a job
//   4 done    chunks of the current job finished
//   8 quit    non-zero: return from workerLoop
//  12 ticket  (job tag << 16) | next unclaimed chunk
//  16 spin    polls of seq with no beat before a worker sleeps (see WasmBackendOptions.workerSpin)
//  20 ready   leading chunks of the current job finished
//  24 sleepers  workers asleep or about to sleep on seq (the main thread notifies only then)
//  28 stalled   non-zero: a chunk gave up waiting for the leading chunks (a thread holding one died)
//  32 flag      set by a finiteness job's chunks that find a NaN or ±∞
//  36 beat      bumped by the main thread at every wasm kernel call it makes (see workerLoop)
//  JOB (64)   the job: i32 kind, i32 chunk count (leading ones included), i32 tag, i32 at 16 the
//             leading chunks, the kind's other arguments from 24 as runChunk reads them.
//  BOUNDS (512)  i32 bounds of the other chunks, largest first (sized by index.ts): chunk c
//             covers [bounds[c], bounds[c + 1]) of the length they split.
const SEQ: usize = 0;
const DONE: usize = 4;
const QUIT: usize = 8;
const TICKET: usize = 12;
const SPIN: usize = 16;
const READY: usize = 20;
const SLEEPERS: usize = 24;
const STALLED: usize = 28;
const BEAT: usize = 36;
// Polls of `ready` before a chunk gives up on the leading chunks (seconds; the main thread's join
// gives up on a job after ≥ 10 s too, see index.ts).
const READY_POLLS: i32 = 0x7fffffff;
const JOB: usize = 64;
const BOUNDS: usize = 512;

// Job kinds.
const JOB_GEMM: i32 = 1;
const JOB_ADAM: i32 = 2;
const JOB_UNARY: i32 = 3;
const JOB_BCE: i32 = 4;
const JOB_SUM: i32 = 5;
const JOB_FINITE: i32 = 6;
const JOB_BCE_GRAD: i32 = 7;
const JOB_GATHER: i32 = 8;
const JOB_KL: i32 = 9;
const JOB_KL_GRAD: i32 = 10;

// Run chunk c of the job at j, with `work` as this thread's gemm packing scratch.
function runChunk(j: usize, c: i32, work: usize): void {
  const kind = load<i32>(j);
  const lead = load<i32>(j, 16);
  if (c < lead) {
    runLeading(j, c);
    atomic.add<i32>(j - JOB + READY, 1);
    return;
  }
  // The leading chunks were all claimed before this one: wait for those still running.
  let polls = 0;
  while (atomic.load<i32>(j - JOB + READY) < lead) {
    if (++polls == READY_POLLS) {
      atomic.store<i32>(j - JOB + STALLED, 1);
      return;
    }
  }
  const bounds = j - JOB + BOUNDS + (<usize>(c - lead) << 2);
  const lo = load<i32>(bounds);
  const hi = load<i32>(bounds, 4);
  if (kind == JOB_GEMM) {
    // Arguments: ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc, then the operand packed whole
    // for all chunks (preA when split by columns, preB by rows), skip, byCols at byte 80, and
    // bytes 84..95 the leading chunks' packing (see runLeading), whose mode preA is in.
    const byCols = load<i32>(j, 80) != 0;
    const ta = load<i32>(j, 24) != 0;
    const tb = load<i32>(j, 28) != 0;
    const m = load<i32>(j, 32);
    const n = load<i32>(j, 36);
    const k = load<i32>(j, 40);
    let a = load<u32>(j, 44);
    const lda = load<i32>(j, 48);
    const b = load<u32>(j, 52);
    const ldb = load<i32>(j, 56);
    const beta = load<i32>(j, 60);
    let cp = load<u32>(j, 64);
    const ldc = load<i32>(j, 68);
    const pre = load<u32>(j, 72);
    const skip = load<i32>(j, 76);
    const preMode = load<i32>(j, 88);
    if (byCols) {
      gemm(ta, tb, m, k, a, lda, b, ldb, beta, cp, ldc, lo, hi, work, pre, 0, skip, preMode);
    } else {
      // Rows lo:hi of C need rows lo:hi of op(A): columns of A as stored when transposed.
      a += ta ? <usize>lo << 2 : (<usize>lo * lda) << 2;
      cp += (<usize>lo * ldc) << 2;
      gemm(ta, tb, hi - lo, k, a, lda, b, ldb, beta, cp, ldc, 0, n, work, 0, pre, skip, 0);
    }
  } else if (kind == JOB_ADAM) {
    // Arguments: p, g, m, v at 24..39, then nine f64 scalars from 40.
    const o = <usize>lo << 2;
    adamF32(
      load<u32>(j, 24) + o, load<u32>(j, 28) + o, load<u32>(j, 32) + o, load<u32>(j, 36) + o, hi - lo,
      load<f64>(j, 40), load<f64>(j, 48), load<f64>(j, 56), load<f64>(j, 64), load<f64>(j, 72),
      load<f64>(j, 80), load<f64>(j, 88), load<f64>(j, 96), load<f64>(j, 104),
    );
  } else if (kind == JOB_UNARY) {
    // Arguments: op, x, out at 24..35.
    const o = <usize>lo << 2;
    unaryF32(load<i32>(j, 24), load<u32>(j, 28) + o, load<u32>(j, 32) + o, hi - lo);
  } else if (kind == JOB_BCE) {
    // Arguments: logits, target, out, sig at 24..39.
    const o = <usize>lo << 2;
    bceF32(load<u32>(j, 24) + o, load<u32>(j, 28) + o, load<u32>(j, 32) + o, load<u32>(j, 36) + o, hi - lo);
  } else if (kind == JOB_FINITE) {
    // Arguments: x, the flag a chunk with a NaN or ±∞ sets, at 24..31.
    if (nonFiniteF32(load<u32>(j, 24) + (<usize>lo << 2), hi - lo) != 0) atomic.store<i32>(load<u32>(j, 28), 1);
  } else if (kind == JOB_BCE_GRAD) {
    // Arguments: g, sig, y, out, the element count, the row length at 24..47; chunks split the rows.
    const cols = load<i32>(j, 44);
    const o = (<usize>lo * cols) << 2;
    const n = min(load<i32>(j, 40) - lo * cols, (hi - lo) * cols);
    bceGradF32(load<u32>(j, 24) + (<usize>lo << 2), load<u32>(j, 28) + o, load<u32>(j, 32) + o, load<u32>(j, 36) + o, n, cols);
  } else if (kind == JOB_GATHER) {
    // Arguments: x, n, inner, idx, out at 24..43 (outer = 1); chunks split the indices.
    const inner = load<i32>(j, 32);
    gatherF32(load<u32>(j, 24), 1, load<i32>(j, 28), inner, load<u32>(j, 36) + (<usize>lo << 2), hi - lo, load<u32>(j, 40) + ((<usize>lo * inner) << 2));
  } else if (kind == JOB_KL) {
    // Arguments: locP, logScaleP, locQ, logScaleQ, out at 24..43.
    const o = <usize>lo << 2;
    normalKlF32(load<u32>(j, 24) + o, load<u32>(j, 28) + o, load<u32>(j, 32) + o, load<u32>(j, 36) + o, load<u32>(j, 40) + o, hi - lo);
  } else if (kind == JOB_KL_GRAD) {
    // Arguments: g, locP, logScaleP, locQ, logScaleQ, then their four gradients, at 24..59.
    const o = <usize>lo << 2;
    normalKlGradF32(
      load<u32>(j, 24) + o, load<u32>(j, 28) + o, load<u32>(j, 32) + o, load<u32>(j, 36) + o, load<u32>(j, 40) + o,
      load<u32>(j, 44) + o, load<u32>(j, 48) + o, load<u32>(j, 52) + o, load<u32>(j, 56) + o, hi - lo,
    );
  } else if (kind == JOB_SUM) {
    // Arguments: x, its length, the float64 block sums at 24..35; chunks split the blocks.
    sumBlocksF32(load<u32>(j, 24), load<i32>(j, 28), lo, hi, load<u32>(j, 32));
  } else {
    unreachable();
  }
}

// Leading chunk c of a gemm job: pack panels [c·len, (c+1)·len) of its shared operand, in the
// mode (prepackModeA/B) at byte 88 and panels of that length at 84; `total` panels at 92.
function runLeading(j: usize, c: i32): void {
  const byCols = load<i32>(j, 80) != 0;
  const len = load<i32>(j, 84);
  const mode = load<i32>(j, 88);
  const q0 = c * len;
  const q1 = min(load<i32>(j, 92), q0 + len);
  const k = load<i32>(j, 40);
  const pre = load<u32>(j, 72);
  if (byCols) prepackAPart(load<i32>(j, 24) != 0, load<i32>(j, 32), k, load<u32>(j, 44), load<i32>(j, 48), pre, mode, q0, q1);
  else prepackBPart(load<i32>(j, 28) != 0, load<i32>(j, 36), k, load<u32>(j, 52), load<i32>(j, 56), pre, mode, q0, q1);
}

/**
 * Claim and run chunks of the published job until none are left; each finished chunk counts in
 * `done`. A ticket whose tag differs from the job's is from a job being replaced: nothing to do.
 * Called by the workers and by the main thread, which publishes the job and then helps.
 */
export function help(ctrl: usize, work: usize): void {
  const j = ctrl + JOB;
  while (true) {
    const t = atomic.load<i32>(ctrl + TICKET);
    const c = t & 0xffff;
    if (<i32>(<u32>t >>> 16) != atomic.load<i32>(j, 8) || c >= atomic.load<i32>(j, 4)) return;
    if (atomic.cmpxchg<i32>(ctrl + TICKET, t, t + 1) != t) continue;
    // NOTE: the claim pins the job: the main thread rewrites it only once every chunk is done.
    // Recheck the bound against it, in case the ticket came from an older job with the same tag.
    const n = atomic.load<i32>(j, 4);
    if (c < n) runChunk(j, c, work);
    // The last chunk wakes the main thread if it went to sleep waiting.
    if (atomic.add<i32>(ctrl + DONE, 1) + 1 == n) atomic.notify(ctrl + DONE, 1);
  }
}

/**
 * Serve jobs with scratch at `work` until the quit flag is set. `seen` is the sequence number when
 * the worker was spawned: reading it here instead would miss a job published before this thread started.
 */
export function workerLoop(ctrl: usize, work: usize, seen: i32): void {
  while (true) {
    let seq = atomic.load<i32>(ctrl + SEQ);
    const spin = atomic.load<i32>(ctrl + SPIN);
    // Spin until `spin` polls pass with no kernel call by the main thread: while it calls kernels
    // (a training step), the next job is near, and waking from sleep would delay this worker's
    // share of it; once it stops (or the OS gave this worker the core it shares with the main
    // thread, which then cannot call anything), sleep soon, unlike a longer fixed spin.
    let beat = atomic.load<i32>(ctrl + BEAT);
    for (let s = 0; seq == seen && s < spin; s++) {
      seq = atomic.load<i32>(ctrl + SEQ);
      const b = atomic.load<i32>(ctrl + BEAT);
      if (b != beat) {
        beat = b;
        s = 0;
      }
    }
    if (seq == seen) {
      // The main thread bumps seq, then notifies only if it reads sleepers > 0. Either it reads
      // this add, and notifies, or the add came after the bump, and the wait returns at once.
      atomic.add<i32>(ctrl + SLEEPERS, 1);
      memory.atomic.wait32(ctrl + SEQ, seen, -1);
      atomic.sub<i32>(ctrl + SLEEPERS, 1);
      continue;
    }
    seen = seq;
    if (atomic.load<i32>(ctrl + QUIT) != 0) return;
    help(ctrl, work);
  }
}
