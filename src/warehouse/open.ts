// The one opener: a warehouse location (parsed from `--warehouse`) → a connected Warehouse. The only code outside an
// engine's folder that names engines.
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { DuckDbWarehouse } from './duckdb/index.js';
import type { WarehouseLocation } from './location.js';
import { PostgresWarehouse, describePostgresUrl } from './postgres/index.js';
import { RedshiftWarehouse, describeRedshiftUrl } from './redshift/index.js';
import type { Warehouse } from './warehouse.js';

export interface OpenOptions {
  /** DuckDB memory_limit (ignored by server engines). */
  duckdbMemoryLimit?: string;
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
    default: {
      const never: never = loc;
      throw new Error(`unknown warehouse ${String(never)}`);
    }
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
    default: {
      const never: never = loc;
      throw new Error(`unknown warehouse ${String(never)}`);
    }
  }
}

/** Connects to the warehouse at `loc` (creating a DuckDB file if there is none). */
export async function openWarehouse(loc: WarehouseLocation, opts: OpenOptions = {}): Promise<Warehouse> {
  switch (loc.kind) {
    case 'duckdb':
      return DuckDbWarehouse.open({ path: loc.path, memoryLimit: opts.duckdbMemoryLimit });
    case 'postgres':
      return PostgresWarehouse.open({ url: loc.url, loadStreams: loc.loadStreams });
    case 'redshift':
      return RedshiftWarehouse.openRedshift({
        url: loc.url,
        ...(loc.iamRole === undefined ? {} : { iamRole: loc.iamRole }),
        ...(loc.staging === undefined ? {} : { staging: loc.staging }),
      });
    default: {
      const never: never = loc;
      throw new Error(`unknown warehouse ${String(never)}`);
    }
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
