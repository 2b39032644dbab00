// Shared test helpers: temp folders, the real-data folder (skip with a notice, or fail in CI), and an in-process
// CLI runner that captures stdout/stderr.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb/index.js';
import type { Row } from '../../src/warehouse/warehouse.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const realDir = resolve(repoRoot, '../shared/data/real');

/**
 * Whether the real excerpts are there. Missing on a user's machine: the tests skip with a visible notice.
 * `.ci/run` sets MOVALYTICS_REQUIRE_REAL_DATA=1, which turns the skip into a failure.
 */
export function haveRealData(suite: string): boolean {
  if (existsSync(realDir)) return true;
  if (process.env.MOVALYTICS_REQUIRE_REAL_DATA === '1')
    throw new Error(`${suite}: real data folder ${realDir} is missing (MOVALYTICS_REQUIRE_REAL_DATA=1)`);
  console.warn(`NOTICE: ${suite}: ${realDir} is missing — tests on the real excerpts are SKIPPED`);
  return false;
}

/** A temp folder removed after the test file. */
export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), `movalytics-${prefix}-`));
  afterAll(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with `argv`, capturing what it writes. */
export async function runCli(argv: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  const before = process.exitCode;
  try {
    const code = await main(argv);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = before;
  }
}

/** The model tables, for fingerprints. */
export const MODEL_TABLES = ['movie', 'genre', 'movie_genre', 'movie_link', 'rating', 'date', 'cpi'].map(
  (t) => `movies.${t}`,
);

/** Runs one query on a DuckDB warehouse file and closes it. */
export async function queryDuckDb<T extends Row = Row>(warehouse: string, sql: string): Promise<T[]> {
  const wh = await DuckDbWarehouse.open({ path: warehouse });
  try {
    return await wh.query<T>(sql);
  } finally {
    await wh.close();
  }
}

/**
 * A fingerprint per table of a DuckDB warehouse: row count and an order-independent hash of every column; with
 * `lineage`, also the reconciliation rows and the quarantine count. Equal fingerprints = equal tables.
 */
export async function duckDbFingerprint(
  warehouse: string,
  tables: readonly string[] = MODEL_TABLES,
  opts: { lineage?: boolean } = {},
): Promise<Record<string, string>> {
  const wh = await DuckDbWarehouse.open({ path: warehouse });
  try {
    const out: Record<string, string> = {};
    for (const t of tables) {
      const [r] = await wh.query<{ n: number; h: string }>(
        `SELECT count(*) AS n, CAST(coalesce(sum(hash(t)), 0) AS VARCHAR) AS h FROM ${t} t`,
      );
      out[t] = `${r!.n}:${r!.h}`;
    }
    if (opts.lineage) {
      out.reconciliation = JSON.stringify(
        await wh.query(
          `SELECT file_name, records_read, rows_loaded, rows_quarantined, duplicates_collapsed, records_merged
           FROM movalytics.reconciliation ORDER BY file_name`,
        ),
      );
      const [q] = await wh.query<{ n: number }>(`SELECT count(*) AS n FROM movalytics.quarantine`);
      out.quarantine = String(q!.n);
    }
    return out;
  } finally {
    await wh.close();
  }
}
