// The four answers over a hand-built fixture in a real DuckDB file, checked against values derived independently
// here with plain JS arithmetic over the same arrays; plus every rendering and the CLI's exit codes.
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './support/helpers.js';
import { modelDdl } from '../src/pipeline/migrate.js';
import {
  computeAnswers,
  csvField,
  martDdl,
  refreshMarts,
  renderAnswers,
  renderHeadlines,
  type Answers,
} from '../src/stages/answers/index.js';
import { DuckDbWarehouse } from '../src/warehouse/duckdb/index.js';
import { quoteLiteral, type Warehouse } from '../src/warehouse/warehouse.js';

// ---------- fixture ----------
const GENRES: [number, string][] = [
  [1, 'Drama'],
  [2, 'Comedy'],
  [3, 'Action'],
  [4, 'Horror'], // no movies
];
interface M {
  id: number;
  title: string;
  date: string | null;
  revenue: number | null;
  genres: number[];
}
const MOVIES: M[] = [
  { id: 10, title: 'Alpha', date: '1995-06-15', revenue: 100_000_000, genres: [1, 2] }, // before CPI coverage
  { id: 20, title: 'Beta', date: '2000-06-10', revenue: 50_000_000, genres: [1] },
  { id: 30, title: 'Gamma', date: '2000-12-01', revenue: 80_000_000, genres: [3] },
  { id: 40, title: 'Delta', date: '2001-03-03', revenue: null, genres: [2] }, // revenue unknown
  { id: 50, title: 'Epsilon', date: null, revenue: 30_000_000, genres: [3] }, // release date unknown
  { id: 60, title: 'Zeta\'s, "quoted" | piped', date: '2001-06-20', revenue: 50_000_000, genres: [2, 3] }, // ties Beta
  { id: 70, title: 'Eta', date: '2001-02-14', revenue: 20_000_000, genres: [1] },
  { id: 80, title: 'Theta', date: '2000-03-30', revenue: 60_000_000, genres: [] },
  { id: 90, title: 'Iota', date: '2001-11-11', revenue: 90_000_000, genres: [3] },
];
// movielens_id → tmdb_id; 7 has no tmdb id, 8 points to a movie that does not exist: their ratings must not count.
const LINKS: [number, number | null][] = [
  [1, 10],
  [2, 20],
  [3, 30],
  [4, 40],
  [5, 60],
  [6, 70],
  [7, null],
  [8, 999],
  [9, 80],
  [10, 90],
  [11, 50],
];
// [user, movielens_id, rating]
const RATINGS: [number, number, number][] = [
  [1, 1, 4.5],
  [2, 1, 5],
  [3, 1, 4],
  [4, 1, 4.5],
  [5, 1, 3.5],
  [6, 1, 5],
  [1, 2, 3],
  [2, 2, 2.5],
  [3, 2, 4],
  [1, 3, 4],
  [4, 3, 4.5],
  [5, 3, 3],
  [6, 3, 4],
  [7, 3, 5],
  [2, 4, 1.5],
  [3, 4, 2],
  [1, 5, 3.5],
  [2, 5, 4],
  [3, 5, 4.5],
  [4, 5, 3],
  [5, 5, 5],
  [6, 6, 2],
  [1, 7, 5],
  [2, 7, 5],
  [3, 7, 5], // unmapped: no tmdb id
  [1, 8, 0.5],
  [2, 8, 0.5], // unmapped: missing movie
  [2, 9, 3.5],
  [3, 9, 4],
  [4, 9, 2.5],
  [5, 9, 3],
  [1, 10, 4],
  [7, 10, 4.5],
  [8, 10, 3.5],
  [9, 11, 1],
];
// CPI 2000-01 .. 2001-12.
const CPI: [string, number][] = Array.from({ length: 24 }, (_, i) => {
  const y = 2000 + Math.floor(i / 12);
  const mo = (i % 12) + 1;
  return [`${y}-${String(mo).padStart(2, '0')}-01`, 100 + i * 1.7 + (i % 5) * 0.13];
});

function sqlVal(v: string | number | null): string {
  return v === null ? 'NULL' : typeof v === 'number' ? String(v) : quoteLiteral(v);
}

async function loadFixture(
  wh: Warehouse,
  data: {
    movies: M[];
    links: [number, number | null][];
    ratings: [number, number, number][];
    cpi: [string, number][];
  },
): Promise<void> {
  for (const sql of modelDdl()) await wh.exec(sql);
  await wh.exec(
    `INSERT INTO movies.genre VALUES ${GENRES.map(([id, n]) => `(${id}, ${sqlVal(n)})`).join(', ')}`,
  );
  await wh.exec(
    `INSERT INTO movies.movie (movie_id, title, release_date, revenue) VALUES ${data.movies
      .map(
        (m) =>
          `(${m.id}, ${sqlVal(m.title)}, ${m.date === null ? 'NULL' : `DATE ${sqlVal(m.date)}`}, ${sqlVal(m.revenue)})`,
      )
      .join(', ')}`,
  );
  const mg = data.movies.flatMap((m) => m.genres.map((g) => `(${m.id}, ${g})`));
  if (mg.length > 0) await wh.exec(`INSERT INTO movies.movie_genre VALUES ${mg.join(', ')}`);
  await wh.exec(
    `INSERT INTO movies.movie_link (movielens_id, tmdb_id) VALUES ${data.links.map(([ml, t]) => `(${ml}, ${sqlVal(t)})`).join(', ')}`,
  );
  await wh.exec(
    `INSERT INTO movies.rating VALUES ${data.ratings.map(([u, ml, r]) => `(${u}, ${ml}, ${r}, TIMESTAMP '2015-01-01 00:00:00')`).join(', ')}`,
  );
  if (data.cpi.length > 0)
    await wh.exec(
      `INSERT INTO movies.cpi VALUES ${data.cpi.map(([d, v]) => `(DATE ${sqlVal(d)}, 'CUSR0000SS62031', ${v})`).join(', ')}`,
    );
}

// ---------- independent arithmetic ----------
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
const mean = (xs: number[]): number => sum(xs) / xs.length;
/** Linear-interpolation quantile (type 7): h = (n − 1)·q. */
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo]! + (h - lo) * (s[hi]! - s[lo]!);
}
const median = (xs: number[]): number => quantile(xs, 0.5);
function sd(xs: number[]): number {
  const m = mean(xs);
  return Math.sqrt(sum(xs.map((x) => (x - m) ** 2)) / (xs.length - 1));
}
/** Average ranks over the pooled sample. */
function averageRanks(xs: number[]): number[] {
  const idx = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(xs.length);
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && idx[j + 1]![0] === idx[i]![0]) j++;
    const avg = (i + 1 + j + 1) / 2;
    for (let k = i; k <= j; k++) ranks[idx[k]![1]] = avg;
    i = j + 1;
  }
  return ranks;
}
function kwByHand(values: number[], groupOf: number[]): { h: number; df: number } {
  const n = values.length;
  const ranks = averageRanks(values);
  const groups = new Map<number, number[]>();
  groupOf.forEach((g, i) => groups.set(g, [...(groups.get(g) ?? []), ranks[i]!]));
  let s = 0;
  for (const rs of groups.values()) s += sum(rs) ** 2 / rs.length;
  const h0 = (12 / (n * (n + 1))) * s - 3 * (n + 1);
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let t = 0;
  for (const c of counts.values()) t += c ** 3 - c;
  return { h: h0 / (1 - t / (n ** 3 - n)), df: groups.size - 1 };
}
/** Chi-squared upper tail for even df in closed form: e^{−x/2} Σ_{k<df/2} (x/2)^k / k!. */
function chiSfEvenDf(x: number, df: number): number {
  let term = 1;
  let s = 1;
  for (let k = 1; k < df / 2; k++) {
    term *= x / 2 / k;
    s += term;
  }
  return Math.exp(-x / 2) * s;
}
function close(actual: number | null | undefined, expected: number, rel = 1e-9): void {
  expect(actual).not.toBeNull();
  expect(actual).not.toBeUndefined();
  const a = actual!;
  const tol = rel * Math.max(1, Math.abs(expected));
  if (Math.abs(a - expected) > tol) expect(a).toBe(expected);
}

// ---------- per-test temp dir ----------
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'movalytics-answers-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function buildWarehouse(
  path: string,
  data = { movies: MOVIES, links: LINKS, ratings: RATINGS, cpi: CPI },
): Promise<DuckDbWarehouse> {
  const wh = await DuckDbWarehouse.open({ path });
  await loadFixture(wh, data);
  await refreshMarts(wh);
  return wh;
}

// What counts: ratings that reach an existing movie through a link with a tmdb id.
const movieIds = new Set(MOVIES.map((m) => m.id));
const linkOf = new Map(LINKS);
const mapped = RATINGS.flatMap(([u, ml, r]) => {
  const t = linkOf.get(ml);
  return t !== null && t !== undefined && movieIds.has(t) ? [{ user: u, movie: t, rating: r }] : [];
});
const movieById = new Map(MOVIES.map((m) => [m.id, m]));

describe('answers over the hand-built fixture', () => {
  let answers: Answers;
  let wh: DuckDbWarehouse;
  beforeEach(async () => {
    wh = await buildWarehouse(join(dir, 'w.duckdb'));
    answers = await computeAnswers(wh, {});
  });
  afterEach(async () => {
    await wh.close();
  });

  it('Q1: C, m, eligibility and the weighted ranking match hand arithmetic', () => {
    expect(mapped.length).toBe(RATINGS.length - 5);
    const byMovie = new Map<number, number[]>();
    for (const r of mapped) byMovie.set(r.movie, [...(byMovie.get(r.movie) ?? []), r.rating]);
    const C = mean(mapped.map((r) => r.rating));
    const m = quantile(
      [...byMovie.values()].map((rs) => rs.length),
      0.9,
    );
    const expected = [...byMovie.entries()]
      .map(([id, rs]) => {
        const v = rs.length;
        const R = mean(rs);
        return { id, v, R, wr: (v / (v + m)) * R + (m / (v + m)) * C };
      })
      .filter((x) => x.v >= m)
      .sort((a, b) => b.wr - a.wr || b.v - a.v || a.id - b.id);

    const q = answers.q1;
    close(q.meanRating, C);
    close(q.minVotes, m);
    expect(q.minVotesSource).toBe('quantile');
    expect(q.countedRatings).toBe(mapped.length);
    expect(q.ratedMovies).toBe(byMovie.size);
    expect(q.eligibleMovies).toBe(expected.length);
    expect(q.top.map((t) => t.movieId)).toEqual(expected.map((e) => e.id));
    q.top.forEach((t, i) => {
      const e = expected[i]!;
      expect(t.rank).toBe(i + 1);
      expect(t.votes).toBe(e.v);
      close(t.meanRating, e.R);
      close(t.weightedRating, e.wr);
      expect(t.title).toBe(movieById.get(e.id)!.title);
      expect(t.year).toBe(Number(movieById.get(e.id)!.date!.slice(0, 4)));
    });
  });

  it('Q1: --min-votes overrides m and --top limits rows', async () => {
    const a = await computeAnswers(wh, { minVotes: 1, top: 3 });
    expect(a.q1.minVotes).toBe(1);
    expect(a.q1.minVotesSource).toBe('override');
    expect(a.q1.eligibleMovies).toBe(new Set(mapped.map((r) => r.movie)).size);
    expect(a.q1.top).toHaveLength(3);
  });

  it('Q2: ratings, distinct users, mean and share per genre, ranked', () => {
    const total = mapped.length;
    const expected = GENRES.map(([gid, name]) => {
      const rs = mapped.filter((r) => movieById.get(r.movie)!.genres.includes(gid));
      return {
        gid,
        name,
        ratings: rs.length,
        users: new Set(rs.map((r) => r.user)).size,
        mean: rs.length > 0 ? mean(rs.map((r) => r.rating)) : null,
        share: rs.length / total,
      };
    }).sort((a, b) => b.ratings - a.ratings || a.name.localeCompare(b.name));
    const q = answers.q2;
    expect(q.countedRatings).toBe(total);
    expect(q.countedUsers).toBe(new Set(mapped.map((r) => r.user)).size);
    expect(q.genres.map((g) => g.genre)).toEqual(expected.map((e) => e.name));
    q.genres.forEach((g, i) => {
      const e = expected[i]!;
      expect(g.ratings).toBe(e.ratings);
      expect(g.users).toBe(e.users);
      if (e.mean === null) expect(g.meanRating).toBeNull();
      else close(g.meanRating, e.mean);
      close(g.share, e.share);
    });
    close(q.shareSum, sum(expected.map((e) => e.share)));
    expect(q.shareSum).toBeGreaterThan(1); // Zeta/Alpha sit in two genres
  });

  const cpiByMonth = new Map(CPI.map(([d, v]) => [d.slice(0, 7), v]));
  const revenueMovies = MOVIES.filter((m) => m.revenue !== null && m.date !== null);
  const monthOf = (m: M): number => Number(m.date!.slice(5, 7));
  const quarterOf = (m: M): number => Math.ceil(monthOf(m) / 3);

  it('Q3: per-month and per-quarter mean, median, CI and real median', () => {
    const base = CPI[CPI.length - 1]![1];
    const q = answers.q3;
    expect(q.revenueMovies).toBe(revenueMovies.length);
    expect(q.cpiBase).toBe('2001-12');
    for (const [groups, groupOf, count] of [
      [q.byMonth, monthOf, 12],
      [q.byQuarter, quarterOf, 4],
    ] as const) {
      expect(groups).toHaveLength(count);
      for (const g of groups) {
        const ms = revenueMovies.filter((m) => groupOf(m) === g.group);
        const rev = ms.map((m) => m.revenue!);
        expect(g.movies).toBe(ms.length);
        if (ms.length === 0) {
          expect([g.meanRevenue, g.medianRevenue, g.ciLow, g.ciHigh, g.medianRealRevenue]).toEqual([
            null,
            null,
            null,
            null,
            null,
          ]);
          continue;
        }
        close(g.meanRevenue, mean(rev));
        close(g.medianRevenue, median(rev));
        if (ms.length < 2) {
          expect(g.ciLow).toBeNull();
          expect(g.ciHigh).toBeNull();
        } else {
          // Cox's interval for a log-normal mean (revenue is positive and right-skewed).
          const logs = rev.map(Math.log);
          const s2 = sd(logs) ** 2;
          const centre = mean(logs) + s2 / 2;
          const half = 1.96 * Math.sqrt(s2 / logs.length + (s2 * s2) / (2 * (logs.length - 1)));
          close(g.ciLow, Math.exp(centre - half));
          close(g.ciHigh, Math.exp(centre + half));
        }
        const inCpi = ms.filter((m) => cpiByMonth.has(m.date!.slice(0, 7)));
        expect(g.moviesInCpiCoverage).toBe(inCpi.length);
        if (inCpi.length === 0) expect(g.medianRealRevenue).toBeNull();
        else
          close(
            g.medianRealRevenue,
            median(inCpi.map((m) => (m.revenue! * base) / cpiByMonth.get(m.date!.slice(0, 7))!)),
          );
      }
    }
    expect(q.byQuarter.map((g) => g.label)).toEqual(['Q1', 'Q2', 'Q3', 'Q4']);
    expect(q.byMonth[5]!.label).toBe('Jun');
  });

  it('Q3: Kruskal–Wallis H with tie correction, df and p match hand computation', () => {
    const rev = revenueMovies.map((m) => m.revenue!);
    const month = kwByHand(rev, revenueMovies.map(monthOf));
    const quarter = kwByHand(rev, revenueMovies.map(quarterOf));
    const q = answers.q3;
    close(q.monthTest.h, month.h);
    expect(q.monthTest.df).toBe(month.df);
    expect(month.df).toBe(4); // months 2, 3, 6, 11, 12
    close(q.monthTest.pValue, chiSfEvenDf(month.h, 4), 1e-7);
    close(q.quarterTest.h, quarter.h);
    expect(q.quarterTest.df).toBe(2); // quarters 1, 2, 4
    close(q.quarterTest.pValue, chiSfEvenDf(quarter.h, 2), 1e-7);
    expect(q.monthTest.n).toBe(rev.length);
    // p is large on 7 movies: no evidence at α = 0.05.
    expect(q.monthTest.significant).toBe(q.monthTest.pValue! < 0.05);
    expect(q.verdict).toMatch(/α = 0.05/);
  });

  it('Q4: real revenue per genre, exclusions outside CPI coverage, ranking', () => {
    const base = CPI[CPI.length - 1]![1];
    const included = revenueMovies.filter((m) => cpiByMonth.has(m.date!.slice(0, 7)));
    const excluded = revenueMovies.filter((m) => !cpiByMonth.has(m.date!.slice(0, 7)));
    const real = (m: M): number => (m.revenue! * base) / cpiByMonth.get(m.date!.slice(0, 7))!;
    const expected = GENRES.map(([gid, name]) => {
      const ms = included.filter((m) => m.genres.includes(gid));
      return { name, movies: ms.length, real: sum(ms.map(real)), nominal: sum(ms.map((m) => m.revenue!)) };
    }).sort((a, b) => b.real - a.real || a.name.localeCompare(b.name));
    const q = answers.q4;
    expect(q.cpiBase).toBe('2001-12');
    close(q.cpiBaseValue, base);
    expect(q.cpiCoverage).toEqual({ from: '2000-01', to: '2001-12' });
    expect(q.revenueMovies).toBe(revenueMovies.length);
    expect(q.includedMovies).toBe(included.length);
    expect(q.excludedMovies).toBe(1); // Alpha, 1995
    expect(excluded.map((m) => m.id)).toEqual([10]);
    close(q.excludedNominalRevenue, 100_000_000);
    close(q.excludedRevenueShare, 100_000_000 / sum(revenueMovies.map((m) => m.revenue!)));
    expect(q.genres.map((g) => g.genre)).toEqual(expected.map((e) => e.name));
    q.genres.forEach((g, i) => {
      const e = expected[i]!;
      expect(g.movies).toBe(e.movies);
      close(g.realRevenue, e.real);
      close(g.nominalRevenue, e.nominal);
      if (e.movies === 0) expect(g.meanRealRevenue).toBeNull();
      else close(g.meanRealRevenue, e.real / e.movies);
    });
  });

  it('--cpi-base picks another base month; one outside the table is a usage error', async () => {
    const a = await computeAnswers(wh, { cpiBase: '2000-06' });
    expect(a.q4.cpiBase).toBe('2000-06');
    close(a.q4.cpiBaseValue, cpiByMonth.get('2000-06')!);
    const ratio = cpiByMonth.get('2000-06')! / cpiByMonth.get('2001-12')!;
    close(
      a.q4.genres[0]!.realRevenue,
      answers.q4.genres.find((g) => g.genre === a.q4.genres[0]!.genre)!.realRevenue * ratio,
    );
    await expect(computeAnswers(wh, { cpiBase: '1990-01' })).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/1990-01 is not in movies.cpi/) as unknown,
    });
    await expect(computeAnswers(wh, { cpiBase: '2001-13' })).rejects.toMatchObject({ exitCode: 2 });
    await expect(computeAnswers(wh, { quantile: 1.5 })).rejects.toMatchObject({ exitCode: 2 });
  });

  it('the plain distinct-count path (more genres than the bit mask holds) builds the same marts', async () => {
    const read = async (): Promise<unknown> => [
      await wh.query('SELECT * FROM marts.genre_rating_stats ORDER BY genre_id'),
      await wh.query('SELECT * FROM marts.rating_totals'),
    ];
    const viaMask = await read();
    for (const sql of martDdl(1000, wh.dialect)) await wh.exec(sql);
    expect(await read()).toEqual(viaMask);
    const tables = await wh.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts'`,
    );
    expect(tables.map((t) => t.table_name).sort()).toEqual([
      'genre_rating_stats',
      'movie_rating_stats',
      'movielens_rating_counts',
      'rating_totals',
      'revenue_movie',
    ]);
  });

  it('run is null without a successful run, else the latest one', async () => {
    expect(answers.run).toBeNull();
    await wh.exec(`INSERT INTO movalytics.run (run_id, started_at, finished_at, status, input, message) VALUES
      (1, TIMESTAMP '2026-01-01 10:00:00', TIMESTAMP '2026-01-01 10:05:00', 'success', 'x', NULL),
      (2, TIMESTAMP '2026-01-02 10:00:00', TIMESTAMP '2026-01-02 10:05:00', 'success', 'x', NULL),
      (3, TIMESTAMP '2026-01-03 10:00:00', TIMESTAMP '2026-01-03 10:05:00', 'failed', 'x', NULL)`);
    const a = await computeAnswers(wh, {});
    expect(a.run).toEqual({ runId: 2, finishedAt: '2026-01-02T10:05:00.000Z' });
  });

  it('renders every format and selection; JSON numbers are numbers, no NaN', async () => {
    for (const format of ['table', 'json', 'csv', 'markdown'] as const) {
      for (const which of ['q1', 'q2', 'q3', 'q4', 'all'] as const) {
        const out = renderAnswers(answers, format, which);
        expect(out.length).toBeGreaterThan(0);
        expect(out).not.toMatch(/NaN|undefined/);
      }
    }
    const parsed = JSON.parse(renderAnswers(answers, 'json', 'all')) as Answers;
    expect(parsed.schemaVersion).toBe(1);
    expect(typeof parsed.q1.meanRating).toBe('number');
    expect(typeof parsed.q2.genres[0]!.users).toBe('number');
    expect(typeof parsed.q4.genres[0]!.realRevenue).toBe('number');
    const one = JSON.parse(renderAnswers(answers, 'json', 'q2')) as Record<string, unknown>;
    expect(Object.keys(one).filter((k) => /^q\d$/.test(k))).toEqual(['q2']);

    const table = renderAnswers(answers, 'table', 'all');
    expect(table).toMatch(/C \(mean of all counted ratings\)/);
    expect(table).toMatch(/CPI base month 2001-12/);
    expect(table).toMatch(/1 of 7 revenue movies released outside CPI coverage/);
    expect(table).toMatch(/\$\d{1,3}(,\d{3})+/);

    // RFC 4180: the title with a comma, quotes and a pipe is quoted with doubled quotes.
    const all = await computeAnswers(wh, { minVotes: 1 });
    const csv = renderAnswers(all, 'csv', 'q1');
    expect(csv.split('\r\n')[0]).toBe('section,rank,movie_id,title,year,votes,mean_rating,weighted_rating');
    expect(csv).toContain('"Zeta\'s, ""quoted"" | piped"');
    const md = renderAnswers(all, 'markdown', 'q1');
    expect(md).toMatch(/^## Q1/m);
    expect(md).toContain('Zeta\'s, "quoted" \\| piped');

    const headlines = renderHeadlines(answers).trimEnd().split('\n');
    expect(headlines.length).toBeGreaterThanOrEqual(4);
    expect(headlines.length).toBeLessThanOrEqual(8);
    expect(headlines[0]).toContain(answers.q1.top[0]!.title!);
  });
});

describe('Q1 tie-breaks', () => {
  it('WR tie → v desc → movie_id asc', async () => {
    // C = 42/14 = 3 exactly; with m = 2: WR(1) = WR(5) = 3.5 (same v), WR(4) = WR(3) = 3 (v 4 vs 2), WR(2) = WR(6) = 2.5.
    const movies: M[] = [5, 1, 4, 3, 2, 6].map((id) => ({
      id,
      title: `M${id}`,
      date: '2000-01-01',
      revenue: null,
      genres: [],
    }));
    const perMovie: Record<number, number[]> = {
      1: [4, 4],
      5: [4, 4],
      4: [3, 3, 3, 3],
      3: [3, 3],
      2: [2, 2],
      6: [2, 2],
    };
    const ratings: [number, number, number][] = Object.entries(perMovie).flatMap(([id, rs]) =>
      rs.map((r, u) => [u + 1, Number(id), r] as [number, number, number]),
    );
    const wh = await buildWarehouse(join(dir, 'tie.duckdb'), {
      movies,
      links: movies.map((m) => [m.id, m.id]),
      ratings,
      cpi: [],
    });
    try {
      const a = await computeAnswers(wh, { minVotes: 2 });
      expect(a.q1.meanRating).toBe(3);
      expect(a.q1.top.map((t) => t.movieId)).toEqual([1, 5, 4, 3, 2, 6]);
      expect(a.q1.top.map((t) => t.weightedRating)).toEqual([3.5, 3.5, 3, 3, 2.5, 2.5]);
      // No CPI loaded: Q4 excludes everything rather than failing.
      expect(a.q4.cpiBase).toBeNull();
      expect(a.q4.excludedMovies).toBe(a.q4.revenueMovies);
    } finally {
      await wh.close();
    }
  });
});

describe('movalytics answers CLI', () => {
  async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
    const r = await runCli(args);
    return { code: r.code, out: r.stdout, err: r.stderr };
  }

  it('prints answers in each format from a built warehouse', async () => {
    const path = join(dir, 'w.duckdb');
    const wh = await buildWarehouse(path);
    await wh.close();
    const t = await run(['answers', '--warehouse', path]);
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/Q1 Highest-rated/);
    expect(t.out).toMatch(/Q4 Highest-earning/);
    const j = await run(['answers', 'q4', '--warehouse', path, '--format', 'json', '--cpi-base', '2000-06']);
    expect(j.code).toBe(0);
    expect((JSON.parse(j.out) as Answers).q4.cpiBase).toBe('2000-06');
    const c = await run(['answers', 'q2', '--warehouse', path, '--format', 'csv']);
    expect(c.code).toBe(0);
    expect(c.out.startsWith('section,rank,genre,')).toBe(true);
  });

  it('usage errors exit 2 with one line', async () => {
    const path = join(dir, 'w.duckdb');
    const wh = await buildWarehouse(path);
    await wh.close();
    for (const args of [
      ['answers', 'q5', '--warehouse', path],
      ['answers', '--warehouse', path, '--cpi-base', '1980-01'],
      ['answers', '--warehouse', path, '--format', 'xml'],
      ['answers', '--warehouse', path, '--top', 'ten'],
      ['answers', '--warehouse', path, '--alpha', '2'],
    ]) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.out).toBe('');
      expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    }
  });

  it('a missing warehouse exits 2 and is not created', async () => {
    const path = join(dir, 'nope.duckdb');
    const r = await run(['answers', '--warehouse', path]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`movalytics: warehouse ${path} not found: run \`movalytics run\` first\n`);
    expect(existsSync(path)).toBe(false);
  });

  it('a warehouse without model or marts exits 2', async () => {
    const path = join(dir, 'empty.duckdb');
    const wh = await DuckDbWarehouse.open({ path });
    await wh.close();
    const r = await run(['answers', '--warehouse', path]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/has no movie model .*run `movalytics run` first/);
    const wh2 = await DuckDbWarehouse.open({ path });
    for (const sql of modelDdl()) await wh2.exec(sql);
    await wh2.close();
    const r2 = await run(['answers', '--warehouse', path]);
    expect(r2.code).toBe(2);
    expect(r2.err).toMatch(/has no answer marts/);
  });
});

describe('csvField', () => {
  it('neutralises a text a spreadsheet would run as a formula (OWASP CSV injection), and leaves numbers alone', () => {
    expect(csvField('=HYPERLINK("http://evil.example","Click")')).toBe(
      `"'=HYPERLINK(""http://evil.example"",""Click"")"`,
    );
    for (const lead of ['+', '-', '@', '\t']) expect(csvField(`${lead}SUM(A1)`)).toBe(`'${lead}SUM(A1)`);
    expect(csvField('\r=1+1')).toBe(`"'\r=1+1"`);
    expect(csvField(-3.25)).toBe('-3.25');
    expect(csvField('-3.25')).toBe('-3.25');
    expect(csvField('+1e-3')).toBe('+1e-3');
    expect(csvField('Se7en')).toBe('Se7en');
    expect(csvField('Zeta, "quoted"')).toBe(`"Zeta, ""quoted"""`);
  });
});
