// --cpi-splice: a hand-built model with movies before, inside and after the primary CPI series and known values
// for both series; every spliced number is derived independently here. Then generate → run → answers end to end,
// and the usage errors.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../src/generate/index.js';
import { migrateModel, modelDdl } from '../src/pipeline/migrate.js';
import { computeAnswers, refreshMarts, renderAnswers, type Answers } from '../src/stages/answers/index.js';
import { DuckDbWarehouse } from '../src/warehouse/duckdb/index.js';
import { runCli, tempDir } from './support/helpers.js';

const PRIMARY = 'CUSR0000SS62031';
const ALL = 'CPIAUCNS';

const GENRES: [number, string][] = [
  [1, 'Drama'],
  [2, 'Comedy'],
  [3, 'Action'],
];
interface M {
  id: number;
  date: string | null;
  revenue: number | null;
  genres: number[];
}
const MOVIES: M[] = [
  { id: 1, date: '1995-06-15', revenue: 100_000_000, genres: [1, 2] }, // spliced
  { id: 2, date: '1999-12-31', revenue: 40_000_000, genres: [1] }, // spliced (the month before the primary starts)
  { id: 3, date: '1990-03-01', revenue: 70_000_000, genres: [3] }, // before the all-items series: excluded
  { id: 4, date: '2000-06-10', revenue: 50_000_000, genres: [1] }, // primary
  { id: 5, date: '2001-03-03', revenue: 80_000_000, genres: [3] }, // primary
  { id: 6, date: '2002-05-05', revenue: 30_000_000, genres: [2] }, // after the primary ends: excluded, never spliced
  { id: 7, date: '1996-06-01', revenue: 25_000_000, genres: [3] }, // spliced, same month of year as id 4
  { id: 8, date: null, revenue: 10_000_000, genres: [2] }, // not a revenue movie
];

const months = (from: string, to: string): string[] => {
  const out: string[] = [];
  let [y, m] = from.split('-').map(Number) as [number, number];
  for (;;) {
    const s = `${y}-${String(m).padStart(2, '0')}`;
    out.push(s);
    if (s === to) return out;
    if (m === 12) {
      y++;
      m = 1;
    } else m++;
  }
};
// Primary 2000-01 .. 2001-12; all-items 1994-01 .. 2002-12 without 2000-01, so the link month is 2000-02.
const PRIMARY_CPI = new Map(
  months('2000-01', '2001-12').map((mo, i) => [mo, 170 + i * 0.9 + (i % 4) * 0.07]),
);
const ALL_CPI = new Map(
  months('1994-01', '2002-12')
    .filter((mo) => mo !== '2000-01')
    .map((mo, i) => [mo, 145 + i * 0.31 + (i % 7) * 0.011]),
);

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = (s.length - 1) / 2;
  const lo = Math.floor(h);
  return s[lo]! + (h - lo) * (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!);
}
function close(actual: number | null | undefined, expected: number, rel = 1e-9): void {
  expect(actual).not.toBeNull();
  expect(actual).not.toBeUndefined();
  if (Math.abs(actual! - expected) > rel * Math.max(1, Math.abs(expected))) expect(actual).toBe(expected);
}

// The definition, computed here: months before the primary's first month use all(month) × primary(link) / all(link).
const LINK = '2000-02';
const BASE = PRIMARY_CPI.get('2001-12')!;
function cpiOf(date: string, splice: boolean): number | undefined {
  const mo = date.slice(0, 7);
  if (mo >= '2000-01') return PRIMARY_CPI.get(mo);
  if (!splice) return undefined;
  const a = ALL_CPI.get(mo);
  return a === undefined ? undefined : (a * PRIMARY_CPI.get(LINK)!) / ALL_CPI.get(LINK)!;
}
const revenueMovies = MOVIES.filter((m) => m.date !== null && m.revenue !== null);

let dir: string;
let wh: DuckDbWarehouse;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'movalytics-splice-'));
  wh = await DuckDbWarehouse.open({ path: join(dir, 'w.duckdb') });
  for (const sql of modelDdl()) await wh.exec(sql);
  await wh.exec(`INSERT INTO movies.genre VALUES ${GENRES.map(([id, n]) => `(${id}, '${n}')`).join(', ')}`);
  await wh.exec(
    `INSERT INTO movies.movie (movie_id, title, release_date, revenue) VALUES ${MOVIES.map(
      (m) =>
        `(${m.id}, 'm${m.id}', ${m.date === null ? 'NULL' : `DATE '${m.date}'`}, ${m.revenue ?? 'NULL'})`,
    ).join(', ')}`,
  );
  await wh.exec(
    `INSERT INTO movies.movie_genre VALUES ${MOVIES.flatMap((m) => m.genres.map((g) => `(${m.id}, ${g})`)).join(', ')}`,
  );
  await wh.exec(`INSERT INTO movies.movie_link VALUES (1, NULL, 1)`);
  await wh.exec(`INSERT INTO movies.rating VALUES (1, 1, 4.0, TIMESTAMP '2015-01-01 00:00:00')`);
  const rows = (series: string, m: Map<string, number>): string =>
    [...m].map(([mo, v]) => `(DATE '${mo}-01', '${series}', ${v})`).join(', ');
  await wh.exec(`INSERT INTO movies.cpi VALUES ${rows(PRIMARY, PRIMARY_CPI)}, ${rows(ALL, ALL_CPI)}`);
  await refreshMarts(wh);
});
afterAll(async () => {
  await wh.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('--cpi-splice over a hand-built model', () => {
  let plain: Answers;
  let spliced: Answers;
  beforeAll(async () => {
    plain = await computeAnswers(wh);
    spliced = await computeAnswers(wh, { cpiSplice: ALL });
  });

  it('describes the splice: series, link month, ratio, spliced months and movies', () => {
    const expected = {
      series: ALL,
      primarySeries: PRIMARY,
      primaryFrom: '2000-01',
      linkMonth: LINK,
      splicedFrom: '1994-01',
      splicedTo: '1999-12',
      splicedMovies: 3,
    };
    for (const s of [spliced.q3.cpiSplice, spliced.q4.cpiSplice]) {
      expect(s).toMatchObject(expected);
      close(s!.ratio, PRIMARY_CPI.get(LINK)! / ALL_CPI.get(LINK)!);
    }
    expect(spliced.params.cpiSplice).toBe(ALL);
    expect(plain.q3.cpiSplice).toBeNull();
    expect(plain.q4.cpiSplice).toBeNull();
    // Coverage and base stay the primary series'.
    expect(spliced.q4.cpiCoverage).toEqual({ from: '2000-01', to: '2001-12' });
    close(spliced.q4.cpiBaseValue, BASE);
  });

  it('Q4: spliced real revenue per genre and fewer excluded movies', () => {
    for (const [a, splice] of [
      [plain, false],
      [spliced, true],
    ] as const) {
      const included = revenueMovies.filter((m) => cpiOf(m.date!, splice) !== undefined);
      const excluded = revenueMovies.filter((m) => cpiOf(m.date!, splice) === undefined);
      expect(a.q4.revenueMovies).toBe(7);
      expect(a.q4.includedMovies).toBe(included.length);
      expect(a.q4.excludedMovies).toBe(excluded.length);
      close(a.q4.excludedNominalRevenue, sum(excluded.map((m) => m.revenue!)));
      close(
        a.q4.excludedRevenueShare,
        sum(excluded.map((m) => m.revenue!)) / sum(revenueMovies.map((m) => m.revenue!)),
      );
      for (const g of a.q4.genres) {
        const ms = included.filter((m) => m.genres.includes(g.genreId));
        expect(g.movies, `${g.genre} splice=${splice}`).toBe(ms.length);
        close(g.realRevenue, sum(ms.map((m) => (m.revenue! * BASE) / cpiOf(m.date!, splice)!)));
        close(g.nominalRevenue, sum(ms.map((m) => m.revenue!)));
      }
    }
    expect(plain.q4.excludedMovies).toBe(5); // 1, 2, 3, 6, 7
    expect(spliced.q4.excludedMovies).toBe(2); // 3 (before 1994) and 6 (after the primary ends)
  });

  it('Q3: real medians and coverage counts use the spliced CPI; nominal figures do not change', () => {
    for (const [a, splice] of [
      [plain, false],
      [spliced, true],
    ] as const) {
      for (const g of a.q3.byMonth) {
        const ms = revenueMovies.filter((m) => Number(m.date!.slice(5, 7)) === g.group);
        const inCpi = ms.filter((m) => cpiOf(m.date!, splice) !== undefined);
        expect(g.movies).toBe(ms.length);
        expect(g.moviesInCpiCoverage, `${g.label} splice=${splice}`).toBe(inCpi.length);
        if (inCpi.length === 0) expect(g.medianRealRevenue).toBeNull();
        else
          close(g.medianRealRevenue, median(inCpi.map((m) => (m.revenue! * BASE) / cpiOf(m.date!, splice)!)));
      }
    }
    // June: movies 1 (1995, spliced), 4 (2000, primary), 7 (1996, spliced).
    expect(spliced.q3.byMonth[5]!.moviesInCpiCoverage).toBe(3);
    expect(plain.q3.byMonth[5]!.moviesInCpiCoverage).toBe(1);
    expect(spliced.q3.monthTest).toEqual(plain.q3.monthTest);
    expect(spliced.q3.byQuarter.map((g) => g.meanRevenue)).toEqual(
      plain.q3.byQuarter.map((g) => g.meanRevenue),
    );
  });

  it('labels the splice in every format', () => {
    const label = 'CPI spliced with CPIAUCNS before 2000-01, ratio-linked at 2000-02';
    for (const f of ['table', 'markdown', 'csv'] as const) {
      expect(renderAnswers(spliced, f, 'q4'), f).toContain(label);
      expect(renderAnswers(spliced, f, 'q3'), f).toContain(label);
      expect(renderAnswers(plain, f), f).not.toContain('spliced');
    }
    const csv = renderAnswers(spliced, 'csv', 'q4').split('\r\n');
    expect(csv[0]!.endsWith(',cpi_splice')).toBe(true);
    expect(csv[1]!.endsWith(`,"${label}"`)).toBe(true); // quoted: the label has a comma
    expect(JSON.parse(renderAnswers(spliced, 'json', 'q4'))).toMatchObject({
      q4: { cpiSplice: { series: ALL } },
    });
  });

  it('a series not loaded, the primary itself, or no common month is a usage error', async () => {
    await expect(computeAnswers(wh, { cpiSplice: 'CPIAUCSL' })).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(
        /series CPIAUCSL is not loaded in movies\.cpi — add CPIAUCSL\.csv/,
      ) as unknown,
    });
    await expect(computeAnswers(wh, { cpiSplice: PRIMARY })).rejects.toMatchObject({ exitCode: 2 });
    await expect(computeAnswers(wh, { cpiSplice: 'cpiaucns' })).rejects.toMatchObject({ exitCode: 2 });
    await wh.exec(`INSERT INTO movies.cpi VALUES (DATE '1950-01-01', 'OLDONLY', 24.0)`);
    try {
      await expect(computeAnswers(wh, { cpiSplice: 'OLDONLY' })).rejects.toMatchObject({
        exitCode: 2,
        message: expect.stringMatching(/no month is in both OLDONLY and CUSR0000SS62031/) as unknown,
      });
    } finally {
      await wh.exec(`DELETE FROM movies.cpi WHERE series_id = 'OLDONLY'`);
    }
  });
});

describe('a warehouse whose movies.cpi is keyed by month alone', () => {
  it('is migrated to (series_id, month) with its rows kept', async () => {
    const d = mkdtempSync(join(tmpdir(), 'movalytics-migrate-'));
    const w = await DuckDbWarehouse.open({ path: join(d, 'w.duckdb') });
    try {
      await w.exec(`CREATE SCHEMA movies; CREATE TABLE movies.cpi (month DATE NOT NULL PRIMARY KEY, series_id VARCHAR NOT NULL, value DOUBLE PRECISION NOT NULL);
        INSERT INTO movies.cpi VALUES (DATE '1999-01-01', '${PRIMARY}', 100.0)`);
      await w.transaction(async () => {
        await migrateModel(w);
        for (const sql of modelDdl()) await w.exec(sql);
      });
      await migrateModel(w); // idempotent
      await w.exec(`INSERT INTO movies.cpi VALUES (DATE '1999-01-01', '${ALL}', 164.3)`);
      const rows = await w.query(`SELECT series_id, value FROM movies.cpi ORDER BY series_id`);
      expect(rows).toEqual([
        { series_id: ALL, value: 164.3 },
        { series_id: PRIMARY, value: 100 },
      ]);
    } finally {
      await w.close();
      rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('generate → run → answers --cpi-splice', () => {
  const root = tempDir('splice-e2e');
  const warehouse = join(root, 'w.duckdb');
  beforeAll(async () => {
    const g = await generateDataset({ out: join(root, 'data'), movies: 600, ratings: 6000, seed: 11 });
    const r = await runCli([
      'run',
      '--input',
      g.dir,
      '--warehouse',
      warehouse,
      '--staging',
      join(root, 'staging'),
    ]);
    expect(r.code, r.stderr).toBe(0);
  });

  it('has fewer excluded movies than without the splice and says it is spliced', async () => {
    const without = await runCli(['answers', 'q4', '--warehouse', warehouse, '--format', 'json']);
    const withSplice = await runCli([
      'answers',
      'q4',
      '--warehouse',
      warehouse,
      '--format',
      'json',
      '--cpi-splice',
      'CPIAUCNS',
    ]);
    expect(without.code).toBe(0);
    expect(withSplice.code).toBe(0);
    const a = JSON.parse(without.stdout) as Answers;
    const b = JSON.parse(withSplice.stdout) as Answers;
    expect(a.q4.cpiSplice).toBeNull();
    expect(b.q4.cpiSplice).toMatchObject({
      series: 'CPIAUCNS',
      primaryFrom: '1999-01',
      linkMonth: '1999-01',
      splicedFrom: '1913-01',
      splicedTo: '1998-12',
    });
    expect(b.q4.cpiSplice!.splicedMovies).toBeGreaterThan(0);
    expect(b.q4.excludedMovies).toBeLessThan(a.q4.excludedMovies);
    expect(a.q4.excludedMovies - b.q4.excludedMovies).toBe(b.q4.cpiSplice!.splicedMovies);
    const table = await runCli(['answers', 'q4', '--warehouse', warehouse, '--cpi-splice', 'CPIAUCNS']);
    expect(table.stdout).toContain('CPI spliced with CPIAUCNS before 1999-01, ratio-linked at 1999-01');
  });

  it('a series that is not loaded exits 2 naming the file to add', async () => {
    const r = await runCli(['answers', 'q4', '--warehouse', warehouse, '--cpi-splice', 'CPIAUCSL']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/CPIAUCSL is not loaded in movies\.cpi — add CPIAUCSL\.csv/);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});
