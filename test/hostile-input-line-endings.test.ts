// Mixed line endings (issue 22, bug 2): a hand-edited CRLF links.csv or ratings.csv with one LF-only line, and an
// LF drop with one CRLF line, load on every engine exactly as the same files with one kind of line ending do: same
// rows, nothing quarantined, every record accounted for. DuckDB used to stop with "CSV Parser state machine reached
// an invalid state" (exit 1); PostgreSQL read the two lines as one record and failed reconciliation (exit 3).
// Redshift (on the PostgreSQL stand-in, staging in S3) COPYs the staged files' lines as they are and strips the CR in SQL.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../src/core/errors.js';
import { generateDataset } from '../src/generate/index.js';
import { withRedshift as engines, query } from './support/engines.js';
import { runCli, tempDir } from './support/helpers.js';

const root = tempDir('line-endings');
const base = join(root, 'base');

/** A ratings drop beside ratings.csv: LF line endings, each key also rated in ratings.csv, later. */
const DROP = 'ratings_drop.csv';

beforeAll(async () => {
  await generateDataset({ out: base, movies: 120, ratings: 2000, seed: 5 });
  // The drop re-rates the first ten ratings of ratings.csv a day after the last rating of the dataset.
  const rows = readFileSync(join(base, 'ratings.csv'), 'utf8').split('\r\n').slice(1, 11);
  const later = rows.map((r) => {
    const [u, m] = r.split(',');
    return `${u},${m},0.5,1500000000`;
  });
  writeFileSync(join(base, DROP), `userId,movieId,rating,timestamp\n${later.join('\n')}\n`);
});

/** `text` with its `n`th line break (0 = the header's) replaced by `eol`. */
function withLineBreak(text: string, n: number, eol: '\n' | '\r\n'): string {
  const breaks = [...text.matchAll(/\r?\n/g)];
  const b = breaks[n];
  if (b === undefined) throw new Error(`no line break ${n}`);
  return text.slice(0, b.index) + eol + text.slice(b.index + b[0].length);
}

/** Copies the generated input into `dir`, with the line endings mixed when `mixed`. */
function input(dir: string, mixed: boolean): string {
  const to = join(dir, mixed ? 'mixed' : 'plain');
  cpSync(base, to, { recursive: true });
  if (!mixed) return to;
  const edit = (name: string, n: number, eol: '\n' | '\r\n'): void => {
    const f = join(to, name);
    writeFileSync(f, withLineBreak(readFileSync(f, 'utf8'), n, eol));
  };
  edit('ratings.csv', 100, '\n');
  edit('ratings.csv', 1500, '\n');
  edit('links.csv', 10, '\n');
  edit(DROP, 3, '\r\n');
  return to;
}

interface Outcome {
  reconciliation: { file_name: string; read: number; loaded: number; quarantined: number; off: number }[];
  ratings: number;
  links: number;
  ratingSum: number;
}

async function runOn(
  engine: (typeof engines)[number],
  dir: string,
  mixed: boolean,
  shards = 1,
): Promise<Outcome & { code: number; stderr: string }> {
  const own = join(dir, `${mixed ? 'm' : 'p'}${shards}`);
  mkdirSync(own, { recursive: true });
  const warehouse = await engine.fresh(own);
  const r = await runCli([
    'run',
    '--input',
    input(dir, mixed),
    '--warehouse',
    warehouse,
    '--staging',
    engine.staging(own),
    '--shards',
    String(shards),
  ]);
  if (r.code !== EXIT.ok)
    return { code: r.code, stderr: r.stderr, reconciliation: [], ratings: 0, links: 0, ratingSum: 0 };
  const reconciliation = await query<Outcome['reconciliation'][number]>(
    warehouse,
    `SELECT file_name, CAST(records_read AS INTEGER) AS read, CAST(rows_loaded AS INTEGER) AS loaded,
       CAST(rows_quarantined AS INTEGER) AS quarantined,
       CAST(records_read - rows_loaded - rows_quarantined - duplicates_collapsed - records_merged AS INTEGER) AS off
     FROM movalytics.reconciliation ORDER BY file_name`,
  );
  const [m] = await query<{ ratings: number; links: number; s: number }>(
    warehouse,
    `SELECT (SELECT CAST(count(*) AS INTEGER) FROM movies.rating) AS ratings,
       (SELECT CAST(count(*) AS INTEGER) FROM movies.movie_link) AS links,
       (SELECT CAST(sum(rating * 2) AS INTEGER) FROM movies.rating) AS s`,
  );
  return {
    code: r.code,
    stderr: r.stderr,
    reconciliation: reconciliation.map((x) => ({ ...x, read: Number(x.read), off: Number(x.off) })),
    ratings: Number(m?.ratings),
    links: Number(m?.links),
    ratingSum: Number(m?.s),
  };
}

describe.each(engines.map((e) => [e.name, e] as const))('mixed line endings on %s', (_name, engine) => {
  it('loads the same rows as the same files with one kind of line ending, every record accounted for', async () => {
    const dir = tempDir(`line-endings-${engine.name}`);
    const plain = await runOn(engine, dir, false);
    expect({ code: plain.code, stderr: plain.code === EXIT.ok ? '' : plain.stderr }).toEqual({
      code: EXIT.ok,
      stderr: '',
    });
    const mixed = await runOn(engine, dir, true);
    // Code and stderr in one assertion, so a failure shows what the CLI said.
    expect({ code: mixed.code, stderr: mixed.code === EXIT.ok ? '' : mixed.stderr }).toEqual({
      code: EXIT.ok,
      stderr: '',
    });
    expect(mixed.reconciliation).toEqual(plain.reconciliation);
    for (const f of mixed.reconciliation)
      expect({ file: f.file_name, off: f.off }).toEqual({ file: f.file_name, off: 0 });
    const byName = new Map(mixed.reconciliation.map((f) => [f.file_name, f]));
    expect(byName.get('ratings.csv')).toMatchObject({ read: 2000, quarantined: 0 });
    expect(byName.get(DROP)).toMatchObject({ read: 10, loaded: 10, quarantined: 0 });
    expect(byName.get('links.csv')?.quarantined).toBe(0);
    expect({ ratings: mixed.ratings, links: mixed.links, sum: mixed.ratingSum }).toEqual({
      ratings: plain.ratings,
      links: plain.links,
      sum: plain.ratingSum,
    });
    // In shards, each shard with a stray LF is read from its own LF copy: the same rows again.
    const sharded = await runOn(engine, dir, true, 3);
    expect({ code: sharded.code, stderr: sharded.code === EXIT.ok ? '' : sharded.stderr }).toEqual({
      code: EXIT.ok,
      stderr: '',
    });
    expect(sharded.stderr).toMatch(/load\.ratings\[2\]\s+success/);
    expect({ ...sharded, stderr: '' }).toEqual({ ...mixed, stderr: '' });
  });
});
