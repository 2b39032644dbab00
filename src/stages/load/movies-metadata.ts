// Parses and cleans movies_metadata.csv: quote-aware CSV records → typed movie rows, genres and movie-genre pairs,
// with broken records stitched back together, bad rows quarantined with a reason, and duplicate ids collapsed.
//
// This file is parsed in JavaScript (csv-parse), not DuckDB: the list columns are Python literals that need a real
// parser, and the three records split by an unquoted line break must be seen record by record to be stitched.
// It is 45k records; the 26M ratings never pass through JavaScript.
import { boundText } from '../../core/bounded-text.js';
import { parse, type Options as CsvOptions } from 'csv-parse';
import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { parseIdNameList, PyLiteralError } from './python-literal.js';

export const MOVIES_METADATA_HEADER = [
  'adult',
  'belongs_to_collection',
  'budget',
  'genres',
  'homepage',
  'id',
  'imdb_id',
  'original_language',
  'original_title',
  'overview',
  'popularity',
  'poster_path',
  'production_companies',
  'production_countries',
  'release_date',
  'revenue',
  'runtime',
  'spoken_languages',
  'status',
  'tagline',
  'title',
  'video',
  'vote_average',
  'vote_count',
] as const;
const NCOLS = MOVIES_METADATA_HEADER.length;
const COL = Object.fromEntries(MOVIES_METADATA_HEADER.map((h, i) => [h, i])) as Record<
  (typeof MOVIES_METADATA_HEADER)[number],
  number
>;
const OVERVIEW = COL.overview;

/** How movies_metadata.csv is read here and by serve's lineage: quote-aware, each record with its raw text and line. */
export const RAW_CSV_OPTIONS: CsvOptions = {
  bom: true,
  relax_column_count: true,
  relax_quotes: true,
  skip_empty_lines: true,
  skip_records_with_error: true,
  info: true,
  raw: true,
};

/** A clean row of movies.movie. */
export interface MovieRow {
  movie_id: number;
  imdb_id: string | null;
  title: string | null;
  original_title: string | null;
  original_language: string | null;
  is_adult: boolean | null;
  status: string | null;
  release_date: string | null;
  budget: number | null;
  revenue: number | null;
  runtime: number | null;
  popularity: number | null;
  vote_average: number | null;
  vote_count: number | null;
  genre_ids: number[];
}

export interface QuarantineRow {
  record_number: number;
  line_number: number;
  reason: string;
  raw: string;
}

export interface MoviesParseResult {
  movies: MovieRow[];
  genres: Map<number, string>;
  quarantine: QuarantineRow[];
  /** CSV records as a quote-aware parser sees them (a broken record counts as its two halves). */
  recordsRead: number;
  /** Rows of `movies` (after collapsing duplicates). */
  rowsLoaded: number;
  duplicatesCollapsed: number;
  /** Second halves stitched into their first half (each repaired record accounts for one extra record read). */
  recordsMerged: number;
  /** Movie ids that were repaired by stitching. */
  repairedIds: number[];
  duplicateIds: number[];
  /**
   * The line where a quoted field opened that the file never closes: the file ends inside it, so it looks cut short
   * (a truncated download). null when the file ends cleanly.
   */
  truncatedAtLine: number | null;
}

interface RawRecord {
  fields: string[];
  recordNumber: number;
  lineNumber: number;
  raw: string;
  /** File offset of the record's first byte that is not valid UTF-8, or null. */
  badByte: number | null;
}

/** Bytes a UTF-8 sequence needs after a lead byte (0 for a byte that cannot lead one). */
function continuationBytes(lead: number): number {
  if (lead >= 0xc2 && lead <= 0xdf) return 1;
  if (lead >= 0xe0 && lead <= 0xef) return 2;
  if (lead >= 0xf0 && lead <= 0xf4) return 3;
  return 0;
}

/**
 * Passes the file's bytes through unchanged and records the offset of every byte that starts an invalid UTF-8
 * sequence. It works on bytes because the decoder downstream turns them into U+FFFD, which valid UTF-8 may also
 * hold. A sequence cut by a chunk boundary is checked with the next chunk; it cannot hold a line break, so no record
 * ends inside it before it is checked.
 */
export class Utf8Scanner extends Transform {
  /** Offsets of invalid bytes, ascending. */
  readonly invalid: number[] = [];
  private offset = 0;
  private carry: Buffer = Buffer.alloc(0);

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const buf = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const base = this.offset - this.carry.length;
    const keep = this.incompleteTail(buf);
    this.check(buf.subarray(0, buf.length - keep), base);
    this.carry = Buffer.from(buf.subarray(buf.length - keep));
    this.offset += chunk.length;
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    // A sequence still open at the end of the file is cut short: invalid.
    if (this.carry.length > 0) this.invalid.push(this.offset - this.carry.length);
    done();
  }

  /** How many trailing bytes start a sequence whose remaining bytes have not arrived yet. */
  private incompleteTail(buf: Buffer): number {
    for (let k = 1; k <= 3 && k <= buf.length; k++) {
      const b = buf[buf.length - k]!;
      if (b < 0x80 || b >= 0xc0) return continuationBytes(b) >= k ? k : 0;
    }
    return 0;
  }

  private check(buf: Buffer, base: number): void {
    if (isUtf8(buf)) return; // the common case: one native pass
    for (let i = 0; i < buf.length;) {
      const b = buf[i]!;
      if (b < 0x80) {
        i++;
        continue;
      }
      const need = continuationBytes(b);
      // isUtf8 on the one sequence rejects overlong forms and surrogates too.
      if (need > 0 && i + need < buf.length && isUtf8(buf.subarray(i, i + need + 1))) {
        i += need + 1;
      } else {
        this.invalid.push(base + i);
        i++;
      }
    }
  }
}

/** Thrown by a field conversion: becomes a quarantine reason. */
class RowError extends Error {}

const INT_RE = /^-?\d+$/;
const NUM_RE = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

function text(v: string): string | null {
  return v === '' ? null : v;
}

function int(v: string, field: string): number | null {
  if (v === '') return null;
  if (!INT_RE.test(v)) throw new RowError(`${field} ${JSON.stringify(v)} is not an integer`);
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new RowError(`${field} ${JSON.stringify(v)} is out of range`);
  return n;
}

function num(v: string, field: string): number | null {
  if (v === '') return null;
  if (!NUM_RE.test(v)) throw new RowError(`${field} ${JSON.stringify(v)} is not a number`);
  return Number(v);
}

/** 0 means unknown in the source for budget and revenue. */
function money(v: string, field: string): number | null {
  const n = int(v, field);
  return n === 0 ? null : n;
}

function bool(v: string, field: string): boolean | null {
  if (v === '') return null;
  if (v === 'True') return true;
  if (v === 'False') return false;
  throw new RowError(`${field} ${JSON.stringify(v)} is not True/False`);
}

function date(v: string, field: string): string | null {
  if (v === '') return null;
  const m = DATE_RE.exec(v);
  const d = m ? new Date(`${v}T00:00:00Z`) : null;
  if (!m || !d || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== v) {
    throw new RowError(`${field} ${JSON.stringify(v)} is not a YYYY-MM-DD date`);
  }
  return v;
}

/** Converts a 24-field record into a movie row; throws RowError with the reason. */
function toMovie(f: readonly string[], genres: Map<number, string>): MovieRow {
  const g = (name: keyof typeof COL): string => f[COL[name]] ?? '';
  const idText = g('id');
  if (!INT_RE.test(idText) || Number(idText) <= 0)
    throw new RowError(`id ${JSON.stringify(idText)} is not a number`);
  let list;
  try {
    list = g('genres') === '' ? [] : parseIdNameList(g('genres'));
  } catch (err) {
    if (err instanceof PyLiteralError)
      throw new RowError(`genres is not a Python list of {'id', 'name'}: ${err.message}`);
    throw err;
  }
  const row: MovieRow = {
    movie_id: Number(idText),
    imdb_id: text(g('imdb_id')),
    title: text(g('title')),
    original_title: text(g('original_title')),
    original_language: text(g('original_language')),
    is_adult: bool(g('adult'), 'adult'),
    status: text(g('status')),
    release_date: date(g('release_date'), 'release_date'),
    budget: money(g('budget'), 'budget'),
    revenue: money(g('revenue'), 'revenue'),
    runtime: num(g('runtime'), 'runtime'),
    popularity: num(g('popularity'), 'popularity'),
    vote_average: num(g('vote_average'), 'vote_average'),
    vote_count: int(g('vote_count'), 'vote_count'),
    genre_ids: [],
  };
  const ids = new Set<number>();
  for (const { id, name } of list) {
    const known = genres.get(id);
    if (known !== undefined && known !== name) {
      throw new RowError(
        `genre id ${id} is named ${JSON.stringify(name)} here but ${JSON.stringify(known)} elsewhere`,
      );
    }
    ids.add(id);
  }
  for (const { id, name } of list) genres.set(id, name);
  row.genre_ids = [...ids];
  return row;
}

/**
 * Stitches a record split by an unquoted line break inside the overview: the first half ends inside the overview,
 * the second half starts with the overview's rest. Their field counts add up to 24 + 1 (the overview counted twice).
 */
function stitch(first: RawRecord, second: RawRecord): string[] | null {
  if (first.fields.length + second.fields.length - 1 !== NCOLS) return null;
  if (first.fields.length !== OVERVIEW + 1) return null;
  const head = first.fields.slice(0, -1);
  const overview = `${first.fields[first.fields.length - 1]}\n${second.fields[0]}`;
  return [...head, overview, ...second.fields.slice(1)];
}

/** Reads and cleans a movies_metadata.csv file. The header must already have been validated. */
export async function parseMoviesMetadata(file: string): Promise<MoviesParseResult> {
  const genres = new Map<number, string>();
  const quarantine: QuarantineRow[] = [];
  const byId = new Map<number, MovieRow>();
  const duplicateIds = new Set<number>();
  const repairedIds: number[] = [];
  let recordsRead = 0;
  let duplicatesCollapsed = 0;
  let recordsMerged = 0;
  let pending: RawRecord | null = null;

  const quarantineRecord = (r: RawRecord, reason: string): void => {
    if (r.badByte !== null)
      reason = `invalid UTF-8 at byte offset ${r.badByte} — the file must be UTF-8 (was it saved as Latin-1?); row quarantined`;
    quarantine.push({
      record_number: r.recordNumber,
      line_number: r.lineNumber,
      reason,
      raw: boundText(r.raw),
    });
  };
  const accept = (fields: string[], r: RawRecord, repaired: boolean): void => {
    // Never load text the decoder has patched with U+FFFD: the title would be silently wrong.
    if (r.badByte !== null) return quarantineRecord(r, '');
    let movie: MovieRow;
    try {
      movie = toMovie(fields, genres);
    } catch (err) {
      if (err instanceof RowError) return quarantineRecord(r, `${err.message} — row quarantined`);
      throw err;
    }
    if (repaired) repairedIds.push(movie.movie_id);
    if (byId.has(movie.movie_id)) {
      // Rule: the first occurrence in file order wins (pandas' drop_duplicates(keep='first')).
      duplicatesCollapsed++;
      duplicateIds.add(movie.movie_id);
      return;
    }
    byId.set(movie.movie_id, movie);
  };
  const flushPending = (): void => {
    if (pending)
      quarantineRecord(
        pending,
        `has ${pending.fields.length} fields, expected ${NCOLS}, and no following half to stitch it to — row quarantined`,
      );
    pending = null;
  };

  const scanner = new Utf8Scanner();
  let nextInvalid = 0;
  /** The first invalid byte in [start, end), consuming the offsets before `end`. */
  const firstInvalidBefore = (end: number): number | null => {
    let first: number | null = null;
    while (nextInvalid < scanner.invalid.length && scanner.invalid[nextInvalid]! < end) {
      first ??= scanner.invalid[nextInvalid]!;
      nextInvalid++;
    }
    return first;
  };
  const parser = createReadStream(file)
    .pipe(scanner)
    .pipe(parse({ ...RAW_CSV_OPTIONS, from_line: 2 }));
  let truncatedAtLine: number | null = null;
  parser.on('skip', (err: Error & { code?: string; lines?: number; raw?: string }) => {
    recordsRead++;
    const endsInQuote = err.code === 'CSV_QUOTE_NOT_CLOSED';
    if (endsInQuote) truncatedAtLine = err.lines ?? 0;
    quarantine.push({
      record_number: recordsRead,
      line_number: err.lines ?? 0,
      reason: endsInQuote
        ? "the file ends inside this record's quoted field: it looks cut short (download it again) — row quarantined"
        : `not valid CSV: ${err.message}`,
      raw: boundText(err.raw ?? ''),
    });
  });
  for await (const chunk of parser as AsyncIterable<{
    record: string[];
    info: { lines: number; bytes: number };
    raw: string;
  }>) {
    recordsRead++;
    const raw = chunk.raw.replace(/^(?:\r?\n)+/, '');
    // The record's bytes end at info.bytes and start after the previous record's (a record skipped as invalid CSV
    // in between shares the range: its bad bytes are only this record's if its decoded text shows a U+FFFD).
    const bad = firstInvalidBefore(chunk.info.bytes);
    const r: RawRecord = {
      fields: chunk.record,
      recordNumber: recordsRead,
      lineNumber: chunk.info.lines - (raw.match(/\n(?!$)/g)?.length ?? 0),
      raw: raw.replace(/\r?\n$/, ''),
      badByte: bad !== null && raw.includes('\uFFFD') ? bad : null,
    };
    if (pending) {
      const stitched = stitch(pending, r);
      if (stitched) {
        recordsMerged++;
        accept(
          stitched,
          { ...pending, raw: `${pending.raw}\n${r.raw}`, badByte: pending.badByte ?? r.badByte },
          true,
        );
        pending = null;
        continue;
      }
      flushPending();
    }
    if (r.fields.length === NCOLS) accept(r.fields, r, false);
    else if (r.fields.length < NCOLS) pending = r;
    else quarantineRecord(r, `has ${r.fields.length} fields, expected ${NCOLS} — row quarantined`);
  }
  flushPending();
  const movies = [...byId.values()];
  return {
    movies,
    genres,
    quarantine,
    recordsRead,
    rowsLoaded: movies.length,
    duplicatesCollapsed,
    recordsMerged,
    repairedIds,
    duplicateIds: [...duplicateIds].sort((a, b) => a - b),
    truncatedAtLine,
  };
}
