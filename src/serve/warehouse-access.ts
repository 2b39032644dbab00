// Read-only, short-lived access to the warehouse for `serve`, through the seam's read-only open. A warehouse file
// (DuckDB) has one writer at a time, so the server never keeps it: it is opened for a burst of reads and let go the
// moment the last queued read ends, so `movalytics run` can take it in between. While a run holds the file, reads
// fail with WarehouseLockedError and the server answers from its last cached responses (see server.ts). docs/serve.md.
import { stat } from 'node:fs/promises';
import { WarehouseError } from '../core/errors.js';
import type { WarehouseLocation } from '../warehouse/location.js';
import { describeLocation, openWarehouse, warehouseExists, warehouseFiles } from '../warehouse/open.js';
import { WarehouseLockedError, type Warehouse } from '../warehouse/warehouse.js';

export interface WarehouseAccessOptions {
  location: WarehouseLocation;
}

/** DuckDB memory_limit for the reader: answers read only small marts. */
const MEMORY_LIMIT = '512MB';

/**
 * The longest a warehouse file is held through one unbroken stream of reads (ms). Then it is let go and the next read
 * waits YIELD_MS first, so a run that is retrying its open gets the file even while the dashboard is busy.
 */
const MAX_HOLD_MS = 1_000;
const YIELD_MS = 250;

/**
 * One reader of one warehouse, shared by every request: reads run one at a time on one connection (a DuckDB
 * connection is not concurrent), opened on demand; a warehouse file is closed as soon as no read is queued.
 */
export class WarehouseAccess {
  readonly location: WarehouseLocation;
  readonly displayName: string;
  private readonly files: string[];
  private wh: Warehouse | null = null;
  private openedAt = 0;
  /** When the file was let go after a long hold: it is not opened again before this (ms since epoch). */
  private yieldUntil = 0;
  private queued = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private exclusiveHolder: string | null = null;

  constructor(opts: WarehouseAccessOptions) {
    this.location = opts.location;
    this.displayName = describeLocation(opts.location);
    this.files = warehouseFiles(opts.location);
  }

  /** Whether the warehouse exists (a warehouse file that is not there is never created by the server). */
  exists(): boolean {
    return warehouseExists(this.location);
  }

  /**
   * A cheap token that changes whenever the warehouse file does (size and mtime of the file and its WAL), so responses
   * can be cached without opening it; null for a server database (no cache: the server keeps its session).
   */
  async version(): Promise<string | null> {
    if (this.files.length === 0) return null;
    const parts: string[] = [];
    for (const p of this.files) {
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
    this.queued++;
    const next = this.queue.then(async () => {
      try {
        if (this.closed)
          throw new WarehouseError(`warehouse ${this.displayName}: the server is shutting down`);
        return await fn(await this.connection());
      } catch (err) {
        // A server session that broke (not a statement that failed) is opened again next time.
        if (this.files.length === 0 && !(err instanceof WarehouseError && err.sqlState)) await this.drop();
        throw err;
      } finally {
        this.queued--;
        await this.letGoOfFile();
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
    await this.drop();
  }

  private async connection(): Promise<Warehouse> {
    if (this.wh !== null) return this.wh;
    const pause = this.yieldUntil - Date.now();
    if (pause > 0) await new Promise((r) => setTimeout(r, pause));
    this.wh = await openWarehouse(this.location, { readOnly: true, duckdbMemoryLimit: MEMORY_LIMIT });
    this.openedAt = Date.now();
    return this.wh;
  }

  /**
   * A server session costs the database nothing while idle and is kept. A warehouse file is closed when the burst of
   * reads ends, or when it has been held MAX_HOLD_MS: then the next read waits YIELD_MS, so a run gets its turn.
   */
  private async letGoOfFile(): Promise<void> {
    if (this.files.length === 0 || this.wh === null) return;
    const heldTooLong = Date.now() - this.openedAt >= MAX_HOLD_MS;
    if (this.queued > 0 && !heldTooLong) return;
    await this.drop();
    if (heldTooLong) this.yieldUntil = Date.now() + YIELD_MS;
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
}
