// The warehouse seam: one interface every engine implements (DuckDB, PostgreSQL, Redshift).
// Stages talk only to this interface, write SQL through its `dialect` and branch on `capabilities`, never on a name.
import { WarehouseError } from '../core/errors.js';
import type { PostgresFamilyDialect } from './dialect.js';
import type { S3CopyLoad } from './s3-copy.js';
import type { ColumnSpec } from '../core/table-spec.js';

/** A value bound to a statement parameter ($1, $2 …). */
export type SqlValue = string | number | boolean | null | bigint;
/** A result row: numbers as numbers (bigints beyond 2^53 as strings), dates as 'YYYY-MM-DD', timestamps as ISO text. */
export type Row = Record<string, string | number | boolean | null>;

export const WAREHOUSE_KINDS = ['duckdb', 'postgres', 'redshift'] as const;
export type WarehouseKind = (typeof WAREHOUSE_KINDS)[number];

/** What an engine can do, as plain data so stages choose a strategy without naming the engine. */
export interface Capabilities {
  /** INSERT … ON CONFLICT DO UPDATE. */
  readonly supportsOnConflict: boolean;
  /** MERGE INTO … USING. */
  readonly supportsMerge: boolean;
  /** How bulk files reach the engine: it reads local files itself, COPY FROM STDIN, or COPY from S3. */
  readonly bulkLoad: 'native' | 'copy-stdin' | 's3-copy';
  /** DDL inside a transaction rolls back with it. */
  readonly transactionalDdl: boolean;
}

// Column and table specs are generic data (core/table-spec.ts): the model is written in them, the seam takes them.
export { type ColumnSpec, type ColumnType, type DistStyle, type TableSpec } from '../core/table-spec.js';

/** A source record the engine could not read as the declared columns. */
export interface BulkReject {
  /** 1-based physical line in the file. */
  line: number;
  reason: string;
  raw: string;
}

export interface BulkLoadResult {
  rowsLoaded: number;
  rejects: BulkReject[];
}

export interface BulkCsvOptions {
  file: string;
  columns: readonly ColumnSpec[];
  target: string;
  mode: 'create' | 'append';
  select?: string;
  where?: string;
  /** With mode 'create': the new table's TableSpec.fillFactor. */
  fillFactor?: number;
  /**
   * With mode 'create', on an engine whose typed load would write every row twice (PostgreSQL: a typed copy, then
   * `select` into `target`): first try loading straight into `target`, created with `columns` NOT NULL — the file's
   * fields in order, the field of column `epochSeconds` (whole seconds) typed as its UTC time — and keep it when
   * every record parses and `check` (SQL over `columns`) holds for every row. Otherwise it is dropped and the load
   * takes its general path (`select`, `where`, rejects), which says why per line (PostgreSQL). DuckDB creates
   * `target` from `columns` NOT NULL and fills it through its general path. Other engines ignore it.
   */
  direct?: DirectLoad;
}

/** A load straight into typed storage (BulkCsvOptions.direct). */
export interface DirectLoad {
  columns: readonly ColumnSpec[];
  /** The column whose field holds epoch seconds, typed TIMESTAMP (UTC). */
  epochSeconds?: string;
  check: string;
}

/** A second session on a warehouse: plain statements that commit on their own. */
export interface WarehouseSession {
  exec(sql: string): Promise<void>;
  query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  close(): Promise<void>;
}

/** A connection to one warehouse. All access to a warehouse goes through this. */
export interface Warehouse {
  readonly kind: WarehouseKind;
  readonly capabilities: Capabilities;
  /** Where it is, safe to print (no password). */
  readonly displayName: string;
  /** The engine's SQL: every engine-specific expression a stage writes comes from here. */
  readonly dialect: PostgresFamilyDialect;
  /**
   * Takes the run lock — one run per warehouse at a time — held until close. Engines whose open already holds an
   * exclusive lock (a DuckDB file) need nothing more and leave this out. Throws WarehouseLockedError when held and
   * `wait` is false.
   */
  acquireRunLock?(opts: { wait: boolean }): Promise<void>;
  /** Runs one or more statements that return nothing. */
  exec(sql: string): Promise<void>;
  /** Runs one statement and returns its rows. */
  query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** Runs `fn` in one transaction: everything it did commits together, or none of it does. */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Bulk-loads a comma-separated file with a header row, read as `columns` (in file order). With `mode: 'create'`
   * a new table `target` holds the result; with 'append' the rows go into the existing `target`. `select` (dialect
   * SQL over the file's columns, typed as declared; default `*`) shapes each row and `where` filters them. Records
   * that do not parse as `columns` (a field that is not of its type, a wrong field count) are returned as rejects
   * with their line; `rowsLoaded` counts rows written. How is the engine's business: DuckDB reads the file natively
   * (typed read_csv, store_rejects); PostgreSQL COPYs it as text into staging and types it with safe casts.
   */
  bulkLoadCsv(opts: BulkCsvOptions): Promise<BulkLoadResult>;
  /**
   * Present when files reach the engine only through object storage (`bulkLoad: 's3-copy'`): upload CSV parts and
   * run a load plan of COPY-from-manifest statements (s3-copy.ts). The stage owns the plan; the engine runs it.
   */
  readonly s3Copy?: S3CopyLoad;
  /** Bulk-loads a newline-delimited JSON file into a new table `table` with exactly `columns`. */
  bulkLoadNdjson(opts: { file: string; table: string; columns: readonly ColumnSpec[] }): Promise<number>;
  /**
   * Opens a second, independent session on the same warehouse. Its statements autocommit, outside any transaction
   * of this one — the run history is written through it, so a publish that rolls back keeps the record of why.
   * Close it before closing this warehouse.
   */
  openSession(): Promise<WarehouseSession>;
  close(): Promise<void>;
}

/** A row value as a number (bigints past 2^53 arrive as text); null stays null, NaN becomes null. */
export function num(v: Row[string] | undefined): number | null {
  if (v === null || v === undefined) return null;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : null;
}

/** A row value as text; null stays null. */
export function str(v: Row[string] | undefined): string | null {
  return v === null || v === undefined ? null : String(v);
}

/** `d` in UTC as SQL TIMESTAMP text: run times are stored in UTC on every engine, whatever the session time zone. */
export function sqlUtc(d: Date = new Date()): string {
  return d.toISOString().replace('T', ' ').replace('Z', '');
}

/** Whether every one of `tables` exists in `schema` (a new or older warehouse lacks some). */
export async function tablesExist(
  db: Pick<Warehouse, 'query'>,
  schema: string,
  ...tables: readonly string[]
): Promise<boolean> {
  const rows = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = $1`,
    [schema],
  );
  const have = new Set(rows.map((r) => r.table_name));
  return tables.every((t) => have.has(t));
}

/** The number in column `n` of the first row `sql` returns (0 when there is no row or it is null). */
export async function queryCount(db: Pick<Warehouse, 'query'>, sql: string): Promise<number> {
  const [row] = await db.query<{ n: number | string | null }>(sql);
  return Number(row?.n ?? 0);
}

/** Quotes an identifier for the Postgres family (DuckDB, PostgreSQL, Redshift). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quotes a string literal for the Postgres family. */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Another process holds the warehouse (its run lock). `holder` says who and since when, when the engine knows. */
export class WarehouseLockedError extends WarehouseError {
  constructor(
    message: string,
    readonly holder: string | null,
    cause?: unknown,
  ) {
    super(message, { retryable: true, cause });
  }
}
