// A FRED series as downloaded today: BLS never collected October 2025 CPI, so FRED writes "." for 2025-10. Such a
// month is a fact of the source: it loads (a NULL-valued month), is reported by a warn check, and answers leave the
// movies released in it out of CPI-adjusted figures and say how many — while a month absent from the file still fails.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../src/core/errors.js';
import { generateDataset, type Truth } from '../src/generate/index.js';
import type { Answers } from '../src/stages/answers/index.js';
import { queryDuckDb, runCli, tempDir } from './support/helpers.js';

describe('a FRED series with months the source marks missing', () => {
  const dir = tempDir('fred-missing');
  const input = join(dir, 'in');
  const warehouse = join(dir, 'w.duckdb');
  let truth: Truth;
  let run: Awaited<ReturnType<typeof runCli>>;
  // 2025-10 as FRED has it today; 2015-06 and 2016-05 too, because generated movies are released up to 2017 and the answers
  // must be seen leaving real movies out.
  const missing = ['2015-06', '2016-05', '2025-10'];
  beforeAll(async () => {
    truth = (
      await generateDataset({
        out: input,
        movies: 3000,
        ratings: 20_000,
        seed: 11,
        fredUntil: '2026-11',
        fredMissing: missing,
      })
    ).truth;
    run = await runCli([
      'run',
      '--input',
      input,
      '--warehouse',
      warehouse,
      '--staging',
      join(dir, 'staging'),
    ]);
  });

  it('the generator writes "." for the missing months and extends the series to --fred-until', () => {
    const text = readFileSync(join(input, 'CUSR0000SS62031.csv'), 'utf8');
    expect(text).toContain('2025-10-01,.\n');
    expect(text).toContain('2016-05-01,.\n');
    expect(text.trimEnd().split('\n').at(-1)).toMatch(/^2026-11-01,\d+\.\d{3}$/);
    expect(truth.cpi).toMatchObject({ last: '2026-11-01', missing });
    expect(truth.cpiAllItems.missing).toEqual(missing);
  });

  it('loads into a new warehouse (exit 0) with the months kept as NULL values', async () => {
    expect(run.code, run.stderr).toBe(EXIT.ok);
    const rows = await queryDuckDb<{ series_id: string; month: string }>(
      warehouse,
      `SELECT series_id, strftime(month, '%Y-%m') AS month FROM movies.cpi WHERE value IS NULL ORDER BY 1, 2`,
    );
    expect(rows).toEqual(
      ['CPIAUCNS', 'CUSR0000SS62031'].flatMap((series_id) => missing.map((month) => ({ series_id, month }))),
    );
    const [q] = await queryDuckDb<{ n: number }>(
      warehouse,
      `SELECT count(*) AS n FROM movalytics.quarantine WHERE source_file LIKE '%.csv' AND reason LIKE '%value%'`,
    );
    expect(q!.n).toBe(0);
    const [rec] = await queryDuckDb<{ read: number; loaded: number }>(
      warehouse,
      `SELECT records_read AS read, rows_loaded AS loaded FROM movalytics.reconciliation WHERE file_name = 'CUSR0000SS62031.csv'`,
    );
    expect(rec).toEqual({ read: truth.cpi.months, loaded: truth.cpi.months });
  });

  it('reports the months in a warn check, and the contiguity check passes', async () => {
    // The table wraps long cells to the terminal width, so the full text is read from the stored result.
    expect(run.stdout).toMatch(/cpi\.months_missing_in_source\s+warn\s+WARN\s+3 months/);
    const [c] = await queryDuckDb<{ observed: string }>(
      warehouse,
      `SELECT observed FROM movalytics.check_result WHERE check_name = 'cpi.months_missing_in_source'`,
    );
    expect(c!.observed).toMatch(/^3 months missing in the source: 2015-06, 2016-05, 2025-10/);
    // A passed check is counted, not listed, in the run's output: the stored result says it passed.
    expect(run.stdout).toMatch(/^Quality checks: \d+ passed, 0 failed, 1 warning$/m);
    expect(run.stdout).not.toMatch(/cpi\.months_contiguous/);
    const [contiguous] = await queryDuckDb<{ passed: boolean }>(
      warehouse,
      `SELECT passed FROM movalytics.check_result WHERE check_name = 'cpi.months_contiguous'`,
    );
    expect(contiguous?.passed).toBe(true);
  });

  it('Q3 and Q4 leave the movies of those months out and say how many', async () => {
    const [{ n: inMissing }] = (await queryDuckDb<{ n: number }>(
      warehouse,
      `SELECT count(*) AS n FROM movies.movie WHERE revenue IS NOT NULL AND strftime(release_date, '%Y-%m') IN ('2015-06', '2016-05', '2025-10')`,
    )) as [{ n: number }];
    expect(inMissing).toBeGreaterThan(0);
    const out = await runCli(['answers', '--warehouse', warehouse, '--format', 'json']);
    expect(out.code, out.stderr).toBe(0);
    const a = JSON.parse(out.stdout) as Answers;
    expect(a.q4.cpiMissingMonths).toEqual(missing);
    expect(a.q4.moviesInMissingCpiMonths).toBe(inMissing);
    expect(a.q3.moviesInMissingCpiMonths).toBe(inMissing);
    // The base month defaults to the latest month with a value; coverage ends there.
    expect(a.q4.cpiBase).toBe('2026-11');
    const [{ before }] = (await queryDuckDb<{ before: number }>(
      warehouse,
      `SELECT count(*) AS before FROM movies.movie WHERE revenue IS NOT NULL AND release_date < DATE '1999-01-01'`,
    )) as [{ before: number }];
    expect(a.q4.excludedMovies).toBe(before + inMissing);
    const table = await runCli(['answers', 'q4', '--warehouse', warehouse]);
    expect(table.stdout).toContain(
      `CPI has no value for 2015-06, 2016-05, 2025-10 (missing in the source, FRED "."): ${inMissing} revenue movie`,
    );
    const base = await runCli(['answers', 'q4', '--warehouse', warehouse, '--cpi-base', '2025-10']);
    expect(base.code).toBe(EXIT.usage);
    expect(base.stderr).toMatch(/CPI base month 2025-10 has no value: the source marks it missing/);
  });

  it('a month absent from the file (a gap the source does not explain) still fails the load', async () => {
    const gap = join(dir, 'gap');
    await generateDataset({ out: gap, movies: 200, ratings: 2_000, seed: 12, fredMissing: ['2025-10'] });
    const file = join(gap, 'CUSR0000SS62031.csv');
    writeFileSync(
      file,
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => !l.startsWith('2010-03-01'))
        .join('\n'),
    );
    const cli = await runCli([
      'run',
      '--input',
      gap,
      '--warehouse',
      join(dir, 'gap.duckdb'),
      '--staging',
      join(dir, 'gap-staging'),
    ]);
    expect(cli.code).toBe(EXIT.checkFailed);
    expect(cli.stdout).toMatch(/cpi\.months_contiguous\s+error\s+FAIL/);
  });
});
