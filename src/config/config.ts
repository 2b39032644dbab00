// The configuration: one zod schema is the single source of truth; a file (movalytics.config.json) and flags feed it.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { DEFAULT_MAX_LINE_BYTES } from '../core/line-length.js';
import {
  parseWarehouseLocation,
  warehouseLocationSchema,
  type WarehouseLocation,
} from '../warehouse/location.js';

export const CONFIG_FILE = 'movalytics.config.json';

/** The most shards per ratings file (and shard slots of a plan). */
export const MAX_SHARDS = 256;

/** `--shards N` as a number: a whole number from 1 to MAX_SHARDS, or a ConfigError in one line. */
export function parseShards(text: string): number {
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || n < 1 || n > MAX_SHARDS)
    throw new ConfigError(`--shards ${JSON.stringify(text)} must be a whole number from 1 to ${MAX_SHARDS}`);
  return n;
}

export const configSchema = z
  .object({
    /** Input: a folder with the Kaggle files and the FRED CPI CSV, or the Kaggle zip (CPI beside it). */
    input: z.string().min(1).default('./data/raw'),
    /**
     * Warehouse: a DuckDB file path or `duckdb:PATH` (the embedded default), `postgres://…`; or the location as an
     * object (`{"kind": "postgres", "url": …, "loadStreams": 3}`). Always a location once parsed.
     */
    warehouse: z
      .union([z.string().min(1), warehouseLocationSchema])
      .default('./movalytics.duckdb')
      .transform((v, ctx): WarehouseLocation => {
        if (typeof v !== 'string') return v;
        const parsed = parseWarehouseLocation(v);
        if (parsed.ok) return parsed.location;
        ctx.addIssue({ code: 'custom', message: parsed.message });
        return z.NEVER;
      }),
    /** Staging area: raw copies, the manifest and cleaned hand-off files. */
    staging: z.string().min(1).default('./.movalytics/staging'),
    /** Warn when fewer than this share of ratings reach a movie through links. */
    mappedShareWarn: z.number().min(0).max(1).default(0.9),
    /** Always hash every input, even when size and mtime match the last load. */
    verify: z.boolean().default(false),
    /** The longest input line accepted, in bytes: a longer one stops the run at once, naming file and line. */
    maxLineBytes: z.number().int().min(1024).default(DEFAULT_MAX_LINE_BYTES),
    /**
     * Shards per ratings file: the mapped tasks load.ratings[0..shards-1] each load one (`run --shards N`). 1 by
     * default: in one process the shards share one warehouse connection, and one DuckDB read_csv already uses every
     * core (docs/scale-out.md has the figures); more pay off with workers on several cores or machines.
     */
    shards: z.number().int().min(1).max(MAX_SHARDS).default(1),
    /** Check every row and rebuild every mart, instead of only what the run changed (`run --full-checks`). */
    fullChecks: z.boolean().default(false),
    /** DuckDB memory limit (it spills to disk beyond it), in DuckDB's size syntax: "1.5GB", "512 MiB". */
    duckdbMemoryLimit: z
      .string()
      .refine(isDuckDbSize, {
        error: (iss) =>
          `"${String(iss.input)}" is not a positive DuckDB size; use a number and a unit among B, KB, MB, GB, TB, KiB, MiB, GiB, TiB, e.g. "1.5GB"`,
      })
      .default('1.5GB'),
    /** Where tasks run: in this process, or as BullMQ jobs on Redis for `movalytics worker` processes. */
    executor: z.enum(['in-process', 'bullmq']).default('in-process'),
    /** The task queue for the bullmq executor and workers: redis://HOST:6379[/DB]. */
    queue: z.string().min(1).optional(),
    /** How the DAG runs: tasks at once, and per-task retries, retry delay and timeout ("*" = every task). */
    dag: z
      .object({
        concurrency: z.number().int().min(1).max(64).optional(),
        tasks: z
          .record(
            z.string(),
            z
              .object({
                retries: z.number().int().min(0).max(20).optional(),
                retryDelaySeconds: z.number().positive().optional(),
                timeoutSeconds: z.number().positive().optional(),
              })
              .strict(),
          )
          .default({}),
      })
      .strict()
      .default({ tasks: {} }),
    /** Defaults for the answer parameters (top, quantile, minVotes, alpha, cpiBase, cpiSplice); flags override them. */
    answers: z
      .object({
        top: z.number().optional(),
        quantile: z.number().optional(),
        minVotes: z.number().nullable().optional(),
        alpha: z.number().optional(),
        cpiBase: z.string().nullable().optional(),
        cpiSplice: z.string().nullable().optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

/**
 * DuckDB's size syntax as this app accepts it: a positive decimal, an optional space, a unit (case-insensitive).
 * DuckDB itself also takes "-5GB" (as "no limit") and long forms like "gigabytes"; "80%" it rejects (1.x).
 */
const DUCKDB_SIZE = /^\s*(\d+(?:\.\d*)?|\.\d+)\s?(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$/i;

function isDuckDbSize(v: string): boolean {
  const m = DUCKDB_SIZE.exec(v);
  return m !== null && Number(m[1]) > 0;
}

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

/** Renders the first zod issue as one line: `mappedShareWarn: Too big: expected number to be <=1`. */
function firstIssue(err: z.ZodError, source: string): string {
  const issue = err.issues[0];
  if (!issue) return `${source}: invalid`;
  const where = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
  return `${source}: ${where}: ${issue.message}`;
}

/**
 * Loads the config: defaults ← the config file (explicit path, or ./movalytics.config.json if present) ← overrides
 * (flags). Relative paths in a config file resolve against the file's folder; flags against the working directory.
 */
export function loadConfig(
  opts: { configPath?: string; overrides?: ConfigInput; cwd?: string } = {},
): Config {
  const cwd = opts.cwd ?? process.cwd();
  const file = opts.configPath ? path.resolve(cwd, opts.configPath) : path.join(cwd, CONFIG_FILE);
  let fromFile: Record<string, unknown> = {};
  if (opts.configPath !== undefined || existsSync(file)) {
    let text: string;
    try {
      // Editors on Windows save UTF-8 with a byte-order mark, which JSON.parse rejects.
      text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
    } catch {
      throw new ConfigError(`config file ${file} cannot be read: check the path given to --config`);
    }
    try {
      fromFile = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`config file ${file} is not valid JSON (${(err as Error).message})`);
    }
    const parsed = configSchema.partial().safeParse(fromFile);
    if (!parsed.success) throw new ConfigError(firstIssue(parsed.error, `config file ${file}`));
    const dir = path.dirname(file);
    for (const key of ['input', 'staging'] as const) {
      const v = parsed.data[key];
      if (typeof v === 'string' && !/^s3:\/\//i.test(v)) fromFile[key] = path.resolve(dir, v);
    }
    const wh = parsed.data.warehouse;
    if (wh?.kind === 'duckdb') fromFile.warehouse = { kind: 'duckdb', path: path.resolve(dir, wh.path) };
  }
  const defined = Object.fromEntries(Object.entries(opts.overrides ?? {}).filter(([, v]) => v !== undefined));
  const merged = configSchema.safeParse({ ...fromFile, ...defined });
  if (!merged.success) throw new ConfigError(firstIssue(merged.error, 'configuration'));
  const c = merged.data;
  // Redshift COPYs from the S3 staging area: the location carries it unless it names its own.
  if (c.warehouse.kind === 'redshift' && c.warehouse.staging === undefined && /^s3:\/\//i.test(c.staging))
    c.warehouse = { ...c.warehouse, staging: c.staging };
  return {
    ...c,
    input: path.resolve(cwd, c.input),
    warehouse:
      c.warehouse.kind === 'duckdb'
        ? { kind: 'duckdb', path: path.resolve(cwd, c.warehouse.path) }
        : c.warehouse,
    // An object-store location (s3://…) is a URL, not a path.
    staging: /^s3:\/\//i.test(c.staging) ? c.staging : path.resolve(cwd, c.staging),
  };
}
