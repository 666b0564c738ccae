// Principal component analysis in float64: block subspace iteration on the
// smaller Gram matrix (YᵀY or YYᵀ, never formed when large) with Rayleigh–Ritz
// through a cyclic Jacobi eigen-solver. Used to initialise and check the linear GPLVM.
import { Tensor } from '../tensor/tensor.js';
import { fmtShape } from '../tensor/shape.js';

export interface PcaOptions {
  /** Subtract the column means first (default true). */
  center?: boolean;
  /** Stop when every Ritz pair has ‖Cv − λv‖ ≤ tol·λ₁ (default 1e-10). */
  tol?: number;
  /** Cap on subspace iterations (default 2000). */
  maxIter?: number;
}

export interface PcaResult {
  /** q×D principal axes (unit rows), by decreasing variance. */
  components: Tensor;
  /** q variances along the axes, σⱼ²/(N−1) (σ the singular values of the centred data). */
  explainedVariance: Tensor;
  /** q singular values σⱼ of the centred N×D data. */
  singularValues: Tensor;
  /** N×q projections of the centred data onto the axes (= U_q·diag(σ)). */
  scores: Tensor;
  /** D column means that were subtracted (zeros when center is false). */
  mean: Tensor;
  /** Subspace iterations used (1 when the block spans the whole space). */
  iterations: number;
}

/**
 * Eigen-decomposition of a symmetric n×n matrix (row-major, float64) by cyclic
 * Jacobi rotations. Returns eigenvalues in decreasing order and the matching
 * eigenvectors as columns of V (n×n row-major). Meant for small n (≲ 100).
 */
export function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  if (a.length !== n * n) throw new Error(`symmetricEigen: expected ${n}×${n} = ${n * n} values, got ${a.length}`);
  const A = Float64Array.from(a);
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale += A[i]! * A[i]!;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += A[p * n + q]! ** 2;
    if (off <= 1e-30 * scale || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q]!;
        if (apq === 0) continue;
        // Golub & Van Loan §8.5.2: t = sign(θ)/(|θ| + √(θ²+1)), θ = (a_qq − a_pp)/(2a_pq).
        const theta = (A[q * n + q]! - A[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p]!;
          const akq = A[k * n + q]!;
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k]!;
          const aqk = A[q * n + k]!;
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p]!;
          const vkq = V[k * n + q]!;
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => A[j * n + j]! - A[i * n + i]!);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = A[src * n + src]!;
    for (let k = 0; k < n; k++) vectors[k * n + dst] = V[k * n + src]!;
  });
  return { values, vectors };
}

/** Orthonormalise the k columns of the m×k row-major matrix in place (modified Gram–Schmidt, twice). */
function orthonormalizeColumns(B: Float64Array, m: number, k: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < k; j++) {
      for (let p = 0; p < j; p++) {
        let dot = 0;
        for (let r = 0; r < m; r++) dot += B[r * k + j]! * B[r * k + p]!;
        for (let r = 0; r < m; r++) B[r * k + j]! -= dot * B[r * k + p]!;
      }
      let norm = 0;
      for (let r = 0; r < m; r++) norm += B[r * k + j]! ** 2;
      norm = Math.sqrt(norm);
      // NOTE: a column that collapsed (rank-deficient data) is replaced by a fixed basis vector, then re-orthogonalised next pass.
      if (norm < 1e-300) {
        for (let r = 0; r < m; r++) B[r * k + j] = r === j % m ? 1 : 0;
      } else {
        for (let r = 0; r < m; r++) B[r * k + j]! /= norm;
      }
    }
  }
}

/**
 * Top-q principal components of the rows of Y (N×D). The Gram operator is
 * C = ỸᵀỸ (D ≤ N) or C = ỸỸᵀ (N < D), applied as two products with Ỹ; its
 * top eigenpairs are found by subspace iteration with a block of q + 8
 * vectors, exact (one iteration) when the block spans the space.
 */
export function pca(Y: Tensor, q: number, opts: PcaOptions = {}): PcaResult {
  if (Y.rank !== 2) throw new Error(`pca: expected an N×D matrix, got shape ${fmtShape(Y.shape)}`);
  const [N, D] = [Y.shape[0]!, Y.shape[1]!];
  if (N < 1 || D < 1) throw new Error(`pca: data must have at least one row and one column, got ${fmtShape(Y.shape)}`);
  const rank = Math.min(N, D);
  if (!Number.isInteger(q) || q < 1 || q > rank) {
    throw new Error(`pca: number of components must be an integer in [1, min(N, D) = ${rank}] for data ${fmtShape(Y.shape)}, got ${q}`);
  }
  const tol = opts.tol ?? 1e-10;
  const maxIter = opts.maxIter ?? 2000;
  const src = Y.contiguousData();
  const X = new Float64Array(N * D);
  const mean = new Float64Array(D);
  for (let i = 0; i < N * D; i++) {
    const v = src[i]!;
    if (!Number.isFinite(v)) throw new Error(`pca: data has a non-finite value ${v} at row ${Math.floor(i / D)}, column ${i % D}`);
    X[i] = v;
  }
  if (opts.center ?? true) {
    for (let i = 0; i < N; i++) for (let j = 0; j < D; j++) mean[j]! += X[i * D + j]! / N;
    for (let i = 0; i < N; i++) for (let j = 0; j < D; j++) X[i * D + j]! -= mean[j]!;
  }

  // Work in the smaller space: m = min(N, D); C v = Xᵀ(X v) or X(Xᵀ v).
  const primal = D <= N;
  const m = primal ? D : N;
  const other = primal ? N : D;
  const k = Math.min(m, q + 8);
  const tmp = new Float64Array(other * k);
  const applyC = (V: Float64Array, out: Float64Array): void => {
    tmp.fill(0);
    out.fill(0);
    // tmp (other×k) = Xᵀ-or-X applied to V, then out (m×k) = back.
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < D; j++) {
        const x = X[i * D + j]!;
        if (x === 0) continue;
        const [vi, ti] = primal ? [j, i] : [i, j];
        for (let c = 0; c < k; c++) tmp[ti * k + c]! += x * V[vi * k + c]!;
      }
    }
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < D; j++) {
        const x = X[i * D + j]!;
        if (x === 0) continue;
        const [vi, ti] = primal ? [j, i] : [i, j];
        for (let c = 0; c < k; c++) out[vi * k + c]! += x * tmp[ti * k + c]!;
      }
    }
  };

  // Deterministic start: a fixed pseudo-random block (no Rng needed, results reproducible).
  let V: Float64Array = new Float64Array(m * k);
  for (let i = 0; i < V.length; i++) V[i] = Math.sin(12.9898 * (i + 1)) * 43758.5453 % 1;
  orthonormalizeColumns(V, m, k);
  const W = new Float64Array(m * k);
  const H = new Float64Array(k * k);
  let values: Float64Array = new Float64Array(k);
  let iterations = 0;
  for (;;) {
    iterations++;
    applyC(V, W);
    // Rayleigh–Ritz: H = VᵀCV, H = SΘSᵀ, V ← VS (and CV ← WS).
    H.fill(0);
    for (let r = 0; r < m; r++) for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) H[a * k + b]! += V[r * k + a]! * W[r * k + b]!;
    for (let a = 0; a < k; a++) for (let b = a + 1; b < k; b++) H[a * k + b] = H[b * k + a] = 0.5 * (H[a * k + b]! + H[b * k + a]!);
    const eig = symmetricEigen(H, k);
    values = eig.values;
    const S = eig.vectors;
    const Vn = new Float64Array(m * k);
    const Wn = new Float64Array(m * k);
    for (let r = 0; r < m; r++) {
      for (let c = 0; c < k; c++) {
        let sv = 0;
        let sw = 0;
        for (let a = 0; a < k; a++) {
          sv += V[r * k + a]! * S[a * k + c]!;
          sw += W[r * k + a]! * S[a * k + c]!;
        }
        Vn[r * k + c] = sv;
        Wn[r * k + c] = sw;
      }
    }
    V = Vn;
    let worst = 0;
    for (let c = 0; c < q; c++) {
      let res = 0;
      for (let r = 0; r < m; r++) res += (Wn[r * k + c]! - values[c]! * V[r * k + c]!) ** 2;
      worst = Math.max(worst, Math.sqrt(res));
    }
    const top = Math.max(values[0]!, 0);
    if (k === m || worst <= tol * top || top === 0 || iterations >= maxIter) break;
    V.set(Wn);
    orthonormalizeColumns(V, m, k);
  }

  // Axes (D-vectors) and scores (N-vectors ∝ X·axis) for the top q pairs.
  const components = new Float64Array(q * D);
  const scores = new Float64Array(N * q);
  const sing = new Float64Array(q);
  for (let c = 0; c < q; c++) {
    const lam = Math.max(values[c]!, 0);
    sing[c] = Math.sqrt(lam);
    if (primal) {
      for (let j = 0; j < D; j++) components[c * D + j] = V[j * k + c]!;
    } else {
      // v = Xᵀu/σ for a left singular vector u of X.
      for (let j = 0; j < D; j++) {
        let s = 0;
        for (let i = 0; i < N; i++) s += X[i * D + j]! * V[i * k + c]!;
        components[c * D + j] = s;
      }
      let norm = 0;
      for (let j = 0; j < D; j++) norm += components[c * D + j]! ** 2;
      norm = Math.sqrt(norm);
      if (norm > 0) for (let j = 0; j < D; j++) components[c * D + j]! /= norm;
    }
    // Sign convention: the largest-magnitude loading of each axis is positive.
    let big = 0;
    for (let j = 0; j < D; j++) if (Math.abs(components[c * D + j]!) > Math.abs(components[c * D + big]!)) big = j;
    if (components[c * D + big]! < 0) for (let j = 0; j < D; j++) components[c * D + j] = -components[c * D + j]!;
    for (let i = 0; i < N; i++) {
      let s = 0;
      for (let j = 0; j < D; j++) s += X[i * D + j]! * components[c * D + j]!;
      scores[i * q + c] = s;
    }
  }
  const explained = sing.map((s) => (N > 1 ? (s * s) / (N - 1) : 0));
  return {
    components: new Tensor(components, [q, D]),
    explainedVariance: new Tensor(explained, [q]),
    singularValues: new Tensor(sing, [q]),
    scores: new Tensor(scores, [N, q]),
    mean: new Tensor(mean, [D]),
    iterations,
  };
}
