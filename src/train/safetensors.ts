// The safetensors format (huggingface/safetensors), pure and browser-safe: an 8-byte
// little-endian header length, a JSON header, then little-endian raw tensor bytes. Files
// we write load directly in PyTorch (safetensors.torch.load_file) and NumPy.
import type { FloatArray } from '../backend/backend.js';

export type SafeDType = 'F32' | 'F64';

export interface SafeTensor {
  readonly dtype: SafeDType;
  readonly shape: readonly number[];
  readonly data: FloatArray;
}

export interface SafeTensorsFile {
  /** Tensors in the order they are stored (insertion order when encoding). */
  readonly tensors: Map<string, SafeTensor>;
  /** The `__metadata__` string map (safetensors allows string values only). */
  readonly metadata: Record<string, string>;
}

const BYTES: Record<SafeDType, number> = { F32: 4, F64: 8 };
/** The reference implementation refuses headers over 100 MB; so do we, before allocating. */
const MAX_HEADER = 100_000_000;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function dtypeOfArray(a: FloatArray): SafeDType {
  return a instanceof Float64Array ? 'F64' : 'F32';
}

/** Raw little-endian bytes of a typed array (a copy, byte-swapped on big-endian hosts). */
function toLeBytes(a: FloatArray): Uint8Array {
  const bytes = new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
  if (!LITTLE_ENDIAN) {
    const w = a.BYTES_PER_ELEMENT;
    for (let i = 0; i < bytes.length; i += w) bytes.subarray(i, i + w).reverse();
  }
  return bytes;
}

/**
 * Encode tensors and string metadata. The data section follows the header, which is padded
 * with spaces to a multiple of 8 bytes (as the reference writer does) so every tensor is aligned.
 */
export function encodeSafetensors(
  tensors: ReadonlyMap<string, { readonly shape: readonly number[]; readonly data: FloatArray }>,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new Error(`encodeSafetensors: metadata "${k}" must be a string (got ${typeof v})`);
    }
    header['__metadata__'] = metadata;
  }
  let offset = 0;
  const chunks: Uint8Array[] = [];
  for (const [name, t] of tensors) {
    if (name === '__metadata__') throw new Error('encodeSafetensors: "__metadata__" is reserved and cannot name a tensor');
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (t.shape.some((d) => !Number.isInteger(d) || d < 0) || n !== t.data.length) {
      throw new Error(`encodeSafetensors: tensor "${name}" has shape [${t.shape.join(', ')}] but ${t.data.length} values`);
    }
    const dtype = dtypeOfArray(t.data);
    const bytes = toLeBytes(t.data);
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  const enc = new TextEncoder();
  let jsonBytes = enc.encode(json);
  const padded = Math.ceil(jsonBytes.length / 8) * 8;
  if (padded !== jsonBytes.length) {
    json += ' '.repeat(padded - jsonBytes.length);
    jsonBytes = enc.encode(json);
  }
  const out = new Uint8Array(8 + jsonBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(jsonBytes.length), true);
  out.set(jsonBytes, 8);
  let at = 8 + jsonBytes.length;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * Decode and validate a safetensors buffer. Every structural problem (short file, bad header
 * length or JSON, unknown dtype, offsets that overlap, leave gaps or run past the end, shape and
 * byte count that disagree) throws one line naming `source` and the tensor.
 */
export function decodeSafetensors(bytes: Uint8Array, source = 'safetensors'): SafeTensorsFile {
  const fail = (msg: string): never => {
    throw new Error(`${source}: ${msg}`);
  };
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen64 = view.getBigUint64(0, true);
  if (headerLen64 > BigInt(MAX_HEADER)) fail(`header length ${headerLen64} exceeds the ${MAX_HEADER}-byte limit`);
  const headerLen = Number(headerLen64);
  if (8 + headerLen > bytes.length) fail(`header length ${headerLen} runs past the end of the ${bytes.length}-byte file`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    fail(`header is not valid UTF-8 JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!isRecord(header)) return fail('header must be a JSON object');
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;

  const metadata: Record<string, string> = {};
  const rawMeta = header['__metadata__'];
  if (rawMeta !== undefined) {
    if (!isRecord(rawMeta)) fail('__metadata__ must be an object of strings');
    for (const [k, v] of Object.entries(rawMeta as Record<string, unknown>)) {
      if (typeof v !== 'string') fail(`__metadata__.${k} must be a string (got ${typeof v})`);
      metadata[k] = v as string;
    }
  }

  const entries: { name: string; dtype: SafeDType; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (!isRecord(info)) return fail(`tensor "${name}": entry must be an object`);
    const dtype = info['dtype'];
    if (dtype !== 'F32' && dtype !== 'F64') fail(`tensor "${name}": unsupported dtype ${JSON.stringify(dtype)} (supported: F32, F64)`);
    const shape = info['shape'];
    if (!Array.isArray(shape) || !shape.every((d): d is number => Number.isInteger(d) && d >= 0)) {
      fail(`tensor "${name}": shape must be an array of non-negative integers (got ${JSON.stringify(shape)})`);
    }
    const offs = info['data_offsets'];
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o): o is number => Number.isInteger(o) && o >= 0)) {
      fail(`tensor "${name}": data_offsets must be two non-negative integers (got ${JSON.stringify(offs)})`);
    }
    const [begin, end] = offs as [number, number];
    const shp = shape as number[];
    const want = shp.reduce((a, b) => a * b, 1) * BYTES[dtype as SafeDType];
    if (end < begin) fail(`tensor "${name}": data_offsets [${begin}, ${end}] are reversed`);
    if (end - begin !== want) {
      fail(`tensor "${name}": shape [${shp.join(', ')}] of ${dtype} needs ${want} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`);
    }
    if (end > dataLen) fail(`tensor "${name}": data_offsets [${begin}, ${end}] run past the ${dataLen}-byte data section (file truncated?)`);
    entries.push({ name, dtype: dtype as SafeDType, shape: shp, begin, end });
  }
  // The format requires the tensors to tile the data section exactly: no overlaps, no holes.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin);
  let cursor = 0;
  for (const e of sorted) {
    if (e.begin !== cursor) fail(`tensor "${e.name}": starts at byte ${e.begin}, expected ${cursor} (overlap or gap in data section)`);
    cursor = e.end;
  }
  if (cursor !== dataLen) fail(`data section is ${dataLen} bytes but tensors cover ${cursor}`);

  const tensors = new Map<string, SafeTensor>();
  for (const e of sorted) {
    // Copy into a fresh, aligned buffer: the input may sit at any byte offset.
    // NOTE: Buffer.prototype.slice is a view, not a copy, so copy explicitly.
    const raw = new Uint8Array(e.end - e.begin);
    raw.set(bytes.subarray(dataStart + e.begin, dataStart + e.end));
    if (!LITTLE_ENDIAN) {
      const w = BYTES[e.dtype];
      for (let i = 0; i < raw.length; i += w) raw.subarray(i, i + w).reverse();
    }
    const data = e.dtype === 'F64' ? new Float64Array(raw.buffer) : new Float32Array(raw.buffer);
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data });
  }
  return { tensors, metadata };
}
