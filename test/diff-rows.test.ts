// `movalytics diff` by row (issue 22): after a ratings drop that replaces K stored ratings and adds K new ones, and a
// links.csv with one link changed and one added, the diff reports per table the rows added, updated and deleted —
// from what each publish recorded, on every engine — where table sizes alone say "+K".
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunDiff } from '../src/diff/index.js';
import { generateDataset } from '../src/generate/index.js';
import { engines } from './support/engines.js';
import { runCli, tempDir } from './support/helpers.js';

const K = 100;
const root = tempDir('diff-rows');
const base = join(root, 'base');
let header = '';
let ratingRows: string[] = [];

beforeAll(async () => {
  await generateDataset({ out: base, movies: 300, ratings: 6_000, seed: 9 });
  [header = '', ...ratingRows] = readFileSync(join(base, 'ratings.csv'), 'utf8').trimEnd().split('\r\n');
});

/** K stored ratings re-rated a second later with another value, and K ratings by new users. */
function drop(): string {
  const lines = [header];
  for (const row of ratingRows.slice(0, K)) {
    const [u, m, r, t] = row.split(',');
    lines.push(`${u},${m},${Number(r) === 5 ? '1.0' : '5.0'},${Number(t) + 1}`);
  }
  const [, movie] = ratingRows[0]!.split(',');
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
  it('reports ratings added, updated and deleted, and a links change, exactly per run and summed over runs', async () => {
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
    writeFileSync(join(input, 'ratings_update.csv'), drop());
    // links.csv: the first link gets another IMDb id (an update) and a new MovieLens id is linked (an addition).
    const links = readFileSync(join(input, 'links.csv'), 'utf8').split('\r\n');
    const [mid, , tmdb] = links[1]!.split(',');
    links[1] = `${mid},9999999,${tmdb}`;
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
    const summed = await diffJson(warehouse, '1', '3');
    expect(tableOf(summed, 'movies.rating')).toMatchObject({
      delta: K,
      added: K,
      updated: 2 * K,
      deleted: 0,
    });
    expect(summed.rowChangesNote).toMatch(/summed over runs 2, 3/);

    const table = await runCli(['diff', '--warehouse', warehouse, '1', '2']);
    expect(table.stdout).toMatch(
      new RegExp(`movies\\.rating\\s+[\\d,]+\\s+[\\d,]+\\s+\\+${K}\\s+${K}\\s+${K}\\s+0`),
    );
  });
});
