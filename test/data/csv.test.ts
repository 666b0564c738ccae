// CSV parsing: header detection, label columns, and errors that point at the
// row (1-based, as in the file) and column (with its header name).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsv } from '../../src/data/csv.js';

test('a first row with a non-numeric cell is auto-detected as a header', () => {
  const ds = parseCsv('x1,x2\n1,2\n3,4.5\n', { name: 'h.csv' });
  assert.equal(ds.n, 2);
  assert.equal(ds.dim, 2);
  assert.deepEqual([...ds.x], [1, 2, 3, 4.5]);
  assert.equal(ds.name, 'h.csv');
});

test('an all-numeric first row is auto-detected as data', () => {
  const ds = parseCsv('1,2\n3,4\n');
  assert.equal(ds.n, 2);
  assert.deepEqual([...ds.x], [1, 2, 3, 4]);
});

test('header: true treats a numeric first row as a header, header: false as data', () => {
  assert.equal(parseCsv('1,2\n3,4\n', { header: true }).n, 1);
  assert.throws(() => parseCsv('a,b\n3,4\n', { header: false, name: 'f.csv' }), {
    message: 'csv: f.csv row 1, column 1: "a" is not a number',
  });
});

test('numbers in scientific notation, with signs and surrounding spaces parse', () => {
  const ds = parseCsv('-1e3, +.5 ,2.\n');
  assert.deepEqual([...ds.x], [-1000, 0.5, 2]);
});

test('a label column given by name is removed from features and becomes labels', () => {
  const ds = parseCsv('a,label,b\n1,3,2\n4,0,5\n', { labelColumn: 'label' });
  assert.equal(ds.dim, 2);
  assert.deepEqual([...ds.x], [1, 2, 4, 5]);
  assert.deepEqual([...ds.labels!], [3, 0]);
});

test('a label column given by index counts from 0, negative from the end', () => {
  assert.deepEqual([...parseCsv('7,1,2\n8,3,4\n', { labelColumn: 0 }).labels!], [7, 8]);
  const last = parseCsv('1,2,7\n3,4,8\n', { labelColumn: -1 });
  assert.deepEqual([...last.labels!], [7, 8]);
  assert.deepEqual([...last.x], [1, 2, 3, 4]);
});

test('string labels are numbered in sorted order and their names kept', () => {
  const ds = parseCsv('f,species\n1,virginica\n2,setosa\n3,virginica\n', { labelColumn: 'species' });
  assert.deepEqual(ds.labelNames, ['setosa', 'virginica']);
  assert.deepEqual([...ds.labels!], [1, 0, 1]);
});

test('a custom delimiter splits fields', () => {
  assert.deepEqual([...parseCsv('a;b\n1;2\n', { delimiter: ';' }).x], [1, 2]);
  assert.deepEqual([...parseCsv('1\t2\n', { delimiter: '\t' }).x], [1, 2]);
});

test('a ragged row names its file line and the expected width', () => {
  assert.throws(() => parseCsv('a,b,c\n1,2,3\n4,5\n', { name: 'r.csv' }), {
    message: 'csv: r.csv row 3 has 2 columns, expected 3 as in the header (row 1)',
  });
  assert.throws(() => parseCsv('1,2\n3,4,5\n', { name: 'r.csv' }), {
    message: 'csv: r.csv row 2 has 3 columns, expected 2 as in row 1',
  });
});

test('row numbers count blank lines, as an editor shows them', () => {
  assert.throws(() => parseCsv('a,b\n\n1,2\n\n3,x\n', { name: 'b.csv' }), {
    message: 'csv: b.csv row 5, column 2 ("b"): "x" is not a number',
  });
});

test('a non-numeric cell names the row and the column header', () => {
  assert.throws(() => parseCsv('height,weight\n1.8,80\n1.7,heavy\n', { name: 'p.csv' }), {
    message: 'csv: p.csv row 3, column 2 ("weight"): "heavy" is not a number',
  });
});

test('an empty cell is reported as empty, by row and column', () => {
  assert.throws(() => parseCsv('1,2\n3,\n', { name: 'e.csv' }), { message: 'csv: e.csv row 2, column 2: empty cell' });
});

test('empty input and header-only input are errors', () => {
  assert.throws(() => parseCsv('', { name: 'empty.csv' }), { message: 'csv: empty.csv is empty (no rows)' });
  assert.throws(() => parseCsv('\n\n'), { message: 'csv: csv is empty (no rows)' });
  assert.throws(() => parseCsv('a,b\n', { name: 'h.csv' }), { message: 'csv: h.csv has a header row but no data rows' });
});

test('label column errors say what was wrong', () => {
  assert.throws(() => parseCsv('1,2\n', { labelColumn: 'y', name: 'n.csv' }), {
    message: 'csv: labelColumn "y" is a column name but n.csv has no header row',
  });
  assert.throws(() => parseCsv('a,b\n1,2\n', { labelColumn: 'y', name: 'n.csv' }), {
    message: 'csv: labelColumn "y" is not in the header of n.csv (columns: a, b)',
  });
  assert.throws(() => parseCsv('1,2\n', { labelColumn: 2, name: 'n.csv' }), /labelColumn 2 is out of range for n\.csv with 2 columns/);
});

test('csv-parse syntax errors are wrapped with the file name', () => {
  assert.throws(() => parseCsv('a,"b\n1,2\n', { name: 'q.csv' }), /^Error: csv: q\.csv: Quote Not Closed/);
});

test('UTF-8 bytes parse the same as a string, including a byte order mark', () => {
  const bytes = new TextEncoder().encode('\uFEFFa,b\n1,2\n');
  assert.deepEqual([...parseCsv(bytes).x], [1, 2]);
});
