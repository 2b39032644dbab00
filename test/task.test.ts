// `movalytics task`: each task of a run in a fresh process, handing off through the run's load package, gives the
// same warehouse as the whole run in one process; repeating a task (at-least-once delivery) changes nothing.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { EXIT } from '../src/core/errors.js';
import { generateDataset } from '../src/generate/index.js';
import { runPipeline } from '../src/pipeline/run-pipeline.js';
import { DuckDbWarehouse } from '../src/warehouse/duckdb/index.js';
import { duckDbFingerprint, MODEL_TABLES, repoRoot, runCli, tempDir } from './support/helpers.js';

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

/** Tables compared between runs, with the lineage rows. */
const fingerprint = (warehouse: string): Promise<Record<string, string>> =>
  duckDbFingerprint(warehouse, [...MODEL_TABLES, 'marts.movie_rating_stats', 'marts.revenue_movie'], {
    lineage: true,
  });

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
    // stage.files cuts ratings.csv into two shards; each is its own task (`--shard I`).
    for (const [task, ...more] of [
      ['stage.files', '--shards', '2'],
      ['clean.movies'],
      ['load.ratings', '--shard', '1'],
      ['load.ratings', '--shard', '0'],
      ['publish'],
    ] as const) {
      const r = await cli(['task', task, ...more, '--run-id', 'manual__2026-11-29T06:00:00', ...where]);
      expect(r.code, `${task}: ${r.stderr}`).toBe(EXIT.ok);
      const id = more[0] === '--shard' ? `${task}[${more[1]}]` : task;
      expect(r.stdout.startsWith(`run 1 ${id}: done`), r.stdout).toBe(true);
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
    for (const task of ['stage.files', 'clean.movies', 'load.ratings', 'load.ratings[1]', 'publish']) {
      const r = await runCli(['task', task, '--run-id', 'manual__2026-11-29T06:00:00', ...where]);
      expect(r.code, r.stderr).toBe(EXIT.ok);
      expect(r.stdout).toMatch(/: skipped — /);
    }
    expect(await fingerprint(join(root, 'tasks.duckdb'))).toEqual(whole);
  });

  it('refuses to publish a run after a newer run published, and closes it as failed', async () => {
    const dir = tempDir('task-stale');
    const input = join(dir, 'data');
    await generateDataset({ out: input, movies: 150, ratings: 2_000, seed: 7 });
    const warehouse = join(dir, 'w.duckdb');
    const at = ['--input', input, '--warehouse', warehouse, '--staging', join(dir, 'staging')];
    for (const task of ['stage.files', 'clean.movies', 'load.ratings']) {
      const r = await runCli(['task', task, '--run-id', 'waiting', ...at]);
      expect(r.code, r.stderr).toBe(EXIT.ok);
    }
    // A manual run publishes while the orchestrated one waits for its publish task.
    const manual = await runCli(['run', ...at]);
    expect(manual.code, manual.stderr).toBe(EXIT.ok);
    const published = await fingerprint(warehouse);
    const late = await runCli(['task', 'publish', '--run-id', 'waiting', ...at]);
    expect(late.code).toBe(EXIT.usage);
    expect(late.stderr).toBe(
      'movalytics: run 1 cannot publish: run 2 published after it, and publishing would load older input over it; start a new run\n',
    );
    expect(await fingerprint(warehouse)).toEqual(published);
    const wh = await DuckDbWarehouse.open({ path: warehouse });
    try {
      expect(await wh.query(`SELECT run_id, status FROM movalytics.run ORDER BY run_id`)).toEqual([
        { run_id: 1, status: 'failed' },
        { run_id: 2, status: 'success' },
      ]);
    } finally {
      await wh.close();
    }
  }, 120_000);

  it('a later task of an unknown run, or an unknown task, is a clear error', async () => {
    const late = await runCli(['task', 'publish', '--run-id', 'never-staged', ...where]);
    expect(late.code).toBe(EXIT.taskFailed);
    expect(late.stderr).toMatch(/run never-staged does not exist: its first task is stage\.files/);
    const numbered = await runCli(['task', 'publish', '--run-id', '999', ...where]);
    expect(numbered.code).toBe(EXIT.usage);
    expect(numbered.stderr).toMatch(
      /^movalytics: run 999 does not exist in .*tasks\.duckdb \(see `movalytics runs`\): a numeric --run-id names an existing run/,
    );
    const unknown = await runCli(['task', 'load.everything', '--run-id', 'x', ...where]);
    expect(unknown.code).toBe(EXIT.usage);
    expect(unknown.stderr).toMatch(/unknown task "load\.everything": use one of stage\.files, clean\.movies/);
    expect(existsSync(join(root, 'staging'))).toBe(true);
  });
});
