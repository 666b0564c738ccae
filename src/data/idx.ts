// IDX file format (LeCun's MNIST container): a pure parser over bytes, browser-safe.
// Layout: magic 0x0000TTDD (TT = data type, DD = dimension count), DD big-endian
// uint32 sizes, then the data in big-endian row-major order.

import { featureArray, type Dataset } from './dataset.js';

export type IdxDType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
export type IdxArray = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxData {
  /** Sizes from the header, outermost first. */
  dims: number[];
  dtype: IdxDType;
  /** Row-major values. For uint8 this is a view into the input bytes, not a copy. */
  data: IdxArray;
  /** File name, carried along so later errors can name it. */
  name: string;
}

const DTYPES: ReadonlyMap<number, { dtype: IdxDType; size: number }> = new Map([
  [0x08, { dtype: 'uint8', size: 1 }],
  [0x09, { dtype: 'int8', size: 1 }],
  [0x0b, { dtype: 'int16', size: 2 }],
  [0x0c, { dtype: 'int32', size: 4 }],
  [0x0d, { dtype: 'float32', size: 4 }],
  [0x0e, { dtype: 'float64', size: 8 }],
]);

const hex8 = (v: number): string => '0x' + (v >>> 0).toString(16).padStart(8, '0');
const hex2 = (v: number): string => '0x' + v.toString(16).padStart(2, '0');

function describeDataSize(dims: number[], dtype: IdxDType, size: number): string {
  const shape = dims.join('×');
  const count = dims.reduce((a, b) => a * b, 1);
  const unit = dtype === 'uint8' ? '' : ` ${dtype}`;
  return `${shape}${unit} = ${count * size} bytes of data`;
}

/** Parses and validates an IDX file. `name` appears in every error message. */
export function parseIdx(bytes: Uint8Array, name: string): IdxData {
  if (bytes.length < 4) {
    throw new Error(`idx: ${name} is too short to be an IDX file: ${bytes.length} bytes, the magic number alone needs 4`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new Error(`idx: ${name} is not an IDX file: magic number is ${hex8(magic)}, expected 0x0000TTDD (two zero bytes, a data type, a dimension count), e.g. 0x00000803 for images`);
  }
  const typeByte = bytes[2]!;
  const spec = DTYPES.get(typeByte);
  if (spec === undefined) {
    throw new Error(`idx: ${name} has unknown data type ${hex2(typeByte)} in magic number ${hex8(magic)}, expected one of 0x08 (uint8), 0x09 (int8), 0x0b (int16), 0x0c (int32), 0x0d (float32), 0x0e (float64)`);
  }
  const ndim = bytes[3]!;
  if (ndim === 0) throw new Error(`idx: ${name} declares 0 dimensions in magic number ${hex8(magic)}, expected at least 1`);
  const headerBytes = 4 + 4 * ndim;
  if (bytes.length < headerBytes) {
    throw new Error(`idx: ${name} is truncated: a header with ${ndim} dimensions needs ${headerBytes} bytes, file has ${bytes.length}`);
  }
  const dims: number[] = [];
  for (let d = 0; d < ndim; d++) dims.push(view.getUint32(4 + 4 * d, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const expected = count * spec.size;
  const actual = bytes.length - headerBytes;
  if (actual < expected) {
    throw new Error(`idx: ${name} is truncated: header says ${describeDataSize(dims, spec.dtype, spec.size)}, file has ${actual} bytes after the ${headerBytes}-byte header`);
  }
  if (actual > expected) {
    throw new Error(`idx: ${name} has ${actual - expected} trailing bytes: header says ${describeDataSize(dims, spec.dtype, spec.size)}, file has ${actual} bytes after the ${headerBytes}-byte header`);
  }
  return { dims, dtype: spec.dtype, data: decode(bytes, view, headerBytes, count, spec.dtype), name };
}

// NOTE: IDX is big-endian; typed arrays use the platform's (little-endian) order,
// so multi-byte types are decoded element by element through the DataView.
function decode(bytes: Uint8Array, view: DataView, off: number, count: number, dtype: IdxDType): IdxArray {
  switch (dtype) {
    case 'uint8':
      return bytes.subarray(off, off + count);
    case 'int8':
      return new Int8Array(bytes.buffer, bytes.byteOffset + off, count).slice();
    case 'int16': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(off + 2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(off + 4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(off + 4 * i, false);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(off + 8 * i, false);
      return out;
    }
  }
}

const DTYPE_BYTES: Record<IdxDType, number> = { uint8: 0x08, int8: 0x09, int16: 0x0b, int32: 0x0c, float32: 0x0d, float64: 0x0e };

/** Serializes to IDX bytes (inverse of parseIdx); used for tests and for exporting data. */
export function encodeIdx(dims: number[], dtype: IdxDType, data: ArrayLike<number>): Uint8Array {
  const count = dims.reduce((a, b) => a * b, 1);
  if (data.length !== count) throw new Error(`encodeIdx: dims ${dims.join('×')} need ${count} values, got ${data.length}`);
  if (dims.length === 0 || dims.length > 255) throw new Error(`encodeIdx: IDX supports 1 to 255 dimensions (got ${dims.length})`);
  const size = DTYPES.get(DTYPE_BYTES[dtype])!.size;
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + count * size);
  const view = new DataView(out.buffer);
  out[2] = DTYPE_BYTES[dtype];
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < count; i++) {
    const v = data[i]!;
    const p = header + i * size;
    switch (dtype) {
      case 'uint8': view.setUint8(p, v); break;
      case 'int8': view.setInt8(p, v); break;
      case 'int16': view.setInt16(p, v, false); break;
      case 'int32': view.setInt32(p, v, false); break;
      case 'float32': view.setFloat32(p, v, false); break;
      case 'float64': view.setFloat64(p, v, false); break;
    }
  }
  return out;
}

export interface IdxToDatasetOptions {
  /** Dataset name; defaults to the images file name. */
  name?: string;
  /** Keep only the first `limit` examples (converting only those). */
  limit?: number;
}

/**
 * Images (n×rows×cols, or n×dim) and optional 1-D integer labels → Dataset.
 * uint8 pixels are scaled to [0, 1] by /255; other dtypes are converted unscaled.
 */
export function idxImagesToDataset(images: IdxData, labels?: IdxData, opts: IdxToDatasetOptions = {}): Dataset {
  const { dims } = images;
  if (dims.length < 2) {
    throw new Error(`idx: ${images.name} has ${dims.length} dimension (${dims.join('×')}), expected images: n×rows×cols (magic 0x00000803) or n×dim`);
  }
  const nAll = dims[0]!;
  const dim = dims.slice(1).reduce((a, b) => a * b, 1);
  if (labels !== undefined) {
    if (labels.dims.length !== 1) {
      throw new Error(`idx: ${labels.name} has ${labels.dims.length} dimensions (${labels.dims.join('×')}), expected labels: 1 dimension (magic 0x00000801)`);
    }
    if (labels.dtype === 'float32' || labels.dtype === 'float64') {
      throw new Error(`idx: ${labels.name} holds ${labels.dtype} values, expected integer labels (uint8, int8, int16 or int32)`);
    }
    if (labels.dims[0] !== nAll) {
      throw new Error(`idx: label count does not match image count: ${labels.name} has ${labels.dims[0]} labels, ${images.name} has ${nAll} images`);
    }
  }
  const limit = opts.limit ?? nAll;
  if (!Number.isInteger(limit) || limit < 0) throw new Error(`idx: limit must be a non-negative integer (got ${limit})`);
  const n = Math.min(limit, nAll);
  const x = featureArray(n * dim);
  const src = images.data;
  if (images.dtype === 'uint8') {
    for (let i = 0; i < x.length; i++) x[i] = src[i]! / 255;
  } else {
    for (let i = 0; i < x.length; i++) x[i] = src[i]!;
  }
  const ds: Dataset = { x, n, dim, name: opts.name ?? images.name };
  if (dims.length === 3) ds.imageShape = [dims[1]!, dims[2]!];
  if (labels !== undefined) ds.labels = Int32Array.from(labels.data.subarray(0, n));
  return ds;
}
