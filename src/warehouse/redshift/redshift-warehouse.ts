// The Redshift warehouse: the PostgreSQL adapter (Redshift speaks the PostgreSQL wire protocol) with what differs
// overridden — files reach it as CSV parts in S3 loaded by COPY … IAM_ROLE from a manifest, no advisory locks (a
// lock row instead), Redshift's dialect. `emulate: 'postgres'` runs the same statements on a PostgreSQL server with
// COPY from S3 replaced by COPY FROM STDIN: of the same parts, or — for a COPY of a staged file's lines — of the
// objects its manifest lists, read from S3 as Redshift reads them (redshift-copy-csv.ts). The offline check of
// everything the two agree on.
import { describeRedshiftUrl } from '../location.js';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { ConfigError } from '../../core/errors.js';
import { redshiftEmulation, redshiftPartBytes, reportRedshiftStatement } from '../../core/test-hooks.js';
import { openStore } from '../../storage/index.js';
import type { Store } from '../../storage/store.js';
import { PostgresWarehouse, SESSION_SQL, connect, readOnlySession } from '../postgres/postgres-warehouse.js';
import type { CopyTable, LoadObject, LoadParts, S3CopyLoad } from '../s3-copy.js';
import type {
  BulkCsvOptions,
  BulkLoadResult,
  Capabilities,
  ColumnSpec,
  Row,
  SqlValue,
  WarehouseSession,
} from '../warehouse.js';
import { WarehouseLockedError, sqlUtc } from '../warehouse.js';
import { redshiftDialect } from './redshift-dialect.js';
import { toRedshiftError } from './redshift-errors.js';
import { S3Objects, copyLinesFromManifest } from './redshift-copy-csv.js';
import { PartWriter, readCsvInto, readNdjsonInto } from './redshift-load-files.js';
import {
  copySql,
  createTableSql,
  loadObjectFor,
  manifestFor,
  parseCopy,
  resolveIamRole,
  stripPhysical,
} from './redshift-sql.js';

export const REDSHIFT_CAPABILITIES: Capabilities = {
  supportsOnConflict: false,
  supportsMerge: true,
  bulkLoad: 's3-copy',
  transactionalDdl: true,
};

/** Redshift has no client_min_messages; dates and times as the other engines print them. */
const REDSHIFT_SESSION_SQL = `SET datestyle TO 'ISO, YMD'; SET timezone TO 'UTC'`;

export interface RedshiftOptions {
  /** redshift://USER@ENDPOINT:5439/DB[?iam_role=ARN] (or, with emulate, a postgres:// URL). */
  url: string;
  iamRole?: string;
  /** s3://BUCKET/PREFIX the load files are written to. */
  staging?: string;
  /** Run on PostgreSQL instead (offline checks): COPY from S3 becomes COPY FROM STDIN of the same parts. */
  emulate?: 'postgres';
  /** Every transaction read-only; a reader COPYs nothing, so it needs no IAM role and no staging. */
  readOnly?: boolean;
}

/** The libpq URL for a redshift:// one: same user, host and database, port 5439 by default, iam_role removed. */
export function redshiftToPostgresUrl(url: string, keepPort = false): string {
  const u = new URL(url.replace(/^redshift:/i, 'postgres:'));
  if (u.port === '' && !keepPort) u.port = '5439';
  u.searchParams.delete('iam_role');
  return u.toString();
}

let tableCounter = 0;

export class RedshiftWarehouse extends PostgresWarehouse {
  override readonly kind = 'redshift' as const;
  override readonly capabilities = REDSHIFT_CAPABILITIES;
  override readonly dialect = redshiftDialect;
  private lockToken: string | null = null;
  /** Size of the CSV parts a load writes (tests make it small, to exercise manifests of several parts). */
  private readonly partBytes: number | undefined = redshiftPartBytes();
  private store: Store | null = null;
  /** The stand-in's reads of the objects a manifest lists (any bucket). */
  private s3Objects: S3Objects | null = null;

  protected constructor(
    client: pg.Client,
    url: string,
    displayName: string,
    private readonly opts: {
      iamRole: string;
      staging: string | null;
      emulate: 'postgres' | null;
      sessionSql: string;
    },
  ) {
    super(client, url, 1, displayName);
  }

  static async openRedshift(opts: RedshiftOptions): Promise<RedshiftWarehouse> {
    const emulate = opts.emulate ?? redshiftEmulation() ?? null;
    const readOnly = opts.readOnly === true;
    const iamRole = readOnly ? (opts.iamRole ?? '') : resolveIamRole(opts.iamRole, process.env);
    const url =
      emulate && !/^redshift:/i.test(opts.url) ? opts.url : redshiftToPostgresUrl(opts.url, emulate !== null);
    const display = emulate
      ? `${describeRedshiftUrl(opts.url)} (PostgreSQL stand-in)`
      : describeRedshiftUrl(opts.url);
    if (!emulate && !readOnly && opts.staging === undefined)
      throw new ConfigError(
        `warehouse ${display}: Redshift loads from S3 — set --staging s3://BUCKET/PREFIX (or "staging" in the config)`,
      );
    const base = emulate ? SESSION_SQL : REDSHIFT_SESSION_SQL;
    const sessionSql = readOnly ? readOnlySession(base) : base;
    const client = await connect(url, display, sessionSql);
    return new RedshiftWarehouse(client, url, display, {
      iamRole,
      staging: opts.staging ?? null,
      emulate,
      sessionSql,
    });
  }

  protected override reconnect(): Promise<pg.Client> {
    return connect(this.url, this.displayName, this.opts.sessionSql);
  }

  override async exec(sql: string): Promise<void> {
    reportRedshiftStatement(sql);
    return super.exec(this.opts.emulate ? stripPhysical(sql) : sql);
  }

  override async query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    reportRedshiftStatement(sql);
    return super.query<T>(sql, params);
  }

  override async openSession(): Promise<WarehouseSession> {
    const s = await super.openSession();
    return {
      exec: (sql) => {
        reportRedshiftStatement(sql);
        return s.exec(sql);
      },
      query: <T extends Row = Row>(sql: string, params?: readonly SqlValue[]) => {
        reportRedshiftStatement(sql);
        return s.query<T>(sql, params);
      },
      close: () => s.close(),
    };
  }

  /** The load-plan face of the seam (s3-copy.ts): upload parts, run the stage's statements. */
  get s3Copy(): S3CopyLoad {
    return {
      auth: { iamRole: this.opts.iamRole },
      partBytes: this.partBytes,
      upload: (parts) => this.uploadParts(parts),
      putManifest: (urls) => this.putManifest(urls),
      run: async (statements, localParts) => {
        for (const sql of statements) await this.execPlan(sql, localParts);
      },
    };
  }

  /** Runs a statement of a plan: on the PostgreSQL stand-in, without physical attributes and COPY from the parts. */
  private async execPlan(sql: string, localParts?: ReadonlyMap<string, readonly string[]>): Promise<void> {
    if (!this.opts.emulate) return this.exec(sql);
    const copy = parseCopy(sql);
    if (copy === null) return this.exec(sql);
    reportRedshiftStatement(sql);
    if (copy.format === 'lines') {
      // As Redshift runs it: the manifest and the objects it lists, read from S3 (no local copy).
      this.s3Objects ??= new S3Objects();
      try {
        await copyLinesFromManifest(this.client, copy, this.s3Objects);
      } catch (err) {
        throw toRedshiftError(err, this.displayName, sql);
      }
      return;
    }
    const files = localParts?.get(copy.manifestUrl);
    if (files === undefined) throw new Error(`no local parts for ${copy.manifestUrl}`);
    for (const f of files) await this.copyStdin(copy.table, copy.columns, f);
  }

  private async copyStdin(table: string, columns: readonly string[], file: string): Promise<void> {
    const sql = `COPY ${table} (${columns.join(', ')}) FROM STDIN (FORMAT csv, HEADER true)`;
    try {
      await pipeline(createReadStream(file), this.client.query(copyFrom(sql)));
    } catch (err) {
      throw toRedshiftError(err, this.displayName, sql);
    }
  }

  /** Uploads parts and their manifest to the S3 staging area (content-addressed keys); returns their URLs. */
  private async uploadParts(parts: LoadParts): Promise<LoadObject> {
    const staging = this.opts.staging ?? 's3://emulated';
    const o = loadObjectFor(parts.sha256, staging);
    if (!this.opts.emulate) {
      this.store ??= await openStore(staging);
      for (const [i, f] of parts.files.entries()) await this.store.putFile(o.partKeys[i]!, f);
      await this.store.put(o.manifestKey, o.manifest);
    }
    return { manifestUrl: o.manifestUrl, partUrls: o.partUrls };
  }

  /**
   * Writes a manifest of objects already in S3 (staged files as they are) to the staging area — on the stand-in too,
   * which reads it back to run the COPY; returns its URL.
   */
  private async putManifest(objectUrls: readonly string[]): Promise<string> {
    if (this.opts.staging === null)
      throw new ConfigError(
        `warehouse ${this.displayName}: a COPY of staged files needs the S3 staging area — set --staging s3://BUCKET/PREFIX`,
      );
    const m = manifestFor(objectUrls, this.opts.staging);
    this.store ??= await openStore(this.opts.staging);
    await this.store.put(m.manifestKey, m.manifest);
    return m.manifestUrl;
  }

  /** COPYs prepared parts into `table` (created by the caller). */
  private async copyParts(table: CopyTable, parts: LoadParts): Promise<void> {
    const obj = await this.uploadParts(parts);
    await this.execPlan(
      copySql(table, obj.manifestUrl, { iamRole: this.opts.iamRole }),
      new Map([[obj.manifestUrl, parts.files]]),
    );
  }

  override async bulkLoadCsv(opts: BulkCsvOptions): Promise<BulkLoadResult> {
    return this.withScratch(async (dir) => {
      const w = new PartWriter(opts.columns, dir, 'part');
      await readCsvInto(opts.file, w);
      return this.loadParts(w.finish(), opts.columns, (staging) => {
        const cols = opts.columns.map((c) => this.dialect.quoteIdent(c.name)).join(', ');
        const body = `SELECT ${opts.select ?? cols} FROM ${staging} t${opts.where ? ` WHERE ${opts.where}` : ''}`;
        return opts.mode === 'create'
          ? `CREATE TABLE ${opts.target} AS ${body}`
          : `INSERT INTO ${opts.target} ${body}`;
      });
    });
  }

  override async bulkLoadNdjson(opts: {
    file: string;
    table: string;
    columns: readonly ColumnSpec[];
  }): Promise<number> {
    return this.withScratch(async (dir) => {
      const w = new PartWriter(opts.columns, dir, 'part');
      await readNdjsonInto(opts.file, w, opts.columns);
      const r = await this.loadParts(
        w.finish(),
        opts.columns,
        (staging) => `CREATE TABLE ${opts.table} AS SELECT * FROM ${staging}`,
      );
      return r.rowsLoaded;
    });
  }

  /** Parts → a staging table sized from the data → `write(staging)`; the staging table is dropped after. */
  private async loadParts(
    parts: LoadParts,
    columns: readonly ColumnSpec[],
    write: (staging: string) => string,
  ): Promise<BulkLoadResult> {
    await this.exec('CREATE SCHEMA IF NOT EXISTS staging');
    const name = `staging.copy_${process.pid}_${++tableCounter}`;
    const table: CopyTable = {
      name,
      columns: columns.map((c) => ({ name: this.dialect.quoteIdent(c.name), type: c.type })),
      primaryKey: [],
      dist: { style: 'EVEN' },
      sortKey: [],
    };
    const bytes = Object.fromEntries(
      Object.entries(parts.maxBytes).map(([c, n]) => [`${name}.${this.dialect.quoteIdent(c)}`, n]),
    );
    await this.execPlan(`DROP TABLE IF EXISTS ${name}`);
    await this.execPlan(createTableSql(table, bytes, false));
    await this.copyParts(table, parts);
    const sql = write(name);
    reportRedshiftStatement(sql);
    const res = await this.run(sql, (c) => c.query(sql));
    await this.exec(`DROP TABLE ${name}`);
    return { rowsLoaded: res.rowCount ?? 0, rejects: parts.rejects };
  }

  private async withScratch<T>(fn: (dir: string) => Promise<T>): Promise<T> {
    const dir = await mkdtemp(path.join(tmpdir(), 'movalytics-redshift-'));
    try {
      return await fn(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * The run lock. Redshift has no advisory locks: a row in movalytics.run_lock, written under LOCK (which serialises
   * writers until commit), held until close. A run killed before close leaves its row: the message says how to
   * clear it.
   */
  override async acquireRunLock(opts: { wait: boolean }): Promise<void> {
    const token = `pid ${process.pid} on ${process.env.HOSTNAME ?? 'this host'}`;
    await this.exec(
      `CREATE SCHEMA IF NOT EXISTS movalytics; CREATE TABLE IF NOT EXISTS movalytics.run_lock (holder VARCHAR(256) NOT NULL, since TIMESTAMP NOT NULL)`,
    );
    for (;;) {
      const holder = await this.transaction(async () => {
        await this.exec('LOCK movalytics.run_lock');
        const [h] = await this.query<{ holder: string; since: string }>(
          `SELECT holder, CAST(since AS VARCHAR) AS since FROM movalytics.run_lock LIMIT 1`,
        );
        if (h) return `${h.holder} since ${h.since}`;
        await this.query(
          `INSERT INTO movalytics.run_lock (holder, since) VALUES ($1, CAST($2 AS TIMESTAMP))`,
          [token, sqlUtc()],
        );
        return null;
      });
      if (holder === null) break;
      if (!opts.wait)
        throw new WarehouseLockedError(
          `warehouse ${this.displayName} is in use by another run (${holder}): wait for it to finish, or pass --wait; if that run was killed, DELETE FROM movalytics.run_lock`,
          holder,
        );
      await new Promise((r) => setTimeout(r, 5000));
    }
    this.lockToken = token;
    this.lockHeld = true;
  }

  override async close(): Promise<void> {
    if (this.lockToken !== null) {
      await this.query(`DELETE FROM movalytics.run_lock WHERE holder = $1`, [this.lockToken]).catch(
        () => undefined,
      );
      this.lockToken = null;
    }
    await this.s3Objects?.close();
    this.s3Objects = null;
    await this.store?.close();
    this.store = null;
    await super.close();
  }
}
