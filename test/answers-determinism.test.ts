// Reproducible answers: `movalytics answers --format json` run several times, each in its own process, on one
// warehouse big enough for DuckDB to parallelise (several row groups of ratings, thousands of revenue movies) must
// print the same bytes apart from generatedAt.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { generateDataset } from '../src/generate/index.js';
import { runPipeline } from '../src/pipeline/run-pipeline.js';
import { repoRoot, tempDir } from './support/helpers.js';

const bin = join(repoRoot, 'dist', 'cli', 'bin.js');

function answersJson(warehouse: string, extra: string[] = []): string {
  const r = spawnSync(
    process.execPath,
    [bin, 'answers', '--warehouse', warehouse, '--format', 'json', ...extra],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    },
  );
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout;
}

/** The JSON text without its generatedAt line (the only field allowed to differ). */
const withoutGeneratedAt = (text: string): string => text.replace(/^\s*"generatedAt": "[^"]*",\n/m, '');

describe('answers are reproducible', () => {
  const dir = tempDir('determinism');
  const warehouse = join(dir, 'w.duckdb');
  beforeAll(async () => {
    const data = await generateDataset({ out: join(dir, 'data'), movies: 20_000, ratings: 250_000, seed: 5 });
    const summary = await runPipeline(
      loadConfig({ cwd: dir, overrides: { input: data.dir, warehouse, staging: join(dir, 'staging') } }),
    );
    expect(summary.status).toBe('success');
  }, 180_000);

  it('three runs of answers --format json are byte-identical apart from generatedAt', () => {
    const runs = [answersJson(warehouse), answersJson(warehouse), answersJson(warehouse)];
    const first = JSON.parse(runs[0]!) as {
      generatedAt: string;
      q3: { revenueMovies: number; monthTest: { h: number | null } };
      q2: { countedRatings: number };
    };
    // The data really is large enough: several 122,880-row groups of ratings, thousands of revenue movies.
    expect(first.q2.countedRatings).toBeGreaterThan(200_000);
    expect(first.q3.revenueMovies).toBeGreaterThan(2_000);
    expect(first.q3.monthTest.h).not.toBeNull();
    expect(withoutGeneratedAt(runs[0]!)).not.toContain('generatedAt');
    for (const r of runs.slice(1)) expect(withoutGeneratedAt(r)).toBe(withoutGeneratedAt(runs[0]!));
  }, 120_000);

  it('the run time in the JSON is ISO 8601 UTC', () => {
    const a = JSON.parse(answersJson(warehouse)) as { run: { finishedAt: string } };
    expect(a.run.finishedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
  }, 60_000);
});
