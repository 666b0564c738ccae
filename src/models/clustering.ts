// Unsupervised clustering accuracy: each cluster mapped to its majority label, or the best
// one-to-one cluster→label matching found by the Hungarian algorithm (Kuhn 1955; O(n³) potentials form).
import { Tensor } from '../tensor/tensor.js';
import type { Dataset } from '../data/dataset.js';

/** counts[c][y] = number of points in cluster c with label y: [clusters][classes]. */
export function contingencyTable(clusters: ArrayLike<number>, labels: ArrayLike<number>, numClusters?: number, numClasses?: number): number[][] {
  if (clusters.length !== labels.length) throw new Error(`contingencyTable: ${clusters.length} cluster ids but ${labels.length} labels`);
  const check = (v: number, what: string, i: number): number => {
    if (!Number.isInteger(v) || v < 0) throw new Error(`contingencyTable: ${what} at index ${i} is ${v}, expected an integer ≥ 0`);
    return v;
  };
  let K = 0;
  let C = 0;
  for (let i = 0; i < clusters.length; i++) {
    K = Math.max(K, check(clusters[i]!, 'cluster id', i) + 1);
    C = Math.max(C, check(labels[i]!, 'label', i) + 1);
  }
  if (numClusters !== undefined) {
    if (numClusters < K) throw new Error(`contingencyTable: cluster id ${K - 1} is out of range for ${numClusters} clusters`);
    K = numClusters;
  }
  if (numClasses !== undefined) {
    if (numClasses < C) throw new Error(`contingencyTable: label ${C - 1} is out of range for ${numClasses} classes`);
    C = numClasses;
  }
  const t = Array.from({ length: K }, () => new Array<number>(C).fill(0));
  for (let i = 0; i < clusters.length; i++) t[clusters[i]!]![labels[i]!]! += 1;
  return t;
}

export interface MajorityResult {
  accuracy: number;
  /** mapping[c] = the majority label of cluster c (−1 for an empty cluster). */
  mapping: number[];
}

/** Accuracy when each cluster predicts its most frequent label (clusters may share a label). */
export function majorityAccuracy(clusters: ArrayLike<number>, labels: ArrayLike<number>): MajorityResult {
  if (clusters.length === 0) throw new Error('majorityAccuracy: no points');
  const t = contingencyTable(clusters, labels);
  let correct = 0;
  const mapping = t.map((row) => {
    let best = -1;
    let bestCount = 0;
    row.forEach((v, y) => {
      if (v > bestCount) {
        bestCount = v;
        best = y;
      }
    });
    correct += bestCount;
    return best;
  });
  return { accuracy: correct / clusters.length, mapping };
}

/**
 * A minimum-cost assignment for an n×m cost matrix with n ≤ m: assignment[i] = the column of row i,
 * all distinct. Shortest augmenting paths with row/column potentials, O(n²m).
 */
export function hungarian(cost: readonly (readonly number[])[]): { assignment: number[]; cost: number } {
  const n = cost.length;
  if (n === 0) return { assignment: [], cost: 0 };
  const m = cost[0]!.length;
  for (let i = 0; i < n; i++) {
    const row = cost[i]!;
    if (row.length !== m) throw new Error(`hungarian: row ${i} has ${row.length} entries but row 0 has ${m}`);
    for (let j = 0; j < m; j++) if (!Number.isFinite(row[j]!)) throw new Error(`hungarian: cost[${i}][${j}] is ${row[j]}, expected a finite number`);
  }
  if (n > m) throw new Error(`hungarian: needs rows ≤ columns (got ${n}×${m}); pass the transpose`);
  // 1-based arrays; column 0 is the virtual start. u, v: potentials; p[j]: row matched to column j.
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1);
  const way = new Int32Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Float64Array(m + 1).fill(Infinity);
    const used = new Uint8Array(m + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0]!;
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = cost[i0 - 1]![j - 1]! - u[i0]! - v[j]!;
        if (cur < minv[j]!) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]!]! += delta;
          v[j]! -= delta;
        } else minv[j]! -= delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0]!;
      p[j0] = p[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  const assignment = new Array<number>(n).fill(-1);
  for (let j = 1; j <= m; j++) if (p[j]! > 0) assignment[p[j]! - 1] = j - 1;
  let total = 0;
  for (let i = 0; i < n; i++) total += cost[i]![assignment[i]!]!;
  return { assignment, cost: total };
}

export interface MatchedResult {
  accuracy: number;
  /** mapping[c] = the label matched to cluster c (−1 when there are more clusters than labels and c is unmatched). */
  mapping: number[];
}

/** Accuracy under the best one-to-one cluster→label map (the usual "ACC" of Xie et al. 2016 / Jiang et al. 2017). */
export function hungarianAccuracy(clusters: ArrayLike<number>, labels: ArrayLike<number>): MatchedResult {
  if (clusters.length === 0) throw new Error('hungarianAccuracy: no points');
  const t = contingencyTable(clusters, labels);
  const K = t.length;
  const C = t[0]!.length;
  // Maximize matches = minimize −count; match the smaller side into the larger.
  if (K <= C) {
    const { assignment } = hungarian(t.map((row) => row.map((c) => -c)));
    const correct = assignment.reduce((s, y, c) => s + t[c]![y]!, 0);
    return { accuracy: correct / clusters.length, mapping: assignment };
  }
  const tT = Array.from({ length: C }, (_, y) => t.map((row) => -row[y]!));
  const { assignment } = hungarian(tT);
  const mapping = new Array<number>(K).fill(-1);
  let correct = 0;
  assignment.forEach((c, y) => {
    mapping[c] = y;
    correct += t[c]![y]!;
  });
  return { accuracy: correct / clusters.length, mapping };
}

/** A model that assigns each row of a [batch, inputDim] tensor to one of `clusters` clusters. */
export interface ClusterModel {
  readonly clusters: number;
  readonly config: { readonly inputDim: number };
  assignClusters(x: Tensor): Int32Array;
}

/** Cluster ids of every row of a row-major [n, dim] dataset, in batches. */
export function assignAll(model: ClusterModel, ds: Pick<Dataset, 'x' | 'n' | 'dim'>, batchSize = 1000): Int32Array {
  if (ds.dim !== model.config.inputDim) throw new Error(`assignAll: data has ${ds.dim} features, the model expects ${model.config.inputDim}`);
  const out = new Int32Array(ds.n);
  for (let s = 0; s < ds.n; s += batchSize) {
    const b = Math.min(batchSize, ds.n - s);
    out.set(model.assignClusters(new Tensor(ds.x.slice(s * ds.dim, (s + b) * ds.dim), [b, ds.dim])), s);
  }
  return out;
}

export interface ClusterAccuracy {
  /** Majority-label accuracy. */
  majority: number;
  /** Hungarian-matched accuracy (only when the number of clusters equals the number of classes). */
  hungarian?: number;
  /** Clusters holding at least one point. */
  usedClusters: number;
  /** Points per cluster. */
  sizes: number[];
  majorityMapping: number[];
  hungarianMapping?: number[];
  assignments: Int32Array;
}

/** Both clustering accuracies of a model on a labelled dataset. */
export function clusterAccuracy(model: ClusterModel, ds: Pick<Dataset, 'x' | 'n' | 'dim' | 'labels'>): ClusterAccuracy {
  if (!ds.labels) throw new Error('clusterAccuracy: the dataset has no labels');
  const assignments = assignAll(model, ds);
  const maj = majorityAccuracy(assignments, ds.labels);
  const sizes = new Array<number>(model.clusters).fill(0);
  for (const c of assignments) sizes[c]! += 1;
  let classes = 0;
  for (const y of ds.labels) classes = Math.max(classes, y + 1);
  const hung = model.clusters === classes ? hungarianAccuracy(assignments, ds.labels) : undefined;
  return {
    majority: maj.accuracy,
    ...(hung ? { hungarian: hung.accuracy, hungarianMapping: hung.mapping } : {}),
    usedClusters: sizes.filter((s) => s > 0).length,
    sizes,
    majorityMapping: maj.mapping,
    assignments,
  };
}
