// The DuckDB warehouse: a single file opened in-process with @duckdb/node-api. The embedded default.
import { DuckDBConnection, DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';
import type { Capabilities, Row, SqlValue, Warehouse } from '../warehouse.js';
import { toWarehouseError } from './duckdb-errors.js';

export const DUCKDB_CAPABILITIES: Capabilities = {
  supportsOnConflict: true,
  supportsMerge: true,
  bulkLoad: 'native',
  transactionalDdl: true,
};

export interface DuckDbOptions {
  /** Path of the database file, or ':memory:'. */
  path: string;
  /** DuckDB memory_limit (default 1.5GB: keeps the pipeline's peak RSS under 2 GiB; DuckDB spills beyond it). */
  memoryLimit?: string;
  /** DuckDB threads (default: all cores). */
  threads?: number;
}

/** Converts a DuckDB value to the plain JS value of a Row. */
function toJs(v: unknown): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString();
  if (typeof v === 'object' && 'toDouble' in v && typeof v.toDouble === 'function') return (v.toDouble as () => number)();
  return String(v);
}

export class DuckDbWarehouse implements Warehouse {
  readonly kind = 'duckdb' as const;
  readonly capabilities = DUCKDB_CAPABILITIES;
  readonly displayName: string;
  private inTransaction = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    path: string,
  ) {
    this.displayName = path;
  }

  /** Opens (creating if needed) the DuckDB file at `opts.path`. */
  static async open(opts: DuckDbOptions): Promise<DuckDbWarehouse> {
    const config: Record<string, string> = {
      memory_limit: opts.memoryLimit ?? '1.5GB',
      // Bulk loads do not need input order; letting DuckDB drop it saves memory and time.
      preserve_insertion_order: 'false',
    };
    if (opts.threads !== undefined) config.threads = String(opts.threads);
    try {
      const instance = await DuckDBInstance.create(opts.path, config);
      const conn = await instance.connect();
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
    try {
      const reader = await this.conn.runAndReadAll(sql, params.length > 0 ? (params as DuckDBValue[]) : undefined);
      const names = reader.columnNames();
      return reader.getRows().map((values) => {
        const row: Row = {};
        names.forEach((n, i) => (row[n] = toJs(values[i])));
        return row as T;
      });
    } catch (err) {
      throw toWarehouseError(err, this.displayName, sql);
    }
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

  close(): Promise<void> {
    this.conn.closeSync();
    this.instance.closeSync();
    return Promise.resolve();
  }
}
