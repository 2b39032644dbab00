// `movalytics diff`: two published runs of the real pipeline (the second adds a ratings file), compared per input
// file, per table and per answer in every format; and the errors a user can make, each one line with exit code 2.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { changedFigures, diffAnswers, type RunDiff } from '../src/diff/index.js';
import { generateDataset } from '../src/generate/index.js';
import { runPipeline } from '../src/pipeline/run-pipeline.js';
import type { Answers } from '../src/stages/answers/index.js';
import { openWarehouse } from '../src/warehouse/open.js';
import { runCli, tempDir } from './support/helpers.js';

/** A published run; the publish records its answers. `record: false` removes them, as from an older version. */
async function publish(dir: string, input: string, warehouse: string, record = true): Promise<number> {
  const config = loadConfig({ cwd: dir, overrides: { input, warehouse, staging: join(dir, 'staging') } });
  const run = await runPipeline(config);
  expect(run.status).toBe('success');
  const wh = await openWarehouse(config.warehouse);
  try {
    const [kept] = await wh.query<{ n: number }>(
      `SELECT count(*) AS n FROM movalytics.run_answers WHERE run_id = ${run.runId}`,
    );
    expect(kept!.n).toBe(1);
    if (!record) await wh.exec(`DELETE FROM movalytics.run_answers WHERE run_id = ${run.runId}`);
  } finally {
    await wh.close();
  }
  return run.runId;
}

describe('movalytics diff', () => {
  const dir = tempDir('diff');
  const data = join(dir, 'data');
  const warehouse = join(dir, 'w.duckdb');
  beforeAll(async () => {
    await generateDataset({ out: data, movies: 300, ratings: 6_000, seed: 9 });
    await publish(dir, data, warehouse);
    const lines = ['userId,movieId,rating,timestamp'];
    for (let u = 0; u < 250; u++) lines.push(`${800_000 + u},1,5.0,1500000000`);
    writeFileSync(join(data, 'ratings_more.csv'), lines.join('\r\n') + '\r\n');
    await publish(dir, data, warehouse);
  });

  it('compares the last two published runs by default: files, tables, answers', async () => {
    const r = await runCli(['diff', '--format', 'json', '--warehouse', warehouse]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout) as RunDiff;
    expect([d.a.runId, d.b.runId]).toEqual([1, 2]);
    const added = d.files.find((f) => f.fileName === 'ratings_more.csv')!;
    expect(added).toMatchObject({
      change: 'added',
      role: 'ratings',
      a: null,
      b: { rows: 250, loadedInRun: 2 },
    });
    expect(added.b!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(d.files.filter((f) => f.change !== 'unchanged').map((f) => f.fileName)).toEqual([
      'ratings_more.csv',
    ]);
    const rating = d.tables.find((t) => t.table === 'movies.rating')!;
    expect(rating.delta).toBe(250);
    expect(d.tables.find((t) => t.table === 'movies.movie')!.delta).toBe(0);
    expect(d.answers).not.toBeNull();
    expect(d.answers!.paramsEqual).toBe(true);
    const counted = d.answers!.figures.find((f) => f.path === 'q2.countedRatings');
    // Movie 1 may or may not be linked in generated data: the figure moves by exactly what reached a movie.
    if (counted) expect(counted.delta).toBeGreaterThan(0);
    expect(d.answers!.figures.every((f) => !Object.is(f.a, f.b))).toBe(true);
    expect(d.answersNote).toBeNull();
  });

  it('prints a table and Markdown with the same facts', async () => {
    const t = await runCli(['diff', '1', '2', '--warehouse', warehouse]);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/^What changed: run 1 \(success, .*\) → run 2 \(success, .*\)/);
    expect(t.stdout).toMatch(/ratings_more\.csv\s+added/);
    expect(t.stdout).toMatch(/movies\.rating\s+[\d,]+\s+[\d,]+\s+\+250/);
    const m = await runCli(['diff', '1', '2', '--format', 'markdown', '--warehouse', warehouse]);
    expect(m.code).toBe(0);
    expect(m.stdout).toContain('## Input files');
    expect(m.stdout).toMatch(/\| ratings_more\.csv \| added \|/);
  });

  it('says in one line what is wrong: unknown run, not a number, bad format, too few runs', async () => {
    const cases: [string[], RegExp][] = [
      [['diff', '1', '9'], /^movalytics: RUN_B: run 9 not found in .* \(published runs: 1, 2\)\n$/],
      [['diff', 'x'], /^movalytics: RUN_A "x" is not a run id \(a number\)\n$/],
      [
        ['diff', '--format', 'html'],
        /^movalytics: unknown --format "html": use one of table, json, markdown\n$/,
      ],
    ];
    for (const [argv, message] of cases) {
      const r = await runCli([...argv, '--warehouse', warehouse]);
      expect({ argv, code: r.code }).toEqual({ argv, code: 2 });
      expect(r.stderr).toMatch(message);
    }
    const one = join(dir, 'one');
    mkdirSync(one);
    await publish(one, data, join(one, 'w.duckdb'));
    const r = await runCli(['diff', '--warehouse', join(one, 'w.duckdb')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no published run before run 1 to compare with/);
  });

  it('a run that recorded no answers is said so, never guessed', async () => {
    const other = join(dir, 'norecord');
    mkdirSync(other);
    await publish(other, data, join(other, 'w.duckdb'), false);
    writeFileSync(
      join(data, 'ratings_more.csv'),
      'userId,movieId,rating,timestamp\r\n1,1,1.0,1600000000\r\n',
    );
    await publish(other, data, join(other, 'w.duckdb'), false);
    const r = await runCli(['diff', '--format', 'json', '--warehouse', join(other, 'w.duckdb')]);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout) as RunDiff;
    expect(d.answers).toBeNull();
    expect(d.tables).toEqual([]);
    expect(d.answersNote).toMatch(/recorded no answers/);
    expect(d.files.find((f) => f.fileName === 'ratings_more.csv')!.change).toBe('changed');
  });
});

describe('diffAnswers (pure)', () => {
  it('keys list items by id: a swap is two rank moves, an entry and an exit are new/left', () => {
    const base = { q1: { top: [] }, q2: { genres: [] }, q3: {}, q4: { genres: [] } };
    const q3 = {
      verdict: 'v',
      alpha: 0.05,
      monthTest: { h: 1, pValue: 0.5, significant: false },
      quarterTest: { h: 2, pValue: 0.01, significant: true },
    };
    const mk = (top: [number, number, number][]): Answers =>
      ({
        ...base,
        params: { top: 3 },
        generatedAt: String(Math.random()),
        q1: {
          meanRating: 3,
          top: top.map(([rank, movieId, wr]) => ({
            rank,
            movieId,
            title: `m${movieId}`,
            weightedRating: wr,
          })),
        },
        q3,
      }) as unknown as Answers;
    const a = mk([
      [1, 10, 4.5],
      [2, 20, 4.4],
      [3, 30, 4.3],
    ]);
    const b = mk([
      [1, 20, 4.6],
      [2, 10, 4.5],
      [3, 40, 4.2],
    ]);
    const d = diffAnswers(a, b);
    expect(d.q1.map((m) => [m.id, m.move])).toEqual([
      [20, 1],
      [10, -1],
      [40, null],
      [30, null],
    ]);
    expect(d.q1.find((m) => m.id === 40)!.rankA).toBeNull();
    expect(d.q1.find((m) => m.id === 30)!.rankB).toBeNull();
    const paths = changedFigures(a, b).map((f) => f.path);
    expect(paths).toContain('q1.top[movieId=20].weightedRating');
    expect(paths).not.toContain('generatedAt');
    expect(paths).not.toContain('q1.top[movieId=10].weightedRating');
    expect(changedFigures(a, a)).toEqual([]);
  });
});
