// Each quality check passes on a clean model and fails when its rule is broken: none of them can only pass.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { modelDdl } from '../../pipeline/migrate.js';
import { DuckDbWarehouse } from '../../warehouse/duckdb/index.js';
import type { FileReport } from '../load/load-model.js';
import { runChecks, type CheckOptions, type CheckResult } from './checks.js';

const TODAY = new Date('2026-01-15T00:00:00Z');
const GOOD_REPORT: FileReport = {
  fileName: 'ratings.csv',
  recordsRead: 3,
  rowsLoaded: 2,
  rowsQuarantined: 1,
  duplicatesCollapsed: 0,
  recordsMerged: 0,
};

let dir: string;
let wh: DuckDbWarehouse;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'movalytics-checks-'));
  wh = await DuckDbWarehouse.open({ path: join(dir, 'w.duckdb') });
  for (const ddl of modelDdl()) await wh.exec(ddl);
  await wh.exec(`
    INSERT INTO movies.movie (movie_id, title, release_date) VALUES (862, 'Toy Story', DATE '1995-10-30'), (8844, 'Jumanji', DATE '1995-12-15');
    INSERT INTO movies.genre VALUES (16, 'Animation'), (35, 'Comedy');
    INSERT INTO movies.movie_genre VALUES (862, 16), (862, 35), (8844, 35);
    INSERT INTO movies.movie_link VALUES (1, '0114709', 862), (2, '0113497', 8844), (3, '0000003', NULL);
    INSERT INTO movies.rating VALUES (1, 1, 4.0, TIMESTAMP '2001-01-01'), (1, 2, 3.5, TIMESTAMP '2001-01-02'), (2, 1, 5.0, TIMESTAMP '2001-01-03');
    INSERT INTO movies.date VALUES (DATE '1995-10-30', 30, 44, 10, 4, 1995), (DATE '1995-12-15', 15, 50, 12, 4, 1995);
    INSERT INTO movies.cpi VALUES (DATE '1999-01-01', 'X', 100.0), (DATE '1999-02-01', 'X', 101.0), (DATE '1999-03-01', 'X', 102.0);
  `);
});
afterEach(async () => {
  await wh.close();
  rmSync(dir, { recursive: true, force: true });
});

async function failing(
  opts: { reports?: FileReport[]; ratingScope?: string | null; mappedShareWarn?: number } = {},
): Promise<CheckResult[]> {
  const results = await runChecks(wh, {
    mappedShareWarn: opts.mappedShareWarn ?? 0.5,
    reports: opts.reports ?? [GOOD_REPORT],
    ratingScope: opts.ratingScope,
    today: TODAY,
  });
  return results.filter((r) => !r.passed);
}
const names = (rs: CheckResult[]): string[] => rs.map((r) => r.name).sort();
async function failingWith(extra: Partial<CheckOptions>): Promise<CheckResult[]> {
  const results = await runChecks(wh, {
    mappedShareWarn: 0.5,
    reports: [GOOD_REPORT],
    today: TODAY,
    ...extra,
  });
  return results.filter((r) => !r.passed);
}

describe('quality checks', () => {
  it('all pass on a clean model', async () => {
    expect(await failing()).toEqual([]);
  });

  it('row_count fails on an empty table', async () => {
    await wh.exec(`DELETE FROM movies.cpi`);
    expect(names(await failing())).toEqual(['cpi.months_contiguous', 'row_count.cpi']);
  });

  it('key_not_null fails on a NULL key (engines that do not enforce NOT NULL)', async () => {
    await wh.exec(
      `ALTER TABLE movies.rating ALTER COLUMN user_id DROP NOT NULL; INSERT INTO movies.rating VALUES (NULL, 2, 3.0, TIMESTAMP '2001-01-01')`,
    );
    expect(names(await failing())).toEqual(['key_not_null.rating']);
  });

  it('key_unique fails on a duplicated key, also when scoped to the rows of this run', async () => {
    await wh.exec(`INSERT INTO movies.rating VALUES (1, 1, 2.0, TIMESTAMP '2002-01-01')`);
    expect(names(await failing())).toEqual(['key_unique.rating']);
    await wh.exec(
      `CREATE SCHEMA IF NOT EXISTS staging; CREATE TABLE staging.touched AS SELECT * FROM movies.rating WHERE rating = 2.0`,
    );
    expect(names(await failing({ ratingScope: 'staging.touched' }))).toEqual(['key_unique.rating']);
    await wh.exec(
      `DELETE FROM staging.touched; INSERT INTO staging.touched VALUES (2, 1, 5.0, TIMESTAMP '2001-01-03')`,
    );
    // The duplicate is outside this run's rows: a scoped check does not see it (it was there before this run).
    expect(names(await failing({ ratingScope: 'staging.touched' }))).toEqual([]);
  });

  it('key_unique with a key scope checks just those keys (the keys a bulk load fixed)', async () => {
    await wh.exec(`INSERT INTO movies.rating VALUES (1, 1, 2.0, TIMESTAMP '2002-01-01')`);
    await wh.exec(
      `CREATE SCHEMA IF NOT EXISTS staging; CREATE TABLE staging.fixed (user_id INTEGER, movielens_id INTEGER)`,
    );
    const scope = { table: 'staging.fixed', note: 'fixed keys' };
    expect(names(await failingWith({ ratingKeyScope: scope }))).toEqual([]);
    await wh.exec(`INSERT INTO staging.fixed VALUES (1, 1)`);
    const [f] = await failingWith({ ratingKeyScope: scope });
    expect(f).toMatchObject({ name: 'key_unique.rating', observed: '1 duplicated keys (fixed keys)' });
  });

  it('key_unique after a merge reads two counts when the row accounting balances, and fails when it does not', async () => {
    // A merge wrote (1, 2) over a stored row and (3, 3) as a new key: 2 rows before, 1 replaced, 2 written.
    await wh.exec(`DELETE FROM movies.rating WHERE user_id = 2`);
    await wh.exec(
      `UPDATE movies.rating SET rating = 1.0 WHERE user_id = 1 AND movielens_id = 2; INSERT INTO movies.rating VALUES (3, 3, 2.5, TIMESTAMP '2001-01-05')`,
    );
    await wh.exec(
      `CREATE SCHEMA IF NOT EXISTS staging; CREATE TABLE staging.touched AS SELECT * FROM movies.rating WHERE rating IN (1.0, 2.5)`,
    );
    const ratingKeyScope = {
      table: 'staging.touched',
      note: 'rows written by this run',
      accounting: { rowsBefore: 2, replaced: 1, inserted: 2 },
    };
    const results = await runChecks(wh, {
      mappedShareWarn: 0,
      reports: [GOOD_REPORT],
      today: TODAY,
      ratingScope: 'staging.touched',
      ratingKeyScope,
    });
    expect(results.find((r) => r.name === 'key_unique.rating')).toMatchObject({
      passed: true,
      observed: '0 duplicated keys (rows written by this run; 3 rows = 2 before - 1 replaced + 2 written)',
    });
    const keyUnique = async (): Promise<CheckResult | undefined> =>
      (await failingWith({ ratingScope: 'staging.touched', ratingKeyScope, mappedShareWarn: 0 })).find(
        (r) => r.name === 'key_unique.rating',
      );
    // A stored row the merge did not delete: the lookup says which key is duplicated.
    await wh.exec(`INSERT INTO movies.rating VALUES (1, 2, 3.5, TIMESTAMP '2001-01-02')`);
    expect((await keyUnique())?.observed).toBe('1 duplicated keys (rows written by this run)');
    // A row gone that the merge did not replace: no duplicate, but the counts say the table is not what it wrote.
    await wh.exec(`DELETE FROM movies.rating WHERE rating = 3.5 OR (user_id = 1 AND movielens_id = 1)`);
    expect((await keyUnique())?.observed).toBe(
      '0 duplicated keys (rows written by this run; 2 rows where the merge accounts for 2 before - 1 replaced + 2 written = 3)',
    );
    // The counts balance again, but the written rows hold a key twice: that fails too.
    await wh.exec(`INSERT INTO movies.rating VALUES (1, 1, 4.0, TIMESTAMP '2001-01-01')`);
    await wh.exec(`INSERT INTO staging.touched VALUES (3, 3, 2.5, TIMESTAMP '2001-01-05')`);
    expect((await keyUnique())?.observed).toBe('1 duplicated keys (rows written by this run)');
  });

  it('the foreign keys of movie_genre fail on orphans', async () => {
    await wh.exec(`INSERT INTO movies.movie_genre VALUES (999, 16), (862, 99)`);
    expect(names(await failing())).toEqual(['fk.movie_genre.genre', 'fk.movie_genre.movie']);
  });

  it('ratings.mapped_share warns below the threshold', async () => {
    await wh.exec(
      `INSERT INTO movies.rating VALUES (3, 3, 1.0, TIMESTAMP '2001-01-01'), (4, 3, 1.0, TIMESTAMP '2001-01-01'), (5, 3, 1.0, TIMESTAMP '2001-01-01'), (6, 4, 1.0, TIMESTAMP '2001-01-01')`,
    );
    const [f] = await failing();
    expect(f).toMatchObject({
      name: 'ratings.mapped_share',
      severity: 'warn',
      observed: '42.86% (3 of 7; 4 unmapped)',
    });
  });

  it('ratings.range fails on a rating off the 0.5 grid or outside 0.5..5.0', async () => {
    await wh.exec(
      `INSERT INTO movies.rating VALUES (7, 1, 4.2, TIMESTAMP '2001-01-01'), (8, 1, 5.5, TIMESTAMP '2001-01-01')`,
    );
    const [f] = await failing();
    expect(f).toMatchObject({ name: 'ratings.range', observed: '2 out of range (every row)' });
  });

  it('movie.release_date_range fails before 1870 and after today + 5 years', async () => {
    await wh.exec(
      `INSERT INTO movies.movie (movie_id, release_date) VALUES (1, DATE '1869-12-31'), (2, DATE '2031-01-16'), (3, DATE '2031-01-15')`,
    );
    const [f] = await failing();
    expect(f).toMatchObject({
      name: 'movie.release_date_range',
      observed: '2 outside',
      expected: 'release_date within 1870-01-01..2031-01-15',
    });
  });

  it('cpi.months_contiguous fails on a gap', async () => {
    await wh.exec(`DELETE FROM movies.cpi WHERE month = DATE '1999-02-01'`);
    const [f] = await failing();
    expect(f).toMatchObject({
      name: 'cpi.months_contiguous',
      observed: 'X: 2 months in 1999-01-01..1999-03-01',
      expected: 'X: 3 months (no gaps)',
    });
  });

  it('cpi.months_contiguous checks each series on its own', async () => {
    // A second series covering other months: contiguous on its own, so the check passes.
    await wh.exec(
      `INSERT INTO movies.cpi VALUES (DATE '1913-01-01', 'A', 9.8), (DATE '1913-02-01', 'A', 9.8), (DATE '1913-03-01', 'A', 9.8)`,
    );
    expect(await failing()).toEqual([]);
    await wh.exec(`DELETE FROM movies.cpi WHERE series_id = 'A' AND month = DATE '1913-02-01'`);
    const [f] = await failing();
    expect(f).toMatchObject({
      name: 'cpi.months_contiguous',
      observed: 'A: 2 months in 1913-01-01..1913-03-01; X: 3 months in 1999-01-01..1999-03-01',
      expected: 'A: 3 months (no gaps); X: 3 months (no gaps)',
    });
  });

  it('links.repeated_movie_id warns when links.csv lists a movieId twice, with the rule that picks one', async () => {
    const links: FileReport = {
      ...GOOD_REPORT,
      fileName: 'links.csv',
      rowsLoaded: 2,
      duplicatesCollapsed: 1,
    };
    const [f] = await failing({ reports: [{ ...links, recordsRead: 4 }] });
    expect(f).toMatchObject({
      name: 'links.repeated_movie_id',
      severity: 'warn',
      observed: '1 rows repeat a movieId listed on another row',
    });
    expect(f!.expected).toContain('the row with the smallest tmdbId, then imdbId, is kept');
  });

  it('row_count.rating and ratings.mapped_share read kept per-MovieLens-id counts when given them', async () => {
    // The counts, not the table: 10 ratings of the unlinked MovieLens id 3 and 30 of id 1 (Toy Story).
    const counts = '(SELECT 3 AS movielens_id, 10 AS n UNION ALL SELECT 1, 30)';
    const results = await runChecks(wh, {
      mappedShareWarn: 0.8,
      reports: [],
      ratingCounts: counts,
      today: TODAY,
    });
    const byName = (n: string) => results.find((r) => r.name === n);
    expect(byName('row_count.rating')).toMatchObject({
      passed: true,
      observed: '40 rows (counted per MovieLens id)',
    });
    expect(byName('ratings.mapped_share')).toMatchObject({
      passed: false,
      observed: '75.00% (30 of 40; 10 unmapped)',
    });
    expect(names(await failingWith({ ratingCounts: '(SELECT 1 AS movielens_id, 0 AS n)' }))).toEqual([
      'ratings.mapped_share',
      'row_count.rating',
    ]);
  });

  it('reconciliation fails when records are unaccounted for', async () => {
    const [f] = await failing({ reports: [{ ...GOOD_REPORT, rowsQuarantined: 0 }] });
    expect(f).toMatchObject({ name: 'reconciliation.ratings.csv', expected: '1 records unaccounted for' });
  });
});
