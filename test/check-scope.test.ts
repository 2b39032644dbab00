// A run that writes no rating (only a CPI file was added) checks no rating rows: their keys and values passed when
// they were published. This is the path that made check.quality 8–10× slower at full scale. --full-checks audits all.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { generateDataset } from '../src/generate/index.js';
import { runPipeline } from '../src/pipeline/run-pipeline.js';
import { coldLoad } from './support/cold-load.js';
import { engines, withWarehouse } from './support/engines.js';
import { tempDir } from './support/helpers.js';

describe('rating checks after a run that loads no ratings', () => {
  it('scope the rating row checks to the (empty) rows written by the run', async () => {
    const dir = tempDir('check-scope');
    const data = await generateDataset({ out: join(dir, 'data'), movies: 200, ratings: 4000, seed: 9 });
    const overrides = { input: data.dir, warehouse: join(dir, 'w.duckdb'), staging: join(dir, 'staging') };
    const config = loadConfig({ cwd: dir, overrides });
    // The first run without the optional CPIAUCNS.csv; the second only adds it.
    const cpi = join(data.dir, 'CPIAUCNS.csv');
    renameSync(cpi, join(dir, 'CPIAUCNS.csv'));
    const first = await runPipeline(config);
    expect(first.status).toBe('success');
    const byName = (s: typeof first, n: string) => s.checks.find((c) => c.name === n);
    expect(byName(first, 'key_unique.rating')?.observed).not.toContain('no rating written');

    renameSync(join(dir, 'CPIAUCNS.csv'), cpi);
    const steps = new Map<string, string>();
    const second = await runPipeline(config, {
      listener: (e) => {
        if (e.type === 'step.end') steps.set(e.step, e.detail ?? '');
      },
    });
    expect(second.status).toBe('success');
    expect(second.files.filter((f) => f.action === 'load').map((f) => f.role)).not.toContain('ratings');
    expect(byName(second, 'key_unique.rating')).toMatchObject({
      passed: true,
      observed: '0 duplicated keys (no rating written by this run)',
    });
    expect(byName(second, 'key_not_null.rating')?.observed).toContain(
      '(rows written by this run; declared NOT NULL)',
    );
    expect(byName(second, 'ratings.range')?.observed).toContain('(rows written by this run)');
    // Checks that read other tables still look at everything.
    expect(byName(second, 'ratings.mapped_share')?.observed).toMatch(/of [\d,]+;/);
    // The rating count of a run that wrote no rating comes from the marts' per-MovieLens-id counts, and equals the
    // count of the table the first run made.
    expect(byName(second, 'row_count.rating')?.observed).toBe(
      `${byName(first, 'row_count.rating')?.observed} (counted per MovieLens id)`,
    );
    // No movies_metadata in this run: neither side of a movie_genre foreign key changed.
    expect(byName(second, 'fk.movie_genre.movie')?.observed).toBe(
      '0 orphans (no movie_genre or movie row written by this run)',
    );

    // --full-checks: a ratings drop is audited over every row, and every mart is rebuilt.
    writeFileSync(
      join(data.dir, 'ratings_drop.csv'),
      'userId,movieId,rating,timestamp\r\n1,1,4.0,1600000000\r\n',
    );
    // The run history says which checks read only what the run changed, the kept counts, or every row.
    expect(steps.get('check.quality')).toBe(
      `${second.checks.length} checks, 0 failed; this run: key_not_null.rating, key_unique.rating, fk.movie_genre.movie, fk.movie_genre.genre, ratings.range; kept counts: row_count.rating, ratings.mapped_share`,
    );
    expect(steps.get('answers.marts')).toBe('rating marts unchanged; revenue_movie rebuilt');

    const marts: string[] = [];
    const checkSteps: string[] = [];
    const full = await runPipeline(loadConfig({ cwd: dir, overrides: { ...overrides, fullChecks: true } }), {
      listener: (e) => {
        if (e.type === 'step.end' && e.step === 'check.quality') checkSteps.push(e.detail ?? '');
        if (e.type === 'step.end' && e.step === 'answers.marts') marts.push(e.detail ?? '');
      },
    });
    expect(full.status).toBe('success');
    expect(byName(full, 'key_unique.rating')?.observed).toBe('0 duplicated keys (every key)');
    expect(byName(full, 'ratings.range')?.observed).toBe('0 out of range (every row)');
    expect(byName(full, 'fk.movie_genre.movie')?.observed).toBe('0 orphans (every row)');
    expect(marts).toEqual(['every mart rebuilt from the model']);
    expect(checkSteps).toEqual([
      `${full.checks.length} checks, 0 failed; every row: row_count.rating, key_not_null.rating, key_unique.rating, fk.movie_genre.movie, fk.movie_genre.genre, ratings.mapped_share, ratings.range`,
    ]);
  }, 120_000);
});

describe.each(engines)('a cold run with a second ratings file on $name', (engine) => {
  it('proves key_unique.rating by the unique index it built, where the engine has one', async () => {
    const dir = tempDir(`check-cold-two-${engine.name}`);
    const data = await generateDataset({ out: join(dir, 'data'), movies: 150, ratings: 3000, seed: 5 });
    // A later rating of user 1's first movie (replaces it) and a new key, in the same first run as ratings.csv.
    writeFileSync(
      join(data.dir, 'ratings_more.csv'),
      'userId,movieId,rating,timestamp\r\n1,1,4.0,1700000000\r\n99999,1,3.5,1700000000\r\n',
    );
    const warehouse = await engine.fresh(dir);
    const overrides = { input: data.dir, warehouse, staging: engine.staging(dir) };
    const run = await runPipeline(loadConfig({ cwd: dir, overrides }));
    expect(run.status).toBe('success');
    const keyUnique = run.checks.find((c) => c.name === 'key_unique.rating');
    if (engine.name !== 'postgres') {
      expect(keyUnique).toMatchObject({ passed: true, observed: '0 duplicated keys (every key)' });
      return;
    }
    expect(keyUnique).toMatchObject({
      passed: true,
      observed:
        '0 duplicated keys (every key: this run built a unique index on (user_id, movielens_id) over them)',
      scope: 'every row',
    });
    // What the check rests on: the index is there, and refuses a duplicate.
    await withWarehouse(warehouse, async (wh) => {
      await expect(
        wh.exec(
          `INSERT INTO movies.rating (user_id, movielens_id, rating, rated_at) SELECT user_id, movielens_id, 1.0, rated_at FROM movies.rating LIMIT 1`,
        ),
      ).rejects.toThrow(/duplicate key/);
    });
  }, 120_000);
});

describe.each(engines)('the kept-counts checks after an incremental ratings file on $name', (engine) => {
  it('count the ratings and the mapped share exactly as every row does', async () => {
    const cold = await coldLoad(engine, 'check-kept-counts', { movies: 150, ratings: 3000, seed: 13 });
    const { dataDir, warehouse } = cold;
    expect(cold.first.status).toBe('success');
    // Later versions of some stored ratings (replaced, not added) and new keys, some of movies no link maps.
    const stored = readFileSync(join(dataDir, 'ratings.csv'), 'utf8').split(/\r?\n/).slice(1, 400);
    const replaced = stored.filter((_, i) => i % 7 === 0).map((l) => l.split(','));
    const lines = [
      ...replaced.map(([u, m]) => `${u},${m},0.5,1700000000`),
      ...Array.from({ length: 60 }, (_, i) => `${90000 + i},${1 + (i % 40)},4.0,1700000000`),
      '90100,999999,3.0,1700000000',
    ];
    writeFileSync(
      join(dataDir, 'ratings_more.csv'),
      `userId,movieId,rating,timestamp\r\n${lines.join('\r\n')}\r\n`,
    );
    const run = await runPipeline(cold.config);
    expect(run.status).toBe('success');
    const observed = (name: string): string | undefined => run.checks.find((c) => c.name === name)?.observed;
    expect(observed('row_count.rating')).toMatch(/\(counted per MovieLens id\)$/);
    // The truth, from every row of the table the run published.
    const [t] = await withWarehouse(warehouse, (wh) =>
      wh.query<{ total: number | string; mapped: number | string }>(
        `SELECT count(*) AS total, count(m.movie_id) AS mapped FROM movies.rating r
         LEFT JOIN movies.movie_link l ON l.movielens_id = r.movielens_id
         LEFT JOIN movies.movie m ON m.movie_id = l.tmdb_id`,
      ),
    );
    const fmt = (n: number | string | undefined): string => Number(n).toLocaleString('en-US');
    expect(observed('row_count.rating')).toBe(`${fmt(t?.total)} rows (counted per MovieLens id)`);
    expect(observed('ratings.mapped_share')).toContain(`(${fmt(t?.mapped)} of ${fmt(t?.total)}; `);
  }, 120_000);
});
