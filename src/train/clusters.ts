// Clustering outputs of a trained GMVAE run (Node): per-cluster sample grids, the test-set cluster
// assignments as CSV, and the clustering accuracies as JSON. The CLI calls writeClusterOutputs after training.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { imageShapeOf, type Dataset } from '../data/dataset.js';
import type { GMVAE } from '../models/gmvae.js';
import { clusterAccuracy, type ClusterAccuracy } from '../models/clustering.js';
import { noGrad } from '../autograd/tape.js';
import type { Rng } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { imageGrid, upscale } from '../viz/grid.js';
import { writePng } from '../viz/node.js';

export interface ClusterFiles {
  /** K rows of samples, row k drawn from p(x|w), w ~ p(w|z = k) (image data only). */
  samples?: string;
  assignments: string;
  accuracy: string;
}

export interface ClusterOutputs {
  files: ClusterFiles;
  accuracy: ClusterAccuracy;
}

/**
 * Writes cluster-samples.png, cluster-assignments.csv (index, cluster, q(z|x) of that cluster, label) and
 * clustering.json (majority and Hungarian accuracy, mappings, cluster sizes) into dir; test must be labelled.
 */
export function writeClusterOutputs(dir: string, model: GMVAE, test: Dataset, rng: Rng, samplesPerCluster = 10): ClusterOutputs {
  mkdirSync(dir, { recursive: true });
  const acc = clusterAccuracy(model, test);
  const files: ClusterFiles = { assignments: 'cluster-assignments.csv', accuracy: 'clustering.json' };
  const shape = imageShapeOf(test);
  if (shape) {
    const K = model.clusters;
    const D = test.dim;
    const x = new Float32Array(K * samplesPerCluster * D);
    for (let k = 0; k < K; k++) x.set(model.sampleCluster(k, samplesPerCluster, rng).contiguousData(), k * samplesPerCluster * D);
    files.samples = 'cluster-samples.png';
    writePng(join(dir, files.samples), upscale(imageGrid(x, K * samplesPerCluster, shape[0], shape[1], { cols: samplesPerCluster }), 2));
  }
  const lines = ['index,cluster,prob,label'];
  const K = model.clusters;
  for (let s = 0; s < test.n; s += 1000) {
    const b = Math.min(1000, test.n - s);
    const p = noGrad(() => model.clusterProbs(new Tensor(test.x.slice(s * test.dim, (s + b) * test.dim), [b, test.dim]))).contiguousData();
    for (let i = 0; i < b; i++) {
      const c = acc.assignments[s + i]!;
      lines.push(`${s + i},${c},${p[i * K + c]!.toPrecision(4)},${test.labels ? test.labels[s + i]! : ''}`);
    }
  }
  writeFileSync(join(dir, files.assignments), lines.join('\n') + '\n');
  const { assignments: _drop, ...summary } = acc;
  writeFileSync(join(dir, files.accuracy), JSON.stringify({ n: test.n, clusters: K, ...summary }, null, 2) + '\n');
  return { files, accuracy: acc };
}
