// Where a warehouse is, as data: parsed once from the `--warehouse` text (a DuckDB path or a database URL).
// No I/O (a URL's defaults come from the PG* variables and the user name). The opener (open.ts) turns a location into
// a connection.
import { z } from 'zod';
import { userInfo } from 'node:os';
import { isLibpqConnectionString, redactLocation } from '../core/redact.js';

/** Default parallel COPY streams for a large file into PostgreSQL (3 measured fastest on 2 cores). */
export const DEFAULT_PG_LOAD_STREAMS = 3;

/** An IAM role ARN as COPY's IAM_ROLE takes it (any partition: aws, aws-cn, aws-us-gov), or DEFAULT. */
export const IAM_ROLE_RE = /^(?:DEFAULT|arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]+)$/;

export const warehouseLocationSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('duckdb'), path: z.string().min(1) }).strict(),
  z
    .object({
      kind: z.literal('postgres'),
      /** A libpq URL; parts it leaves out come from the PG* environment variables. */
      url: z.string().regex(/^postgres(ql)?:\/\//i, 'must start with postgres:// or postgresql://'),
      /** Parallel COPY streams for the ratings file (1 = a single stream). */
      loadStreams: z.number().int().min(1).max(16).default(DEFAULT_PG_LOAD_STREAMS),
    })
    .strict(),
  z
    .object({
      kind: z.literal('redshift'),
      /** redshift://USER@ENDPOINT:5439/DB[?iam_role=ARN]; the password comes from PGPASSWORD, never the URL. */
      url: z.string().regex(/^redshift:\/\//i, 'must start with redshift://'),
      /** The IAM role COPY reads S3 with (an ARN, or DEFAULT); else the URL's iam_role, else MOVALYTICS_REDSHIFT_IAM_ROLE. */
      iamRole: z
        .string()
        .regex(IAM_ROLE_RE, 'must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME) or DEFAULT')
        .optional(),
      /** The s3:// staging area COPY loads from (the config's `staging` when that is S3). */
      staging: z
        .string()
        .regex(/^s3:\/\//i, 'must be an s3:// URL')
        .optional(),
    })
    .strict(),
]);
export type WarehouseLocation = z.infer<typeof warehouseLocationSchema>;

/** The result of reading `--warehouse` text: a location, or a one-line reason it is not one. */
export type ParsedLocation = { ok: true; location: WarehouseLocation } | { ok: false; message: string };

const SCHEME_RE = /^([a-z][a-z0-9+.-]*):(\/\/)?/i;

/**
 * Reads `duckdb:PATH` or a plain path (DuckDB), `postgres://…` / `postgresql://…` (PostgreSQL), `redshift://…`
 * (Redshift, `?iam_role=ARN`). A Windows drive letter (`C:\…`) is a path, not a scheme.
 */
export function parseWarehouseLocation(text: string): ParsedLocation {
  // Taken as a path, a libpq string would create a file named after its password.
  if (isLibpqConnectionString(text))
    return {
      ok: false,
      message: `warehouse "${redactLocation(text)}" is a connection string, not a file path — pass postgres://USER@HOST/DB (password from PGPASSWORD) or a DuckDB file path`,
    };
  const m = SCHEME_RE.exec(text);
  const scheme = m && m[1]!.length > 1 ? m[1]!.toLowerCase() : null;
  if (scheme === null) return { ok: true, location: { kind: 'duckdb', path: text } };
  switch (scheme) {
    case 'duckdb': {
      const p = text.slice('duckdb:'.length).replace(/^\/\//, '');
      return p === ''
        ? { ok: false, message: 'duckdb: needs a file path, e.g. duckdb:./movalytics.duckdb' }
        : { ok: true, location: { kind: 'duckdb', path: p } };
    }
    case 'postgres':
    case 'postgresql':
      return {
        ok: true,
        location: { kind: 'postgres', url: text, loadStreams: DEFAULT_PG_LOAD_STREAMS },
      };
    case 'redshift': {
      let role: string | null;
      try {
        role = new URL(text).searchParams.get('iam_role');
      } catch {
        return {
          ok: false,
          message: `warehouse "${redactLocation(text)}" is not a URL: use redshift://USER@ENDPOINT:5439/DB`,
        };
      }
      if (role !== null && !IAM_ROLE_RE.test(role))
        return {
          ok: false,
          message: `warehouse "${redactLocation(text)}": iam_role "${role}" is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME) or DEFAULT`,
        };
      return {
        ok: true,
        location: { kind: 'redshift', url: text, ...(role === null ? {} : { iamRole: role }) },
      };
    }
    default:
      return {
        ok: false,
        message: `unknown warehouse scheme "${scheme}:" — use a DuckDB file path, duckdb:PATH, postgres://user@host/db or redshift://user@endpoint:5439/db`,
      };
  }
}

/** `postgres://user@host:port/db` with the effective values (URL, then PG* variables, then libpq defaults); no password. */
export function describePostgresUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'postgres://(unparseable URL)';
  }
  const env = process.env;
  const user = decodeURIComponent(u.username) || env.PGUSER || userInfo().username;
  const host = u.searchParams.get('host') ?? (decodeURIComponent(u.hostname) || env.PGHOST || 'localhost');
  const port = u.port || env.PGPORT || '5432';
  const db = decodeURIComponent(u.pathname.replace(/^\//, '')) || env.PGDATABASE || user;
  return `postgres://${user}@${host}:${port}/${db}`;
}

/** `redshift://user@endpoint:port/db`: no password, no query. */
export function describeRedshiftUrl(url: string): string {
  try {
    const u = new URL(url);
    const user = decodeURIComponent(u.username) || process.env.PGUSER || userInfo().username;
    return `redshift://${user}@${u.hostname}:${u.port || '5439'}${u.pathname}`;
  } catch {
    return redactLocation(url.split('?')[0] ?? url);
  }
}
