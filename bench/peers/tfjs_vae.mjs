// TensorFlow.js 4.22 (wasm backend) peer for `npm run bench:peers`: the reference MNIST VAE, trained with
// tf.train.adam. `--mode plain` uses tf.matMul's own gradient (transposed-arg matmuls, slow on wasm);
// `--mode explicit` (default) routes dense layers through tf.customGrad with materialized transposes.
import * as tf from "@tensorflow/tfjs";
import { getThreadsCount, setThreadsCount, setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import {
  DEFAULT_MNIST_DIR, LAYERS, gatherRows, gflopsOf, loadImages, makeRng, median, parseArgs, peakRssMb,
  permutation, round, torchLinearInit,
} from "./common.mjs";

const args = parseArgs(process.argv.slice(2), {
  epochs: 3, maxBatches: 0, mode: "explicit", threads: 0, seed: 0, batch: 128, peer: "tfjs-wasm", mnist: DEFAULT_MNIST_DIR,
});
if (args.mode !== "plain" && args.mode !== "explicit") throw new Error(`tfjs_vae: --mode must be plain|explicit, got ${args.mode}`);

const require = createRequire(import.meta.url);
setWasmPaths(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm")) + "/");
if (args.threads > 0) setThreadsCount(args.threads);
if (!(await tf.setBackend("wasm"))) throw new Error("tfjs_vae: wasm backend failed to initialise");
await tf.ready();

/**
 * y = x·W + b whose backward materializes Wᵀ and xᵀ so every matmul is untransposed (NN).
 * customGrad evaluates every returned gradient, so the data layer gets a variant without dx
 * (tf.matMul's own gradient skips it lazily; this keeps the two modes doing the same work).
 */
const makeDenseExplicit = (wantInputGrad) =>
  tf.customGrad((x, W, b, save) => {
    save([x, W]);
    return {
      value: tf.add(tf.matMul(x, W), b),
      gradFunc: (dy, [xs, Ws]) => [
        wantInputGrad ? tf.matMul(dy, tf.transpose(Ws)) : tf.zerosLike(xs),
        tf.matMul(tf.transpose(xs), dy),
        tf.sum(dy, 0),
      ],
    };
  });
const denseExplicit = makeDenseExplicit(true);
const denseExplicitData = makeDenseExplicit(false);
const densePlain = (x, W, b) => tf.add(tf.matMul(x, W), b);
const dense = args.mode === "explicit" ? denseExplicit : densePlain;
const denseData = args.mode === "explicit" ? denseExplicitData : densePlain;

const rng = makeRng(args.seed);
const params = {};
for (const [name, fanIn, fanOut] of LAYERS) {
  const { W, b } = torchLinearInit(fanIn, fanOut, rng);
  params[name] = { W: tf.variable(tf.tensor2d(W, [fanIn, fanOut]), true, `${name}_W`), b: tf.variable(tf.tensor1d(b), true, `${name}_b`) };
}
const varList = Object.values(params).flatMap((p) => [p.W, p.b]);

let noiseSeed = args.seed * 1_000_003;
/** Negative ELBO per sample: Σ BCE-with-logits + ½Σ(σ²+μ²−1−log σ²), divided by the batch size. */
function loss(x) {
  const h = tf.relu(denseData(x, params.enc.W, params.enc.b));
  const mu = dense(h, params.mu.W, params.mu.b);
  const logvar = dense(h, params.logvar.W, params.logvar.b);
  const eps = tf.randomNormal(mu.shape, 0, 1, "float32", noiseSeed++);
  const z = tf.add(mu, tf.mul(tf.exp(tf.mul(logvar, 0.5)), eps));
  const logits = dense(tf.relu(dense(z, params.dec.W, params.dec.b)), params.out.W, params.out.b);
  // NOTE: stable BCE-with-logits: max(l,0) − l·x + log1p(exp(−|l|)).
  const bce = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, x)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
  const kl = tf.mul(tf.sub(tf.sub(tf.add(tf.exp(logvar), tf.square(mu)), 1), logvar), 0.5);
  return tf.div(tf.add(tf.sum(bce), tf.sum(kl)), x.shape[0]);
}

const train = loadImages(args.mnist, "train");
const test = loadImages(args.mnist, "t10k");
const opt = tf.train.adam(1e-3, 0.9, 0.999, 1e-8);

const epochS = [];
for (let e = 0; e < args.epochs; e++) {
  const t0 = performance.now();
  const perm = permutation(train.n, rng);
  for (let b = 0, start = 0; start < train.n; b++, start += args.batch) {
    if (args.maxBatches && b >= args.maxBatches) break;
    const bs = Math.min(args.batch, train.n - start);
    tf.tidy(() => {
      const x = tf.tensor2d(gatherRows(train.data, train.d, perm, start, bs), [bs, train.d]);
      opt.minimize(() => loss(x), false, varList);
    });
  }
  params.out.b.dataSync();
  epochS.push(round((performance.now() - t0) / 1000));
}

let total = 0;
for (let start = 0; start < test.n; start += 1000) {
  const bs = Math.min(1000, test.n - start);
  total += tf.tidy(() => loss(tf.tensor2d(test.data.subarray(start * test.d, (start + bs) * test.d), [bs, test.d])).dataSync()[0]) * bs;
}

const [m, k, n] = [128, 784, 400];
const flops = 2 * m * k * n;
const X = tf.randomNormal([m, k], 0, 1, "float32", 1);
const W = tf.randomNormal([k, n], 0, 1, "float32", 2);
const GY = tf.randomNormal([m, n], 0, 1, "float32", 3);
// NOTE: wasm kernels run synchronously inside the call; dataSync() of a 784×400 result costs ~100 ms
// in tfjs 4.22 (more than the matmul), so the timed body only computes and disposes.
const timed = (f) => () => tf.tidy(() => {
  f();
});
const gflops = {
  nn: gflopsOf(timed(() => tf.matMul(X, W)), flops),
  nt: gflopsOf(timed(() => tf.matMul(GY, W, false, true)), flops),
  tn: gflopsOf(timed(() => tf.matMul(X, GY, true, false)), flops),
};
const gflopsMaterialized = {
  nt: gflopsOf(timed(() => tf.matMul(GY, tf.transpose(W))), flops),
  tn: gflopsOf(timed(() => tf.matMul(tf.transpose(X), GY)), flops),
};

console.log(JSON.stringify({
  peer: args.peer,
  epoch_s: epochS,
  epoch_s_median: round(median(epochS)),
  test_loss: round(total / test.n),
  gflops,
  peak_rss_mb: peakRssMb(),
  config: {
    tfjs: tf.version.tfjs,
    backend: tf.getBackend(),
    mode: args.mode === "explicit" ? "explicit-transpose (tf.customGrad)" : "plain",
    wasm_threads: getThreadsCount(),
    wasm_simd: await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"),
    wasm_multithread: await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT"),
    gflops_materialized_transpose: gflopsMaterialized,
    epochs: args.epochs,
    max_batches: args.maxBatches || null,
    node: process.version,
  },
}));
