// The warehouses integration suites run against: DuckDB always, PostgreSQL when the server answers (a NOTICE and a
// skip when it does not; MOVALYTICS_REQUIRE_SERVICES=1 turns the skip into a failure). Each test gets a fresh
// warehouse of its own: a DuckDB file in its temp folder, or a database created for it and dropped after the file.
// `withRedshift` adds Redshift on the PostgreSQL stand-in (MOVALYTICS_REDSHIFT_EMULATE=postgres), staging in S3.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import pg from 'pg';
import { afterAll } from 'vitest';
import { openWarehouse } from '../../src/warehouse/open.js';
import { parseWarehouseLocation, type WarehouseLocation } from '../../src/warehouse/location.js';
import type { ColumnSpec, ColumnType, Row, Warehouse } from '../../src/warehouse/warehouse.js';
import { TEST_ROLE } from './redshift-run.js';
import { createBucket, FAUXQS_CREDENTIALS, startFauxqs, type RunningServer } from './storage-servers.js';

export const PG_URL = process.env.MOVALYTICS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface Engine {
  readonly name: 'duckdb' | 'postgres' | 'redshift';
  /** A new, empty warehouse for one test: the `--warehouse` text. `dir` is the test's temp folder. */
  fresh(dir: string): Promise<string>;
  /** The `--staging` text for the test whose temp folder is `dir`: a folder in it, or (Redshift) an S3 prefix. */
  staging(dir: string): string;
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

const localStaging = (dir: string): string => join(dir, 'staging');

const duckdb: Engine = {
  name: 'duckdb',
  fresh: (dir) => Promise.resolve(join(dir, 'w.duckdb')),
  staging: localStaging,
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
  staging: localStaging,
};

/** The redshift:// location of a PostgreSQL test database: the stand-in runs on it. */
export function redshiftUrlOf(pgUrl: string): string {
  const u = new URL(pgUrl);
  return `redshift://${u.username}@${u.hostname}:${u.port || '5432'}${u.pathname}?iam_role=${encodeURIComponent(TEST_ROLE)}`;
}

const S3_BUCKET = 'movalytics-redshift';
/**
 * What the Redshift stand-in needs in this process (and in the CLI processes a test spawns, which inherit
 * process.env): MOVALYTICS_REDSHIFT_EMULATE, an S3 server for the staging area (fauxqs on 127.0.0.1) with the AWS_*
 * variables that reach it, and a local cache folder of its own. Set up by the first `fresh`, undone after the file.
 */
let redshiftEnv: Promise<void> | null = null;
const savedEnv: Record<string, string | undefined> = {};
let s3Server: RunningServer | null = null;
let cacheDir: string | null = null;
/** Sets up (once per file) what the Redshift stand-in needs: see above. Undone after the file. */
export function setUpRedshiftEnv(): Promise<void> {
  redshiftEnv ??= (async () => {
    s3Server = await startFauxqs();
    await createBucket(s3Server.endpoint, S3_BUCKET);
    cacheDir = mkdtempSync(join(tmpdir(), 'movalytics-redshift-cache-'));
    const env: Record<string, string> = {
      MOVALYTICS_REDSHIFT_EMULATE: 'postgres',
      AWS_ENDPOINT_URL_S3: s3Server.endpoint,
      AWS_ACCESS_KEY_ID: FAUXQS_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: FAUXQS_CREDENTIALS.secretAccessKey,
      AWS_REGION: 'us-east-1',
      MOVALYTICS_CACHE_DIR: cacheDir,
    };
    for (const [k, v] of Object.entries(env)) {
      savedEnv[k] = process.env[k];
      process.env[k] = v;
    }
  })();
  return redshiftEnv;
}
afterAll(async () => {
  if (redshiftEnv === null) return;
  await redshiftEnv.catch(() => undefined);
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await s3Server?.close();
  if (cacheDir !== null) rmSync(cacheDir, { recursive: true, force: true });
  redshiftEnv = null;
});
/** The S3 staging of the Redshift stand-in for the test whose temp folder is `dir`. */
export function redshiftStaging(dir: string): string {
  // One prefix per test (its temp folder's unique name): a staging area of its own, as a folder is for the others.
  return `s3://${S3_BUCKET}/${basename(dir)}`;
}
const redshift: Engine = {
  name: 'redshift',
  fresh: async (dir) => {
    await setUpRedshiftEnv();
    return redshiftUrlOf(await postgres.fresh(dir));
  },
  staging: redshiftStaging,
};

const pgReachable = await postgresReachable();
/** The engines reachable here, DuckDB first: the native ones, which every integration suite runs on. */
export const engines: readonly Engine[] = pgReachable ? [duckdb, postgres] : [duckdb];
/**
 * `engines` and, when PostgreSQL answers, Redshift on the PostgreSQL stand-in (the suites that opt in: the
 * conformance suite). Its location is redshift://…?iam_role=…, its staging an S3 prefix.
 */
export const withRedshift: readonly Engine[] = pgReachable ? [duckdb, postgres, redshift] : [duckdb];

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
