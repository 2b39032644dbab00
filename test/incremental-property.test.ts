// Property test of the incremental marts: random sequences of rating drops (new keys, replaced keys, older-timestamp
// losers, quarantined rows, unmapped movies, a movie added in the same run, two drops in one run) and model changes
// (a movie's genres changed, a new genre that moves every genre's bit, a link moved to another movie or to none, a
// first link for an id rated before; with a drop or alone) run through the real pipeline, and after each run every
// mart, the state tables and the answers equal a full rebuild from the model. Seeded with the project's PRNG.
import { appendFileSync, copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { generateDataset } from '../src/generate/index.js';
import { Rng } from '../src/generate/prng.js';
import { runPipeline } from '../src/pipeline/run-pipeline.js';
import { computeAnswers, MART_TABLES, MARTS_SCHEMA, refreshMarts } from '../src/stages/answers/index.js';
import { LINK_MASK, MOVIELENS_COUNTS, USER_MASK } from '../src/stages/answers/marts.js';
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
  /** The movies this test added, with their genres and link now (it rewrites their lines to change the model). */
  added: { movieLensId: number; tmdb: number; genres: string; linkedTo: number }[];
  /** The next TMDB id with no movie, for a link that maps to none. */
  nextUnmapped: number;
  /** Rated MovieLens ids without a movie (a link with no TMDB id, or none at all). */
  unmappedRated: Set<number>;
}

/** Times of the drops: later than every generated rating, earlier than now; each step later than the last. */
const stepTime = (step: number): number => 1_650_000_000 + step * 1_000_000;
/** Earlier than every generated rating (the first MovieLens rating is from 1995-01-09), after 1995-01-01. */
const LOSER_TIME = 788_918_500;

const ratingOf = (rng: Rng): string => (0.5 + rng.int(10) * 0.5).toFixed(1);

const DRAMA = "[{'id': 18, 'name': 'Drama'}]";
/** The movies_metadata.csv line of a movie this test adds, with `genres` (a Python list literal). */
const movieLine = (tmdb: number, genres: string): string =>
  `False,,1000000,"${genres}",,${tmdb},tt9${String(tmdb).padStart(6, '0')},en,Added ${tmdb},Added by the property test.,1.0,,[],[],2001-03-04,5000000,100.0,[],Released,,Added ${tmdb},False,7.0,10`;
const linkLine = (movieLensId: number, tmdb: number): string =>
  `${movieLensId},9${String(tmdb).padStart(6, '0')},${tmdb}`;

/** Appends one movie (TMDB id `tmdb`, genre Drama) to movies_metadata.csv and its link to links.csv. */
function addMovie(w: World, movieLensId: number, tmdb: number): void {
  appendFileSync(join(w.input, 'movies_metadata.csv'), `${movieLine(tmdb, DRAMA)}\n`);
  appendFileSync(join(w.input, 'links.csv'), `${linkLine(movieLensId, tmdb)}\r\n`);
  w.linked.push(movieLensId);
  w.added.push({ movieLensId, tmdb, genres: DRAMA, linkedTo: tmdb });
}

/** Replaces the one line of `file` that `is` picks by `line`, keeping its line ending. */
function replaceLine(file: string, is: (line: string) => boolean, line: string): void {
  const lines = readFileSync(file, 'utf8').split('\n');
  const at = lines.flatMap((l, i) => (is(l) ? [i] : []));
  if (at.length !== 1) throw new Error(`expected one line to replace in ${file}, found ${at.length}`);
  lines[at[0]!] = line + (lines[at[0]!]!.endsWith('\r') ? '\r' : '');
  writeFileSync(file, lines.join('\n'));
}

/** A change to the model under the marts, made by rewriting the lines of movies this test added. */
type ModelChange = 'genres' | 'new genre' | 'link to another movie' | 'link to none' | 'link a rated id';

/**
 * Makes `kind` of change through a movie this test added: its genres (another genre or none), a new genre whose id
 * sorts first (every genre's bit moves), or its link (to another added movie, or to a TMDB id with no movie: its
 * ratings become unmapped). Returns what it did.
 */
function changeModel(w: World, kind: ModelChange): string {
  const { rng } = w;
  const a = rng.pick(w.added);
  if (kind === 'genres' || kind === 'new genre') {
    a.genres =
      kind === 'new genre'
        ? "[{'id': 1, 'name': 'Aardvark'}, {'id': 18, 'name': 'Drama'}]"
        : rng.pick(["[{'id': 35, 'name': 'Comedy'}]", '[]']);
    const id = `,${a.tmdb},tt9${String(a.tmdb).padStart(6, '0')},`;
    replaceLine(join(w.input, 'movies_metadata.csv'), (l) => l.includes(id), movieLine(a.tmdb, a.genres));
    return `genres of ${a.tmdb}: ${a.genres}`;
  }
  if (kind === 'link a rated id') {
    // An id rated before this run gets its first movie, new and in a genre of its own (sorting last: no other genre's
    // bit moves, no other id's mask changes): its raters gain that genre.
    const ml = rng.pick([...w.unmappedRated]);
    const tmdb = 950_000 + w.nextMovie++;
    appendFileSync(
      join(w.input, 'movies_metadata.csv'),
      `${movieLine(tmdb, "[{'id': 99998, 'name': 'Zzz'}]")}\n`,
    );
    const links = join(w.input, 'links.csv');
    if (readFileSync(links, 'utf8').includes(`\n${ml},`))
      replaceLine(links, (l) => l.startsWith(`${ml},`), linkLine(ml, tmdb));
    else appendFileSync(links, `${linkLine(ml, tmdb)}\r\n`);
    w.unmappedRated.delete(ml);
    w.linked.push(ml);
    return `link of rated ${ml} to a new movie`;
  }
  const others = w.added.map((b) => b.tmdb).filter((t) => t !== a.linkedTo);
  a.linkedTo = kind === 'link to another movie' ? rng.pick(others) : w.nextUnmapped++;
  replaceLine(
    join(w.input, 'links.csv'),
    (l) => l.startsWith(`${a.movieLensId},`),
    linkLine(a.movieLensId, a.linkedTo),
  );
  return `link of ${a.movieLensId} to ${a.linkedTo}`;
}

/**
 * Each step's model change (null: none) and whether it comes with ratings drops (else it is the run's only change).
 * The first two drops each add a movie, so every later change has two added movies to work with.
 */
const STEPS: readonly { model: ModelChange | null; drop: boolean }[] = [
  { model: null, drop: true },
  { model: null, drop: true },
  { model: 'genres', drop: true },
  { model: 'link to another movie', drop: false },
  { model: 'new genre', drop: true },
  { model: 'link to none', drop: true },
  { model: 'link a rated id', drop: false },
  { model: 'genres', drop: false },
];

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
    if (movie >= 8_000_000 && !w.linked.includes(movie)) w.unmappedRated.add(movie);
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
  for (const t of [
    ...MART_TABLES.map((x) => `${MARTS_SCHEMA}.${x}`),
    USER_MASK,
    MOVIELENS_COUNTS,
    LINK_MASK,
  ]) {
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

  it.each([1, 2])('equal a full rebuild after every run (seed %i)', async (seed) => {
    const dir = join(root, `seed${seed}`);
    const input = join(dir, 'in');
    mkdirSync(input, { recursive: true });
    for (const f of readdirSync(data)) if (f.endsWith('.csv')) copyFileSync(join(data, f), join(input, f));
    const links = csvRows(join(input, 'links.csv'));
    const linked = links.filter(([, , tmdb]) => tmdb !== '').map(([ml]) => Number(ml));
    const keys = csvRows(join(input, 'ratings.csv')).map(([u, m]) => [Number(u), Number(m)] as const);
    const rated = new Set(keys.map(([, m]) => m));
    const w: World = {
      input,
      rng: new Rng(seed, 77),
      linked,
      keys,
      nextUser: Math.max(...keys.map(([u]) => u)) + 1,
      nextMovie: Math.max(...linked) + 1,
      added: [],
      nextUnmapped: 700_000,
      unmappedRated: new Set(
        links.filter(([ml, , tmdb]) => tmdb === '' && rated.has(Number(ml))).map(([ml]) => Number(ml)),
      ),
    };
    expect(w.unmappedRated.size).toBeGreaterThan(0); // the 'link a rated id' step needs one
    const warehouse = await engine.fresh(dir);
    const config = loadConfig({
      cwd: dir,
      overrides: { input, warehouse, staging: engine.staging(dir) },
    });
    expect((await runPipeline(config)).status).toBe('success');
    for (const [i, { model, drop }] of STEPS.entries()) {
      const step = i + 1;
      const modelChange = model === null ? null : changeModel(w, model);
      const { addedMovie } = drop
        ? writeDrop(w, step, `step${step}a`, step <= 2 ? 1 : 0.4)
        : { addedMovie: false };
      // Sometimes a second drop in the same run, which may replace rows the first one wrote.
      if (drop && w.rng.chance(0.5)) writeDrop(w, step, `step${step}b`, 0);
      const marts: string[] = [];
      const run = await runPipeline(config, {
        listener: (e) => {
          if (e.type === 'step.end' && e.step === 'answers.marts') marts.push(e.detail ?? '');
        },
      });
      expect(run.status).toBe('success');
      // Never a rebuild: the rating state takes the delta, and the genre masks follow a changed model.
      const ratings = drop
        ? 'rating marts updated from the rating delta'
        : 'rating marts re-derived from the kept counts';
      if (addedMovie || modelChange !== null)
        expect(marts[0]).toMatch(
          new RegExp(
            `^${ratings}; (no rated MovieLens id's genre mask changed|genre masks of \\d+ rated MovieLens ids changed: user masks rebuilt); revenue_movie rebuilt$`,
          ),
        );
      else expect(marts[0]).toBe(`${ratings}; revenue_movie unchanged`);
      await withWarehouse(warehouse, async (wh) => {
        const incremental = await snapshot(wh);
        await refreshMarts(wh);
        expect(incremental).toEqual(await snapshot(wh));
      });
    }
  });
});
