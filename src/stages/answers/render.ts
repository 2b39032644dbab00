// Renders Answers as aligned tables, JSON, CSV (RFC 4180) or Markdown, and as a few headline lines for run output.
import { unreachable } from '../../core/unreachable.js';
import {
  DEFAULT_WIDTH,
  formatMoney,
  formatNumber,
  markdownCell,
  renderTable,
  wrapParagraph,
  type Column,
} from '../../core/format.js';
import type { AnswerFormat, Question } from './params.js';
import type { Answers, CpiSplice, Q1Movie, Q2Genre, Q3Group, Q4Genre } from './types.js';

export type AnswerSelection = Question | 'all';

const TITLES: Record<Question, string> = {
  q1: 'Q1 Highest-rated movies of all time (IMDb-style weighted rating)',
  q2: 'Q2 Most popular genres with users',
  q3: 'Q3 Release timing and box office (revenue movies)',
  q4: 'Q4 Highest-earning genres in CPI-adjusted dollars',
};

/** A column in every format: header, raw value (CSV/JSON-ish), and how a human sees it. */
interface Field<R> {
  header: string;
  value: (r: R) => string | number | null;
  /** Fraction digits for tables and Markdown. */
  digits?: number;
  /** Prefix for money. */
  dollars?: boolean;
  percent?: boolean;
  /** Column alignment in text tables (default: text left, numbers right). */
  align?: 'left' | 'right';
  /** Only in CSV (which has no notes): tables and Markdown say it in a note instead. */
  csvOnly?: boolean;
}

interface Section {
  id: string;
  title: string;
  notes: string[];
  /** Rendered by the caller's format. */
  table: { rows: unknown[]; fields: Field<unknown>[] };
}

function human(f: Field<unknown>, r: unknown): string | null {
  const v = f.value(r);
  if (v === null) return null;
  if (typeof v === 'string') return v;
  if (f.percent) return `${formatNumber(v * 100, f.digits ?? 1)}%`;
  return f.dollars ? formatMoney(v, f.digits) : formatNumber(v, f.digits);
}

const $ = (n: number | null): string => (n === null ? '—' : formatMoney(n, 0));
const fmt = (n: number | null, d?: number): string => (n === null ? '—' : formatNumber(n, d));

/** "CPI spliced with CPIAUCNS before 1999-01, ratio-linked at 1999-01": every format labels a splice with it. */
export function spliceLabel(s: CpiSplice): string {
  return `CPI spliced with ${s.series} before ${s.primaryFrom}, ratio-linked at ${s.linkMonth}`;
}

/** The note a spliced answer carries in table and Markdown output. */
function spliceNote(s: CpiSplice): string {
  const months = s.splicedFrom === null ? 'no months' : `${s.splicedFrom}..${s.splicedTo ?? s.splicedFrom}`;
  return `${spliceLabel(s)} (× ${formatNumber(s.ratio, 6)}; spliced months ${months}, ${formatNumber(s.splicedMovies)} revenue movies priced with them)`;
}

/** The note for CPI months the source marks missing: which, and how many revenue movies they leave out. */
function missingNote(months: readonly string[], movies: number): string[] {
  if (months.length === 0) return [];
  return [
    `CPI has no value for ${months.join(', ')} (missing in the source, FRED "."): ${fmt(movies)} revenue movie${movies === 1 ? '' : 's'} released then ${movies === 1 ? 'is' : 'are'} outside CPI coverage`,
  ];
}

/** A CSV/table column carrying the splice label on every row, only when a splice is active. */
function spliceField<R>(s: CpiSplice | null): Field<R>[] {
  if (s === null) return [];
  const label = spliceLabel(s);
  return [{ header: 'cpi_splice', value: () => label, csvOnly: true }];
}

function section<R>(id: string, title: string, notes: string[], rows: R[], fields: Field<R>[]): Section {
  return { id, title, notes, table: { rows, fields: fields as Field<unknown>[] } };
}

function sections(a: Answers, which: AnswerSelection): Section[] {
  const out: Section[] = [];
  const want = (q: Question): boolean => which === 'all' || which === q;
  if (want('q1')) {
    const q = a.q1;
    out.push(
      section<Q1Movie>(
        'q1',
        TITLES.q1,
        [
          `C (mean of all counted ratings) = ${fmt(q.meanRating, 4)}; m (minimum votes) = ${fmt(q.minVotes)}` +
            (q.minVotesSource === 'override'
              ? ' (set by --min-votes)'
              : ` (quantile ${q.quantile} of votes per rated movie)`),
          `${fmt(q.eligibleMovies)} of ${fmt(q.ratedMovies)} rated movies eligible (v ≥ m); ${fmt(q.countedRatings)} counted ratings`,
        ],
        q.top,
        [
          { header: 'rank', value: (r) => r.rank },
          { header: 'movie_id', value: (r) => String(r.movieId), align: 'right' }, // an id: no thousands separator
          { header: 'title', value: (r) => r.title },
          { header: 'year', value: (r) => (r.year === null ? null : String(r.year)), align: 'right' },
          { header: 'votes', value: (r) => r.votes },
          { header: 'mean_rating', value: (r) => r.meanRating, digits: 3 },
          { header: 'weighted_rating', value: (r) => r.weightedRating, digits: 4 },
        ],
      ),
    );
  }
  if (want('q2')) {
    const q = a.q2;
    out.push(
      section<Q2Genre>(
        'q2',
        TITLES.q2,
        [
          `${fmt(q.countedRatings)} counted ratings from ${fmt(q.countedUsers)} users`,
          `A movie in k genres counts once for each, so shares sum to ${formatNumber(q.shareSum * 100, 1)}% (over 100% when movies have several genres)`,
        ],
        q.genres,
        [
          { header: 'rank', value: (r) => r.rank },
          { header: 'genre', value: (r) => r.genre },
          { header: 'ratings', value: (r) => r.ratings },
          { header: 'users', value: (r) => r.users },
          { header: 'mean_rating', value: (r) => r.meanRating, digits: 3 },
          { header: 'share', value: (r) => r.share, percent: true, digits: 1 },
        ],
      ),
    );
  }
  if (want('q3')) {
    const q = a.q3;
    const fields = (groupHeader: string): Field<Q3Group>[] => [
      { header: groupHeader, value: (r) => r.label },
      { header: 'movies', value: (r) => r.movies },
      { header: 'mean_revenue', value: (r) => r.meanRevenue, dollars: true, digits: 0 },
      { header: 'median_revenue', value: (r) => r.medianRevenue, dollars: true, digits: 0 },
      { header: 'ci95_low', value: (r) => r.ciLow, dollars: true, digits: 0 },
      { header: 'ci95_high', value: (r) => r.ciHigh, dollars: true, digits: 0 },
      { header: 'movies_in_cpi', value: (r) => r.moviesInCpiCoverage },
      {
        header: q.cpiBase === null ? 'median_real' : `median_real_${q.cpiBase}`,
        value: (r) => r.medianRealRevenue,
        dollars: true,
        digits: 0,
      },
      ...spliceField<Q3Group>(q.cpiSplice),
    ];
    const head = [
      `${fmt(q.revenueMovies)} revenue movies (revenue and release date known); CI = mean ± 1.96·s/√n; real = CPI base ${q.cpiBase ?? '—'} dollars, movies inside CPI coverage only`,
      ...(q.cpiSplice === null ? [] : [spliceNote(q.cpiSplice)]),
      ...missingNote(q.cpiMissingMonths, q.moviesInMissingCpiMonths),
    ];
    out.push(
      section<Q3Group>('q3_month', `${TITLES.q3} — by release month`, head, q.byMonth, fields('month')),
    );
    out.push(
      section<Q3Group>('q3_quarter', `${TITLES.q3} — by release quarter`, [], q.byQuarter, fields('quarter')),
    );
    out.push(
      section<{ test: string; h: number | null; df: number; p: number | null; verdict: string }>(
        'q3_test',
        `${TITLES.q3} — Kruskal–Wallis tests on revenue (α = ${q.alpha})`,
        [q.verdict],
        (
          [
            ['month', q.monthTest],
            ['quarter', q.quarterTest],
          ] as const
        ).map(([test, t]) => ({ test, h: t.h, df: t.df, p: t.pValue, verdict: t.verdict })),
        [
          { header: 'test', value: (r) => r.test },
          { header: 'H', value: (r) => r.h, digits: 3 },
          { header: 'df', value: (r) => r.df },
          { header: 'p_value', value: (r) => r.p, digits: 4 },
          { header: 'verdict', value: (r) => r.verdict },
        ],
      ),
    );
  }
  if (want('q4')) {
    const q = a.q4;
    const excluded =
      `${fmt(q.excludedMovies)} of ${fmt(q.revenueMovies)} revenue movies released outside CPI coverage` +
      `${q.cpiCoverage === null ? ' (no CPI series loaded)' : ` (${q.cpiSplice?.splicedFrom ?? q.cpiCoverage.from}..${q.cpiCoverage.to}${q.cpiSplice === null ? '' : ', spliced'})`} are excluded: ` +
      `${$(q.excludedNominalRevenue)} nominal, ${q.excludedRevenueShare === null ? '—' : `${formatNumber(q.excludedRevenueShare * 100, 1)}%`} of all revenue`;
    out.push(
      section<Q4Genre>(
        'q4',
        TITLES.q4,
        [
          `CPI base month ${q.cpiBase ?? '—'} (index ${fmt(q.cpiBaseValue, 3)}); real = revenue × CPI(base) / CPI(release month)`,
          ...(q.cpiSplice === null ? [] : [spliceNote(q.cpiSplice)]),
          excluded,
          ...missingNote(q.cpiMissingMonths, q.moviesInMissingCpiMonths),
        ],
        q.genres,
        [
          { header: 'rank', value: (r) => r.rank },
          { header: 'genre', value: (r) => r.genre },
          { header: 'movies', value: (r) => r.movies },
          { header: 'real_revenue', value: (r) => r.realRevenue, dollars: true, digits: 0 },
          { header: 'mean_real_revenue', value: (r) => r.meanRealRevenue, dollars: true, digits: 0 },
          { header: 'nominal_revenue', value: (r) => r.nominalRevenue, dollars: true, digits: 0 },
          ...spliceField<Q4Genre>(q.cpiSplice),
        ],
      ),
    );
  }
  return out;
}

/** Options of the text renderings: the width (in columns) tables, notes and headlines fit. */
export interface TextOptions {
  width?: number;
}

function renderTextSection(s: Section, width: number): string {
  // Text columns left, numbers right: decided from the raw value, since the human value is always a string.
  const cols: Column<unknown>[] = s.table.fields
    .filter((f) => !f.csvOnly)
    .map((f) => ({
      header: f.header,
      value: (r) => human(f, r),
      align:
        f.align ??
        (typeof s.table.rows.map((r) => f.value(r)).find((v) => v !== null) === 'string' ? 'left' : 'right'),
    }));
  const body = s.table.rows.length === 0 ? '(no rows)\n' : renderTable(s.table.rows, cols, { width });
  return [
    wrapParagraph(s.title, width, '', '  '),
    ...s.notes.map((n) => wrapParagraph(n, width, '  ', '    ')),
    '',
    body,
  ].join('\n');
}

/** A text a spreadsheet would run as a formula (OWASP "CSV injection"): it starts with =, +, -, @, tab or CR. */
const FORMULA_START = /^[=+\-@\t\r]/;
/** A plain number in text form (`-3.5`, `+2`, `1e-3`): a spreadsheet reads it as a number, never as a formula. */
const PLAIN_NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

/**
 * RFC 4180: quote when a field has a comma, quote, CR or LF; double the quotes. A text that would be a live formula
 * (a title like `=HYPERLINK(…)`) gets a leading `'`, so a spreadsheet shows it as text; numbers are left alone.
 */
export function csvField(v: string | number | null): string {
  if (v === null) return '';
  let s = typeof v === 'number' ? String(v) : v;
  if (FORMULA_START.test(s) && !PLAIN_NUMBER.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function renderCsvSection(s: Section): string {
  const lines = [['section', ...s.table.fields.map((f) => f.header)].map(csvField).join(',')];
  for (const r of s.table.rows)
    lines.push([s.id, ...s.table.fields.map((f) => f.value(r))].map(csvField).join(','));
  return lines.map((l) => `${l}\r\n`).join('');
}

function renderMarkdownSection(s: Section): string {
  const fields = s.table.fields.filter((f) => !f.csvOnly);
  const aligns = fields.map((f) => {
    const sample = s.table.rows.map((r) => f.value(r)).find((v) => v !== null);
    return typeof sample === 'string' ? ':--' : '--:';
  });
  const lines = [
    `## ${s.title}`,
    '',
    ...s.notes.map((n) => `- ${markdownCell(n)}`),
    ...(s.notes.length > 0 ? [''] : []),
    `| ${fields.map((f) => markdownCell(f.header)).join(' | ')} |`,
    `| ${aligns.join(' | ')} |`,
    ...s.table.rows.map((r) => `| ${fields.map((f) => markdownCell(human(f, r))).join(' | ')} |`),
  ];
  return lines.join('\n') + '\n';
}

/** The Answers object restricted to one question (same shape, other questions left out) for JSON output. */
function selectJson(a: Answers, which: AnswerSelection): unknown {
  if (which === 'all') return a;
  const { q1: _q1, q2: _q2, q3: _q3, q4: _q4, ...common } = a;
  return { ...common, [which]: a[which] };
}

/**
 * Renders the answers (all, or one question) in a format. Output ends with a newline. The table format fits
 * `opts.width` columns (default 100); the others are never fitted.
 */
export function renderAnswers(
  a: Answers,
  format: AnswerFormat,
  which: AnswerSelection = 'all',
  opts: TextOptions = {},
): string {
  switch (format) {
    case 'json':
      return JSON.stringify(selectJson(a, which), null, 2) + '\n';
    case 'table':
      return sections(a, which)
        .map((x) => renderTextSection(x, opts.width ?? DEFAULT_WIDTH))
        .join('\n');
    case 'csv':
      return sections(a, which).map(renderCsvSection).join('\r\n');
    case 'markdown': {
      const run =
        a.run === null
          ? 'no successful run recorded'
          : `run ${a.run.runId}, finished ${a.run.finishedAt ?? '—'}`;
      const head = `# Movalytics answers\n\nWarehouse ${markdownCell(a.warehouse.displayName)} (${a.warehouse.kind}), ${run}; generated ${a.generatedAt}.\n\n`;
      return head + sections(a, which).map(renderMarkdownSection).join('\n');
    }
    default:
      return unreachable(format, 'format');
  }
}

/**
 * 4–8 lines for the end of a pipeline run: the top movie, the top genre, the Q3 verdict, the top real-revenue genre.
 * With `opts.width`, each wraps to it (continuation lines indented); without, one line each.
 */
export function renderHeadlines(a: Answers, opts: TextOptions = {}): string {
  const lines: string[] = [];
  const m = a.q1.top[0];
  lines.push(
    m === undefined
      ? 'Highest-rated movie: none (no movie has enough ratings)'
      : `Highest-rated movie: ${m.title ?? `movie ${m.movieId}`}${m.year === null ? '' : ` (${m.year})`} — weighted rating ${formatNumber(m.weightedRating, 3)} from ${formatNumber(m.votes)} ratings (C ${fmt(a.q1.meanRating, 3)}, m ${fmt(a.q1.minVotes, 0)})`,
  );
  const g = a.q2.genres.find((x) => x.ratings > 0);
  lines.push(
    g === undefined
      ? 'Most popular genre: none (no counted ratings)'
      : `Most popular genre: ${g.genre} — ${formatNumber(g.ratings)} ratings from ${formatNumber(g.users)} users (${formatNumber((g.share ?? 0) * 100, 1)}% of counted ratings)`,
  );
  lines.push(`Release timing: ${a.q3.verdict}`);
  const r = a.q4.genres.find((x) => x.movies > 0);
  lines.push(
    r === undefined
      ? 'Top-earning genre: none (no revenue movies inside CPI coverage)'
      : `Top-earning genre (CPI-adjusted, ${a.q4.cpiBase} dollars): ${r.genre} — ${$(r.realRevenue)} over ${formatNumber(r.movies)} movies; ${fmt(a.q4.excludedMovies)} movies outside CPI coverage excluded${a.q4.cpiSplice === null ? '' : ` (${spliceLabel(a.q4.cpiSplice)})`}`,
  );
  const w = opts.width;
  return (w === undefined ? lines : lines.map((l) => wrapParagraph(l, w, '', '  '))).join('\n') + '\n';
}
