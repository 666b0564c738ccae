// jax-js 0.1.25 (wasm device) peer for `npm run bench:peers`: the reference MNIST VAE with the whole train
// step (loss, valueAndGrad, hand-written Adam over the param tree) under one `jit`. Prints one JSON line.
// NOTE (Node 20): jax-js probes `Float16Array`, absent before Node 22; a stub class keeps `instanceof` safe.
if (typeof globalThis.Float16Array === "undefined") globalThis.Float16Array = class Float16Array {};

const { defaultDevice, init, jit, nn, numpy: np, random, tree, valueAndGrad } = await import("@jax-js/jax");
const {
  DEFAULT_MNIST_DIR, LAYERS, gatherRows, gflopsOfAsync, loadImages, makeRng, median, parseArgs, peakRssMb,
  permutation, round, torchLinearInit,
} = await import("./common.mjs");

const args = parseArgs(process.argv.slice(2), {
  epochs: 3, maxBatches: 0, seed: 0, batch: 128, peer: "jaxjs", mnist: DEFAULT_MNIST_DIR, syncEvery: 16,
});

// NOTE: bare init() also probes webgpu/webgl and touches `navigator`, which Node 20 lacks.
const devices = await init("wasm");
if (!devices.includes("wasm")) throw new Error(`jaxjs_vae: wasm device unavailable (got ${devices.join(",")})`);
defaultDevice("wasm");

const [B1, B2, EPS, LR] = [0.9, 0.999, 1e-8, 1e-3];
const dense = (x, p) => np.matmul(x, p.W).add(p.b);

/**
 * Negative ELBO per sample; consumes all of its arguments (jax-js ownership rules).
 * Σ BCE-with-logits = Σ softplus(l) − l·x; KL = ½Σ(σ²+μ²−1−log σ²).
 */
function lossFn(params, x, key) {
  const batch = x.shape[0];
  const h = nn.relu(dense(x.ref, params.enc));
  const mu = dense(h.ref, params.mu);
  const logvar = dense(h, params.logvar);
  const eps = random.normal(key, mu.shape);
  const z = mu.ref.add(np.exp(logvar.ref.mul(0.5)).mul(eps));
  const logits = dense(nn.relu(dense(z, params.dec)), params.out);
  const rec = nn.softplus(logits.ref).sub(logits.mul(x)).sum();
  const kl = np.exp(logvar.ref).add(np.square(mu)).sub(1).sub(logvar).sum().mul(0.5);
  return rec.add(kl).div(batch);
}

/** One Adam step (PyTorch form): p −= α·m / (√v·c₂ + ε), α = lr/(1−β₁ᵗ), c₂ = 1/√(1−β₂ᵗ). */
const trainStep = jit((params, m, v, x, key, alpha, c2) => {
  const [loss, g] = valueAndGrad(lossFn)(tree.ref(params), x, key);
  const m2 = tree.map((mi, gi) => mi.mul(B1).add(gi.mul(1 - B1)), m, tree.ref(g));
  const v2 = tree.map((vi, gi) => vi.mul(B2).add(np.square(gi).mul(1 - B2)), v, g);
  const p2 = tree.map(
    (p, mi, vi) => p.sub(mi.mul(alpha.ref).div(np.sqrt(vi).mul(c2.ref).add(EPS))),
    params, tree.ref(m2), tree.ref(v2),
  );
  alpha.dispose();
  c2.dispose();
  return [p2, m2, v2, loss];
});
const evalLoss = jit((params, x, key) => lossFn(params, x, key));

const rng = makeRng(args.seed);
let params = {};
for (const [name, fanIn, fanOut] of LAYERS) {
  const { W, b } = torchLinearInit(fanIn, fanOut, rng);
  params[name] = { W: np.array(W, { shape: [fanIn, fanOut] }), b: np.array(b, { shape: [fanOut] }) };
}
let m = tree.map((p) => np.zerosLike(p), tree.ref(params));
let v = tree.map((p) => np.zerosLike(p), tree.ref(params));

const train = loadImages(args.mnist, "train");
const test = loadImages(args.mnist, "t10k");

const epochS = [];
let t = 0;
let keyCounter = args.seed * 1_000_003;
for (let e = 0; e < args.epochs; e++) {
  const t0 = performance.now();
  const perm = permutation(train.n, rng);
  for (let b = 0, start = 0; start < train.n; b++, start += args.batch) {
    if (args.maxBatches && b >= args.maxBatches) break;
    const bs = Math.min(args.batch, train.n - start);
    const x = np.array(gatherRows(train.data, train.d, perm, start, bs), { shape: [bs, train.d] });
    t++;
    const alpha = np.array(LR / (1 - B1 ** t));
    const c2 = np.array(1 / Math.sqrt(1 - B2 ** t));
    // Fresh keys from a counter, not random.split: no per-step split buffers to track.
    let loss;
    [params, m, v, loss] = trainStep(params, m, v, x, random.key(keyCounter++), alpha, c2);
    // NOTE: dataSync() consumes its reference, like any jax-js call.
    if (t % args.syncEvery === 0) loss.dataSync();
    else loss.dispose();
  }
  params.out.b.ref.dataSync();
  epochS.push(round((performance.now() - t0) / 1000));
}

let total = 0;
for (let start = 0; start < test.n; start += 1000) {
  const bs = Math.min(1000, test.n - start);
  const x = np.array(test.data.slice(start * test.d, (start + bs) * test.d), { shape: [bs, test.d] });
  total += evalLoss(tree.ref(params), x, random.key(keyCounter++)).item() * bs;
}

const [M, K, N] = [128, 784, 400];
const flops = 2 * M * K * N;
const X = random.normal(random.key(1), [M, K]);
const W = random.normal(random.key(2), [K, N]);
const GY = random.normal(random.key(3), [M, N]);
const mmNN = jit((a, b) => np.matmul(a, b));
const mmNT = jit((a, b) => np.matmul(a, b.transpose()));
const mmTN = jit((a, b) => np.matmul(a.transpose(), b));
// blockUntilReady rather than dataSync: reading a 784×400 result back would be timed as well.
const run = (f, a, b) => async () => {
  const y = f(a.ref, b.ref);
  await y.blockUntilReady();
  y.dispose();
};
const gflops = {
  nn: await gflopsOfAsync(run(mmNN, X, W), flops),
  nt: await gflopsOfAsync(run(mmNT, GY, W), flops),
  tn: await gflopsOfAsync(run(mmTN, X, GY), flops),
};

console.log(JSON.stringify({
  peer: args.peer,
  epoch_s: epochS,
  epoch_s_median: round(median(epochS)),
  test_loss: round(total / test.n),
  gflops,
  peak_rss_mb: peakRssMb(),
  config: {
    jaxjs: "0.1.25",
    device: defaultDevice(),
    jit: "whole train step (valueAndGrad + Adam)",
    shared_array_buffer: typeof SharedArrayBuffer !== "undefined",
    epochs: args.epochs,
    max_batches: args.maxBatches || null,
    node: process.version,
  },
}));
