// Computes the four answers from the marts (and the small movie/genre/cpi tables) with SQL over the model.
import { UsageError, WarehouseError, EXIT } from '../../core/errors.js';
import { PRIMARY_CPI_SERIES } from '../../model/schema.js';
import { num, queryCount, str, tablesExist, type Row, type Warehouse } from '../../warehouse/warehouse.js';
import { MART_TABLES, MARTS_SCHEMA } from './marts.js';
import { parseAnswerParams, type AnswerParams, type AnswerParamsInput } from './params.js';
import { integerMeanSd, kruskalWallis, orderedSum, positiveMeanCi95, type RankGroup } from './stats.js';
import { readRunAnswers } from './run-answers.js';
import type {
  Answers,
  CpiSplice,
  Q1Answer,
  Q1Movie,
  Q2Answer,
  Q3Answer,
  Q3Group,
  Q3Test,
  Q4Answer,
  Q4Genre,
} from './types.js';

const MODEL_TABLES_READ = ['movie', 'genre', 'movie_genre', 'cpi'] as const;
export const MONTH_LABELS = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(' ');

function num0(v: Row[string] | undefined): number {
  return num(v) ?? 0;
}
/** An integer row value (a number, or text past 2^53) as a BigInt; null and undefined become 0. */
function big0(v: Row[string] | undefined): bigint {
  return v === null || v === undefined ? 0n : BigInt(String(v));
}
/** 'YYYY-MM-DD' → 'YYYY-MM'. */
function toMonth(d: string | null): string | null {
  return d === null ? null : d.slice(0, 7);
}

/** The CPI base month and value answers use; the month is 'YYYY-MM'. */
export interface CpiBase {
  month: string | null;
  value: number | null;
  /** First and last month of the primary series with a value. */
  coverage: { from: string; to: string } | null;
  /** Months 'YYYY-MM' of the primary series the source marks missing (FRED "."): no value, outside coverage. */
  missingMonths: string[];
  /** With --cpi-splice: how months before `coverage.from` are priced; null without. */
  splice: SpliceSpec | null;
}

/** A resolved splice: the public description plus the two link values the SQL multiplies by. */
export interface SpliceSpec {
  info: CpiSplice;
  /** First month of the primary series, 'YYYY-MM': the splice prices only months before it. */
  primaryFrom: string;
  primaryLinkValue: number;
  seriesLinkValue: number;
}

/** A double as SQL: the cast from its shortest round-trip text is exact (a bare literal could become a DECIMAL). */
function doubleSql(x: number): string {
  return `CAST('${String(x)}' AS DOUBLE PRECISION)`;
}

/**
 * The revenue movies with the CPI of their release month, as a FROM item aliased `rm` (columns of
 * marts.revenue_movie, plus `spliced`). Without a splice it is the mart itself. With one, a movie released before the
 * primary series starts gets series(month) × primary(link) / series(link); every other month keeps the primary's
 * value (or NULL). Reads only the mart and the small movies.cpi.
 */
export function revenueSource(cpi: CpiBase): string {
  const s = cpi.splice;
  if (s === null) return `(SELECT *, FALSE AS spliced FROM ${MARTS_SCHEMA}.revenue_movie) rm`;
  const before = `r.cpi IS NULL AND r.release_month < DATE '${s.primaryFrom}-01'`;
  return `(SELECT r.movie_id, r.release_date, r.release_month, r.month, r.quarter, r.revenue,
            COALESCE(r.cpi, CASE WHEN ${before}
              THEN sp.value * ${doubleSql(s.primaryLinkValue)} / ${doubleSql(s.seriesLinkValue)} END) AS cpi,
            (${before} AND sp.value IS NOT NULL) AS spliced
     FROM ${MARTS_SCHEMA}.revenue_movie r
     LEFT JOIN movies.cpi sp ON sp.series_id = '${s.info.series}' AND sp.month = r.release_month) rm`;
}

/** Revenue movies released in a month the source marks missing in the primary CPI series. */
async function moviesInMissingMonths(wh: Warehouse, cpi: CpiBase): Promise<number> {
  if (cpi.missingMonths.length === 0) return 0;
  return queryCount(
    wh,
    `SELECT COUNT(*) AS n FROM ${MARTS_SCHEMA}.revenue_movie r
     JOIN movies.cpi c ON c.month = r.release_month AND c.series_id = '${PRIMARY_CPI_SERIES}'
     WHERE c.value IS NULL`,
  );
}

/** Throws a one-line, exit-2 error when the model or the marts are missing: nothing has been loaded yet. */
export async function assertAnswerable(wh: Warehouse): Promise<void> {
  const rows = await wh.query<{ table_schema: string; table_name: string }>(
    `SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema IN ('movies', $1)`,
    [MARTS_SCHEMA],
  );
  const have = new Set(rows.map((r) => `${r.table_schema}.${r.table_name}`));
  const missingModel = MODEL_TABLES_READ.filter((t) => !have.has(`movies.${t}`));
  if (missingModel.length > 0) {
    throw new WarehouseError(
      `warehouse ${wh.displayName} has no movie model (missing movies.${missingModel[0]}): run \`movalytics run\` first`,
      { exitCode: EXIT.usage },
    );
  }
  const missingMarts = MART_TABLES.filter((t) => !have.has(`${MARTS_SCHEMA}.${t}`));
  if (missingMarts.length > 0) {
    throw new WarehouseError(
      `warehouse ${wh.displayName} has no answer marts (missing ${MARTS_SCHEMA}.${missingMarts[0]}): run \`movalytics run\` first`,
      { exitCode: EXIT.usage },
    );
  }
}

/**
 * Resolves the CPI base: the requested month (must be in the primary series, else a UsageError) or the latest; and,
 * with `spliceSeries`, the splice (the series must be in movies.cpi and share a month with the primary series).
 */
export async function resolveCpiBase(
  wh: Warehouse,
  requested: string | null,
  spliceSeries: string | null = null,
): Promise<CpiBase> {
  // Coverage and the default base are months with a value: a month the source marks missing has none.
  const [range] = await wh.query(
    `SELECT MIN(month) AS first, MAX(month) AS last FROM movies.cpi
     WHERE series_id = '${PRIMARY_CPI_SERIES}' AND value IS NOT NULL`,
  );
  const first = toMonth(str(range?.first));
  const last = toMonth(str(range?.last));
  const coverage = first !== null && last !== null ? { from: first, to: last } : null;
  const missingRows = await wh.query(
    `SELECT CAST(month AS VARCHAR) AS month FROM movies.cpi
     WHERE series_id = '${PRIMARY_CPI_SERIES}' AND value IS NULL ORDER BY month`,
  );
  const missingMonths = missingRows.map((r) => toMonth(str(r.month))!);
  const splice = spliceSeries === null ? null : await resolveSplice(wh, spliceSeries, coverage);
  const month = requested ?? last;
  if (month === null) return { month: null, value: null, coverage, missingMonths, splice };
  const rows = await wh.query(
    `SELECT value FROM movies.cpi WHERE series_id = '${PRIMARY_CPI_SERIES}' AND month = CAST($1 AS DATE)`,
    [`${month}-01`],
  );
  const value = num(rows[0]?.value);
  if (missingMonths.includes(month))
    throw new UsageError(
      `CPI base month ${month} has no value: the source marks it missing (FRED ".") — pass another --cpi-base`,
    );
  if (value === null || value <= 0) {
    const range =
      coverage === null ? 'movies.cpi is empty' : `the series covers ${coverage.from}..${coverage.to}`;
    throw new UsageError(
      `CPI base month ${month} is not in movies.cpi (${range}): pass --cpi-base inside it`,
    );
  }
  return { month, value, coverage, missingMonths, splice };
}

/** Resolves --cpi-splice SERIES: a UsageError (exit 2) when the series is not loaded or cannot be linked. */
async function resolveSplice(
  wh: Warehouse,
  series: string,
  coverage: CpiBase['coverage'],
): Promise<SpliceSpec> {
  if (series === PRIMARY_CPI_SERIES)
    throw new UsageError(
      `--cpi-splice ${series}: that is the primary CPI series — pass the series to extend it with, e.g. CPIAUCNS`,
    );
  // series is validated as [A-Z0-9]+ by the params schema, so it is safe as a literal.
  const [have] = await wh.query(
    `SELECT COUNT(*) AS n, MIN(month) AS first FROM movies.cpi WHERE series_id = '${series}'`,
  );
  if (num0(have?.n) === 0)
    throw new UsageError(
      `--cpi-splice ${series}: series ${series} is not loaded in movies.cpi — add ${series}.csv (from FRED) to the input folder and run \`movalytics run\``,
    );
  const [link] = await wh.query(
    `SELECT CAST(p.month AS VARCHAR) AS month, p.value AS primary_value, s.value AS series_value
     FROM movies.cpi p JOIN movies.cpi s ON s.month = p.month AND s.series_id = '${series}'
     WHERE p.series_id = '${PRIMARY_CPI_SERIES}' AND p.value IS NOT NULL AND s.value IS NOT NULL
     ORDER BY p.month LIMIT 1`,
  );
  const linkMonth = toMonth(str(link?.month));
  const primaryLinkValue = num(link?.primary_value);
  const seriesLinkValue = num(link?.series_value);
  if (coverage === null || linkMonth === null || primaryLinkValue === null || seriesLinkValue === null)
    throw new UsageError(
      `--cpi-splice ${series}: no month is in both ${series} and ${PRIMARY_CPI_SERIES}, so the two cannot be ratio-linked`,
    );
  const [spliced] = await wh.query(
    `SELECT CAST(MIN(month) AS VARCHAR) AS first, CAST(MAX(month) AS VARCHAR) AS last FROM movies.cpi
     WHERE series_id = '${series}' AND month < DATE '${coverage.from}-01'`,
  );
  const spec: SpliceSpec = {
    info: {
      series,
      primarySeries: PRIMARY_CPI_SERIES,
      primaryFrom: coverage.from,
      linkMonth,
      ratio: primaryLinkValue / seriesLinkValue,
      splicedFrom: toMonth(str(spliced?.first)),
      splicedTo: toMonth(str(spliced?.last)),
      splicedMovies: 0,
    },
    primaryFrom: coverage.from,
    primaryLinkValue,
    seriesLinkValue,
  };
  spec.info.splicedMovies = await queryCount(
    wh,
    `SELECT COUNT(*) AS n FROM ${revenueSource({ month: null, value: null, coverage, missingMonths: [], splice: spec })} WHERE spliced`,
  );
  return spec;
}

/** Latest successful run, or null when there is none (or no run table). */
export async function latestRun(wh: Warehouse): Promise<Answers['run']> {
  if (!(await tablesExist(wh, 'movalytics', 'run'))) return null;
  const rows = await wh.query(
    `SELECT run_id, CAST(finished_at AS VARCHAR) AS finished_at FROM movalytics.run
     WHERE status = 'success' ORDER BY finished_at DESC NULLS LAST, run_id DESC LIMIT 1`,
  );
  const r = rows[0];
  if (r === undefined) return null;
  const finished = str(r.finished_at);
  return { runId: num0(r.run_id), finishedAt: finished === null ? null : isoUtc(finished) };
}

/**
 * A warehouse timestamp as ISO 8601 with `Z`. The run table stores UTC in a zone-less TIMESTAMP, printed as
 * `2026-11-29 16:23:13.123456`; text that already carries an offset is converted to UTC.
 */
export function isoUtc(text: string): string {
  const t = text.trim().replace(' ', 'T');
  const zoned = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i.test(t) && /T\d/.test(t);
  const d = new Date(zoned ? t.replace(/([+-]\d{2})$/, '$1:00') : `${t}Z`);
  return Number.isNaN(d.getTime()) ? text : d.toISOString();
}

/** Q1: IMDb-style weighted rating over mapped ratings. */
export async function computeQ1(wh: Warehouse, params: AnswerParams): Promise<Q1Answer> {
  const [tot] = await wh.query(`SELECT ratings, sum_rating FROM ${MARTS_SCHEMA}.rating_totals`);
  const countedRatings = num0(tot?.ratings);
  const c = countedRatings > 0 ? num0(tot?.sum_rating) / countedRatings : null;
  const [q] = await wh.query(
    `SELECT COUNT(*) AS rated, ${wh.dialect.percentileCont('CAST(v AS DOUBLE PRECISION)', params.quantile)} AS m
     FROM ${MARTS_SCHEMA}.movie_rating_stats WHERE v >= 1`,
  );
  const ratedMovies = num0(q?.rated);
  const m = params.minVotes ?? num(q?.m);
  const base = {
    meanRating: c,
    minVotes: m,
    minVotesSource: params.minVotes === null ? ('quantile' as const) : ('override' as const),
    quantile: params.quantile,
    countedRatings,
    ratedMovies,
  };
  if (m === null || c === null) return { ...base, eligibleMovies: 0, top: [] };
  // WR = v/(v+m)·R + m/(v+m)·C, computed as (v·R + m·C)/(v+m) with v·R = sum_rating: algebraically the same, and
  // exact ties (R = C) stay exact so the v-desc, movie_id-asc tie-breaks are deterministic.
  const [e] = await wh.query(
    `SELECT COUNT(*) AS eligible FROM ${MARTS_SCHEMA}.movie_rating_stats WHERE v >= CAST($1 AS DOUBLE PRECISION)`,
    [m],
  );
  const rows = await wh.query(
    `SELECT s.movie_id, s.v, s.mean_rating, mv.title,
            CAST(EXTRACT(YEAR FROM mv.release_date) AS INTEGER) AS year,
            (s.sum_rating + CAST($1 AS DOUBLE PRECISION) * CAST($2 AS DOUBLE PRECISION))
              / (s.v + CAST($1 AS DOUBLE PRECISION)) AS wr
     FROM ${MARTS_SCHEMA}.movie_rating_stats s
     JOIN movies.movie mv ON mv.movie_id = s.movie_id
     WHERE s.v >= CAST($1 AS DOUBLE PRECISION)
     ORDER BY wr DESC, s.v DESC, s.movie_id ASC
     LIMIT ${params.top}`,
    [m, c],
  );
  const top: Q1Movie[] = rows.map((r, i) => ({
    rank: i + 1,
    movieId: num0(r.movie_id),
    title: str(r.title),
    year: num(r.year),
    votes: num0(r.v),
    meanRating: num0(r.mean_rating),
    weightedRating: num0(r.wr),
  }));
  return { ...base, eligibleMovies: num0(e?.eligible), top };
}

/** Q2: genres by counted ratings. */
export async function computeQ2(wh: Warehouse): Promise<Q2Answer> {
  const [tot] = await wh.query(`SELECT ratings, users FROM ${MARTS_SCHEMA}.rating_totals`);
  const countedRatings = num0(tot?.ratings);
  const rows = await wh.query(
    `SELECT s.genre_id, g.name, s.ratings, s.users, s.sum_rating
     FROM ${MARTS_SCHEMA}.genre_rating_stats s JOIN movies.genre g ON g.genre_id = s.genre_id
     ORDER BY s.ratings DESC, g.name ASC, s.genre_id ASC`,
  );
  const genres = rows.map((r, i) => {
    const ratings = num0(r.ratings);
    return {
      rank: i + 1,
      genreId: num0(r.genre_id),
      genre: str(r.name) ?? '',
      ratings,
      users: num0(r.users),
      meanRating: ratings > 0 ? num0(r.sum_rating) / ratings : null,
      share: countedRatings > 0 ? ratings / countedRatings : null,
    };
  });
  return {
    countedRatings,
    countedUsers: num0(tot?.users),
    shareSum: genres.reduce((a, g) => a + (g.share ?? 0), 0),
    genres,
  };
}

function pText(p: number): string {
  return p < 0.0001 ? 'p < 0.0001' : `p = ${p.toPrecision(2)}`;
}

function testVerdict(
  what: 'month' | 'quarter',
  kw: ReturnType<typeof kruskalWallis>,
  alpha: number,
  peak: string | null,
): Q3Test {
  if (kw.h === null || kw.pValue === null) {
    return {
      ...kw,
      significant: null,
      verdict: `Release ${what}: not enough data for a test (needs differing revenues in at least 2 ${what}s).`,
    };
  }
  const stats = `Kruskal–Wallis H = ${kw.h.toFixed(2)}, df = ${kw.df}, ${pText(kw.pValue)}`;
  const significant = kw.pValue < alpha;
  const verdict = significant
    ? `Box office differs by release ${what}${peak === null ? '' : ` (highest median: ${peak})`}: ${stats} < α = ${alpha}.`
    : `No evidence that box office differs by release ${what}: ${stats} ≥ α = ${alpha}.`;
  return { ...kw, significant, verdict };
}

/** Q3: revenue by release month and quarter, with Kruskal–Wallis tests. */
export async function computeQ3(wh: Warehouse, params: AnswerParams, cpi: CpiBase): Promise<Q3Answer> {
  const median = wh.dialect.percentileCont('revenue', 0.5);
  const medianReal = wh.dialect.percentileCont(
    'CASE WHEN cpi IS NOT NULL THEN revenue * CAST($1 AS DOUBLE PRECISION) / cpi END',
    0.5,
  );
  // Medians are order statistics (deterministic); mean and standard deviation are computed from the integer
  // revenues in JS (exact sums), because a parallel engine's AVG/STDDEV_SAMP over doubles varies in the last bits.
  const groupSql = (col: 'month' | 'quarter'): string =>
    `SELECT ${col} AS grp, COUNT(*) AS n, ${median} AS median, COUNT(cpi) AS n_cpi, ${medianReal} AS median_real
     FROM ${revenueSource(cpi)} GROUP BY ${col}`;
  // Twice the average rank, an integer: rank() gives the lowest rank of a tie group of t; 2·rank + t − 1 is twice
  // its mean. Integer sums are exact in any order, unlike sums of DOUBLE ranks.
  const rankSql = `WITH r AS (
      SELECT month, quarter,
             2 * RANK() OVER (ORDER BY revenue) + COUNT(*) OVER (PARTITION BY revenue) - 1 AS rk2
      FROM ${MARTS_SCHEMA}.revenue_movie)
    SELECT 'month' AS dim, month AS grp, COUNT(*) AS n, SUM(rk2) AS twice_rank_sum FROM r GROUP BY month
    UNION ALL
    SELECT 'quarter' AS dim, quarter AS grp, COUNT(*) AS n, SUM(rk2) AS twice_rank_sum FROM r GROUP BY quarter`;
  const tieSql = `SELECT COALESCE(SUM(t * t * t - t), 0) AS tie_sum FROM (
      SELECT COUNT(*) AS t FROM ${MARTS_SCHEMA}.revenue_movie GROUP BY revenue) x`;

  // Where an engine wants one ORDER BY for all sort-based aggregates of a statement (Redshift), the real-dollar
  // median comes from a statement of its own, joined back by group here.
  const groupRows = async (col: 'month' | 'quarter'): Promise<Row[]> => {
    if (!wh.dialect.sortAggregatesShareOrder) return wh.query(groupSql(col), [cpi.value]);
    const nominal = await wh.query(
      `SELECT ${col} AS grp, COUNT(*) AS n, ${median} AS median, COUNT(cpi) AS n_cpi
     FROM ${revenueSource(cpi)} GROUP BY ${col}`,
    );
    const real = await wh.query(
      `SELECT ${col} AS grp, ${medianReal} AS median_real
     FROM ${revenueSource(cpi)} GROUP BY ${col}`,
      [cpi.value],
    );
    const byGrp = new Map(real.map((r) => [num0(r.grp), r.median_real ?? null]));
    return nominal.map((r) => ({ ...r, median_real: byGrp.get(num0(r.grp)) ?? null }));
  };
  const [monthRows, quarterRows, rankRows, tieRows, totRows, revenueRows] = [
    await groupRows('month'),
    await groupRows('quarter'),
    await wh.query(rankSql),
    await wh.query(tieSql),
    await wh.query(`SELECT COUNT(*) AS n FROM ${MARTS_SCHEMA}.revenue_movie`),
    await wh.query(
      `SELECT month, quarter, CAST(revenue AS BIGINT) AS revenue FROM ${MARTS_SCHEMA}.revenue_movie`,
    ),
  ];
  const tieSum = big0(tieRows[0]?.tie_sum);
  const revenuesBy = (col: 'month' | 'quarter'): Map<number, bigint[]> => {
    const by = new Map<number, bigint[]>();
    for (const r of revenueRows) {
      const g = num0(r[col]);
      let list = by.get(g);
      if (list === undefined) by.set(g, (list = []));
      list.push(big0(r.revenue));
    }
    return by;
  };

  const groups = (
    col: 'month' | 'quarter',
    rows: Row[],
    count: number,
    label: (g: number) => string,
  ): Q3Group[] => {
    const by = new Map(rows.map((r) => [num0(r.grp), r]));
    const revenues = revenuesBy(col);
    return Array.from({ length: count }, (_, i) => {
      const g = i + 1;
      const r = by.get(g);
      const movies = num0(r?.n);
      const { mean } = integerMeanSd(revenues.get(g) ?? []);
      const ci = positiveMeanCi95(revenues.get(g) ?? []);
      return {
        group: g,
        label: label(g),
        movies,
        meanRevenue: mean,
        medianRevenue: num(r?.median),
        ciLow: ci?.low ?? null,
        ciHigh: ci?.high ?? null,
        moviesInCpiCoverage: num0(r?.n_cpi),
        medianRealRevenue: num(r?.median_real),
      };
    });
  };
  const byMonth = groups('month', monthRows, 12, (g) => MONTH_LABELS[g - 1]!);
  const byQuarter = groups('quarter', quarterRows, 4, (g) => `Q${g}`);

  const rankGroups = (dim: string): RankGroup[] =>
    rankRows
      .filter((r) => r.dim === dim)
      .map((r) => ({ n: num0(r.n), twiceRankSum: big0(r.twice_rank_sum) }));
  const peak = (gs: Q3Group[]): string | null => {
    let best: Q3Group | null = null;
    for (const g of gs) {
      if (g.medianRevenue !== null && (best === null || g.medianRevenue > (best.medianRevenue ?? -Infinity)))
        best = g;
    }
    return best?.label ?? null;
  };
  const monthTest = testVerdict(
    'month',
    kruskalWallis(rankGroups('month'), tieSum),
    params.alpha,
    peak(byMonth),
  );
  const quarterTest = testVerdict(
    'quarter',
    kruskalWallis(rankGroups('quarter'), tieSum),
    params.alpha,
    peak(byQuarter),
  );
  return {
    revenueMovies: num0(totRows[0]?.n),
    alpha: params.alpha,
    cpiBase: cpi.month,
    cpiSplice: cpi.splice?.info ?? null,
    cpiMissingMonths: cpi.missingMonths,
    moviesInMissingCpiMonths: await moviesInMissingMonths(wh, cpi),
    byMonth,
    byQuarter,
    monthTest,
    quarterTest,
    verdict: overallVerdict(monthTest, quarterTest, params.alpha),
  };
}

function overallVerdict(month: Q3Test, quarter: Q3Test, alpha: number): string {
  const p = (t: Q3Test): string => (t.pValue === null ? 'no test' : pText(t.pValue));
  if (month.significant === null && quarter.significant === null)
    return 'Release timing: not enough revenue movies to test.';
  if (month.significant === true || quarter.significant === true) {
    const which = [
      month.significant === true ? 'month' : null,
      quarter.significant === true ? 'quarter' : null,
    ]
      .filter((x) => x !== null)
      .join(' and ');
    return `Release timing is associated with box office: revenue differs by ${which} at α = ${alpha} (month ${p(month)}, quarter ${p(quarter)}); an association, not proof of cause.`;
  }
  return `No evidence that release month or quarter changes box office at α = ${alpha} (month ${p(month)}, quarter ${p(quarter)}).`;
}

/** Q4: genres by CPI-adjusted revenue. */
export async function computeQ4(wh: Warehouse, cpi: CpiBase): Promise<Q4Answer> {
  // Nominal sums add integers (exact in any order); real dollars are summed in JS in movie_id order, because a
  // parallel engine's SUM over doubles varies in the last bits from run to run.
  const [t] = await wh.query(
    `SELECT COUNT(*) AS n, COUNT(cpi) AS included, COALESCE(SUM(CAST(revenue AS BIGINT)), 0) AS nominal,
            COALESCE(SUM(CASE WHEN cpi IS NULL THEN CAST(revenue AS BIGINT) END), 0) AS excluded_nominal
     FROM ${revenueSource(cpi)}`,
  );
  const rows = await wh.query(
    `SELECT g.genre_id, g.name, COUNT(rm.movie_id) AS movies,
            COALESCE(SUM(CAST(rm.revenue AS BIGINT)), 0) AS nominal_revenue
     FROM movies.genre g
     LEFT JOIN movies.movie_genre mg ON mg.genre_id = g.genre_id
     LEFT JOIN ${revenueSource(cpi)} ON rm.movie_id = mg.movie_id AND rm.cpi IS NOT NULL
     GROUP BY g.genre_id, g.name`,
  );
  const realRows = await wh.query(
    `SELECT mg.genre_id, rm.revenue * CAST($1 AS DOUBLE PRECISION) / rm.cpi AS real_revenue
     FROM movies.movie_genre mg JOIN ${revenueSource(cpi)} ON rm.movie_id = mg.movie_id AND rm.cpi IS NOT NULL
     ORDER BY mg.genre_id, rm.movie_id`,
    [cpi.value],
  );
  const realByGenre = new Map<number, number[]>();
  for (const r of realRows) {
    const g = num0(r.genre_id);
    let list = realByGenre.get(g);
    if (list === undefined) realByGenre.set(g, (list = []));
    list.push(num0(r.real_revenue));
  }
  const unranked = rows.map((r) => {
    const movies = num0(r.movies);
    const genreId = num0(r.genre_id);
    const real = orderedSum(realByGenre.get(genreId) ?? []);
    return {
      genreId,
      genre: str(r.name) ?? '',
      movies,
      realRevenue: real,
      meanRealRevenue: movies > 0 ? real / movies : null,
      nominalRevenue: num0(r.nominal_revenue),
    };
  });
  unranked.sort(
    (a, b) =>
      b.realRevenue - a.realRevenue ||
      (a.genre < b.genre ? -1 : a.genre > b.genre ? 1 : 0) ||
      a.genreId - b.genreId,
  );
  const genres: Q4Genre[] = unranked.map((g, i) => ({ rank: i + 1, ...g }));
  const revenueMovies = num0(t?.n);
  const includedMovies = cpi.value === null ? 0 : num0(t?.included);
  const total = num0(t?.nominal);
  const excludedNominal = cpi.value === null ? total : num0(t?.excluded_nominal);
  return {
    cpiBase: cpi.month,
    cpiBaseValue: cpi.value,
    cpiCoverage: cpi.coverage,
    cpiSplice: cpi.splice?.info ?? null,
    cpiMissingMonths: cpi.missingMonths,
    moviesInMissingCpiMonths: await moviesInMissingMonths(wh, cpi),
    revenueMovies,
    includedMovies,
    excludedMovies: revenueMovies - includedMovies,
    excludedNominalRevenue: excludedNominal,
    excludedRevenueShare: total > 0 ? excludedNominal / total : null,
    totalNominalRevenue: total,
    genres,
  };
}

/**
 * The answers a run closes with (`movalytics run` prints them): the ones its publish recorded for diff — the same
 * data, since the run still holds the warehouse, and computed once — with the finished run and this connection's
 * warehouse. Computed afresh when the run recorded none (nothing changed) or recorded them with other parameters (a
 * worker's own config).
 */
export async function closingAnswers(
  wh: Warehouse,
  runId: number,
  input: AnswerParamsInput = {},
): Promise<Answers> {
  const recorded = await readRunAnswers(wh, runId);
  const params = parseAnswerParams(input);
  if (recorded === null || JSON.stringify(recorded.answers.params) !== JSON.stringify(params))
    return computeAnswers(wh, input);
  return {
    ...recorded.answers,
    generatedAt: new Date().toISOString(),
    warehouse: { kind: wh.kind, displayName: wh.displayName },
    run: await latestRun(wh),
  };
}

/** Computes all four answers. Params are validated (UsageError on a bad value); the marts must exist. */
export async function computeAnswers(wh: Warehouse, input: AnswerParamsInput = {}): Promise<Answers> {
  const params = parseAnswerParams(input);
  await assertAnswerable(wh);
  const cpi = await resolveCpiBase(wh, params.cpiBase, params.cpiSplice);
  return {
    schemaVersion: 1,
    generatedAt: new Date().toISOString(),
    warehouse: { kind: wh.kind, displayName: wh.displayName },
    run: await latestRun(wh),
    params,
    q1: await computeQ1(wh, params),
    q2: await computeQ2(wh),
    q3: await computeQ3(wh, params, cpi),
    q4: await computeQ4(wh, cpi),
  };
}
