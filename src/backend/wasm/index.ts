// WebAssembly SIMD backend for browsers and Node: float32 gemm runs in the packed f32x4 kernel of
// assembly/gemm.ts and the hot float32 elementwise kernels in assembly/elementwise.ts, optionally split
// over worker threads that share the wasm memory, where float32 tensor buffers live too (so kernels
// copy nothing); the rest is base's. Platform-neutral: Node's worker_threads live in ./node.ts.
import type { Backend, BiasAct, BinaryKernel, FloatArray, UnaryKernel } from '../backend.js';
import { checkBceLogitsGrad, checkBiasAct, checkGemm, checkLengths, checkReduce, checkRows, checkView } from '../checks.js';
import { BLOCK, WasmHeap } from './heap.js';
import { maxSharedPages, relaxedSimdSharedWasm, relaxedSimdWasm, simdSharedWasm, simdWasm } from './kernels.generated.js';

/** What a worker needs to join: the compiled kernels, the shared memory and its slot. */
export interface WasmWorkerInit {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  /** Byte address of the control block (see assembly/threads.ts). */
  readonly ctrl: number;
  /** Worker index, 0-based; the calling thread is not counted. */
  readonly id: number;
  /** Byte address of the worker's private gemm packing scratch. */
  readonly work: number;
  /** The job sequence number at spawn time; jobs after it are the worker's to run. */
  readonly seq: number;
}

export interface WasmWorker {
  terminate(): void;
}

/** Start a worker that instantiates init.module on init.memory and runs workerLoop; resolve once it has. */
export type SpawnWasmWorker = (init: WasmWorkerInit, source: string) => Promise<WasmWorker>;

export interface WasmBackendOptions {
  /** Threads sharing one kernel call, the calling thread included (default 1). Needs SharedArrayBuffer and a spawner. */
  readonly threads?: number;
  /** How to start a worker; defaults to a Web Worker where the global Worker exists. */
  readonly spawnWorker?: SpawnWasmWorker;
  /** Use relaxed-SIMD fused multiply-add when the engine validates it (default true). */
  readonly relaxedSimd?: boolean;
  /** Smaller gemms (in multiply-adds) stay on base, where no copy is needed (default 4096; tests use 0). */
  readonly minWasmMacs?: number;
  /** Smaller gemms stay on the calling thread, since waking workers costs µs (default 2^19; tests use 0). */
  readonly minParallelMacs?: number;
  /** Smaller elementwise ops stay on base (default 2048 elements; tests use 0). */
  readonly minWasmElements?: number;
  /** Smaller Adam, unary and bceLogits calls stay on the calling thread (default 2^15 elements; tests use 0). */
  readonly minParallelElements?: number;
  /**
   * Polls of the job counter without a kernel call by this thread before an idle worker sleeps
   * (default 20000, ≈ 10 µs). Each call restarts the count, so workers stay awake through a
   * training step's gaps between shared jobs (a reference VAE step woke them 6 times instead of 12,
   * 4% faster), yet sleep within ≈ 10 µs when this thread goes quiet or is descheduled. Longer
   * spins cut the wake-ups further, but when other processes hold a core the spinning worker takes
   * this thread's time: a VAE step took 10% longer with 50000, and 35–45% with a fixed 2^18.
   */
  readonly workerSpin?: number;
  /** Hand out float32 tensor buffers in wasm memory (Backend.allocate), where memory can be shared (default true). */
  readonly ownBuffers?: boolean;
  /**
   * Let gemm leave out the k-steps where an operand is all ±0, where sampling says that pays
   * (default true). The result is the same bit for bit (up to the sign of a zero sum); false is for
   * measuring, 'always' (list zero steps of every operand, whatever the cost) for tests.
   */
  readonly skipZeros?: boolean | 'always';
}

export interface WasmInfo {
  readonly relaxedSimd: boolean;
  readonly threads: number;
  /** Whether allocate hands out buffers in wasm memory (so kernels on them copy nothing). */
  readonly ownBuffers: boolean;
  /** Why fewer threads than requested run, when that happens. */
  readonly reason?: string;
}

export interface WasmBackend extends Backend {
  readonly wasm: WasmInfo;
  /** Bytes of wasm memory in live blocks (tensor buffers not yet garbage-collected). */
  heapBytes(): number;
  /** Stop the worker threads; the backend keeps working on the calling thread only. */
  dispose(): void;
}

/**
 * Body of a worker, as plain JS so no bundler or loader has to resolve a worker file. The
 * adapter supplies `receive(handler)` and `ready()` for its platform's messaging.
 */
export const workerSource = `
receive((d) => {
  const inst = new WebAssembly.Instance(d.module, { env: { memory: d.memory } });
  ready();
  inst.exports.workerLoop(d.ctrl, d.work, d.seq);
});
`;

interface KernelExports {
  gemm(
    transA: number, transB: number, m: number, k: number,
    a: number, lda: number, b: number, ldb: number,
    beta: number, c: number, ldc: number, j0: number, j1: number, work: number, preA: number, preB: number, skip: number,
    preModeA: number,
  ): void;
  gemmWorkBytes(): number;
  packedABytes(m: number, k: number): number;
  packedBBytes(n: number, k: number): number;
  /** 2 for row lists, 1 for panels with zero steps listed, 0 for plain panels. */
  prepackModeA(transA: number, m: number, n: number, k: number, a: number, lda: number, skip: number): number;
  /** Whether gemm computes C = Aᵀ·B in column mode (prepackAPart's mode 3, a flag of A's finiteness only). */
  gemmColMode(transA: number, transB: number, m: number, n: number, k: number, b: number, ldb: number, beta: number, skip: number): number;
  prepackModeB(transB: number, m: number, n: number, k: number, b: number, ldb: number, skip: number): number;
  initConstants(): void;
  gemmNr(): number;
  gemmMr(): number;
  gemmRowStrip(): number;
  addTransposed(t: number, m: number, n: number, c: number, ldc: number, beta: number): void;
  binaryF32(op: number, a: number, aRows: number, aCols: number, b: number, bRows: number, bCols: number, out: number, m: number, n: number): void;
  whereF32(
    c: number, cRows: number, cCols: number, a: number, aRows: number, aCols: number, b: number, bRows: number, bCols: number,
    out: number, m: number, n: number,
  ): void;
  unaryF32(op: number, x: number, out: number, n: number): void;
  biasActF32(x: number, bias: number, m: number, n: number, act: number): void;
  sumF32(x: number, outer: number, n: number, inner: number, out: number): void;
  sumBlockLength(): number;
  sumBlocksF32(x: number, n: number, b0: number, b1: number, out: number): void;
  bceF32(l: number, t: number, out: number, sig: number, n: number): void;
  bceGradF32(g: number, sig: number, y: number, out: number, n: number, cols: number): void;
  nonFiniteF32(x: number, n: number): number;
  gatherF32(x: number, outer: number, n: number, inner: number, idx: number, r: number, out: number): void;
  copyRowsF32(src: number, stride: number, m: number, n: number, out: number): void;
  normalKlF32(lp: number, sp: number, lq: number, sq: number, out: number, n: number): void;
  normalKlGradF32(g: number, lp: number, sp: number, lq: number, sq: number, dlp: number, dsp: number, dlq: number, dsq: number, n: number): void;
  adamF32(
    p: number, g: number, m: number, v: number, n: number, stepSize: number, sqrtBc2: number, shrink: number,
    l2: number, beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, eps: number,
  ): void;
  /** Shared-memory builds only: claim and run chunks of the published job (assembly/threads.ts). */
  help?(ctrl: number, work: number): void;
}

const KERNEL_NAMES = ['gemm', 'gemmWorkBytes', 'packedABytes', 'packedBBytes', 'prepackModeA', 'prepackModeB', 'gemmColMode', 'initConstants', 'gemmNr', 'gemmMr', 'gemmRowStrip', 'addTransposed', 'binaryF32', 'whereF32', 'unaryF32', 'biasActF32', 'sumF32', 'sumBlockLength', 'sumBlocksF32', 'adamF32', 'bceF32', 'bceGradF32', 'nonFiniteF32', 'gatherF32', 'copyRowsF32', 'normalKlF32', 'normalKlGradF32'] as const;

function isKernelExports(x: WebAssembly.Exports): x is WebAssembly.Exports & KernelExports {
  return KERNEL_NAMES.every((name) => typeof x[name] === 'function');
}

// Op codes of assembly/elementwise.ts; ops absent here run on base.
const BINARY_CODES: Partial<Record<BinaryKernel, number>> = { add: 0, sub: 1, mul: 2, div: 3 };
const UNARY_CODES: Partial<Record<UnaryKernel, number>> = {
  neg: 0, relu: 1, step: 2, square: 3, abs: 4, exp: 5, sigmoid: 6, softplus: 7,
};
const SQUARE = 3;
/** biasActF32's activation codes: unary's, and IDENTITY for none. */
const BIAS_ACT_CODES: Readonly<Record<BiasAct, number>> = { identity: -1, relu: 1, sigmoid: 6 };
/** Unary codes from here on (exp, sigmoid, softplus) are compute-bound; those below only stream memory. */
const FIRST_COSTLY_UNARY = 5;
/**
 * Memory-bound unary ops split over threads only this many times later than minParallelElements:
 * a second thread barely raises memory throughput, and waking it can cost more than the op.
 */
const STREAMING_FACTOR = 32;
/**
 * The Gaussian KL kernels (a float64 exp per element, 12–17 ns) split over threads this many times
 * sooner than minParallelElements: a reference VAE's 128×20 latents take 30–44 µs on one thread.
 */
const FLOAT64_EXP_FACTOR = 16;
/** Adam per element (a square root and a division on four streams): ≈ 8 streaming elements' work. */
const ADAM_FACTOR = 8;
/** Below this many columns a product that is not whole NR-column panels wide is computed transposed (runGemm). */
const TRANSPOSE_MAX_N = 64;
/** Jobs worth this many times minParallelElements pay for waking a sleeping worker (see shareSmall). */
const WAKE_FACTOR = 16;

/**
 * How a broadcast operand of `shape` covers outShape viewed as an m×n matrix split before axis
 * `at`: [varies along rows, varies along columns], or null when its axes on one side of the split
 * are neither all the output's nor all 1.
 */
function sides(shape: readonly number[], outShape: readonly number[], at: number): [boolean, boolean] | null {
  const side = (lo: number, hi: number): boolean | null => {
    let full = true;
    let ones = true;
    for (let d = lo; d < hi; d++) {
      if (shape[d] !== outShape[d]) full = false;
      if (shape[d] !== 1) ones = false;
    }
    return full ? true : ones ? false : null;
  };
  const rows = side(0, at);
  const cols = side(at, outShape.length);
  return rows === null || cols === null ? null : [rows, cols];
}

/**
 * The first split of outShape into m×n (rows × columns) under which every operand is full, a
 * row, a column or a scalar (NumPy broadcasting of right-aligned, equal-rank shapes), with each
 * operand's [varies along rows, varies along columns]; or null.
 */
function matrixBroadcast(
  shapes: readonly (readonly number[])[], outShape: readonly number[],
): { m: number; n: number; sides: [boolean, boolean][] } | null {
  for (let at = 0; at <= outShape.length; at++) {
    const found: [boolean, boolean][] = [];
    for (const shape of shapes) {
      const s = sides(shape, outShape, at);
      if (!s) break;
      found.push(s);
    }
    if (found.length === shapes.length) {
      let m = 1;
      for (let d = 0; d < at; d++) m *= outShape[d]!;
      let n = 1;
      for (let d = at; d < outShape.length; d++) n *= outShape[d]!;
      return { m, n, sides: found };
    }
  }
  return null;
}

function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

// Control block at byte 0 (layout in assembly/threads.ts), the kernels' constant vectors from byte
// 1024 (assembly/elementwise.ts), per-thread packing scratch from SCRATCH_BASE, then the heap
// (./heap.ts): tensor buffers handed out by allocate, and scratch copies of foreign operands.
const CTRL = 0;
// i32 slots of the control block, of the job from byte 64 and of its chunk bounds from byte 512
// (layout in assembly/threads.ts).
const SEQ = 0;
const DONE = 1;
const QUIT = 2;
const TICKET = 3;
const SPIN = 4;
const READY = 5;
const SLEEPERS = 6;
const STALLED = 7;
const FLAG = 8;
const BEAT = 9;
const JOB = 16;
const BOUNDS = 128;
const JOB_GEMM = 1;
const JOB_ADAM = 2;
const JOB_UNARY = 3;
const JOB_BCE = 4;
const JOB_SUM = 5;
const JOB_FINITE = 6;
const JOB_BCE_GRAD = 7;
const JOB_GATHER = 8;
const JOB_KL = 9;
const JOB_KL_GRAD = 10;
/** A cap on threads: each holds its own gemm packing scratch (gemmWorkBytes, ≈ 1.5 MB). */
const MAX_WORKERS = 31;
/**
 * Chunk sizes of a shared job (see share): each takes 1/(GUIDE·threads) of the units left, at most
 * 1/(CHUNKS_PER_THREAD·threads) of them all (the wait for a descheduled thread) and at least
 * 1/(LEAST_CHUNKS_PER_THREAD·threads). The operand all chunks read is packed once
 * (prepackAPart/BPart), so small chunks cost little; the last ones bound the threads' finishing gap.
 */
const GUIDE = 2;
const CHUNKS_PER_THREAD = 6;
const LEAST_CHUNKS_PER_THREAD = 16;
/** Chunks of a job after its leading ones: their bounds fill slots BOUNDS.. of the control block, below byte 1024. */
const MAX_CHUNKS = 120;
/** Leading chunks per thread that pack a shared gemm operand (≈ 10–50 µs each for the reference VAE). */
const PACK_CHUNKS_PER_THREAD = 2;
/** prepackModeA's codes for row lists and column mode (assembly/gemm.ts PACK_ROWS, PACK_COLS). */
const PACK_ROWS = 2;
const PACK_COLS = 3;
const SCRATCH_BASE = 4096;
const PAGE = 65536;
const MIN_WASM_MACS = 4096;
const MIN_PARALLEL_MACS = 1 << 19;
const MIN_WASM_ELEMENTS = 2048;
const MIN_PARALLEL_ELEMENTS = 1 << 15;
const WORKER_SPIN = 20000;
/** Smaller float32 buffers stay plain typed arrays: copying them costs less than a heap block and its finalizer. */
const MIN_OWN_ELEMENTS = 256;
// Polls of the done count before the caller sleeps (where it may; a browser's main thread may not).
const JOIN_SPIN = 1 << 12;
/** Elementwise chunks are whole cache lines, so threads never write the same line. */
const ELEMENT_UNIT = 16;
const JOIN_TIMEOUT_MS = 10_000;

/** receive/ready for workerSource in a Web Worker. */
export const webWorkerPrelude = 'const receive = (h) => { onmessage = (e) => h(e.data); };\nconst ready = () => postMessage("ready");\n';

/** Web Workers from a Blob URL, so no worker file has to be served or bundled. */
function webWorkerSpawner(): SpawnWasmWorker | null {
  const g = globalThis as { Worker?: unknown; crossOriginIsolated?: boolean };
  if (typeof g.Worker !== 'function' || g.crossOriginIsolated === false) return null;
  return (init, source) => new Promise<WasmWorker>((resolve, reject) => {
    const url = URL.createObjectURL(new Blob([webWorkerPrelude + source], { type: 'text/javascript' }));
    const w = new Worker(url);
    w.onmessage = () => {
      URL.revokeObjectURL(url);
      resolve(w);
    };
    w.onerror = (e) => reject(new Error(`wasm worker ${init.id} failed: ${e.message}`));
    w.postMessage(init);
  });
}

/** Whether this thread may block in Atomics.wait (workers and Node's main thread; not a browser's main thread). */
function canBlock(ctl: Int32Array): boolean {
  try {
    Atomics.wait(ctl, QUIT, 1, 0); // QUIT is 0, so this returns 'not-equal' at once where allowed
    return true;
  } catch {
    return false;
  }
}

/** A shared memory, or null where the engine has none (no cross-origin isolation). */
function sharedMemory(): WebAssembly.Memory | null {
  if (typeof SharedArrayBuffer === 'undefined') return null;
  try {
    return new WebAssembly.Memory({ initial: 1, maximum: maxSharedPages, shared: true });
  } catch {
    return null;
  }
}

/**
 * The base backend with float32 gemm, binary add/sub/mul/div, where, unary neg/relu/step/square/abs/exp/
 * sigmoid/softplus, sum, adamStep, bceLogits, bceLogitsGrad, allFinite, gather (from wasm memory),
 * normalKl and normalKlGrad replaced by WebAssembly kernels (float64, other ops and broadcasts they do
 * not cover stay on base). base is spread, so its kernels must be own
 * properties (a plain object, not a class instance). Where memory can be shared, float32 tensor
 * buffers are allocated in wasm memory, so the kernels work on them in place; operands from
 * elsewhere are copied in and out.
 */
export async function createWasmBackend(base: Backend, opts: WasmBackendOptions = {}): Promise<WasmBackend> {
  const relaxed = opts.relaxedSimd !== false && WebAssembly.validate(decodeBase64(relaxedSimdWasm));
  const wanted = Math.max(1, Math.min(MAX_WORKERS + 1, Math.floor(opts.threads ?? 1)));
  const spawn = opts.spawnWorker ?? webWorkerSpawner();
  // NOTE: shared memory even for one thread: a shared memory's buffer never detaches when it grows,
  // so typed arrays handed out by allocate stay valid; an unshared one's would all go stale.
  const sharedMem = (wanted > 1 || opts.ownBuffers !== false) ? sharedMemory() : null;
  let reason: string | undefined;
  if (wanted > 1 && !sharedMem) reason = 'SharedArrayBuffer is unavailable (cross-origin isolation?)';
  else if (wanted > 1 && !spawn) reason = 'no way to start workers here (pass spawnWorker, or use createWasmBackendNode)';
  const threaded = wanted > 1 && reason === undefined;
  const shared = sharedMem !== null;

  const bytes = decodeBase64(shared ? (relaxed ? relaxedSimdSharedWasm : simdSharedWasm) : (relaxed ? relaxedSimdWasm : simdWasm));
  const module = await WebAssembly.compile(bytes);
  const memory = sharedMem ?? new WebAssembly.Memory({ initial: 1 });
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const ex = instance.exports;
  if (!isKernelExports(ex)) throw new Error('wasm backend: kernel module lacks the expected exports');
  ex.initConstants();

  const minWasmMacs = opts.minWasmMacs ?? MIN_WASM_MACS;
  const minParallelMacs = opts.minParallelMacs ?? MIN_PARALLEL_MACS;
  const minWasmElements = opts.minWasmElements ?? MIN_WASM_ELEMENTS;
  const minParallelElements = opts.minParallelElements ?? MIN_PARALLEL_ELEMENTS;
  const ownBuffers = shared && opts.ownBuffers !== false;
  // The skip argument of the kernels (assembly/gemm.ts: SKIP_NEVER, SKIP_AUTO, SKIP_ALWAYS).
  const skip = opts.skipZeros === false ? 0 : opts.skipZeros === 'always' ? 2 : 1;
  const workBytes = Math.ceil(ex.gemmWorkBytes() / BLOCK) * BLOCK;
  const NR = ex.gemmNr();
  const MR = ex.gemmMr();
  const STRIP = ex.gemmRowStrip();
  const SUM_BLOCK = ex.sumBlockLength();

  // Every SharedArrayBuffer this memory has presented (one per size it has had): a typed array
  // whose buffer is among them lives in wasm memory at its byteOffset.
  const own = new Set<ArrayBufferLike>();
  let current = memory.buffer;
  let f32 = new Float32Array(current);
  let ctl = new Int32Array(memory.buffer, CTRL, 1024);
  let ctl64 = new Float64Array(memory.buffer, CTRL, 512);
  const refresh = (): void => {
    const buf = memory.buffer;
    current = buf;
    if (ownBuffers) own.add(buf);
    f32 = new Float32Array(buf);
    ctl = new Int32Array(buf, CTRL, 1024);
    ctl64 = new Float64Array(buf, CTRL, 512);
  };
  refresh();
  // Room for every requested thread's packing scratch below the heap, even if some fail to start.
  const heap = new WasmHeap(memory, SCRATCH_BASE + wanted * workBytes, maxSharedPages * PAGE, refresh);
  if (!heap.reach(SCRATCH_BASE + wanted * workBytes)) throw new Error('wasm backend: cannot allocate thread scratch');

  Atomics.store(ctl, SPIN, Math.max(0, Math.min(2 ** 31 - 1, Math.floor(opts.workerSpin ?? WORKER_SPIN))));
  const workers: WasmWorker[] = [];
  if (threaded && spawn) {
    try {
      for (let id = 0; id < wanted - 1; id++) workers.push(await spawn({ module, memory, ctrl: CTRL, id, work: SCRATCH_BASE + (id + 1) * workBytes, seq: Atomics.load(ctl, SEQ) }, workerSource));
    } catch (e) {
      reason = `worker start failed: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  let nWorkers = workers.length;
  const mayBlock = threaded && canBlock(ctl);

  // A tensor buffer's block goes back to the heap once its typed array is garbage-collected.
  const reclaim = new FinalizationRegistry<number>((addr) => heap.release(addr));
  // NOTE: the GC cannot see the wasm memory a view pins, so a loop that allocates fresh tensors
  // would fill the heap long before a major GC collects the dead views (measured: 1 GiB in 200 VAE
  // steps). A same-size ArrayBuffer tied to each view counts as external memory and brings the GC
  // in time (heap steady at ≈ 30 MB); large ones are calloc'd pages never touched, so cost no RSS.
  const ballast = new WeakMap<Float32Array, ArrayBuffer>();
  const allocate = (f64: boolean, n: number): FloatArray | null => {
    if (f64 || n < MIN_OWN_ELEMENTS) return null;
    const addr = heap.alloc(n * 4);
    if (addr < 0) return null; // memory exhausted: a plain array, copied per call
    const view = new Float32Array(current, addr, n);
    reclaim.register(view, addr);
    ballast.set(view, new ArrayBuffer(n * 4));
    return view;
  };

  /** Scratch blocks of the kernel call in progress. */
  const scratch: number[] = [];
  /**
   * Byte address of x[off, off + len) in wasm memory: x's own storage when it lives there, else a
   * scratch block (filled from x when `load`), or -1 when memory is exhausted.
   */
  const addr = (x: Float32Array, off: number, len: number, load: boolean): number => {
    if (own.has(x.buffer)) return x.byteOffset + off * 4;
    const p = heap.alloc(len * 4);
    if (p < 0) return -1;
    scratch.push(p);
    if (load) f32.set(x.subarray(off, off + len), p >>> 2);
    return p;
  };
  /** Copy n floats at byte address p into x[off..], unless x is that storage already. */
  const storeBack = (x: Float32Array, off: number, p: number, n: number): void => {
    if (!own.has(x.buffer)) x.set(f32.subarray(p >>> 2, (p >>> 2) + n), off);
  };
  /** Run fn with scratch released afterwards; fn returns false to fall back to base (memory exhausted). */
  const withScratch = (fn: () => boolean, fallback: () => void): void => {
    // A sign of life for spinning workers (assembly/threads.ts workerLoop).
    Atomics.add(ctl, BEAT, 1);
    let ok: boolean;
    try {
      ok = fn();
    } finally {
      for (const p of scratch) heap.release(p);
      scratch.length = 0;
    }
    if (!ok) fallback();
  };

  /**
   * A flat float32 kernel over n elements of every array (arrays in the kernel's argument order;
   * 'in' operands are loaded, 'out' ones written back, 'inout' both). run gets their byte
   * addresses in that order. Anything else (not float32, too small, memory exhausted) runs on base.
   */
  const flatF32 = (
    n: number, arrays: readonly (readonly [FloatArray, 'in' | 'out' | 'inout'])[], fallback: () => void, run: (ptrs: number[]) => void,
  ): void => {
    const f32s = arrays.map(([x]) => (x instanceof Float32Array ? x : null));
    if (n < minWasmElements || n === 0 || f32s.includes(null)) {
      fallback();
      return;
    }
    withScratch(() => {
      const ptrs = f32s.map((x, i) => addr(x!, 0, n, arrays[i]![1] !== 'out'));
      if (ptrs.some((q) => q < 0)) return false;
      run(ptrs);
      f32s.forEach((x, i) => {
        if (arrays[i]![1] !== 'in') storeBack(x!, 0, ptrs[i]!, n);
      });
      return true;
    }, fallback);
  };

  const help = ex.help;
  /** Whether a job worth `cost` streaming elements splits over the threads. */
  const splits = (cost: number): boolean => nWorkers > 0 && cost >= minParallelElements;
  /**
   * The same for a job that may be too small to wake a worker for (below WAKE_FACTOR× minParallelElements):
   * it splits only while no worker sleeps, since waking one (a system call, then tens of µs) costs more than it saves.
   */
  const shareSmall = (cost: number): boolean =>
    splits(cost) && (cost >= WAKE_FACTOR * minParallelElements || Atomics.load(ctl, SLEEPERS) === 0);
  let jobTag = 0;

  /**
   * Run a job of `total` units on every thread: chunks of whole `unit`s, claimed from a shared
   * ticket (assembly/threads.ts), so a late or descheduled worker costs at most one chunk. The
   * `lead` chunks claimed first prepare what the others read, which wait for them. `fill` writes
   * the kind's arguments into ctl from slot JOB + 6.
   */
  const share = (kind: number, total: number, unit: number, fill: () => void, lead = 0): void => {
    if (!help) throw new Error('wasm backend: workers without a shared-memory build');
    // Guided self-scheduling (Polychronopoulos & Kuck, 1987), capped: each chunk takes 1/(GUIDE·threads)
    // of the units left, at most `most` (a thread the OS deschedules mid-chunk holds up the job by
    // one chunk) and at least `least`, so the last chunks are small and the threads finish together.
    // Equal chunks left one thread a chunk behind: 7 of a reference gemm's 13.
    const units = Math.ceil(total / unit);
    const threads = nWorkers + 1;
    const most = Math.ceil(units / (CHUNKS_PER_THREAD * threads));
    const least = Math.max(1, Math.floor(units / (LEAST_CHUNKS_PER_THREAD * threads)));
    let chunks = 0;
    ctl[BOUNDS] = 0;
    for (let at = 0; at < units; ) {
      const size = Math.max(least, Math.min(most, Math.ceil((units - at) / (GUIDE * threads))));
      at = chunks === MAX_CHUNKS - 1 ? units : Math.min(units, at + size);
      ctl[BOUNDS + ++chunks] = Math.min(total, at * unit);
    }
    chunks += lead;
    jobTag = (jobTag + 1) & 0xffff;
    ctl[JOB] = kind;
    ctl[JOB + 1] = chunks;
    ctl[JOB + 2] = jobTag;
    ctl[JOB + 4] = lead;
    fill();
    Atomics.store(ctl, DONE, 0);
    Atomics.store(ctl, READY, 0);
    Atomics.store(ctl, STALLED, 0);
    Atomics.store(ctl, TICKET, jobTag << 16);
    Atomics.add(ctl, SEQ, 1);
    // A notify is a system call (≈ 7 µs here): skip it while every worker is still polling.
    if (Atomics.load(ctl, SLEEPERS) > 0) Atomics.notify(ctl, SEQ);
    const t0 = performance.now();
    help(CTRL, SCRATCH_BASE);
    // The workers may still be running their last chunks. One still running after many times the
    // whole job's length on this thread (and ≥ 10 s) has died: its errors cannot reach us here.
    const deadline = performance.now() + Math.max(JOIN_TIMEOUT_MS, 100 * (performance.now() - t0));
    const giveUp = (what: string): never => {
      const n = nWorkers;
      nWorkers = 0; // later calls run on this thread alone
      throw new Error(`wasm backend: ${what} on ${n} worker threads; continuing single-threaded`);
    };
    for (let spins = 0; ; spins++) {
      const done = Atomics.load(ctl, DONE);
      if (done === chunks) {
        // A chunk that waited seconds for the leading chunks left its part of the result undone.
        if (Atomics.load(ctl, STALLED) !== 0) giveUp('a job\'s leading chunks never finished');
        return;
      }
      if (spins > JOIN_SPIN) {
        if (mayBlock) Atomics.wait(ctl, DONE, done, 1);
        if ((spins & 255) === 0 && performance.now() > deadline) giveUp(`${chunks - done} chunks of a job never finished`);
      }
    }
  };

  /** Run a gemm on byte addresses; false when memory for the shared packed operand is exhausted. */
  const runGemm = (
    tA: boolean, tB: boolean, m: number, n: number, k: number,
    aP: number, lda: number, bP: number, ldb: number, beta: 0 | 1, cP: number, ldc: number,
  ): boolean => {
    // A narrow C whose width is not whole NR-column panels (the VAE's latent width 20 computes 24
    // columns) and whose few panels split badly over threads is computed transposed, as native's
    // gemm does: Cᵀ = op(B)ᵀ·op(A)ᵀ, whose width m is whole panels, then added into C.
    if (n >= TRANSPOSE_MAX_N || n % NR === 0 || m % NR !== 0) return runGemmDirect(tA, tB, m, n, k, aP, lda, bP, ldb, beta, cP, ldc);
    const tP = heap.alloc(m * n * 4);
    if (tP < 0) return false;
    scratch.push(tP);
    if (!runGemmDirect(!tB, !tA, n, m, k, bP, ldb, aP, lda, 0, tP, m)) return false;
    ex.addTransposed(tP, m, n, cP, ldc, beta);
    return true;
  };

  const runGemmDirect = (
    tA: boolean, tB: boolean, m: number, n: number, k: number,
    aP: number, lda: number, bP: number, ldb: number, beta: 0 | 1, cP: number, ldc: number,
  ): boolean => {
    const ta = tA ? 1 : 0;
    const tb = tB ? 1 : 0;
    if (nWorkers === 0 || m * n * k < minParallelMacs) {
      ex.gemm(ta, tb, m, k, aP, lda, bP, ldb, beta, cP, ldc, 0, n, SCRATCH_BASE, 0, 0, skip, 0);
      return true;
    }
    // Chunks of C's columns all read all of op(A), chunks of its rows all of op(B): that operand is
    // packed once for every thread, by the job's leading chunks. Split the side whose shared
    // operand is the smaller (m·k < k·n ⇔ m < n), in register-block-aligned chunks.
    // Column mode (a zero-skipping kernel for C = Aᵀ·B) goes by columns whatever the shape.
    const cols = tA && !tB && ex.gemmColMode(ta, tb, m, n, k, bP, ldb, beta, skip) !== 0;
    const byCols = n >= m || cols;
    const pre = heap.alloc(byCols ? ex.packedABytes(m, k) : ex.packedBBytes(n, k));
    if (pre < 0) return false;
    scratch.push(pre);
    const mode = cols ? PACK_COLS : byCols ? ex.prepackModeA(ta, m, n, k, aP, lda, skip) : ex.prepackModeB(tb, m, n, k, bP, ldb, skip);
    // Column mode's leading chunks only flag a NaN or ±∞ in A, in the i32 at pre.
    if (cols) f32[pre >> 2] = 0;
    const panels = byCols ? Math.ceil(m / MR) : Math.ceil(n / NR);
    const lead = Math.min(panels, PACK_CHUNKS_PER_THREAD * (nWorkers + 1));
    const packLen = Math.ceil(panels / lead);
    // Row lists go by strips of columns: a chunk ending mid-strip would compute the whole strip.
    share(JOB_GEMM, byCols ? n : m, byCols ? (mode === PACK_ROWS ? STRIP : NR) : MR, () => {
      ctl.set([ta, tb, m, n, k, aP, lda, bP, ldb, beta, cP, ldc, pre, skip, byCols ? 1 : 0, packLen, mode, panels], JOB + 6);
    }, Math.ceil(panels / packLen));
    return true;
  };

  const gemm: Backend['gemm'] = (transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc) => {
    const fallback = (): void => base.gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    if (!(a instanceof Float32Array && b instanceof Float32Array && c instanceof Float32Array) || k === 0 || m * n * k < minWasmMacs) {
      fallback();
      return;
    }
    // The kernel reads wasm memory wherever the spans point: a span past its array is an error (as native's).
    checkGemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
    if (m === 0 || n === 0) return;
    withScratch(() => {
      // Spans of the operands as stored (row-major, with their leading dimensions).
      const aP = addr(a, aOff, ((transA ? k : m) - 1) * lda + (transA ? m : k), true);
      const bP = addr(b, bOff, ((transB ? n : k) - 1) * ldb + (transB ? k : n), true);
      const cP = addr(c, cOff, (m - 1) * ldc + n, beta === 1);
      if (aP < 0 || bP < 0 || cP < 0 || !runGemm(transA, transB, m, n, k, aP, lda, bP, ldb, beta, cP, ldc)) return false;
      // Row by row when C has gaps: the kernel wrote only the m×n block, and the gaps were not copied in.
      if (ldc === n) storeBack(c, cOff, cP, m * n);
      else for (let i = 0; i < m; i++) storeBack(c, cOff + i * ldc, cP + i * ldc * 4, n);
      return true;
    }, fallback);
  };

  const binary: Backend['binary'] = (op, a, aShape, b, bShape, out, outShape) => {
    const fallback = (): void => base.binary(op, a, aShape, b, bShape, out, outShape);
    const code = BINARY_CODES[op];
    const n = out.length;
    if (code === undefined || n < minWasmElements || n === 0
      || !(a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array)) {
      fallback();
      return;
    }
    const mb = matrixBroadcast([aShape, bShape], outShape);
    if (!mb) {
      fallback();
      return;
    }
    const [sa, sb] = mb.sides as [[boolean, boolean], [boolean, boolean]];
    withScratch(() => {
      const aP = addr(a, 0, a.length, true);
      const bP = addr(b, 0, b.length, true);
      const oP = addr(out, 0, n, false);
      if (aP < 0 || bP < 0 || oP < 0) return false;
      ex.binaryF32(code, aP, +sa[0], +sa[1], bP, +sb[0], +sb[1], oP, mb.m, mb.n);
      storeBack(out, 0, oP, n);
      return true;
    }, fallback);
  };

  const where: Backend['where'] = (cond, cShape, a, aShape, b, bShape, out, outShape) => {
    const fallback = (): void => base.where(cond, cShape, a, aShape, b, bShape, out, outShape);
    const n = out.length;
    if (n < minWasmElements || n === 0
      || !(cond instanceof Float32Array && a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array)) {
      fallback();
      return;
    }
    const mb = matrixBroadcast([cShape, aShape, bShape], outShape);
    if (!mb) {
      fallback();
      return;
    }
    const [sc, sa, sb] = mb.sides as [[boolean, boolean], [boolean, boolean], [boolean, boolean]];
    withScratch(() => {
      const cP = addr(cond, 0, cond.length, true);
      const aP = addr(a, 0, a.length, true);
      const bP = addr(b, 0, b.length, true);
      const oP = addr(out, 0, n, false);
      if (cP < 0 || aP < 0 || bP < 0 || oP < 0) return false;
      ex.whereF32(cP, +sc[0], +sc[1], aP, +sa[0], +sa[1], bP, +sb[0], +sb[1], oP, mb.m, mb.n);
      storeBack(out, 0, oP, n);
      return true;
    }, fallback);
  };

  // One pass on the calling thread: a layer's output (51,200 floats for the reference VAE) takes µs.
  const biasActInplace: Backend['biasActInplace'] = (x, bias, m, n, act) => {
    const fallback = (): void => base.biasActInplace(x, bias, m, n, act);
    const len = m * n;
    if (len < minWasmElements || !(x instanceof Float32Array && bias instanceof Float32Array)) {
      fallback();
      return;
    }
    checkBiasAct(x, bias, m, n, act);
    withScratch(() => {
      const xP = addr(x, 0, len, true);
      const bP = addr(bias, 0, n, true);
      if (xP < 0 || bP < 0) return false;
      ex.biasActF32(xP, bP, m, n, BIAS_ACT_CODES[act]);
      storeBack(x, 0, xP, len);
      return true;
    }, fallback);
  };

  const unary: Backend['unary'] = (op, x, out, p0, p1) => {
    const fallback = (): void => base.unary(op, x, out, p0, p1);
    const code = op === 'powScalar' && p0 === 2 ? SQUARE : UNARY_CODES[op];
    if (code === undefined) {
      fallback();
      return;
    }
    const n = x.length;
    flatF32(n, [[x, 'in'], [out, 'out']], fallback, ([xP, oP]) => {
      if (!splits(code >= FIRST_COSTLY_UNARY ? n : n / STREAMING_FACTOR)) ex.unaryF32(code, xP!, oP!, n);
      else share(JOB_UNARY, n, ELEMENT_UNIT, () => ctl.set([code, xP!, oP!], JOB + 6));
    });
  };

  const reduce: Backend['reduce'] = (op, x, outer, n, inner, out) => {
    const fallback = (): void => base.reduce(op, x, outer, n, inner, out);
    if (op !== 'sum' || x.length < minWasmElements || !(x instanceof Float32Array && out instanceof Float32Array)) {
      fallback();
      return;
    }
    // The kernel reads wasm memory wherever the spans point: a span past its array is an error (as native's).
    checkReduce(x, outer, n, inner, out);
    withScratch(() => {
      const xP = addr(x, 0, outer * n * inner, true);
      const oP = addr(out, 0, outer * inner, false);
      if (xP < 0 || oP < 0) return false;
      const blocks = Math.ceil(n / SUM_BLOCK);
      if (outer === 1 && inner === 1 && n >= 2 * SUM_BLOCK && nWorkers > 0) {
        // A long full sum: its blocks' float64 sums on every thread, added here in block order
        // as sumF32 adds them, so the result is the same bit for bit.
        const sums = heap.alloc(blocks * 8);
        if (sums < 0) return false;
        scratch.push(sums);
        share(JOB_SUM, blocks, 1, () => ctl.set([xP, n, sums], JOB + 6));
        const partial = new Float64Array(memory.buffer, sums, blocks);
        let total = 0;
        for (let b = 0; b < blocks; b++) total += partial[b]!;
        f32[oP >>> 2] = total;
      } else {
        ex.sumF32(xP, outer, n, inner, oP);
      }
      storeBack(out, 0, oP, outer * inner);
      return true;
    }, fallback);
  };

  const bceLogits: Backend['bceLogits'] = (logits, target, out, sig) => {
    const n = logits.length;
    const arrays = [[logits, 'in'], [target, 'in'], [out, 'out'], [sig, 'out']] as const;
    flatF32(n, arrays, () => base.bceLogits(logits, target, out, sig), (ptrs) => {
      if (!splits(n)) ex.bceF32(ptrs[0]!, ptrs[1]!, ptrs[2]!, ptrs[3]!, n);
      else share(JOB_BCE, n, ELEMENT_UNIT, () => ctl.set(ptrs, JOB + 6));
    });
  };

  const allFinite = (x: FloatArray): boolean => {
    const n = x.length;
    if (n < minWasmElements || !(x instanceof Float32Array)) return base.allFinite(x);
    let finite = true;
    withScratch(() => {
      const xP = addr(x, 0, n, true);
      if (xP < 0) return false;
      if (splits(n)) {
        Atomics.store(ctl, FLAG, 0);
        share(JOB_FINITE, n, ELEMENT_UNIT, () => ctl.set([xP, CTRL + FLAG * 4], JOB + 6));
        finite = Atomics.load(ctl, FLAG) === 0;
      } else {
        finite = ex.nonFiniteF32(xP, n) === 0;
      }
      return true;
    }, () => {
      finite = base.allFinite(x);
    });
    return finite;
  };

  const bceLogitsGrad: Backend['bceLogitsGrad'] = (g, sig, target, cols, out) => {
    const fallback = (): void => base.bceLogitsGrad(g, sig, target, cols, out);
    const n = out.length;
    if (n < minWasmElements || !(g instanceof Float32Array && sig instanceof Float32Array && target instanceof Float32Array && out instanceof Float32Array)) {
      fallback();
      return;
    }
    const rows = checkBceLogitsGrad(g, sig, target, cols, out);
    withScratch(() => {
      const gP = addr(g, 0, rows, true);
      const sP = addr(sig, 0, n, true);
      const tP = addr(target, 0, n, true);
      const oP = addr(out, 0, n, false);
      if (gP < 0 || sP < 0 || tP < 0 || oP < 0) return false;
      if (splits(n)) share(JOB_BCE_GRAD, rows, 1, () => ctl.set([gP, sP, tP, oP, n, cols], JOB + 6));
      else ex.bceGradF32(gP, sP, tP, oP, n, cols);
      storeBack(out, 0, oP, n);
      return true;
    }, fallback);
  };

  const normalKl: Backend['normalKl'] = (locP, logScaleP, locQ, logScaleQ, out) => {
    checkLengths('normalKl', { out, locP, logScaleP, locQ, logScaleQ });
    const arrays = [[locP, 'in'], [logScaleP, 'in'], [locQ, 'in'], [logScaleQ, 'in'], [out, 'out']] as const;
    const n = out.length;
    flatF32(n, arrays, () => base.normalKl(locP, logScaleP, locQ, logScaleQ, out), (p) => {
      if (!shareSmall(n * FLOAT64_EXP_FACTOR)) ex.normalKlF32(p[0]!, p[1]!, p[2]!, p[3]!, p[4]!, n);
      else share(JOB_KL, n, ELEMENT_UNIT, () => ctl.set(p, JOB + 6));
    });
  };

  const normalKlGrad: Backend['normalKlGrad'] = (g, locP, logScaleP, locQ, logScaleQ, dLocP, dLogScaleP, dLocQ, dLogScaleQ) => {
    checkLengths('normalKlGrad', { g, locP, logScaleP, locQ, logScaleQ, dLocP, dLogScaleP, dLocQ, dLogScaleQ });
    const arrays = [
      [g, 'in'], [locP, 'in'], [logScaleP, 'in'], [locQ, 'in'], [logScaleQ, 'in'],
      [dLocP, 'out'], [dLogScaleP, 'out'], [dLocQ, 'out'], [dLogScaleQ, 'out'],
    ] as const;
    const fallback = (): void => base.normalKlGrad(g, locP, logScaleP, locQ, logScaleQ, dLocP, dLogScaleP, dLocQ, dLogScaleQ);
    const n = g.length;
    flatF32(n, arrays, fallback, (p) => {
      if (!shareSmall(n * FLOAT64_EXP_FACTOR)) ex.normalKlGradF32(p[0]!, p[1]!, p[2]!, p[3]!, p[4]!, p[5]!, p[6]!, p[7]!, p[8]!, n);
      else share(JOB_KL_GRAD, n, ELEMENT_UNIT, () => ctl.set(p, JOB + 6));
    });
  };

  const copyStrided: Backend['copyStrided'] = (src, srcOff, shape, strides, out) => {
    const fallback = (): void => base.copyStrided(src, srcOff, shape, strides, out);
    const n = out.length;
    // A broadcast scalar (every stride 0, e.g. the seed gradient of a sum) is a fill.
    if (shape.length > 0 && n > 0 && strides.every((st) => st === 0)) {
      out.fill(src[srcOff]!);
      return;
    }
    // Rows that are contiguous runs (a bias row broadcast over a batch, a slice of rows): in wasm,
    // since JS copies into shared memory go word by word.
    if (shape.length !== 2 || strides[1] !== 1 || strides[0]! < 0 || n < minWasmElements
      || !(src instanceof Float32Array && out instanceof Float32Array)) {
      fallback();
      return;
    }
    const [rows, cols] = shape as [number, number];
    const rowStride = strides[0]!;
    // The kernel reads wasm memory wherever the view points: a view past src is an error (as native's).
    checkView(src, srcOff, shape, strides, out);
    withScratch(() => {
      const sP = addr(src, srcOff, (rows - 1) * rowStride + cols, true);
      const oP = addr(out, 0, n, false);
      if (sP < 0 || oP < 0) return false;
      ex.copyRowsF32(sP, rowStride, rows, cols, oP);
      storeBack(out, 0, oP, n);
      return true;
    }, fallback);
  };

  // Only from a source already in wasm memory (a dataset loaded under this backend): copying a
  // foreign source in would cost more than the gather.
  const gather: Backend['gather'] = (x, outer, n, inner, idx, out) => {
    const r = idx.length;
    const total = outer * r * inner;
    if (!(x instanceof Float32Array && out instanceof Float32Array) || !own.has(x.buffer) || total < minWasmElements) {
      base.gather(x, outer, n, inner, idx, out);
      return;
    }
    checkRows('gather', outer, n, inner, idx, ['x', x], ['out', out]);
    withScratch(() => {
      const iP = heap.alloc(r * 4);
      if (iP < 0) return false;
      scratch.push(iP);
      new Int32Array(current, iP, r).set(idx);
      const oP = addr(out, 0, total, false);
      if (oP < 0) return false;
      if (outer === 1 && splits(total)) share(JOB_GATHER, r, 4, () => ctl.set([x.byteOffset, n, inner, iP, oP], JOB + 6));
      else ex.gatherF32(x.byteOffset, outer, n, inner, iP, r, oP);
      storeBack(out, 0, oP, total);
      return true;
    }, () => base.gather(x, outer, n, inner, idx, out));
  };

  const adamStep: Backend['adamStep'] = (p, g, m, v, lr, beta1, beta2, eps, bc1, bc2, weightDecay, decoupled) => {
    const n = p.length;
    const fallback = (): void => base.adamStep(p, g, m, v, lr, beta1, beta2, eps, bc1, bc2, weightDecay, decoupled);
    flatF32(n, [[p, 'inout'], [g, 'in'], [m, 'inout'], [v, 'inout']], fallback, (ptrs) => {
      // The JS kernel's float64 scalars (src/backend/js/optim.ts); assembly/elementwise.ts folds them further.
      const k = [
        lr / bc1, Math.sqrt(bc2), decoupled ? 1 - lr * weightDecay : 1, decoupled ? 0 : weightDecay,
        beta1, 1 - beta1, beta2, 1 - beta2, eps,
      ] as const;
      if (!shareSmall(n * ADAM_FACTOR)) ex.adamF32(ptrs[0]!, ptrs[1]!, ptrs[2]!, ptrs[3]!, n, ...k);
      else {
        share(JOB_ADAM, n, ELEMENT_UNIT, () => {
          ctl.set(ptrs, JOB + 6);
          ctl64.set(k, (JOB + 10) >> 1); // byte 40 of the job: f64-aligned
        });
      }
    });
  };

  const dispose = (): void => {
    if (workers.length === 0) return;
    Atomics.store(ctl, QUIT, 1);
    Atomics.add(ctl, SEQ, 1);
    Atomics.notify(ctl, SEQ);
    for (const w of workers) w.terminate();
    workers.length = 0;
    nWorkers = 0;
  };

  const threads = nWorkers + 1;
  const info: WasmInfo = {
    relaxedSimd: relaxed, threads, ownBuffers, ...(reason === undefined ? {} : { reason }),
  };
  return {
    ...base,
    name: `wasm-${relaxed ? 'relaxed-simd' : 'simd'}${threads > 1 ? `-t${threads}` : ''}+${base.name}`,
    ...(ownBuffers ? { allocate } : {}),
    gemm,
    biasActInplace,
    binary,
    where,
    unary,
    reduce,
    copyStrided,
    gather,
    adamStep,
    bceLogits,
    bceLogitsGrad,
    allFinite,
    normalKl,
    normalKlGrad,
    wasm: info,
    heapBytes: () => heap.usedBytes,
    dispose,
  };
}
