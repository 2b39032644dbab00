// Property test of the incremental marts: random sequences of rating drops (new keys, replaced keys, older-timestamp
// losers, quarantined rows, unmapped movies, a movie added in the same run, two drops in one run) run through the real pipeline, and after
// each run every mart and the answers equal a full rebuild from the model. Seeded with the project's PRNG.
import { appendFileSync, copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { generateDataset } from '../src/generate/index.js';
import { Rng } from '../src/generate/prng.js';
import { runPipeline } from '../src/pipeline/run-pipeline.js';
import { computeAnswers, MART_TABLES, MARTS_SCHEMA, refreshMarts } from '../src/stages/answers/index.js';
import { MOVIELENS_COUNTS, USER_MASK } from '../src/stages/answers/marts.js';
import type { Warehouse } from '../src/warehouse/warehouse.js';
import { engines, withWarehouse } from './support/engines.js';
import { tempDir } from './support/helpers.js';

/** A key (user, movie) the test knows is stored, with the time it was stored at. */
type Key = readonly [user: number, movie: number];

/** The input folder and what the test knows of it, changed by each step. */
interface World {
  input: string;
  rng: Rng;
  /** MovieLens ids with a link (ratings of others stay unmapped). */
  linked: number[];
  /** Keys written so far (new keys of the drops join them). */
  keys: Key[];
  nextUser: number;
  nextMovie: number;
}

const STEPS = 3;
/** Times of the drops: later than every generated rating, earlier than now; each step later than the last. */
const stepTime = (step: number): number => 1_650_000_000 + step * 1_000_000;
/** Earlier than every generated rating (the first MovieLens rating is from 1995-01-09), after 1995-01-01. */
const LOSER_TIME = 788_918_500;

const ratingOf = (rng: Rng): string => (0.5 + rng.int(10) * 0.5).toFixed(1);

/** Appends one movie (TMDB id `tmdb`, genre Drama) to movies_metadata.csv and its link to links.csv. */
function addMovie(w: World, movieLensId: number, tmdb: number): void {
  appendFileSync(
    join(w.input, 'movies_metadata.csv'),
    `False,,1000000,"[{'id': 18, 'name': 'Drama'}]",,${tmdb},tt9${String(tmdb).padStart(6, '0')},en,Added ${tmdb},Added by the property test.,1.0,,[],[],2001-03-04,5000000,100.0,[],Released,,Added ${tmdb},False,7.0,10\n`,
  );
  appendFileSync(join(w.input, 'links.csv'), `${movieLensId},9${String(tmdb).padStart(6, '0')},${tmdb}\r\n`);
  w.linked.push(movieLensId);
}

/**
 * Writes one ratings drop of a step (`file` names it; drops load in name order): a random mix of every kind of row an
 * incremental file can hold. With `addMovieChance`, also a movie and its link, rated in the same drop.
 */
function writeDrop(w: World, step: number, file: string, addMovieChance: number): { addedMovie: boolean } {
  const { rng } = w;
  const t = stepTime(step) + (file.endsWith('b') ? 10_000 : 0);
  const lines = ['userId,movieId,rating,timestamp'];
  const addedMovie = rng.chance(addMovieChance);
  if (addedMovie) {
    const ml = w.nextMovie++;
    addMovie(w, ml, 900_000 + ml);
    for (let i = 0; i < 5; i++) lines.push(`${1 + rng.int(w.nextUser)},${ml},${ratingOf(rng)},${t + i}`);
  }
  const fresh: Key[] = [];
  for (let i = 0, n = 5 + rng.int(40); i < n; i++) {
    const user = rng.chance(0.2) ? w.nextUser++ : 1 + rng.int(w.nextUser - 1);
    const movie = rng.chance(0.1) ? 8_000_000 + rng.int(5) : rng.pick(w.linked);
    lines.push(`${user},${movie},${ratingOf(rng)},${t + 100 + i}`);
    fresh.push([user, movie]);
    // A duplicate inside the file: the later line wins.
    if (rng.chance(0.1)) lines.push(`${user},${movie},${ratingOf(rng)},${t + 50 + i}`);
  }
  for (let i = 0, n = rng.int(30); i < n; i++) {
    const [user, movie] = rng.pick(w.keys);
    lines.push(`${user},${movie},${ratingOf(rng)},${t + 500 + i}`); // replaces the stored rating
  }
  for (let i = 0, n = rng.int(10); i < n; i++) {
    const [user, movie] = rng.pick(w.keys);
    lines.push(`${user},${movie},${ratingOf(rng)},${LOSER_TIME}`); // older than the stored one: loses
  }
  for (let i = 0, n = rng.int(4); i < n; i++) {
    const [user, movie] = rng.pick(w.keys);
    lines.push(rng.chance(0.5) ? `${user},${movie},7.5,${t}` : `${user},${movie},3.0,12`); // quarantined
  }
  writeFileSync(join(w.input, `ratings_${file}.csv`), lines.join('\r\n') + '\r\n');
  w.keys.push(...fresh);
  return { addedMovie };
}

/** Every mart and the user-mask state as sorted text rows, and the answers: what a rebuild must reproduce. */
async function snapshot(wh: Warehouse): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const t of [...MART_TABLES.map((x) => `${MARTS_SCHEMA}.${x}`), USER_MASK, MOVIELENS_COUNTS]) {
    const rows = await wh.query(`SELECT * FROM ${t}`);
    out[t] = rows.map((r) => JSON.stringify(Object.values(r).map((v) => String(v)))).sort();
  }
  const { generatedAt: _, ...answers } = await computeAnswers(wh, {});
  out.answers = answers;
  return out;
}

/** The data rows of a generated CSV (no quoted fields in links.csv and ratings.csv), split at commas. */
function csvRows(file: string): string[][] {
  return readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .slice(1)
    .filter((l) => l !== '')
    .map((l) => l.split(','));
}

describe.each(engines)('incremental marts on $name', (engine) => {
  const root = tempDir(`incr-prop-${engine.name}`);
  const data = join(root, 'data');
  beforeAll(async () => {
    await generateDataset({ out: data, movies: 300, ratings: 6_000, seed: 11 });
  });

  it.each([1, 2])('equal a full rebuild after every drop (seed %i)', async (seed) => {
    const dir = join(root, `seed${seed}`);
    const input = join(dir, 'in');
    mkdirSync(input, { recursive: true });
    for (const f of readdirSync(data)) if (f.endsWith('.csv')) copyFileSync(join(data, f), join(input, f));
    const linked = csvRows(join(input, 'links.csv'))
      .filter(([, , tmdb]) => tmdb !== '')
      .map(([ml]) => Number(ml));
    const keys = csvRows(join(input, 'ratings.csv')).map(([u, m]) => [Number(u), Number(m)] as const);
    const w: World = {
      input,
      rng: new Rng(seed, 77),
      linked,
      keys,
      nextUser: Math.max(...keys.map(([u]) => u)) + 1,
      nextMovie: Math.max(...linked) + 1,
    };
    const warehouse = await engine.fresh(dir);
    const config = loadConfig({
      cwd: dir,
      overrides: { input, warehouse, staging: engine.staging(dir) },
    });
    expect((await runPipeline(config)).status).toBe('success');
    for (let step = 1; step <= STEPS; step++) {
      const { addedMovie } = writeDrop(w, step, `step${step}a`, 0.4);
      // Sometimes a second drop in the same run, which may replace rows the first one wrote.
      if (w.rng.chance(0.5)) writeDrop(w, step, `step${step}b`, 0);
      const marts: string[] = [];
      const run = await runPipeline(config, {
        listener: (e) => {
          if (e.type === 'step.end' && e.step === 'answers.marts') marts.push(e.detail ?? '');
        },
      });
      expect(run.status).toBe('success');
      // A movie added in the same run changes the model under the marts: rebuilt; otherwise updated.
      expect(marts[0]).toMatch(
        addedMovie ? /^every mart rebuilt/ : /^rating marts updated from the rating delta/,
      );
      await withWarehouse(warehouse, async (wh) => {
        const incremental = await snapshot(wh);
        await refreshMarts(wh);
        expect(incremental).toEqual(await snapshot(wh));
      });
    }
  });
});
