// CSV of numeric feature columns (plus an optional label column) → Dataset.
// Tokenizing is csv-parse's job; this file owns header detection, numeric
// validation and error messages that point at a row and column of the file.

import { parse } from 'csv-parse/sync';
import { featureArray, type Dataset } from './dataset.js';

export interface CsvOptions {
  /** true/false, or 'auto' (default): the first row is a header if any cell in it is not a number. */
  header?: boolean | 'auto';
  /** Column holding class labels: a header name, or a 0-based index (negative counts from the end). */
  labelColumn?: string | number;
  /** Field delimiter (default ','). */
  delimiter?: string;
  /** Dataset name, also used in error messages (default 'csv'). */
  name?: string;
}

interface CsvRecord {
  record: string[];
  /** 1-based line of the file where the record ends. */
  line: number;
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function isNumeric(s: string): boolean {
  return NUMBER.test(s.trim());
}

// csv-parse types the `info: true` result as string[][]; check the real shape instead of casting.
function toRecords(out: unknown): CsvRecord[] {
  if (!Array.isArray(out)) throw new Error('csv: unexpected csv-parse output');
  return out.map((item: unknown): CsvRecord => {
    if (typeof item === 'object' && item !== null && 'record' in item && 'info' in item) {
      const { record, info } = item;
      if (Array.isArray(record) && typeof info === 'object' && info !== null && 'lines' in info && typeof info.lines === 'number') {
        return { record: record.map(String), line: info.lines };
      }
    }
    throw new Error('csv: unexpected csv-parse output');
  });
}

/** Parses CSV text (or UTF-8 bytes) of numeric columns into a Dataset. */
export function parseCsv(input: string | Uint8Array, opts: CsvOptions = {}): Dataset {
  const name = opts.name ?? 'csv';
  let records: CsvRecord[];
  try {
    records = toRecords(
      parse(input, {
        delimiter: opts.delimiter ?? ',',
        info: true,
        relax_column_count: true,
        skip_empty_lines: true,
        trim: true,
        bom: true,
      }),
    );
  } catch (err) {
    throw new Error(`csv: ${name}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (records.length === 0) throw new Error(`csv: ${name} is empty (no rows)`);

  const first = records[0]!;
  const hasHeader = opts.header === undefined || opts.header === 'auto' ? first.record.some((c) => !isNumeric(c)) : opts.header;
  const header = hasHeader ? first.record : undefined;
  const rows = hasHeader ? records.slice(1) : records;
  if (rows.length === 0) throw new Error(`csv: ${name} has a header row but no data rows`);
  const width = first.record.length;
  const widthSource = hasHeader ? `the header (row ${first.line})` : `row ${first.line}`;

  let labelCol = -1;
  if (opts.labelColumn !== undefined) {
    const lc = opts.labelColumn;
    if (typeof lc === 'string') {
      if (header === undefined) throw new Error(`csv: labelColumn "${lc}" is a column name but ${name} has no header row`);
      labelCol = header.indexOf(lc);
      if (labelCol < 0) throw new Error(`csv: labelColumn "${lc}" is not in the header of ${name} (columns: ${header.join(', ')})`);
    } else {
      if (!Number.isInteger(lc) || lc >= width || lc < -width) {
        throw new Error(`csv: labelColumn ${lc} is out of range for ${name} with ${width} columns (use 0..${width - 1}, or negative to count from the end)`);
      }
      labelCol = lc < 0 ? width + lc : lc;
    }
  }

  const colName = (c: number): string => (header === undefined ? `column ${c + 1}` : `column ${c + 1} ("${header[c]}")`);
  const dim = labelCol < 0 ? width : width - 1;
  const n = rows.length;
  const x = featureArray(n * dim);
  const labelCells: string[] = [];
  for (let r = 0; r < n; r++) {
    const { record, line } = rows[r]!;
    if (record.length !== width) {
      throw new Error(`csv: ${name} row ${line} has ${record.length} columns, expected ${width} as in ${widthSource}`);
    }
    let k = r * dim;
    for (let c = 0; c < width; c++) {
      const cell = record[c]!;
      if (c === labelCol) {
        if (cell === '') throw new Error(`csv: ${name} row ${line}, ${colName(c)}: empty label`);
        labelCells.push(cell);
        continue;
      }
      if (!isNumeric(cell)) {
        const what = cell === '' ? 'empty cell' : `"${cell}" is not a number`;
        throw new Error(`csv: ${name} row ${line}, ${colName(c)}: ${what}`);
      }
      x[k++] = Number(cell);
    }
  }

  const ds: Dataset = { x, n, dim, name };
  if (labelCol >= 0) Object.assign(ds, encodeLabels(labelCells));
  return ds;
}

/**
 * Integer label cells are used as-is; anything else is treated as categorical,
 * and classes are numbered in sorted order of their names.
 */
function encodeLabels(cells: string[]): { labels: Int32Array; labelNames?: string[] } {
  if (cells.every((c) => /^[+-]?\d+$/.test(c))) return { labels: Int32Array.from(cells, Number) };
  const labelNames = [...new Set(cells)].sort();
  const index = new Map(labelNames.map((s, i) => [s, i]));
  return { labels: Int32Array.from(cells, (c) => index.get(c)!), labelNames };
}
