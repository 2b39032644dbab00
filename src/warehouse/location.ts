// Where a warehouse is, as data: parsed once from the `--warehouse` text (a DuckDB path or a database URL).
// Pure: no I/O. The opener (open.ts) turns a location into a connection.
import { z } from 'zod';
import { isLibpqConnectionString, redactLocation } from '../redact.js';

/** Default parallel COPY streams for a large file into PostgreSQL (3 measured fastest on 2 cores). */
export const DEFAULT_PG_LOAD_STREAMS = 3;

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
  z.object({ kind: z.literal('redshift'), url: z.string().regex(/^redshift:\/\//i) }).strict(),
]);
export type WarehouseLocation = z.infer<typeof warehouseLocationSchema>;

/** The result of reading `--warehouse` text: a location, or a one-line reason it is not one. */
export type ParsedLocation = { ok: true; location: WarehouseLocation } | { ok: false; message: string };

const SCHEME_RE = /^([a-z][a-z0-9+.-]*):(\/\/)?/i;

/**
 * Reads `duckdb:PATH` or a plain path (DuckDB), `postgres://…` / `postgresql://…` (PostgreSQL), `redshift://…`
 * (reserved). A Windows drive letter (`C:\…`) is a path, not a scheme.
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
    case 'redshift':
      return { ok: true, location: { kind: 'redshift', url: text } };
    default:
      return {
        ok: false,
        message: `unknown warehouse scheme "${scheme}:" — use a DuckDB file path, duckdb:PATH or postgres://user@host/db`,
      };
  }
}
