// Read-only, short-lived access to the warehouse for `serve`. A DuckDB file is locked by one writer process at a
// time, so the server never keeps it: it attaches the file READ_ONLY for a burst of requests and lets go after a
// short idle time, so `movalytics run` can take it in between. While a run holds the file, reads fail with
// WarehouseLockedError and the server answers from its last cached responses (see server.ts). docs/serve.md.
import { stat } from 'node:fs/promises';
import { WarehouseError } from '../core/errors.js';
import { toWarehouseError } from '../warehouse/duckdb/duckdb-errors.js';
import { removeLockInfo, writeLockInfo } from '../warehouse/duckdb/duckdb-lock.js';
import type { WarehouseLocation } from '../warehouse/location.js';
import { describeLocation, openWarehouse, warehouseExists } from '../warehouse/open.js';
import {
  WarehouseLockedError,
  quoteLiteral,
  type Row,
  type SqlValue,
  type Warehouse,
} from '../warehouse/warehouse.js';

/** The catalog the DuckDB file is attached as (the pipeline uses the same name; queries never name it). */
const CATALOG = 'warehouse';

export interface WarehouseAccessOptions {
  location: WarehouseLocation;
  /**
   * How long a DuckDB file stays attached after the last read (ms, default 300). Short: while it is attached a
   * `movalytics run` on the same file is refused (or, with --wait, waits).
   */
  holdMs?: number;
  /** DuckDB memory_limit for the reader (default 512MB: answers read only small marts). */
  duckdbMemoryLimit?: string;
}

/**
 * One reader of one warehouse, shared by every request: reads run one at a time on one connection (a DuckDB
 * connection is not concurrent), the connection is opened on demand and, for a DuckDB file, closed after `holdMs`.
 */
export class WarehouseAccess {
  readonly location: WarehouseLocation;
  readonly displayName: string;
  private readonly holdMs: number;
  private readonly memoryLimit: string;
  private wh: Warehouse | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private exclusiveHolder: string | null = null;

  constructor(opts: WarehouseAccessOptions) {
    this.location = opts.location;
    this.displayName = describeLocation(opts.location);
    this.holdMs = opts.holdMs ?? 300;
    this.memoryLimit = opts.duckdbMemoryLimit ?? '512MB';
  }

  /** Whether the warehouse exists (a DuckDB file that is not there is never created by the server). */
  exists(): boolean {
    return warehouseExists(this.location);
  }

  /**
   * A cheap token that changes whenever the DuckDB file does (size and mtime of the file and its WAL), so responses
   * can be cached without opening it; null for a server database (no cache: the server keeps its session).
   */
  async version(): Promise<string | null> {
    if (this.location.kind !== 'duckdb') return null;
    const parts: string[] = [];
    for (const p of [this.location.path, `${this.location.path}.wal`]) {
      try {
        const s = await stat(p);
        parts.push(`${s.size}:${s.mtimeMs}`);
      } catch {
        parts.push('-');
      }
    }
    return parts.join('/');
  }

  /**
   * Runs `fn` with the read-only warehouse, after every read queued before it. Refused at once (WarehouseLockedError)
   * while a writer in this process holds the warehouse (see `exclusive`).
   */
  read<T>(fn: (wh: Warehouse) => Promise<T>): Promise<T> {
    if (this.exclusiveHolder !== null)
      return Promise.reject(
        new WarehouseLockedError(
          `warehouse ${this.displayName} is locked by ${this.exclusiveHolder}: try again when it finishes`,
          this.exclusiveHolder,
        ),
      );
    const next = this.queue.then(async () => {
      if (this.closed) throw new WarehouseError(`warehouse ${this.displayName}: the server is shutting down`);
      this.cancelIdle();
      const wh = await this.connection();
      try {
        return await fn(wh);
      } catch (err) {
        // A server session that broke (not a statement that failed) is opened again next time.
        if (this.location.kind !== 'duckdb' && !(err instanceof WarehouseError && err.sqlState)) {
          await this.drop();
        }
        throw err;
      } finally {
        this.scheduleIdle();
      }
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * The hook for a writer in this same process (`serve --schedule`: the scheduler runs the pipeline through it).
   * From the call on, reads are refused (the server answers from its cache); reads queued before it finish first;
   * then the warehouse is let go, `fn` runs, and reads are served again.
   */
  exclusive<T>(holder: string, fn: () => Promise<T>): Promise<T> {
    if (this.exclusiveHolder !== null)
      return Promise.reject(new Error(`exclusive: already held by ${this.exclusiveHolder}`));
    this.exclusiveHolder = holder;
    const next = this.queue.then(async () => {
      this.cancelIdle();
      await this.drop();
      try {
        return await fn();
      } finally {
        this.exclusiveHolder = null;
      }
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    await this.queue;
    this.closed = true;
    this.cancelIdle();
    await this.drop();
  }

  private async connection(): Promise<Warehouse> {
    if (this.wh !== null) return this.wh;
    this.wh =
      this.location.kind === 'duckdb'
        ? await openDuckDbReadOnly(this.location.path, this.memoryLimit)
        : await openServerReadOnly(this.location);
    return this.wh;
  }

  private async drop(): Promise<void> {
    const wh = this.wh;
    this.wh = null;
    if (wh === null) return;
    try {
      await wh.close();
    } catch {
      // a broken session is gone either way
    }
  }

  private cancelIdle(): void {
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  private scheduleIdle(): void {
    // A server session costs the database nothing while idle; a DuckDB file must be let go.
    if (this.location.kind !== 'duckdb') return;
    this.cancelIdle();
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      this.queue = this.queue.then(() => (this.idleTimer === null ? this.drop() : undefined));
    }, this.holdMs);
    this.idleTimer.unref();
  }
}

/**
 * A DuckDB file attached READ_ONLY (a shared lock: other readers may attach it, a writer may not until it is let
 * go). The engine's opener always attaches read-write, so the reader starts from an in-memory instance and
 * attaches the file itself; it leaves the same lock sidecar a writer does, so a refused run names `movalytics serve`.
 */
async function openDuckDbReadOnly(path: string, memoryLimit: string): Promise<Warehouse> {
  const inner = await openWarehouse({ kind: 'duckdb', path: ':memory:' }, { duckdbMemoryLimit: memoryLimit });
  try {
    await inner.exec(`ATTACH ${quoteLiteral(path)} AS ${CATALOG} (READ_ONLY); USE ${CATALOG}`);
  } catch (err) {
    await inner.close();
    throw toWarehouseError(err instanceof WarehouseError && err.cause !== undefined ? err.cause : err, path);
  }
  writeLockInfo(path);
  return readOnlyView(inner, path, () => removeLockInfo(path));
}

/** A server database with every transaction of the session read-only. */
async function openServerReadOnly(loc: WarehouseLocation): Promise<Warehouse> {
  const inner = await openWarehouse(loc);
  try {
    await inner.exec(`SET default_transaction_read_only = on`);
  } catch (err) {
    await inner.close();
    throw err;
  }
  return readOnlyView(inner, describeLocation(loc), () => undefined);
}

/** The warehouse under its real name, with the write paths closed. */
function readOnlyView(inner: Warehouse, displayName: string, onClose: () => void): Warehouse {
  const rename = (err: unknown): never => {
    if (err instanceof WarehouseError && inner.displayName !== displayName)
      throw new WarehouseError(
        err.message.split(`warehouse ${inner.displayName}`).join(`warehouse ${displayName}`),
        {
          cause: err.cause,
          sqlState: err.sqlState,
          exitCode: err.exitCode,
        },
      );
    throw err;
  };
  const refuse = (what: string): Promise<never> =>
    Promise.reject(new Error(`serve is read-only: ${what} is not allowed`));
  return {
    kind: inner.kind,
    capabilities: inner.capabilities,
    dialect: inner.dialect,
    displayName,
    exec: (sql) => inner.exec(sql).catch(rename),
    query: <T extends Row = Row>(sql: string, params?: readonly SqlValue[]) =>
      inner.query<T>(sql, params).catch(rename),
    transaction: (fn) => inner.transaction(fn),
    bulkLoadCsv: () => refuse('bulkLoadCsv'),
    bulkLoadNdjson: () => refuse('bulkLoadNdjson'),
    openSession: () => refuse('openSession'),
    close: async () => {
      onClose();
      await inner.close();
    },
  };
}
