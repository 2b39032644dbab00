// The warehouses integration suites run against: DuckDB always, PostgreSQL when the server answers (a NOTICE and a
// skip when it does not; MOVALYTICS_REQUIRE_SERVICES=1 turns the skip into a failure). Each test gets a fresh
// warehouse of its own: a DuckDB file in its temp folder, or a database created for it and dropped after the file.
import { join } from 'node:path';
import pg from 'pg';
import { afterAll } from 'vitest';
import { openWarehouse } from '../src/warehouse/open.js';
import { parseWarehouseLocation, type WarehouseLocation } from '../src/warehouse/location.js';
import type { ColumnSpec, ColumnType, Row, Warehouse } from '../src/warehouse/warehouse.js';

export const PG_URL = process.env.MOVALYTICS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface Engine {
  readonly name: 'duckdb' | 'postgres';
  /** A new, empty warehouse for one test: the `--warehouse` text. `dir` is the test's temp folder. */
  fresh(dir: string): Promise<string>;
}

/** Whether the PostgreSQL server answers; without it, a NOTICE (or, when required, an error). */
async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    if (process.env.MOVALYTICS_REQUIRE_SERVICES === '1')
      throw new Error(`PostgreSQL at ${PG_URL} is not reachable (MOVALYTICS_REQUIRE_SERVICES=1): ${why}`, {
        cause: err,
      });
    console.warn(`NOTICE: PostgreSQL at ${PG_URL} is not reachable (${why}) — PostgreSQL tests are SKIPPED`);
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A URL for database `db` on the test server (same user, host and options as PG_URL). */
function urlFor(db: string): string {
  const u = new URL(PG_URL);
  u.pathname = `/${db}`;
  return u.toString();
}

/** Runs one statement on the test server's admin database (CREATE/DROP DATABASE cannot run in a transaction). */
async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const duckdb: Engine = {
  name: 'duckdb',
  fresh: (dir) => Promise.resolve(join(dir, 'w.duckdb')),
};

const created: string[] = [];
// Registered when the test file imports this module (collection time): an afterAll called from inside a test body
// is not attached to any suite, and the databases it was meant to drop would be left behind.
afterAll(async () => {
  for (const d of created.splice(0)) await admin(`DROP DATABASE IF EXISTS ${d} WITH (FORCE)`);
});
const postgres: Engine = {
  name: 'postgres',
  fresh: async () => {
    const db = `movalytics_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
    await admin(`CREATE DATABASE ${db}`);
    created.push(db);
    return urlFor(db);
  },
};

/** The engines reachable here, DuckDB first. */
export const engines: readonly Engine[] = (await postgresReachable()) ? [duckdb, postgres] : [duckdb];

/** The parsed location of a `--warehouse` text (for opening it directly in a test). */
export function locationOf(text: string): WarehouseLocation {
  const p = parseWarehouseLocation(text);
  if (!p.ok) throw new Error(p.message);
  return p.location;
}

/** Runs `fn` on the warehouse at `text`, then closes it. */
export async function withWarehouse<T>(text: string, fn: (wh: Warehouse) => Promise<T>): Promise<T> {
  const wh = await openWarehouse(locationOf(text));
  try {
    return await fn(wh);
  } finally {
    await wh.close();
  }
}

/** Rows of `sql` on the warehouse at `text`. */
export function query<T extends Row = Row>(text: string, sql: string): Promise<T[]> {
  return withWarehouse(text, (wh) => wh.query<T>(sql));
}

const D = 'DOUBLE PRECISION' as const;
/** The model's columns and types, for checksums (types decide the canonical text of a value). */
export const MODEL_COLUMNS: Record<string, readonly ColumnSpec[]> = {
  movie: cols([
    ['movie_id', 'INTEGER'],
    ['imdb_id', 'VARCHAR'],
    ['title', 'VARCHAR'],
    ['original_title', 'VARCHAR'],
    ['original_language', 'VARCHAR'],
    ['is_adult', 'BOOLEAN'],
    ['status', 'VARCHAR'],
    ['release_date', 'DATE'],
    ['budget', 'BIGINT'],
    ['revenue', 'BIGINT'],
    ['runtime', D],
    ['popularity', D],
    ['vote_average', D],
    ['vote_count', 'INTEGER'],
  ]),
  genre: cols([
    ['genre_id', 'INTEGER'],
    ['name', 'VARCHAR'],
  ]),
  movie_genre: cols([
    ['movie_id', 'INTEGER'],
    ['genre_id', 'INTEGER'],
  ]),
  movie_link: cols([
    ['movielens_id', 'INTEGER'],
    ['imdb_id', 'VARCHAR'],
    ['tmdb_id', 'INTEGER'],
  ]),
  rating: cols([
    ['user_id', 'INTEGER'],
    ['movielens_id', 'INTEGER'],
    ['rating', D],
    ['rated_at', 'TIMESTAMP'],
  ]),
  date: cols([
    ['date', 'DATE'],
    ['day', 'INTEGER'],
    ['week', 'INTEGER'],
    ['month', 'INTEGER'],
    ['quarter', 'INTEGER'],
    ['year', 'INTEGER'],
  ]),
  cpi: cols([
    ['month', 'DATE'],
    ['series_id', 'VARCHAR'],
    ['value', D],
  ]),
};

function cols(list: [string, ColumnType][]): ColumnSpec[] {
  return list.map(([name, type]) => ({ name, type }));
}

/** Per model table, `rows:md5` from the dialect's table checksum: equal across engines for equal contents. */
export function checksums(text: string): Promise<Record<string, string>> {
  return withWarehouse(text, async (wh) => {
    const out: Record<string, string> = {};
    for (const [t, cols] of Object.entries(MODEL_COLUMNS)) {
      const [r] = await wh.query<{ n: number; checksum: string }>(
        wh.dialect.tableChecksum(`movies.${t}`, cols),
      );
      out[t] = `${r!.n}:${r!.checksum}`;
    }
    return out;
  });
}
