// Drill-downs behind the Q2–Q4 figures: the movies behind a genre's ratings (Q2), a release month's or quarter's
// revenue movies (Q3) and a genre's CPI-adjusted revenue (Q4), read from the same marts and with the same rules as
// the answers, so the rows add up to the figure the dashboard shows. Without a selection, what can be drilled.
import { UsageError } from '../../core/errors.js';
import { str, type Row, type Warehouse } from '../../warehouse/warehouse.js';
import { MONTH_LABELS, assertAnswerable, resolveCpiBase, revenueSource, type CpiBase } from './compute.js';
import { MARTS_SCHEMA } from './marts.js';
import { parseAnswerParams, type AnswerParamsInput } from './params.js';
import { orderedSum } from './stats.js';

/** A drill-down lists at most this many movies (largest first); `rest` sums the others, so the total still adds up. */
export const DRILL_DOWN_LIMIT = 500;

export interface DrillChoice {
  /** The query parameter and value that selects it, e.g. {genre: 'Drama'} or {month: 1}. */
  param: 'genre' | 'month' | 'quarter';
  value: string | number;
  label: string;
  /** The figure the answer shows for it. */
  figure: number;
}

interface DrillBase {
  question: 'q2' | 'q3' | 'q4';
  /** What is drilled, e.g. 'Drama' or 'January'. */
  label: string;
  /** Movies behind the figure (all of them, listed or not). */
  movieCount: number;
  /** Movies not listed (beyond DRILL_DOWN_LIMIT) and their share of the figure. */
  rest: { movies: number; figure: number };
}

export interface Q2DrillDown extends DrillBase {
  question: 'q2';
  genreId: number;
  /** Q2's figure: ratings counted for the genre = Σ movies[].ratings + rest.figure. */
  ratings: number;
  movies: { movieId: number; title: string | null; ratings: number }[];
}

export interface Q3DrillDown extends DrillBase {
  question: 'q3';
  dimension: 'month' | 'quarter';
  group: number;
  /** Q3's figures for the group: its revenue movies and their mean revenue (Σ revenue / movies). */
  movies: { movieId: number; title: string | null; releaseDate: string | null; revenue: number }[];
  revenueMovies: number;
  totalRevenue: number;
  meanRevenue: number | null;
}

export interface Q4DrillDown extends DrillBase {
  question: 'q4';
  genreId: number;
  cpiBase: string | null;
  /** Q4's figures: Σ real revenue and Σ nominal revenue of the genre's movies inside CPI coverage. */
  realRevenue: number;
  nominalRevenue: number;
  movies: {
    movieId: number;
    title: string | null;
    nominalRevenue: number;
    cpiMonth: string;
    cpi: number;
    /** CPI(base) / CPI(release month). */
    factor: number;
    realRevenue: number;
    spliced: boolean;
  }[];
}

const n0 = (v: Row[string] | undefined): number => (v === null || v === undefined ? 0 : Number(v));

async function genreByName(wh: Warehouse, name: string): Promise<{ id: number; name: string }> {
  const [g] = await wh.query(`SELECT genre_id, name FROM movies.genre WHERE name = $1`, [name]);
  if (g === undefined) {
    const all = (await wh.query(`SELECT name FROM movies.genre ORDER BY name`)).map((r) => str(r.name));
    throw new DrillDownNotFound(`no genre ${JSON.stringify(name)}: use one of ${all.join(', ')}`);
  }
  return { id: n0(g.genre_id), name: str(g.name) ?? '' };
}

/** A selection that names nothing in the warehouse (an unknown genre): a missing resource, not a bad parameter. */
export class DrillDownNotFound extends UsageError {}

function rest<T>(all: readonly T[], figure: (x: T) => number): { movies: number; figure: number } {
  const others = all.slice(DRILL_DOWN_LIMIT);
  return { movies: others.length, figure: orderedSum(others.map(figure)) };
}

/** Q2: the genres to drill, or the movies behind `genre`'s ratings (each movie's mapped ratings, most first). */
export async function drillQ2(wh: Warehouse, genre: string | null): Promise<DrillChoice[] | Q2DrillDown> {
  await assertAnswerable(wh);
  if (genre === null) {
    const rows = await wh.query(
      `SELECT g.name, s.ratings FROM ${MARTS_SCHEMA}.genre_rating_stats s JOIN movies.genre g ON g.genre_id = s.genre_id
       ORDER BY s.ratings DESC, g.name`,
    );
    return rows.map((r) => ({
      param: 'genre',
      value: str(r.name) ?? '',
      label: str(r.name) ?? '',
      figure: n0(r.ratings),
    }));
  }
  const g = await genreByName(wh, genre);
  const [fig] = await wh.query(`SELECT ratings FROM ${MARTS_SCHEMA}.genre_rating_stats WHERE genre_id = $1`, [
    g.id,
  ]);
  const rows = await wh.query(
    `SELECT m.movie_id, m.title, s.v FROM ${MARTS_SCHEMA}.movie_rating_stats s
     JOIN movies.movie_genre mg ON mg.movie_id = s.movie_id JOIN movies.movie m ON m.movie_id = s.movie_id
     WHERE mg.genre_id = $1 ORDER BY s.v DESC, m.movie_id`,
    [g.id],
  );
  const movies = rows.map((r) => ({ movieId: n0(r.movie_id), title: str(r.title), ratings: n0(r.v) }));
  return {
    question: 'q2',
    label: g.name,
    genreId: g.id,
    ratings: n0(fig?.ratings),
    movieCount: movies.length,
    movies: movies.slice(0, DRILL_DOWN_LIMIT),
    rest: rest(movies, (m) => m.ratings),
  };
}

/** Q3: the months and quarters to drill, or the revenue movies released in month/quarter `group` (largest first). */
export async function drillQ3(
  wh: Warehouse,
  pick: { month: number } | { quarter: number } | null,
): Promise<DrillChoice[] | Q3DrillDown> {
  await assertAnswerable(wh);
  if (pick === null) {
    const counts = await wh.query(
      `SELECT 'month' AS dim, month AS grp, COUNT(*) AS n FROM ${MARTS_SCHEMA}.revenue_movie GROUP BY month
       UNION ALL SELECT 'quarter' AS dim, quarter AS grp, COUNT(*) AS n FROM ${MARTS_SCHEMA}.revenue_movie GROUP BY quarter`,
    );
    const of = (dim: string, g: number): number =>
      n0(counts.find((r) => r.dim === dim && n0(r.grp) === g)?.n);
    return [
      ...MONTH_LABELS.map((label, i) => ({
        param: 'month' as const,
        value: i + 1,
        label,
        figure: of('month', i + 1),
      })),
      ...[1, 2, 3, 4].map((q) => ({
        param: 'quarter' as const,
        value: q,
        label: `Q${q}`,
        figure: of('quarter', q),
      })),
    ];
  }
  const dimension = 'month' in pick ? 'month' : 'quarter';
  const group = 'month' in pick ? pick.month : pick.quarter;
  const max = dimension === 'month' ? 12 : 4;
  if (group < 1 || group > max) throw new UsageError(`${dimension} ${group} is not between 1 and ${max}`);
  const rows = await wh.query(
    `SELECT r.movie_id, m.title, CAST(r.release_date AS VARCHAR) AS release_date, CAST(r.revenue AS BIGINT) AS revenue
     FROM ${MARTS_SCHEMA}.revenue_movie r JOIN movies.movie m ON m.movie_id = r.movie_id
     WHERE r.${dimension} = $1 ORDER BY r.revenue DESC, r.movie_id`,
    [group],
  );
  const movies = rows.map((r) => ({
    movieId: n0(r.movie_id),
    title: str(r.title),
    releaseDate: str(r.release_date)?.slice(0, 10) ?? null,
    revenue: n0(r.revenue),
  }));
  // Integer revenues: the sum is exact in any order (as the answer's mean is).
  const total = movies.reduce((a, m) => a + m.revenue, 0);
  return {
    question: 'q3',
    label: dimension === 'month' ? MONTH_LABELS[group - 1]! : `Q${group}`,
    dimension,
    group,
    revenueMovies: movies.length,
    totalRevenue: total,
    meanRevenue: movies.length > 0 ? total / movies.length : null,
    movieCount: movies.length,
    movies: movies.slice(0, DRILL_DOWN_LIMIT),
    rest: rest(movies, (m) => m.revenue),
  };
}

/**
 * Q4: the genres to drill, or `genre`'s revenue movies inside CPI coverage with nominal revenue, CPI month, factor
 * and real revenue, with the answer's parameters (cpiBase, cpiSplice); real dollars summed in movie_id order, as Q4.
 */
export async function drillQ4(
  wh: Warehouse,
  genre: string | null,
  params: AnswerParamsInput = {},
): Promise<DrillChoice[] | Q4DrillDown> {
  const p = parseAnswerParams(params);
  await assertAnswerable(wh);
  const cpi: CpiBase = await resolveCpiBase(wh, p.cpiBase, p.cpiSplice);
  const source = revenueSource(cpi);
  const realOf = async (genreId: number | null): Promise<Row[]> =>
    cpi.value === null
      ? []
      : wh.query(
          `SELECT mg.genre_id, rm.movie_id, m.title, CAST(rm.revenue AS BIGINT) AS revenue,
                  CAST(rm.release_month AS VARCHAR) AS cpi_month, rm.cpi, rm.spliced,
                  rm.revenue * CAST($1 AS DOUBLE PRECISION) / rm.cpi AS real_revenue
           FROM movies.movie_genre mg JOIN ${source} ON rm.movie_id = mg.movie_id AND rm.cpi IS NOT NULL
           JOIN movies.movie m ON m.movie_id = rm.movie_id
           ${genreId === null ? '' : `WHERE mg.genre_id = ${Math.trunc(genreId)}`}
           ORDER BY mg.genre_id, rm.movie_id`,
          [cpi.value],
        );
  if (genre === null) {
    const rows = await realOf(null);
    const genres = await wh.query(`SELECT genre_id, name FROM movies.genre ORDER BY name`);
    return genres
      .map((g) => ({
        param: 'genre' as const,
        value: str(g.name) ?? '',
        label: str(g.name) ?? '',
        figure: orderedSum(
          rows.filter((r) => n0(r.genre_id) === n0(g.genre_id)).map((r) => n0(r.real_revenue)),
        ),
      }))
      .sort((a, b) => b.figure - a.figure || (a.label < b.label ? -1 : 1));
  }
  const g = await genreByName(wh, genre);
  const rows = await realOf(g.id);
  const all = rows.map((r) => ({
    movieId: n0(r.movie_id),
    title: str(r.title),
    nominalRevenue: n0(r.revenue),
    cpiMonth: (str(r.cpi_month) ?? '').slice(0, 7),
    cpi: n0(r.cpi),
    factor: (cpi.value ?? 0) / n0(r.cpi),
    realRevenue: n0(r.real_revenue),
    spliced: r.spliced === true,
  }));
  // The figure sums in movie_id order (the answer's order); the list shows the largest first.
  const realRevenue = orderedSum(all.map((m) => m.realRevenue));
  const byReal = [...all].sort((a, b) => b.realRevenue - a.realRevenue || a.movieId - b.movieId);
  return {
    question: 'q4',
    label: g.name,
    genreId: g.id,
    cpiBase: cpi.month,
    realRevenue,
    nominalRevenue: all.reduce((a, m) => a + m.nominalRevenue, 0),
    movieCount: all.length,
    movies: byReal.slice(0, DRILL_DOWN_LIMIT),
    rest: rest(byReal, (m) => m.realRevenue),
  };
}
