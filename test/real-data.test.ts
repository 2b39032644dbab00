// Loads the genuine excerpts of The Movies Dataset and FRED in ../shared/data/real and asserts their known counts
// and defects (PROVENANCE.md there). Skipped with a notice where the folder is missing; CI makes that a failure.
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { runPipeline, type RunSummary } from '../src/pipeline/run-pipeline.js';
import { DuckDbWarehouse } from '../src/warehouse/duckdb/index.js';
import { haveRealData, realDir, tempDir } from './support/helpers.js';

const real = haveRealData('real-data.test.ts');

/** Builds an input folder of symlinks: name in the folder → file in ../shared/data/real. */
function inputOf(dir: string, files: Record<string, string>): string {
  const input = join(dir, 'in');
  mkdirSync(input);
  for (const [name, source] of Object.entries(files)) symlinkSync(join(realDir, source), join(input, name));
  return input;
}

async function scalars(warehouse: string, sql: string): Promise<Record<string, number | string | null>> {
  const wh = await DuckDbWarehouse.open({ path: warehouse });
  try {
    const [row] = await wh.query(sql);
    return row as Record<string, number | string | null>;
  } finally {
    await wh.close();
  }
}

describe.skipIf(!real)('the real excerpts', () => {
  describe('the Kaggle sample (movies_metadata_small, links_small, ratings_small) + FRED CPI', () => {
    const dir = tempDir('real-a');
    const wh = join(dir, 'w.duckdb');
    let run: RunSummary;
    beforeAll(async () => {
      const input = inputOf(dir, {
        'movies_metadata.csv': 'movies_metadata_small.csv',
        'links.csv': 'links_small.csv',
        'ratings.csv': 'ratings_small.csv',
        'CUSR0000SS62031.csv': 'CUSR0000SS62031.csv',
        'keywords.csv': 'unverified/keywords.csv',
        'credits.csv': 'unverified/credits.csv',
      });
      run = await runPipeline(
        loadConfig({ cwd: dir, overrides: { input, warehouse: wh, staging: join(dir, 'staging') } }),
      );
    });

    it('loads every record, with the one known duplicate collapsed', async () => {
      expect(run.status).toBe('success');
      const movies = run.reports.find((r) => r.fileName === 'movies_metadata.csv')!;
      expect(movies).toEqual({
        fileName: 'movies_metadata.csv',
        recordsRead: 5000,
        rowsLoaded: 4999,
        rowsQuarantined: 0,
        duplicatesCollapsed: 1,
        recordsMerged: 0,
      });
      const c = await scalars(
        wh,
        `SELECT (SELECT count(*) FROM movies.movie) AS movies, (SELECT count(*) FROM movies.movie_link) AS links,
          (SELECT count(*) FROM movies.movie_link WHERE tmdb_id IS NULL) AS blank_tmdb,
          (SELECT count(*) FROM movies.rating) AS ratings, (SELECT count(DISTINCT user_id) FROM movies.rating) AS users,
          (SELECT min(rating) FROM movies.rating) AS lo, (SELECT max(rating) FROM movies.rating) AS hi,
          (SELECT count(*) FROM movies.cpi) AS cpi, (SELECT CAST(min(month) AS VARCHAR) FROM movies.cpi) AS first,
          (SELECT CAST(max(month) AS VARCHAR) FROM movies.cpi) AS last, (SELECT count(*) FROM movalytics.quarantine) AS quarantined`,
      );
      expect(c).toEqual({
        movies: 4999,
        links: 9125,
        blank_tmdb: 13,
        ratings: 100004,
        users: 671,
        lo: 0.5,
        hi: 5,
        cpi: 280,
        first: '1999-01-01',
        last: '2022-04-01',
        quarantined: 0,
      });
    });

    it('keeps the quoted overviews with embedded newlines as one record each', async () => {
      const c = await scalars(
        wh,
        `SELECT count(*) AS n FROM movies.movie WHERE movie_id IN (290157, 12229, 11342, 11891)`,
      );
      expect(c.n).toBe(4);
    });

    it('reads the Python-literal genres (106 movies have none) and empty fields as NULL', async () => {
      const c = await scalars(
        wh,
        `SELECT (SELECT count(*) FROM movies.movie m WHERE NOT EXISTS (SELECT 1 FROM movies.movie_genre g WHERE g.movie_id = m.movie_id)) AS no_genre,
          (SELECT count(*) FROM movies.genre) AS genres, (SELECT name FROM movies.genre WHERE genre_id = 10751) AS family,
          (SELECT count(*) FROM movies.movie WHERE status IS NULL) AS no_status,
          (SELECT count(*) FROM movies.movie WHERE release_date IS NULL) AS no_date,
          (SELECT revenue FROM movies.movie WHERE movie_id = 862) AS toy_story_revenue,
          (SELECT budget FROM movies.movie WHERE movie_id = 15602) AS grumpier_budget`,
      );
      expect(c).toMatchObject({
        no_genre: 106,
        family: 'Family',
        no_status: 6,
        no_date: 4,
        toy_story_revenue: 373554033,
        grumpier_budget: null,
      });
      expect(c.genres).toBeGreaterThanOrEqual(19);
    });

    it('maps Toy Story ratings through links (movieId 1 → tmdb 862)', async () => {
      const c = await scalars(
        wh,
        `SELECT count(*) AS n, min(movie_id) AS lo, max(movie_id) AS hi FROM movies.rating_mapped WHERE movielens_id = 1`,
      );
      expect(c).toEqual({ n: 247, lo: 862, hi: 862 });
    });
  });

  it('loads the full real links.csv (219 blank, 30 repeated tmdbIds) and never merges the *_small files', async () => {
    const dir = tempDir('real-b');
    const wh = join(dir, 'w.duckdb');
    const input = inputOf(dir, {
      'movies_metadata.csv': 'movies_metadata_small.csv',
      'links.csv': 'links.csv',
      'ratings.csv': 'ratings_small.csv',
      'ratings_small.csv': 'ratings_small.csv',
      'links_small.csv': 'links_small.csv',
      'CUSR0000SS62031.csv': 'CUSR0000SS62031.csv',
    });
    const run = await runPipeline(
      loadConfig({ cwd: dir, overrides: { input, warehouse: wh, staging: join(dir, 'staging') } }),
    );
    expect(run.status).toBe('success');
    expect(run.files.filter((f) => f.action === 'ignored').map((f) => f.name)).toEqual([
      'links_small.csv',
      'ratings_small.csv',
    ]);
    const c = await scalars(
      wh,
      `SELECT (SELECT count(*) FROM movies.movie_link) AS links, (SELECT count(*) FROM movies.movie_link WHERE tmdb_id IS NULL) AS blank,
        (SELECT count(tmdb_id) - count(DISTINCT tmdb_id) FROM movies.movie_link) AS repeated, (SELECT count(*) FROM movies.rating) AS ratings`,
    );
    expect(c).toEqual({ links: 45843, blank: 219, repeated: 30, ratings: 100004 });
  });
});
