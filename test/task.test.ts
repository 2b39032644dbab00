// `movalytics task`: each task of a run in a fresh process, handing off through the run's load package, gives the
// same warehouse as the whole run in one process; repeating a task (at-least-once delivery) changes nothing.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { EXIT } from '../src/errors.js';
import { generateDataset } from '../src/generate/index.js';
import { runPipeline } from '../src/pipeline/run-pipeline.js';
import { DuckDbWarehouse } from '../src/warehouse/duckdb/index.js';
import { repoRoot, runCli, tempDir } from './helpers.js';

const MODEL = ['movie', 'genre', 'movie_genre', 'movie_link', 'rating', 'date', 'cpi'] as const;

async function fingerprint(warehouse: string): Promise<Record<string, string>> {
  const wh = await DuckDbWarehouse.open({ path: warehouse });
  try {
    const out: Record<string, string> = {};
    for (const t of [...MODEL.map((m) => `movies.${m}`), 'marts.movie_rating_stats', 'marts.revenue_movie']) {
      const [r] = await wh.query<{ n: number; h: string }>(
        `SELECT count(*) AS n, CAST(coalesce(sum(hash(t)), 0) AS VARCHAR) AS h FROM ${t} t`,
      );
      out[t] = `${r!.n}:${r!.h}`;
    }
    const lineage = await wh.query(
      `SELECT file_name, records_read, rows_loaded, rows_quarantined, duplicates_collapsed, records_merged
       FROM movalytics.reconciliation ORDER BY file_name`,
    );
    out.reconciliation = JSON.stringify(lineage);
    const [q] = await wh.query<{ n: number }>(`SELECT count(*) AS n FROM movalytics.quarantine`);
    out.quarantine = String(q!.n);
    return out;
  } finally {
    await wh.close();
  }
}

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'dist/cli/bin.js'), ...args], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('movalytics task', () => {
  const root = tempDir('task');
  const data = join(root, 'data');
  let whole: Record<string, string>;
  beforeAll(async () => {
    await generateDataset({ out: data, movies: 400, ratings: 6_000, seed: 31 });
    await runPipeline(
      loadConfig({
        cwd: root,
        overrides: {
          input: data,
          warehouse: join(root, 'whole.duckdb'),
          staging: join(root, 'whole-staging'),
        },
      }),
    );
    whole = await fingerprint(join(root, 'whole.duckdb'));
  });

  const where = [
    '--input',
    data,
    '--warehouse',
    join(root, 'tasks.duckdb'),
    '--staging',
    join(root, 'staging'),
  ];

  it('runs each task in its own process and ends with the same warehouse as one whole run', async () => {
    for (const task of ['stage.files', 'clean.movies', 'load.bulk', 'publish']) {
      const r = await cli(['task', task, '--run-id', 'manual__2026-11-29T06:00:00', ...where]);
      expect(r.code, `${task}: ${r.stderr}`).toBe(EXIT.ok);
      expect(r.stdout).toMatch(new RegExp(`^run 1 ${task.replace('.', '\\.')}: done`));
    }
    expect(await fingerprint(join(root, 'tasks.duckdb'))).toEqual(whole);
    const wh = await DuckDbWarehouse.open({ path: join(root, 'tasks.duckdb') });
    try {
      const runs = await wh.query(`SELECT run_id, status, triggered_by, external_id FROM movalytics.run`);
      expect(runs).toEqual([
        { run_id: 1, status: 'success', triggered_by: 'task', external_id: 'manual__2026-11-29T06:00:00' },
      ]);
    } finally {
      await wh.close();
    }
  }, 120_000);

  it('a repeated task does nothing (at-least-once delivery)', async () => {
    for (const task of ['stage.files', 'clean.movies', 'load.bulk', 'publish']) {
      const r = await runCli(['task', task, '--run-id', 'manual__2026-11-29T06:00:00', ...where]);
      expect(r.code, r.stderr).toBe(EXIT.ok);
      expect(r.stdout).toMatch(/: skipped — /);
    }
    expect(await fingerprint(join(root, 'tasks.duckdb'))).toEqual(whole);
  });

  it('a later task of an unknown run, or an unknown task, is a clear error', async () => {
    const late = await runCli(['task', 'publish', '--run-id', 'never-staged', ...where]);
    expect(late.code).toBe(EXIT.taskFailed);
    expect(late.stderr).toMatch(/run never-staged does not exist: its first task is stage\.files/);
    const unknown = await runCli(['task', 'load.everything', '--run-id', 'x', ...where]);
    expect(unknown.code).toBe(EXIT.usage);
    expect(unknown.stderr).toMatch(/unknown task "load\.everything": use one of stage\.files, clean\.movies/);
    expect(existsSync(join(root, 'staging'))).toBe(true);
  });
});
