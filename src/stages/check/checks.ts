// Data-quality checks: each a named SQL probe with a severity, stored per run. They can fail — the fixtures in
// checks.test.ts make each one fail on purpose. An "error" failure stops the run's changes from being published.
import { MODEL_TABLES } from '../../model/schema.js';
import { queryCount, type Warehouse } from '../../warehouse/warehouse.js';
import type { FileReport } from '../load/load-model.js';

export const SEVERITIES = ['error', 'warn'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface CheckResult {
  name: string;
  severity: Severity;
  passed: boolean;
  observed: string;
  expected: string;
  /** Set when the result was carried over from an earlier run because nothing it reads changed. */
  carriedFromRun?: number | null;
  /**
   * What a check that can be scoped read: only what this run changed, the kept per-MovieLens-id counts, or every
   * row. Unset for checks that always read their whole (small) table or the run's own counts.
   */
  scope?: CheckScope;
}

export const CHECK_SCOPES = ['this run', 'kept counts', 'every row'] as const;
export type CheckScope = (typeof CHECK_SCOPES)[number];

export interface CheckOptions {
  /** Warn when the share of ratings mapped to a movie falls below this. */
  mappedShareWarn: number;
  /** Reconciliation of the files loaded in this run. */
  reports: readonly FileReport[];
  /** A table with the only rating rows this run wrote (see LoadResult.ratingScope); null = check every row. */
  ratingScope?: string | null;
  /** The rating keys whose uniqueness is still to be checked (see LoadResult.ratingKeyScope); null = every key. */
  ratingKeyScope?: KeyScope | null;
  /**
   * This run built movies.rating's key index over every row (a cold load's shadow table), and every later write of
   * the run went through it. Where the engine shows that index unique (PostgreSQL), building it checked every key:
   * key_unique.rating reads the catalog instead of grouping 26M keys again. `movalytics check` never sets it: an
   * audit of a warehouse does not rely on an index it did not see built.
   */
  ratingKeyIndexBuiltByRun?: boolean;
  /**
   * A query of (movielens_id, n): the ratings per MovieLens id of movies.rating as this run leaves it, kept without a
   * scan (the marts' counts plus this run's delta, see ratingCountsOf). The rating count and the mapped share read
   * it instead of 26M ratings. null = count movies.rating.
   */
  ratingCounts?: string | null;
  /**
   * The ratingCounts were built in this run from every row (a cold load, --full-checks; the marts reuse them), not
   * kept: the checks that read them say 'every row'.
   */
  ratingCountsFromEveryRow?: boolean;
  /**
   * Whether this run wrote movies, genres or movie_genre (it loaded movies_metadata). When it did not, no row on
   * either side of a movie_genre foreign key changed, and every one passed when it was published. Default true.
   */
  moviesWritten?: boolean;
  /** "Today", for the release-date window (injectable for tests). */
  today?: Date;
}

/** A table of keys to check, and why the other keys need no check. */
export interface KeyScope {
  table: string;
  note: string;
  /**
   * The row accounting of the incremental merges that wrote `table` (engines without a key index): when it balances
   * and `table`'s keys are unique, no key of `table` is duplicated in movies.rating, without reading it (see
   * RowAccounting). Absent: each key of `table` is looked up in movies.rating.
   */
  accounting?: RowAccounting;
}

/**
 * What the incremental merges of a run did to movies.rating. Each merge finds every stored row under one of its keys
 * (the one join with the table), deletes those rows by row id (`replaced` in all) and inserts one row per key
 * (`inserted`). Every key was unique before the run (each publish passed key_unique), so a key this run wrote is
 * unique after it iff every row the merges listed for deletion is gone and the written rows' keys are unique: the
 * first holds iff the table holds rowsBefore - replaced + inserted rows (a delete by row id removes no other row), the
 * second is a GROUP BY over the written rows. Two counts instead of a join with every stored rating.
 */
export interface RowAccounting {
  /** movies.rating's rows before the first merge of the run. */
  rowsBefore: number;
  /** Stored rows the merges deleted (a newer version replaced them). */
  replaced: number;
  /** Rows the merges inserted. */
  inserted: number;
}

interface Check {
  name: string;
  severity: Severity;
  run(wh: Warehouse): Promise<Omit<CheckResult, 'name' | 'severity'>>;
}

const fmt = (n: number): string => n.toLocaleString('en-US');

/** Foreign keys the model does not declare (Redshift would not enforce them anyway), checked instead. */
const FOREIGN_KEYS = [
  { child: 'movie_genre', parent: 'movie', column: 'movie_id' },
  { child: 'movie_genre', parent: 'genre', column: 'genre_id' },
] as const;

/** Builds the list of checks for this run. */
export function buildChecks(opts: CheckOptions): Check[] {
  const checks: Check[] = [];
  const scope = opts.ratingScope ?? null;
  const counts = opts.ratingCounts ?? null;
  const countsScope: CheckScope = opts.ratingCountsFromEveryRow === true ? 'every row' : 'kept counts';
  const keyScope: KeyScope | null =
    opts.ratingKeyScope ?? (scope ? { table: scope, note: 'rows written by this run' } : null);
  for (const t of MODEL_TABLES) {
    const table = `movies.${t.name}`;
    // Row checks of rating can be limited to this run's rows: older rows passed when they were published.
    const scoped = t.name === 'rating' && scope !== null;
    const rows = scoped ? scope : table;
    // Every check that can be scoped says which way it ran (in the run history and `runs show`).
    const note = t.name !== 'rating' ? '' : scoped ? ' (rows written by this run)' : ' (every row)';
    checks.push({
      name: `row_count.${t.name}`,
      severity: 'error',
      run: async (wh) => {
        if (t.name === 'rating' && counts !== null) {
          const n = await queryCount(wh, `SELECT coalesce(sum(n), 0) AS n FROM ${counts} c`);
          return {
            passed: n > 0,
            observed: `${fmt(n)} rows${countsScope === 'kept counts' ? ' (counted per MovieLens id)' : ''}`,
            expected: '> 0 rows',
            scope: countsScope,
          };
        }
        const n = await queryCount(wh, `SELECT count(*) AS n FROM ${table}`);
        return {
          passed: n > 0,
          observed: `${fmt(n)} rows`,
          expected: '> 0 rows',
          ...(t.name === 'rating' ? { scope: 'every row' } : {}),
        };
      },
    });
    checks.push({
      name: `key_not_null.${t.name}`,
      severity: 'error',
      run: async (wh) => {
        // Key columns the table declares NOT NULL (the model's are) cannot hold a NULL: no scan needed. Every key column
        // must be found so (a catalog that shows none of them, say for want of privileges, proves nothing).
        const declared = await queryCount(
          wh,
          `SELECT count(*) AS n FROM information_schema.columns WHERE table_catalog = current_database()
           AND table_schema = '${t.schema}' AND table_name = '${t.name}'
           AND column_name IN (${t.key.map((k) => `'${k}'`).join(', ')}) AND is_nullable = 'NO'`,
        );
        const nullable = t.key.length - declared;
        const n =
          nullable === 0
            ? 0
            : await queryCount(
                wh,
                `SELECT count(*) AS n FROM ${rows} WHERE ${t.key.map((k) => `${k} IS NULL`).join(' OR ')}`,
              );
        const why =
          nullable > 0
            ? note
            : note === ''
              ? ' (declared NOT NULL)'
              : `${note.slice(0, -1)}; declared NOT NULL)`;
        return {
          passed: n === 0,
          observed: `${fmt(n)} rows with a NULL key${why}`,
          expected: `no NULL in (${t.key.join(', ')})`,
          ...(t.name === 'rating' ? { scope: scoped ? 'this run' : 'every row' } : {}),
        };
      },
    });
    checks.push({
      name: `key_unique.${t.name}`,
      severity: 'error',
      run: async (wh) => {
        const keys = t.key.join(', ');
        const ks = t.name === 'rating' ? keyScope : null;
        const enforced = t.name === 'rating' ? wh.dialect.uniqueIndexQuery(table, t.key) : null;
        if (
          opts.ratingKeyIndexBuiltByRun === true &&
          enforced !== null &&
          (await queryCount(wh, enforced)) > 0
        )
          return {
            passed: true,
            observed: `0 duplicated keys (every key: this run built a unique index on (${keys}) over them)`,
            expected: `(${keys}) unique`,
            scope: 'every row',
          };
        // No key in scope, no duplicate possible: the join would still cost a scan of every rating on PostgreSQL.
        if (ks && (await queryCount(wh, `SELECT count(*) AS n FROM ${ks.table}`)) === 0)
          return {
            passed: true,
            observed: `0 duplicated keys (${ks.note})`,
            expected: `(${keys}) unique`,
            scope: 'this run',
          };
        // A key the engine enforces (PostgreSQL's unique key index) cannot repeat: a scoped check needs no lookup.
        if (ks && enforced !== null && (await queryCount(wh, enforced)) > 0)
          return {
            passed: true,
            observed: `0 duplicated keys (enforced by a unique index on (${keys}))`,
            expected: `(${keys}) unique`,
            scope: 'this run',
          };
        const dupKeys = async (source: string): Promise<number> =>
          queryCount(
            wh,
            `SELECT count(*) AS n FROM (SELECT 1 FROM ${source} d0 GROUP BY ${keys} HAVING count(*) > 1) d`,
          );
        let unaccounted = '';
        if (ks?.accounting) {
          const a = ks.accounting;
          const rows = await queryCount(wh, `SELECT count(*) AS n FROM ${table}`);
          const want = a.rowsBefore - a.replaced + a.inserted;
          const balance = `${fmt(rows)} rows = ${fmt(a.rowsBefore)} before - ${fmt(a.replaced)} replaced + ${fmt(a.inserted)} written`;
          if (rows === want && (await dupKeys(ks.table)) === 0)
            return {
              passed: true,
              observed: `0 duplicated keys (${ks.note}; ${balance})`,
              expected: `(${keys}) unique`,
              scope: 'this run',
            };
          // It does not balance: look the keys up to say how many are duplicated.
          if (rows !== want)
            unaccounted = `; ${fmt(rows)} rows where the merge accounts for ${fmt(a.rowsBefore)} before - ${fmt(a.replaced)} replaced + ${fmt(a.inserted)} written = ${fmt(want)}`;
        }
        const source = ks
          ? `(SELECT ${t.key.map((k) => `r.${k}`).join(', ')} FROM ${table} r JOIN ${ks.table} s USING (${keys}))`
          : table;
        const n = await dupKeys(source);
        return {
          passed: n === 0 && unaccounted === '',
          observed: `${fmt(n)} duplicated keys${ks ? ` (${ks.note}${n === 0 ? unaccounted : ''})` : t.name === 'rating' ? ' (every key)' : ''}`,
          expected: `(${keys}) unique`,
          ...(t.name === 'rating' ? { scope: ks ? 'this run' : 'every row' } : {}),
        };
      },
    });
  }
  const moviesWritten = opts.moviesWritten ?? true;
  for (const fk of FOREIGN_KEYS) {
    const expected = `every ${fk.child}.${fk.column} in ${fk.parent}`;
    checks.push({
      name: `fk.${fk.child}.${fk.parent}`,
      severity: 'error',
      run: async (wh) => {
        if (!moviesWritten)
          return {
            passed: true,
            observed: `0 orphans (no ${fk.child} or ${fk.parent} row written by this run)`,
            expected,
            scope: 'this run',
          };
        const n = await queryCount(
          wh,
          `SELECT count(*) AS n FROM movies.${fk.child} c LEFT JOIN movies.${fk.parent} p ON p.${fk.column} = c.${fk.column} WHERE p.${fk.column} IS NULL`,
        );
        return {
          passed: n === 0,
          observed: `${fmt(n)} orphans (every row)`,
          expected,
          scope: 'every row',
        };
      },
    });
  }
  checks.push(
    {
      name: 'ratings.mapped_share',
      severity: 'warn',
      run: async (wh) => {
        // Count per movielens_id first: 45k groups are cheaper to join than 26M rows (and kept counts cheaper still).
        const perId =
          counts ?? '(SELECT movielens_id, count(*) AS n FROM movies.rating GROUP BY movielens_id)';
        const [row] = await wh.query<{ total: number; mapped: number }>(
          `SELECT coalesce(sum(r.n), 0) AS total, coalesce(${wh.dialect.filteredAgg('sum', 'r.n', 'm.movie_id IS NOT NULL')}, 0) AS mapped
           FROM ${perId} r
           LEFT JOIN movies.movie_link l ON l.movielens_id = r.movielens_id
           LEFT JOIN movies.movie m ON m.movie_id = l.tmdb_id`,
        );
        const total = Number(row?.total ?? 0);
        const mapped = Number(row?.mapped ?? 0);
        const share = total === 0 ? 0 : mapped / total;
        return {
          passed: share >= opts.mappedShareWarn,
          observed: `${(share * 100).toFixed(2)}% (${fmt(mapped)} of ${fmt(total)}; ${fmt(total - mapped)} unmapped)`,
          expected: `≥ ${(opts.mappedShareWarn * 100).toFixed(0)}% of ratings reach a movie through links`,
          scope: counts === null ? 'every row' : countsScope,
        };
      },
    },
    {
      name: 'ratings.range',
      severity: 'error',
      run: async (wh) => {
        const n = await queryCount(
          wh,
          `SELECT count(*) AS n FROM ${scope ?? 'movies.rating'} WHERE rating < 0.5 OR rating > 5.0 OR rating * 2 <> floor(rating * 2)`,
        );
        return {
          passed: n === 0,
          observed: `${fmt(n)} out of range${scope ? ' (rows written by this run)' : ' (every row)'}`,
          expected: 'rating in 0.5, 1.0 … 5.0',
          scope: scope ? 'this run' : 'every row',
        };
      },
    },
    {
      name: 'movie.release_date_range',
      severity: 'error',
      run: async (wh) => {
        const today = opts.today ?? new Date();
        const max = new Date(Date.UTC(today.getUTCFullYear() + 5, today.getUTCMonth(), today.getUTCDate()))
          .toISOString()
          .slice(0, 10);
        const n = await queryCount(
          wh,
          `SELECT count(*) AS n FROM movies.movie WHERE release_date < DATE '1870-01-01' OR release_date > DATE '${max}'`,
        );
        return {
          passed: n === 0,
          observed: `${fmt(n)} outside`,
          expected: `release_date within 1870-01-01..${max}`,
        };
      },
    },
    {
      name: 'cpi.months_contiguous',
      severity: 'error',
      // Per FRED series: the primary one and CPIAUCNS (when loaded) each have no month missing.
      run: async (wh) => {
        const rows = await wh.query<{
          series_id: string;
          n: number;
          lo: string | null;
          hi: string | null;
          span: number | null;
        }>(
          `SELECT series_id, count(*) AS n, min(month) AS lo, max(month) AS hi,
             ${wh.dialect.monthsBetween('min(month)', 'max(month)')} + 1 AS span FROM movies.cpi
           GROUP BY series_id ORDER BY series_id`,
        );
        if (rows.length === 0)
          return { passed: false, observed: '0 months', expected: 'at least one month (no gaps)' };
        const parts = rows.map((r) => ({
          id: r.series_id,
          n: Number(r.n),
          span: Number(r.span ?? 0),
          lo: r.lo ?? '—',
          hi: r.hi ?? '—',
        }));
        return {
          passed: parts.every((p) => p.n > 0 && p.n === p.span),
          observed: parts.map((p) => `${p.id}: ${fmt(p.n)} months in ${p.lo}..${p.hi}`).join('; '),
          expected: parts.map((p) => `${p.id}: ${fmt(p.span)} months (no gaps)`).join('; '),
        };
      },
    },
    {
      name: 'cpi.months_missing_in_source',
      severity: 'warn',
      // A month FRED marks "." has no value to deflate with: a fact of the source, reported, never a failure.
      run: async (wh) => {
        const rows = await wh.query<{ series_id: string; month: string }>(
          `SELECT series_id, CAST(month AS VARCHAR) AS month FROM movies.cpi WHERE value IS NULL ORDER BY series_id, month`,
        );
        const bySeries = new Map<string, string[]>();
        for (const r of rows)
          bySeries.set(r.series_id, [...(bySeries.get(r.series_id) ?? []), r.month.slice(0, 7)]);
        const months = [...new Set(rows.map((r) => r.month.slice(0, 7)))];
        const where = [...bySeries].map(([id, ms]) => `${id}: ${ms.join(', ')}`).join('; ');
        return {
          passed: rows.length === 0,
          observed:
            rows.length === 0
              ? 'no month missing'
              : `${months.length} month${months.length === 1 ? '' : 's'} missing in the source: ${months.join(', ')} (${where})`,
          expected:
            'every month has a value (FRED writes "." for a month it has none for; such a month is left out of CPI-adjusted answers)',
        };
      },
    },
  );
  const links = opts.reports.find((r) => r.fileName === 'links.csv');
  if (links !== undefined)
    checks.push({
      name: 'links.repeated_movie_id',
      severity: 'warn',
      // A movieId listed twice with another tmdbId moves the movie's ratings to whichever row the rule keeps: said,
      // not silent (the real links.csv lists each movieId once).
      run: () =>
        Promise.resolve({
          passed: links.duplicatesCollapsed === 0,
          observed:
            links.duplicatesCollapsed === 0
              ? 'each movieId listed once'
              : `${fmt(links.duplicatesCollapsed)} rows repeat a movieId listed on another row`,
          expected:
            'each movieId once (of a repeated movieId the row with the smallest tmdbId, then imdbId, is kept: its ratings go to that movie)',
        }),
    });
  for (const r of opts.reports) {
    checks.push({
      name: `reconciliation.${r.fileName}`,
      severity: 'error',
      run: () => {
        const accounted = r.rowsLoaded + r.rowsQuarantined + r.duplicatesCollapsed + r.recordsMerged;
        return Promise.resolve({
          passed: accounted === r.recordsRead,
          observed: `${fmt(r.recordsRead)} read = ${fmt(r.rowsLoaded)} loaded + ${fmt(r.rowsQuarantined)} quarantined + ${fmt(r.duplicatesCollapsed)} duplicates + ${fmt(r.recordsMerged)} merged`,
          expected:
            accounted === r.recordsRead
              ? 'every record accounted for'
              : `${fmt(r.recordsRead - accounted)} records unaccounted for`,
        });
      },
    });
  }
  return checks;
}

/** One line saying which checks read only what the run changed, the kept counts, or every row (the step's detail). */
export function describeCheckScopes(results: readonly CheckResult[]): string {
  const parts = CHECK_SCOPES.map((scope) => {
    const names = results.filter((r) => r.scope === scope).map((r) => r.name);
    return names.length === 0 ? null : `${scope}: ${names.join(', ')}`;
  }).filter((p) => p !== null);
  const failed = results.filter((r) => !r.passed).length;
  return `${results.length} checks, ${failed} failed${parts.length === 0 ? '' : `; ${parts.join('; ')}`}`;
}

/** Runs the checks in order and returns every result; never throws for a failed check. */
export async function runChecks(wh: Warehouse, opts: CheckOptions): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const c of buildChecks(opts)) {
    results.push({ name: c.name, severity: c.severity, ...(await c.run(wh)) });
  }
  return results;
}
