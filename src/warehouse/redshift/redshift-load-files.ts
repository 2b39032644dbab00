// Load files for Redshift's COPY: records checked against their columns' types and written as CSV parts (LF line
// ends, every string quoted, NULL as an empty field) of at most PART_BYTES each, named by their sha256, with the
// longest value of each VARCHAR column in bytes (Redshift sizes VARCHAR in bytes) and the records refused, by line.
import { unreachable } from '../../core/unreachable.js';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { parse as parseCsv } from 'csv-parse';
import type { LoadParts } from '../s3-copy.js';
import type { BulkReject, ColumnSpec } from '../warehouse.js';
import { REDSHIFT_MAX_VARCHAR } from './redshift-sql.js';

/** Parts of about this size: COPY loads the parts of a manifest in parallel, one per slice. */
const PART_BYTES = 64 * 1024 * 1024;

export type Cell = string | number | boolean | null;

const INT = /^\s*[+-]?\d+\s*$/;
const FLOAT = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,2})?\s*$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The reason `text` is not a value of `type`, or null when it is (an empty field is NULL and always fits). */
function badValue(text: string, c: ColumnSpec): string | null {
  if (text === '') return null;
  const bad = `Could not convert string "${text}" to '${c.type}' in column "${c.name}"`;
  switch (c.type) {
    case 'INTEGER': {
      if (!INT.test(text)) return bad;
      const n = Number(text);
      return n >= -2147483648 && n <= 2147483647 ? null : bad;
    }
    case 'BIGINT':
      return INT.test(text) &&
        BigInt(text.trim()) <= 9223372036854775807n &&
        BigInt(text.trim()) >= -9223372036854775808n
        ? null
        : bad;
    case 'DOUBLE PRECISION':
      return FLOAT.test(text) ? null : bad;
    case 'DATE':
      return DATE.test(text.trim()) && !Number.isNaN(Date.parse(`${text.trim()}T00:00:00Z`)) ? null : bad;
    case 'BOOLEAN':
      return /^(true|false|t|f|1|0)$/i.test(text.trim()) ? null : bad;
    case 'TIMESTAMP':
    case 'VARCHAR':
      return Buffer.byteLength(text, 'utf8') > REDSHIFT_MAX_VARCHAR
        ? `value of ${Buffer.byteLength(text, 'utf8')} bytes in column "${c.name}" exceeds Redshift's ${REDSHIFT_MAX_VARCHAR}-byte VARCHAR`
        : null;
    default:
      return unreachable(c.type, 'column type');
  }
}

/** One CSV field: NULL empty, strings always quoted (so an empty string is `""`), numbers and booleans bare. */
function csvField(v: Cell, type: ColumnSpec['type']): string {
  if (v === null) return '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return String(v);
  if (type === 'VARCHAR' || type === 'TIMESTAMP' || type === 'DATE') return `"${v.replace(/"/g, '""')}"`;
  return v.trim();
}

/** Writes records as CSV parts `<stem>-NNNN.csv` into `dir`, checking each against `columns`. */
export class PartWriter {
  private part: { chunks: string[]; bytes: number } | null = null;
  private readonly files: string[] = [];
  private readonly sha256: string[] = [];
  private rows = 0;
  /** Records written so far. */
  get rowCount(): number {
    return this.rows;
  }
  readonly rejects: BulkReject[] = [];
  readonly maxBytes: Record<string, number> = {};
  private readonly header: string;

  constructor(
    private readonly columns: readonly ColumnSpec[],
    private readonly dir: string,
    private readonly stem: string,
    private readonly partBytes = PART_BYTES,
  ) {
    mkdirSync(dir, { recursive: true });
    this.header = columns.map((c) => c.name).join(',') + '\n';
    for (const c of columns) if (c.type === 'VARCHAR') this.maxBytes[c.name] = 0;
  }

  /**
   * Adds a record of text fields read from a file (line and raw text for a reject). `added` of the fields are not
   * the file's (a file number, a series id): a column-count reason counts only the file's own.
   */
  addText(fields: readonly string[], line: number, raw: string, added = 0): void {
    if (fields.length !== this.columns.length) {
      this.rejects.push({
        line,
        reason: `Expected Number of Columns: ${this.columns.length - added} Found: ${fields.length - added}`,
        raw,
      });
      return;
    }
    for (let i = 0; i < fields.length; i++) {
      const why = badValue(fields[i]!, this.columns[i]!);
      if (why !== null) {
        this.rejects.push({ line, reason: why, raw });
        return;
      }
    }
    this.add(fields.map((f) => (f === '' ? null : f)));
  }

  /** Adds a record of typed values (already checked, e.g. the cleaned movies). */
  add(values: readonly Cell[]): void {
    const line =
      values
        .map((v, i) => {
          const c = this.columns[i]!;
          if (c.type === 'VARCHAR' && typeof v === 'string') {
            const n = Buffer.byteLength(v, 'utf8');
            if (n > this.maxBytes[c.name]!) this.maxBytes[c.name] = n;
          }
          return csvField(v, c.type);
        })
        .join(',') + '\n';
    if (this.part !== null && this.part.bytes >= this.partBytes) this.flush();
    this.part ??= { chunks: [this.header], bytes: this.header.length };
    this.part.chunks.push(line);
    this.part.bytes += line.length;
    this.rows++;
  }

  private flush(): void {
    const body = (this.part ?? { chunks: [this.header] }).chunks.join('');
    const file = path.join(this.dir, `${this.stem}-${String(this.files.length).padStart(4, '0')}.csv`);
    writeFileSync(file, body);
    this.files.push(file);
    this.sha256.push(createHash('sha256').update(body).digest('hex'));
    this.part = null;
  }

  /** Writes the last part (at least one part, maybe only a header) and returns them all. */
  finish(): LoadParts {
    if (this.part !== null || this.files.length === 0) this.flush();
    return {
      files: this.files,
      sha256: this.sha256,
      rows: this.rows,
      rejects: this.rejects,
      maxBytes: this.maxBytes,
    };
  }
}

/**
 * Reads a CSV file with a header (any line ends, quoted newlines) into a PartWriter, record by record, with the
 * fields of `extra` put before and after each record's own.
 */
export async function readCsvInto(
  file: string,
  w: PartWriter,
  extra: { before?: readonly string[]; after?: readonly string[] } = {},
): Promise<void> {
  const before = extra.before ?? [];
  const after = extra.after ?? [];
  const parser = createReadStream(file).pipe(
    parseCsv({
      from_line: 2,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      info: true,
      raw: true,
    }),
  );
  for await (const rec of parser as AsyncIterable<{
    record: string[];
    info: { lines: number };
    raw: string;
  }>) {
    w.addText(
      [...before, ...rec.record, ...after],
      rec.info.lines,
      rec.raw.replace(/\r?\n$/, ''),
      before.length + after.length,
    );
  }
}

/** Reads newline-delimited JSON objects into a PartWriter as `columns` (a missing key is NULL). */
export async function readNdjsonInto(
  file: string,
  w: PartWriter,
  columns: readonly ColumnSpec[],
): Promise<void> {
  const rl = readline.createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of rl) {
    if (line.trim() === '') continue;
    const o = JSON.parse(line) as Record<string, Cell>;
    w.add(columns.map((c) => o[c.name] ?? null));
  }
}
