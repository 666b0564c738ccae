// The kernel interface: plain loops over flat typed arrays with explicit
// shapes, offsets and leading dimensions. Kernels never see autodiff, so a
// faster backend (native, WebAssembly) replaces entries of this table only.

export type FloatArray = Float32Array | Float64Array;

export type UnaryKernel =
  | 'neg' | 'exp' | 'log' | 'log1p' | 'expm1' | 'sqrt' | 'abs' | 'square' | 'sign'
  | 'reciprocal' | 'sigmoid' | 'tanh' | 'relu' | 'softplus' | 'step'
  | 'powScalar' | 'clamp' | 'leakyRelu' | 'elu';

export type BinaryKernel =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum'
  | 'gt' | 'ge' | 'lt' | 'le' | 'eq';

export type ReduceKernel = 'sum' | 'max' | 'min';

/** The activations a dense layer's epilogue applies (biasActInplace). */
export type BiasAct = 'identity' | 'relu' | 'sigmoid';

/** One GEMM's arguments, as Backend.gemm takes them. */
export interface GemmCall {
  readonly transA: boolean;
  readonly transB: boolean;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly a: FloatArray;
  readonly aOff: number;
  readonly lda: number;
  readonly b: FloatArray;
  readonly bOff: number;
  readonly ldb: number;
  readonly beta: 0 | 1;
  readonly c: FloatArray;
  readonly cOff: number;
  readonly ldc: number;
}

/** A call's arguments in gemm's order. */
export function gemmArgs(g: GemmCall): Parameters<Backend['gemm']> {
  return [g.transA, g.transB, g.m, g.n, g.k, g.a, g.aOff, g.lda, g.b, g.bOff, g.ldb, g.beta, g.c, g.cOff, g.ldc];
}

export interface Backend {
  readonly name: string;

  /**
   * Optional source of fresh tensor buffers (contents arbitrary). A backend whose kernels run in
   * their own memory (WebAssembly) returns views of it, so its kernels read and write in place;
   * null where an ordinary typed array serves as well (the buffer pool then makes one).
   */
  allocate?(f64: boolean, n: number): FloatArray | null;

  /**
   * Row-major GEMM: C = op(A)·op(B) + beta·C, with op(A) of size m×k and op(B) k×n.
   * A is stored m×k (row stride lda) or, when transA, k×m (row stride lda); likewise B.
   * Transposes are flags so backward passes never materialize a transposed copy.
   */
  gemm(
    transA: boolean, transB: boolean, m: number, n: number, k: number,
    a: FloatArray, aOff: number, lda: number,
    b: FloatArray, bOff: number, ldb: number,
    beta: 0 | 1, c: FloatArray, cOff: number, ldc: number,
  ): void;

  /**
   * Optional: two independent GEMMs (neither C overlaps the other call's operands or C) with the
   * results of two gemm calls, for a backend that runs them better at once than one after the other
   * (native on two threads: one each). A dense layer's input and weight gradients come this way;
   * without it they are two gemm calls. With deferSecond the backend may return before the second
   * is done (native: a weight gradient finishes on the worker thread while the backward pass goes
   * on): its C is then complete for every kernel of this backend, and for JS after sync(); its A
   * and B must not be written before sync().
   */
  gemmPair?(first: GemmCall, second: GemmCall, deferSecond?: boolean): void;

  /** Optional: wait for work a call left running (gemmPair's deferSecond); whether there was some. */
  sync?(): boolean;

  /**
   * x[i, j] = act(x[i, j] + bias[j]) in place for the contiguous m×n matrix x: a dense layer's
   * bias and activation in one pass over the GEMM's output, as unary's relu and sigmoid compute them.
   */
  biasActInplace(x: FloatArray, bias: FloatArray, m: number, n: number, act: BiasAct): void;

  /** out[i] = f(x[i]; p0, p1) for contiguous arrays of equal length. */
  unary(op: UnaryKernel, x: FloatArray, out: FloatArray, p0: number, p1: number): void;

  /** out = a ∘ b with NumPy broadcasting; shapes are right-aligned to outShape already (same rank). */
  binary(
    op: BinaryKernel,
    a: FloatArray, aShape: readonly number[],
    b: FloatArray, bShape: readonly number[],
    out: FloatArray, outShape: readonly number[],
  ): void;

  /** Reduce the middle axis of a contiguous [outer, n, inner] array into [outer, inner]. */
  reduce(op: ReduceKernel, x: FloatArray, outer: number, n: number, inner: number, out: FloatArray): void;

  /** out = cond ? a : b elementwise, all broadcast to outShape (same rank). */
  where(
    cond: FloatArray, cShape: readonly number[],
    a: FloatArray, aShape: readonly number[],
    b: FloatArray, bShape: readonly number[],
    out: FloatArray, outShape: readonly number[],
  ): void;

  /** Gather a strided view into a contiguous array (transpose, permute, slice, expand). */
  copyStrided(
    src: FloatArray, srcOff: number, shape: readonly number[], strides: readonly number[], out: FloatArray,
  ): void;

  /**
   * In-place lower Cholesky factor of the n×n SPD matrix at a[off..]; upper triangle zeroed.
   * Returns -1 on success, else the 0-based pivot that was not positive; that
   * pivot's value is then left at a[pivot][pivot] (the rest of a is undefined).
   */
  cholesky(n: number, a: FloatArray, off: number): number;

  /**
   * Solve op(T)·X = B in place in B (n×m, row-major), T n×n triangular.
   * lower: T is lower-triangular; trans: use Tᵀ; unit: diagonal taken as 1.
   */
  trsm(
    lower: boolean, trans: boolean, unit: boolean, n: number, m: number,
    t: FloatArray, tOff: number, b: FloatArray, bOff: number,
  ): void;

  /**
   * In-place LU with partial pivoting of the n×n matrix at a[off..] (PA = LU, unit L).
   * Writes the row permutation into perm and returns its sign (+1/-1), or 0 when singular.
   */
  lu(n: number, a: FloatArray, off: number, perm: Int32Array): number;

  /**
   * One Adam/AdamW update in place (PyTorch's rule): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g²,
   * p ← p − (lr/bc1)·m / (√v/√bc2 + eps). weightDecay is added to g (Adam, L2) or,
   * when decoupled (AdamW), applied as p ← p(1 − lr·wd) first.
   */
  adamStep(
    p: FloatArray, g: FloatArray, m: FloatArray, v: FloatArray,
    lr: number, beta1: number, beta2: number, eps: number, bc1: number, bc2: number,
    weightDecay: number, decoupled: boolean,
  ): void;

  /**
   * Fused binary cross-entropy from logits ℓ and targets y (equal lengths):
   * out = softplus(ℓ) − ℓ·y, and sig = σ(ℓ) for the backward pass, from one exp per element.
   */
  bceLogits(logits: FloatArray, target: FloatArray, out: FloatArray, sig: FloatArray): void;

  /**
   * Its backward: out[i] = g[⌊i/cols⌋]·(sig[i] − target[i]), the gradient with respect to the
   * logits of BCE elementwise (cols = 1) or summed over rows of cols (g has one entry per row).
   */
  bceLogitsGrad(g: FloatArray, sig: FloatArray, target: FloatArray, cols: number, out: FloatArray): void;

  /**
   * Elementwise KL(N(μp, σp²) ‖ N(μq, σq²)) from locations and log-scales (equal lengths):
   * out = ½(eʳ − r − 1) + ½(μp − μq)²·e^(−2 log σq), with r = 2(log σp − log σq).
   */
  normalKl(locP: FloatArray, logScaleP: FloatArray, locQ: FloatArray, logScaleQ: FloatArray, out: FloatArray): void;

  /** The four partials of normalKl scaled by the upstream gradient g, in one pass. */
  normalKlGrad(
    g: FloatArray, locP: FloatArray, logScaleP: FloatArray, locQ: FloatArray, logScaleQ: FloatArray,
    dLocP: FloatArray, dLogScaleP: FloatArray, dLocQ: FloatArray, dLogScaleQ: FloatArray,
  ): void;

  /** Whether no element of x is NaN or ±∞ (the trainer's check of every gradient). */
  allFinite(x: FloatArray): boolean;

  /** out[o, r, i] = x[o, idx[r], i] for contiguous x of shape [outer, n, inner]. */
  gather(x: FloatArray, outer: number, n: number, inner: number, idx: Int32Array, out: FloatArray): void;

  /** out[o, idx[r], i] += g[o, r, i]; out has shape [outer, n, inner] (the adjoint of gather). */
  scatterAdd(g: FloatArray, outer: number, n: number, inner: number, idx: Int32Array, out: FloatArray): void;
}
