// The DuckDB warehouse: a single file opened in-process with @duckdb/node-api. The embedded default.
import { DuckDBConnection, DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';
import {
  quoteIdent,
  quoteLiteral,
  type BulkCsvOptions,
  type BulkLoadResult,
  type Capabilities,
  type ColumnSpec,
  type Row,
  type SqlValue,
  type Warehouse,
  type WarehouseSession,
} from '../warehouse.js';
import { EXIT, WarehouseError } from '../../core/errors.js';
import { toWarehouseError } from './duckdb-errors.js';
import { assertDuckDbFile, whileBeingCreated } from './duckdb-file.js';
import { removeLockInfo, writeLockInfo } from './duckdb-lock.js';
import { duckDbDialect } from './duckdb-dialect.js';

export const DUCKDB_CAPABILITIES: Capabilities = {
  supportsOnConflict: true,
  supportsMerge: true,
  bulkLoad: 'native',
  transactionalDdl: true,
};

let rejectTableCounter = 0;

/** The catalog the warehouse file is attached as. */
export const WAREHOUSE_CATALOG = 'warehouse';

export interface DuckDbOptions {
  /** Path of the database file, or ':memory:'. */
  path: string;
  /** DuckDB memory_limit (default 1.5GB: keeps the pipeline's peak RSS under 2 GiB; DuckDB spills beyond it). */
  memoryLimit?: string;
  /** DuckDB threads (default: all cores). */
  threads?: number;
  /**
   * Attach the file READ_ONLY: a shared lock, so other readers may attach it too and a writer may not until it is
   * closed. A missing file is an error (nothing is created).
   */
  readOnly?: boolean;
}

/** Converts a DuckDB value to the plain JS value of a Row. */
function toJs(v: unknown): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint')
    return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(v)
      : v.toString();
  if (typeof v === 'object' && 'toDouble' in v && typeof v.toDouble === 'function')
    return (v.toDouble as () => number)();
  // DATE, TIMESTAMP and the other DuckDB value classes print their SQL text form.
  return (v as { toString(): string }).toString();
}

/** Runs one statement on a connection and returns its rows as plain values. */
async function queryRows<T extends Row>(
  conn: DuckDBConnection,
  where: string,
  sql: string,
  params: readonly SqlValue[],
): Promise<T[]> {
  try {
    const reader = await conn.runAndReadAll(sql, params.length > 0 ? (params as DuckDBValue[]) : undefined);
    const names = reader.columnNames();
    return reader.getRows().map((values) => {
      const row: Row = {};
      names.forEach((n, i) => (row[n] = toJs(values[i])));
      return row as T;
    });
  } catch (err) {
    throw toWarehouseError(err, where, sql);
  }
}

export class DuckDbWarehouse implements Warehouse {
  readonly kind = 'duckdb' as const;
  readonly capabilities = DUCKDB_CAPABILITIES;
  readonly dialect = duckDbDialect;
  readonly displayName: string;
  private inTransaction = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    path: string,
  ) {
    this.displayName = path;
  }

  /**
   * Opens (creating if needed) the DuckDB file at `opts.path`. A file another process is creating this instant can
   * look "not a valid DuckDB database" for a moment: a just-modified file is tried again for a few seconds, until
   * it opens or DuckDB's lock names the process that holds it.
   */
  static async open(opts: DuckDbOptions): Promise<DuckDbWarehouse> {
    await assertDuckDbFile(opts.path);
    return whileBeingCreated(
      opts.path,
      () => DuckDbWarehouse.openOnce(opts),
      (err) => err instanceof WarehouseError && err.exitCode === EXIT.usage,
    );
  }

  private static async openOnce(opts: DuckDbOptions): Promise<DuckDbWarehouse> {
    const config: Record<string, string> = {
      memory_limit: opts.memoryLimit ?? '1.5GB',
      // Bulk loads do not need input order; letting DuckDB drop it saves memory and time.
      preserve_insertion_order: 'false',
    };
    if (opts.threads !== undefined) config.threads = String(opts.threads);
    // A writer spills next to the warehouse file (an in-memory instance would default to ./.tmp in the working
    // directory). A reader does not: several readers of one file at once would share that folder.
    if (opts.path !== ':memory:' && opts.readOnly !== true) config.temp_directory = `${opts.path}.tmp`;
    try {
      // The file is attached under a fixed catalog name: DuckDB names a catalog after its file, and a file called
      // movalytics.duckdb would make `movalytics.run` ambiguous between catalog and schema.
      const instance = await DuckDBInstance.create(':memory:', config);
      const conn = await instance.connect();
      if (opts.path !== ':memory:') {
        try {
          await conn.run(
            `ATTACH ${quoteLiteral(opts.path)} AS ${WAREHOUSE_CATALOG}${opts.readOnly === true ? ' (READ_ONLY)' : ''}`,
          );
          await conn.run(`USE ${WAREHOUSE_CATALOG}`);
          // A reader leaves the sidecar too, so a run it refuses names `movalytics serve` (or answers …).
          writeLockInfo(opts.path);
        } catch (err) {
          conn.closeSync();
          instance.closeSync();
          throw err;
        }
      }
      return new DuckDbWarehouse(instance, conn, opts.path);
    } catch (err) {
      throw toWarehouseError(err, opts.path);
    }
  }

  async exec(sql: string): Promise<void> {
    try {
      await this.conn.run(sql);
    } catch (err) {
      throw toWarehouseError(err, this.displayName, sql);
    }
  }

  async query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return queryRows<T>(this.conn, this.displayName, sql, params);
  }

  async openSession(): Promise<WarehouseSession> {
    const conn = await this.instance.connect();
    const where = this.displayName;
    try {
      if (where !== ':memory:') await conn.run(`USE ${WAREHOUSE_CATALOG}`);
    } catch (err) {
      conn.closeSync();
      throw toWarehouseError(err, where);
    }
    return {
      exec: async (sql) => {
        try {
          await conn.run(sql);
        } catch (err) {
          throw toWarehouseError(err, where, sql);
        }
      },
      query: (sql, params = []) => queryRows(conn, where, sql, params),
      close: () => {
        conn.closeSync();
        return Promise.resolve();
      },
    };
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inTransaction) return fn();
    await this.exec('BEGIN TRANSACTION');
    this.inTransaction = true;
    try {
      const result = await fn();
      await this.exec('COMMIT');
      return result;
    } catch (err) {
      try {
        await this.conn.run('ROLLBACK');
      } catch {
        // DuckDB has already aborted the transaction after some errors; nothing left to roll back.
      }
      throw err;
    } finally {
      this.inTransaction = false;
    }
  }

  async bulkLoadCsv(opts: BulkCsvOptions): Promise<BulkLoadResult> {
    const cols = opts.columns.map((c) => `${quoteLiteral(c.name)}: ${quoteLiteral(c.type)}`).join(', ');
    const id = `${process.pid}_${++rejectTableCounter}`;
    const rejectsTable = `rejects_${id}`;
    const scansTable = `reject_scans_${id}`;
    // auto_detect off: the layout is known, and sniffing a 700 MB file would cost a pass.
    const source = `SELECT ${opts.select ?? '*'} FROM read_csv(${quoteLiteral(opts.file)},
      header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
      columns = {${cols}}, store_rejects = true, rejects_table = ${quoteLiteral(rejectsTable)},
      rejects_scan = ${quoteLiteral(scansTable)})${opts.where ? ` WHERE ${opts.where}` : ''}`;
    // With `direct`, the target is created typed and NOT NULL, then filled: the NOT NULL scans after a CREATE TABLE
    // AS cost ~0.1 s at full scale. Rows the general path would refuse still become rejects (read_csv's).
    const direct = opts.mode === 'create' ? opts.direct : undefined;
    if (direct !== undefined) {
      const columns = direct.columns.map(
        (c) => `${quoteIdent(c.name)} ${duckDbDialect.typeName(c.type)} NOT NULL`,
      );
      await this.exec(`CREATE TABLE ${opts.target} (${columns.join(', ')})`);
    }
    const written = await this.query<{ Count: number }>(
      opts.mode === 'create' && direct === undefined
        ? `CREATE TABLE ${opts.target} AS ${source}`
        : `INSERT INTO ${opts.target} ${source}`,
    );
    let rowsLoaded = written[0]?.Count;
    if (typeof rowsLoaded !== 'number') {
      const [c] = await this.query<{ n: number }>(`SELECT count(*) AS n FROM ${opts.target}`);
      rowsLoaded = c?.n ?? 0;
    }
    // One record can fail on several columns: one reject per line, first reason.
    const rejects = await this.query<{ line: number; reason: string; raw: string }>(
      `SELECT line, arg_min(error_message, column_idx) AS reason, arg_min(csv_line, column_idx) AS raw
       FROM ${quoteIdent(rejectsTable)} GROUP BY line ORDER BY line`,
    );
    await this.exec(
      `DROP TABLE IF EXISTS ${quoteIdent(rejectsTable)}; DROP TABLE IF EXISTS ${quoteIdent(scansTable)}`,
    );
    return {
      rowsLoaded,
      rejects: rejects.map((r) => ({
        line: r.line,
        reason: r.reason,
        raw: r.raw.replace(/^\r?\n/, '').replace(/\r?\n$/, ''),
      })),
    };
  }

  async bulkLoadNdjson(opts: {
    file: string;
    table: string;
    columns: readonly ColumnSpec[];
  }): Promise<number> {
    const cols = opts.columns.map((c) => `${quoteLiteral(c.name)}: ${quoteLiteral(c.type)}`).join(', ');
    await this.exec(
      `CREATE TABLE ${opts.table} AS SELECT * FROM read_json(${quoteLiteral(opts.file)}, format = 'newline_delimited', columns = {${cols}})`,
    );
    const [count] = await this.query<{ n: number }>(`SELECT count(*) AS n FROM ${opts.table}`);
    return count?.n ?? 0;
  }

  close(): Promise<void> {
    this.conn.closeSync();
    this.instance.closeSync();
    if (this.displayName !== ':memory:') removeLockInfo(this.displayName);
    return Promise.resolve();
  }
}
