// `movalytics diff` by row and a movie's ratings by file (issue 22): after a ratings drop that replaces K stored
// ratings and adds K new ones, and a links.csv with one link changed and one added, the diff reports per table the
// rows added, updated and deleted — from what each publish recorded, on every engine — where table sizes alone say
// "+K"; and the lineage of the movie the drop touched counts its ratings per file they came from.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunDiff } from '../src/diff/index.js';
import { generateDataset } from '../src/generate/index.js';
import { readMovieLineage } from '../src/serve/lineage.js';
import { openWarehouse } from '../src/warehouse/open.js';
import { engines, locationOf, query } from './support/engines.js';
import { runCli, tempDir } from './support/helpers.js';

// The 1 % update: 1,000 replaced + 1,000 new ratings.
const K = 1_000;
const root = tempDir('diff-rows');
const base = join(root, 'base');
let header = '';
let ratingRows: string[] = [];

beforeAll(async () => {
  await generateDataset({ out: base, movies: 300, ratings: 6_000, seed: 9 });
  [header = '', ...ratingRows] = readFileSync(join(base, 'ratings.csv'), 'utf8').trimEnd().split('\r\n');
});

/** K stored ratings re-rated a second later with another value, and K ratings of MovieLens movie `movie` by new users. */
function drop(movie: number): string {
  const lines = [header];
  for (const row of ratingRows.slice(0, K)) {
    const [u, m, r, t] = row.split(',');
    lines.push(`${u},${m},${Number(r) === 5 ? '1.0' : '5.0'},${Number(t) + 1}`);
  }
  for (let i = 0; i < K; i++) lines.push(`${900_000 + i},${movie},4.0,1500000000`);
  return lines.join('\r\n') + '\r\n';
}

async function diffJson(warehouse: string, ...runs: string[]): Promise<RunDiff> {
  const r = await runCli(['diff', ...runs, '--format', 'json', '--warehouse', warehouse]);
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(r.stdout) as RunDiff;
}

const tableOf = (d: RunDiff, name: string): RunDiff['tables'][number] => {
  const t = d.tables.find((x) => x.table === name);
  if (t === undefined) throw new Error(`no table ${name} in the diff`);
  return t;
};

describe.each(engines.map((e) => [e.name, e] as const))('diff by row on %s', (_name, engine) => {
  it('reports ratings added, updated and deleted, a links change, and the touched movie’s ratings per file', async () => {
    const dir = join(root, engine.name);
    mkdirSync(dir, { recursive: true });
    const input = join(dir, 'in');
    mkdirSync(input);
    for (const f of ['movies_metadata.csv', 'links.csv', 'ratings.csv', 'CUSR0000SS62031.csv'])
      writeFileSync(join(input, f), readFileSync(join(base, f)));
    const warehouse = await engine.fresh(dir);
    const run = async (): Promise<void> => {
      const r = await runCli([
        'run',
        '--input',
        input,
        '--warehouse',
        warehouse,
        '--staging',
        engine.staging(dir),
      ]);
      expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
    };
    await run();
    // The movie the drop's new users rate: the first MovieLens id linked to a movie of the model.
    const [linked] = await query<{ ml: number; tmdb: number }>(
      warehouse,
      `SELECT l.movielens_id AS ml, l.tmdb_id AS tmdb FROM movies.movie_link l JOIN movies.movie m ON m.movie_id = l.tmdb_id
       ORDER BY l.movielens_id LIMIT 1`,
    );
    const ml = Number(linked!.ml);
    const tmdb = Number(linked!.tmdb);
    writeFileSync(join(input, 'ratings_update.csv'), drop(ml));
    // links.csv: the first link gets another IMDb id (an update) and a new MovieLens id is linked (an addition).
    const links = readFileSync(join(input, 'links.csv'), 'utf8').split('\r\n');
    const [mid, , linkTmdb] = links[1]!.split(',');
    links[1] = `${mid},9999999,${linkTmdb}`;
    links.splice(links.length - 1, 0, '8000001,9999998,');
    writeFileSync(join(input, 'links.csv'), links.join('\r\n'));
    await run();

    const d = await diffJson(warehouse);
    expect([d.a.runId, d.b.runId]).toEqual([1, 2]);
    expect(d.rowChangesNote).toBeNull();
    expect(tableOf(d, 'movies.rating')).toMatchObject({ delta: K, added: K, updated: K, deleted: 0 });
    expect(tableOf(d, 'movies.movie_link')).toMatchObject({ delta: 1, added: 1, updated: 1, deleted: 0 });
    for (const t of ['movies.movie', 'movies.genre', 'movies.movie_genre', 'movies.cpi', 'movies.date'])
      expect({ t, ...tableOf(d, t) }).toMatchObject({ t, added: 0, updated: 0, deleted: 0 });

    // The movie's ratings by file: K new ones plus its re-rated ones from the drop, the rest from ratings.csv.
    const lineage = async (): Promise<{ ids: number[]; total: number; byFile: Record<string, number> }> => {
      const wh = await openWarehouse(locationOf(warehouse), { readOnly: true });
      try {
        const l = await readMovieLineage(wh, tmdb, null);
        expect(l?.ratingsByFile).not.toBeNull();
        return {
          ids: l!.links.map((x) => x.movielensId),
          total: l!.mappedRatings,
          byFile: Object.fromEntries(l!.ratingsByFile!.map((f) => [f.fileName, f.ratings])),
        };
      } finally {
        await wh.close();
      }
    };
    const after2 = await lineage();
    const reRated = ratingRows.slice(0, K).filter((r) => after2.ids.includes(Number(r.split(',')[1]))).length;
    expect(after2.byFile).toEqual({
      'ratings.csv': after2.total - K - reRated,
      'ratings_update.csv': K + reRated,
    });

    // A third run replaces the same K ratings again: run 2 → 3 is K updated; 1 → 3 is summed, and says so.
    writeFileSync(
      join(input, 'ratings_update2.csv'),
      [
        header,
        ...ratingRows
          .slice(0, K)
          .map((row) => row.replace(/,(\d+)$/, (_m, t: string) => `,${Number(t) + 2}`)),
      ].join('\r\n') + '\r\n',
    );
    await run();
    const last = await diffJson(warehouse);
    expect(tableOf(last, 'movies.rating')).toMatchObject({ delta: 0, added: 0, updated: K, deleted: 0 });
    const after3 = await lineage();
    expect(after3.byFile).toEqual({
      'ratings.csv': after3.total - K - reRated,
      'ratings_update.csv': K,
      ...(reRated > 0 ? { 'ratings_update2.csv': reRated } : {}),
    });
    const summed = await diffJson(warehouse, '1', '3');
    expect(tableOf(summed, 'movies.rating')).toMatchObject({
      delta: K,
      added: K,
      updated: 2 * K,
      deleted: 0,
    });
    expect(summed.rowChangesNote).toMatch(/summed over runs 2, 3/);

    const table = await runCli(['diff', '--warehouse', warehouse, '1', '2']);
    const k = K.toLocaleString('en-US'); // the table groups thousands
    expect(table.stdout).toMatch(
      new RegExp(`movies\\.rating\\s+[\\d,]+\\s+[\\d,]+\\s+\\+${k}\\s+${k}\\s+${k}\\s+0`),
    );
  });
});
