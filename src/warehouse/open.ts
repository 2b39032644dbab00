// The one opener: a warehouse location (parsed from `--warehouse`) → a connected Warehouse. The only code outside an
// engine's folder that names engines. Each engine is imported when it is opened, so a command on a DuckDB file loads
// no PostgreSQL driver, S3 client or Redshift code.
import { unreachable } from '../core/unreachable.js';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { describePostgresUrl, describeRedshiftUrl, type WarehouseLocation } from './location.js';
import { readOnlyView } from './read-only.js';
import type { Warehouse } from './warehouse.js';

export interface OpenOptions {
  /** DuckDB memory_limit (ignored by server engines). */
  duckdbMemoryLimit?: string;
  /**
   * For readers (serve, answers, report, diff): a DuckDB file is attached READ_ONLY (other readers may share it, a
   * run may not take it until closed; a missing file is an error, never created), a server session runs every
   * transaction read-only, and bulk loads, second sessions and the run lock are refused.
   */
  readOnly?: boolean;
}

/**
 * Whether the warehouse already exists. A DuckDB file may not (opening it would create it); a server database is
 * taken to exist, and connecting says so when it does not.
 */
export function warehouseExists(loc: WarehouseLocation): boolean {
  switch (loc.kind) {
    case 'duckdb':
      return loc.path === ':memory:' || existsSync(loc.path);
    case 'postgres':
    case 'redshift':
      return true;
    default:
      return unreachable(loc, 'warehouse');
  }
}

/**
 * The files a file warehouse lives in (a DuckDB file and its WAL): their size and mtime change with every write, and
 * holding them open blocks a run. None for a server database.
 */
export function warehouseFiles(loc: WarehouseLocation): string[] {
  switch (loc.kind) {
    case 'duckdb':
      return loc.path === ':memory:' ? [] : [loc.path, `${loc.path}.wal`];
    case 'postgres':
    case 'redshift':
      return [];
    default:
      return unreachable(loc, 'warehouse');
  }
}

/** Where the warehouse is, safe to print: a path, or a URL without its password. */
export function describeLocation(loc: WarehouseLocation): string {
  switch (loc.kind) {
    case 'duckdb':
      return loc.path;
    case 'postgres':
      return describePostgresUrl(loc.url);
    case 'redshift':
      return describeRedshiftUrl(loc.url);
    default:
      return unreachable(loc, 'warehouse');
  }
}

/** Connects to the warehouse at `loc` (creating a DuckDB file if there is none, unless `readOnly`). */
export async function openWarehouse(loc: WarehouseLocation, opts: OpenOptions = {}): Promise<Warehouse> {
  const wh = await openEngine(loc, opts);
  return opts.readOnly === true ? readOnlyView(wh) : wh;
}

async function openEngine(loc: WarehouseLocation, opts: OpenOptions): Promise<Warehouse> {
  const readOnly = opts.readOnly === true;
  switch (loc.kind) {
    case 'duckdb': {
      const { DuckDbWarehouse } = await import('./duckdb/index.js');
      return DuckDbWarehouse.open({ path: loc.path, memoryLimit: opts.duckdbMemoryLimit, readOnly });
    }
    case 'postgres': {
      const { PostgresWarehouse } = await import('./postgres/index.js');
      return PostgresWarehouse.open({ url: loc.url, loadStreams: loc.loadStreams, readOnly });
    }
    case 'redshift': {
      const { RedshiftWarehouse } = await import('./redshift/index.js');
      return RedshiftWarehouse.openRedshift({
        url: loc.url,
        readOnly,
        ...(loc.iamRole === undefined ? {} : { iamRole: loc.iamRole }),
        ...(loc.staging === undefined ? {} : { staging: loc.staging }),
      });
    }
    default:
      return unreachable(loc, 'warehouse');
  }
}

/**
 * Removes a warehouse a run created and then failed before building anything (bad input leaves no trace): a DuckDB
 * file with its WAL and spill folder. A server database is never dropped.
 */
export async function discardNewWarehouse(loc: WarehouseLocation): Promise<void> {
  if (loc.kind !== 'duckdb' || loc.path === ':memory:') return;
  const file = loc.path;
  await Promise.all([file, `${file}.wal`, `${file}.tmp`].map((p) => rm(p, { recursive: true, force: true })));
}
