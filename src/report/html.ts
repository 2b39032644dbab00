// Renders the report model as ONE self-contained HTML page: inline CSS, the Chart.js UMD bundle read from
// node_modules and inlined, the model as a JSON island, and every answer also as an escaped HTML table.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { formatNumber } from '../core/format.js';
import { spliceLabel, type CpiSplice, type Q3Group, type Q3Test } from '../stages/answers/index.js';
import { CLIENT_SCRIPT } from './client-script.js';
import type { ReportModel } from './model.js';

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * JSON safe inside a <script> element: `<`, `>` and `&` become \u escapes (so no `</script` or `<!--` can end or
 * confuse the element), and U+2028/2029 are escaped too. JSON.parse gives back the same value.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

let chartJsCache: string | undefined;
/** The Chart.js UMD bundle, read once from the installed package (its exports map hides dist/, so resolve main). */
export function chartJsBundle(): string {
  if (chartJsCache !== undefined) return chartJsCache;
  const main = createRequire(import.meta.url).resolve('chart.js');
  const text = readFileSync(join(dirname(main), 'chart.umd.min.js'), 'utf8');
  // Inlined verbatim: a bundle containing these would end or corrupt the <script> element.
  if (/<\/script|<!--/i.test(text))
    throw new Error('chart.js UMD bundle contains </script or <!--: cannot inline it');
  chartJsCache = text;
  return text;
}

const e = escapeHtml;
const MISSING = '—';

function n(v: number | null | undefined, digits?: number): string {
  return v === null || v === undefined ? MISSING : formatNumber(v, digits);
}
function usd(v: number | null | undefined): string {
  if (v === null || v === undefined) return MISSING;
  return v < 0 ? `−$${formatNumber(-v, 0)}` : `$${formatNumber(v, 0)}`;
}
function pct(v: number | null | undefined): string {
  return v === null || v === undefined ? MISSING : `${formatNumber(v * 100, 1)}%`;
}
function text(v: string | null | undefined): string {
  return v === null || v === undefined || v === '' ? MISSING : e(v);
}

interface Col<R> {
  header: string;
  /** Already-escaped HTML for the cell. */
  cell: (r: R) => string;
  num?: boolean;
  cls?: string;
}

function table<R>(rows: readonly R[], cols: readonly Col<R>[]): string {
  const cls = (c: Col<R>): string => {
    const list = [c.num ? 'num' : '', c.cls ?? ''].filter((x) => x !== '');
    return list.length > 0 ? ` class="${list.join(' ')}"` : '';
  };
  const head = cols.map((c) => `<th${cls(c)}>${e(c.header)}</th>`).join('');
  const body =
    rows.length === 0
      ? `<tr><td colspan="${cols.length}" class="empty">none</td></tr>`
      : rows.map((r) => `<tr>${cols.map((c) => `<td${cls(c)}>${c.cell(r)}</td>`).join('')}</tr>`).join('\n');
  return `<div class="table-wrap"><table><thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table></div>`;
}

function facts(items: readonly [string, string][]): string {
  return `<dl class="facts">${items.map(([k, v]) => `<div><dt>${e(k)}</dt><dd>${v}</dd></div>`).join('')}</dl>`;
}

function chart(id: string, label: string, tall = false): string {
  return `<div class="chart-box${tall ? ' tall' : ''}"><canvas id="${id}" role="img" aria-label="${e(label)}"></canvas></div>`;
}

function q3GroupTable(groups: readonly Q3Group[], first: string, cpiBase: string | null): string {
  return table(groups, [
    { header: first, cell: (g) => e(g.label) },
    { header: 'Movies', cell: (g) => n(g.movies), num: true },
    { header: 'Mean revenue', cell: (g) => usd(g.meanRevenue), num: true },
    { header: '95% CI low', cell: (g) => usd(g.ciLow), num: true },
    { header: '95% CI high', cell: (g) => usd(g.ciHigh), num: true },
    { header: 'Median revenue', cell: (g) => usd(g.medianRevenue), num: true },
    { header: 'In CPI coverage', cell: (g) => n(g.moviesInCpiCoverage), num: true },
    {
      header: `Median real revenue (${cpiBase ?? MISSING} $)`,
      cell: (g) => usd(g.medianRealRevenue),
      num: true,
    },
  ]);
}

function renderQ1(m: ReportModel): string {
  const q = m.answers.q1;
  const mSource =
    q.minVotesSource === 'override'
      ? 'set by --min-votes'
      : `quantile ${n(q.quantile, 2)} of votes per rated movie`;
  return `<section id="q1"><h2>Q1 · Highest-rated movies of all time</h2>
<p class="lede">IMDb-style weighted rating WR = v/(v+m)·R + m/(v+m)·C over counted ratings; eligible movies have v ≥ m.</p>
${facts([
  ['C (mean of all counted ratings)', n(q.meanRating, 4)],
  ['m (minimum votes)', `${n(q.minVotes, 1)} <span class="muted">(${e(mSource)})</span>`],
  ['Counted ratings', n(q.countedRatings)],
  ['Rated movies', n(q.ratedMovies)],
  ['Eligible movies', n(q.eligibleMovies)],
])}
${chart('chart-q1', `Top ${q.top.length} movies by weighted rating`, true)}
${table(q.top, [
  { header: '#', cell: (r) => n(r.rank), num: true },
  {
    header: 'Title',
    cell: (r) => (r.title === null ? `<span class="muted">movie ${r.movieId}</span>` : e(r.title)),
    cls: 'title',
  },
  { header: 'Year', cell: (r) => (r.year === null ? MISSING : String(r.year)), num: true },
  { header: 'Votes (v)', cell: (r) => n(r.votes), num: true },
  { header: 'Mean (R)', cell: (r) => n(r.meanRating, 3), num: true },
  { header: 'WR', cell: (r) => n(r.weightedRating, 3), num: true },
])}
</section>`;
}

function renderQ2(m: ReportModel): string {
  const q = m.answers.q2;
  return `<section id="q2"><h2>Q2 · Most popular genres with users</h2>
<p class="lede">Counted ratings per genre; a movie in several genres counts in each, so shares sum to more than 100%.</p>
${facts([
  ['Counted ratings', n(q.countedRatings)],
  ['Counted users', n(q.countedUsers)],
  ['Sum of shares', pct(q.shareSum)],
])}
${chart('chart-q2', 'Counted ratings per genre')}
${table(q.genres, [
  { header: '#', cell: (r) => n(r.rank), num: true },
  { header: 'Genre', cell: (r) => e(r.genre), cls: 'title' },
  { header: 'Ratings', cell: (r) => n(r.ratings), num: true },
  { header: 'Users', cell: (r) => n(r.users), num: true },
  { header: 'Mean rating', cell: (r) => n(r.meanRating, 3), num: true },
  { header: 'Share', cell: (r) => pct(r.share), num: true },
])}
</section>`;
}

/** The splice as a fact row ("CPI spliced with CPIAUCNS before 1999-01, ratio-linked at 1999-01"), or none. */
function spliceFacts(s: CpiSplice | null): [string, string][] {
  if (s === null) return [];
  const months = s.splicedFrom === null ? 'none' : `${s.splicedFrom} to ${s.splicedTo ?? s.splicedFrom}`;
  return [
    [
      'CPI splice',
      `${e(spliceLabel(s))} <span class="muted">(× ${n(s.ratio, 6)}; spliced months ${e(months)}; ${n(s.splicedMovies)} revenue movies priced with them)</span>`,
    ],
  ];
}

function renderQ3(m: ReportModel): string {
  const q = m.answers.q3;
  const verdictCls = q.monthTest.significant === true || q.quarterTest.significant === true ? 'sig' : 'nosig';
  return `<section id="q3"><h2>Q3 · Release timing and box office</h2>
<p class="lede">Revenue movies (known revenue and release date), nominal dollars; whiskers are 95% confidence intervals of the mean (normal approximation).</p>
<p class="verdict ${verdictCls}">${e(q.verdict)}</p>
${facts([
  ['Revenue movies', n(q.revenueMovies)],
  ['α (significance level)', n(q.alpha, 3)],
  ['CPI base month (real medians)', text(q.cpiBase)],
  ...spliceFacts(q.cpiSplice),
])}
<h3>Kruskal–Wallis tests</h3>
${table(
  [
    ['Release month', q.monthTest],
    ['Release quarter', q.quarterTest],
  ] as [string, Q3Test][],
  [
    { header: 'Grouping', cell: ([name]) => e(name) },
    { header: 'H', cell: ([, t]) => n(t.h, 3), num: true },
    { header: 'df', cell: ([, t]) => n(t.df), num: true },
    {
      header: 'p',
      cell: ([, t]) => (t.pValue === null ? MISSING : t.pValue < 0.0001 ? '&lt; 0.0001' : n(t.pValue, 4)),
      num: true,
    },
    { header: 'N', cell: ([, t]) => n(t.n), num: true },
    { header: 'Groups', cell: ([, t]) => n(t.groups), num: true },
    { header: 'Verdict', cell: ([, t]) => e(t.verdict), cls: 'title' },
  ],
)}
<h3>By release month</h3>
${chart('chart-q3-month', 'Mean revenue by release month with 95% CI')}
${q3GroupTable(q.byMonth, 'Month', q.cpiBase)}
<h3>By release quarter</h3>
${chart('chart-q3-quarter', 'Mean revenue by release quarter with 95% CI')}
${q3GroupTable(q.byQuarter, 'Quarter', q.cpiBase)}
</section>`;
}

function renderQ4(m: ReportModel): string {
  const q = m.answers.q4;
  return `<section id="q4"><h2>Q4 · Highest-earning genres in CPI-adjusted dollars</h2>
<p class="lede">Real revenue = revenue × CPI(base) / CPI(release month). Movies released outside CPI coverage are excluded from every genre.</p>
${facts([
  [
    'CPI base month',
    `${text(q.cpiBase)}${q.cpiBaseValue === null ? '' : ` <span class="muted">(index ${n(q.cpiBaseValue, 3)})</span>`}`,
  ],
  ['CPI coverage', q.cpiCoverage === null ? MISSING : `${e(q.cpiCoverage.from)} to ${e(q.cpiCoverage.to)}`],
  ...spliceFacts(q.cpiSplice),
  ['Revenue movies', n(q.revenueMovies)],
  ['Included movies', n(q.includedMovies)],
  [
    'Excluded movies',
    `${n(q.excludedMovies)} <span class="muted">(${pct(q.excludedRevenueShare)} of nominal revenue, ${usd(q.excludedNominalRevenue)})</span>`,
  ],
])}
${chart('chart-q4', 'Total real revenue per genre')}
${table(q.genres, [
  { header: '#', cell: (r) => n(r.rank), num: true },
  { header: 'Genre', cell: (r) => e(r.genre), cls: 'title' },
  { header: 'Movies', cell: (r) => n(r.movies), num: true },
  { header: `Real revenue (${q.cpiBase ?? MISSING} $)`, cell: (r) => usd(r.realRevenue), num: true },
  { header: 'Mean real revenue', cell: (r) => usd(r.meanRealRevenue), num: true },
  { header: 'Nominal revenue', cell: (r) => usd(r.nominalRevenue), num: true },
])}
</section>`;
}

function renderChecks(m: ReportModel): string {
  if (m.run === null)
    return `<section id="checks"><h2>Quality checks</h2><p>No run is recorded in this warehouse.</p></section>`;
  const count = (s: string): number => m.checks.filter((c) => c.status === s).length;
  return `<section id="checks"><h2>Quality checks · run ${m.run.runId}</h2>
<p class="summary"><span class="badge pass">${count('pass')} pass</span> <span class="badge FAIL">${count('FAIL')} FAIL</span> <span class="badge WARN">${count('WARN')} WARN</span></p>
${table(m.checks, [
  { header: 'Check', cell: (c) => e(c.name), cls: 'title' },
  { header: 'Severity', cell: (c) => e(c.severity) },
  { header: 'Result', cell: (c) => `<span class="badge ${c.status}">${c.status}</span>` },
  { header: 'Observed', cell: (c) => text(c.observed), cls: 'wrap' },
  { header: 'Expected', cell: (c) => text(c.expected), cls: 'wrap' },
  { header: 'Carried from run', cell: (c) => n(c.carriedFromRun), num: true },
])}
</section>`;
}

function renderLineage(m: ReportModel): string {
  const r = m.run;
  if (r === null)
    return `<section id="lineage"><h2>Data lineage</h2><p>No run is recorded in this warehouse.</p></section>`;
  const ar = m.answers.run;
  const notice =
    ar !== null && ar.runId === r.runId
      ? ''
      : `<p class="notice">The answers reflect ${ar === null ? 'no successful run' : `run ${ar.runId}, the latest successful run`}; run ${r.runId} ended with status ${e(r.status)}${r.message === null ? '' : `: ${e(r.message)}`}.</p>`;
  return `<section id="lineage"><h2>Data lineage · run ${r.runId}</h2>
${notice}
${facts([
  ['Run', String(r.runId)],
  ['Status', `<span class="badge ${r.status === 'success' ? 'pass' : 'FAIL'}">${e(r.status)}</span>`],
  ['Started', text(r.startedAt)],
  ['Finished', text(r.finishedAt)],
  ['Input', `<code>${text(r.input)}</code>`],
  ...(r.message === null ? [] : ([['Message', e(r.message)]] as [string, string][])),
])}
<h3>Input files (movalytics.manifest)</h3>
${table(m.files, [
  { header: 'File', cell: (f) => e(f.fileName), cls: 'title' },
  { header: 'Role', cell: (f) => e(f.role) },
  { header: 'Action', cell: (f) => e(f.action) },
  { header: 'Bytes', cell: (f) => n(f.bytes), num: true },
  { header: 'Lines', cell: (f) => n(f.dataLines), num: true },
  {
    header: 'SHA-256',
    cell: (f) =>
      f.sha256 === null
        ? `<span class="muted">not hashed${f.action === 'unchanged' ? ' (size and mtime unchanged)' : ''}</span>`
        : `<code>${e(f.sha256)}</code>`,
    cls: 'hash',
  },
  { header: 'Note', cell: (f) => text(f.note), cls: 'wrap' },
])}
<h3>Reconciliation</h3>
${table(m.reconciliation, [
  { header: 'File', cell: (x) => e(x.fileName), cls: 'title' },
  { header: 'Records read', cell: (x) => n(x.recordsRead), num: true },
  { header: 'Rows loaded', cell: (x) => n(x.rowsLoaded), num: true },
  { header: 'Quarantined', cell: (x) => n(x.rowsQuarantined), num: true },
  { header: 'Duplicates collapsed', cell: (x) => n(x.duplicatesCollapsed), num: true },
  { header: 'Records merged', cell: (x) => n(x.recordsMerged), num: true },
])}
</section>`;
}

const CSS = `
:root { --fg:#1d2329; --muted:#5b6670; --line:#dde2e7; --bg:#fff; --soft:#f5f7f9; --accent:#3b6ea8; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color:var(--fg); background:var(--bg); }
main { max-width: 1100px; margin: 0 auto; padding: 24px 28px 48px; }
header h1 { margin: 0 0 4px; font-size: 28px; }
header p { margin: 2px 0; color: var(--muted); }
nav { margin: 14px 0 8px; display: flex; flex-wrap: wrap; gap: 6px 14px; font-size: 14px; }
nav a { color: var(--accent); text-decoration: none; }
section { border-top: 2px solid var(--line); margin-top: 28px; padding-top: 8px; }
h2 { font-size: 21px; margin: 8px 0; }
h3 { font-size: 16px; margin: 20px 0 6px; }
.lede { color: var(--muted); margin: 0 0 10px; }
.muted { color: var(--muted); }
.facts { display: flex; flex-wrap: wrap; gap: 8px; margin: 10px 0 14px; }
.facts div { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 6px 10px; }
.facts dt { font-size: 12px; color: var(--muted); }
.facts dd { margin: 0; font-weight: 600; font-variant-numeric: tabular-nums; }
.chart-box { position: relative; height: 300px; margin: 10px 0 14px; }
.chart-box.tall { height: 380px; }
.chart-error { color: #a33; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13.5px; margin: 6px 0 10px; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.title { max-width: 420px; overflow-wrap: break-word; }
td.wrap { max-width: 300px; overflow-wrap: break-word; }
td.hash code { font-size: 11.5px; overflow-wrap: anywhere; word-break: break-all; }
td.empty { color: var(--muted); text-align: center; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; overflow-wrap: anywhere; }
.verdict { padding: 8px 12px; border-left: 4px solid var(--muted); background: var(--soft); }
.verdict.sig { border-color: #e07a3f; }
.notice { padding: 8px 12px; border-left: 4px solid #c0392b; background: #fdf0ee; }
.badge { display: inline-block; padding: 0 7px; border-radius: 9px; font-size: 12px; font-weight: 600; }
.badge.pass { background: #e3f4e8; color: #1e6b37; }
.badge.FAIL { background: #fbe3e1; color: #a3231a; }
.badge.WARN { background: #fdf1d8; color: #8a5a00; }
footer { margin-top: 36px; color: var(--muted); font-size: 12.5px; }
@media print {
  body { font-size: 11pt; }
  main { max-width: none; padding: 0; }
  nav { display: none; }
  section, .chart-box, tr { break-inside: avoid; }
  .table-wrap { overflow: visible; }
}
`;

/** The whole report as one self-contained HTML document (no network access needed to view it). */
export function renderReportHtml(model: ReportModel): string {
  const a = model.answers;
  const runLine =
    a.run === null
      ? 'no successful run recorded'
      : `run ${a.run.runId}, finished ${a.run.finishedAt ?? MISSING}`;
  const p = a.params;
  const params = `top ${p.top}; quantile ${p.quantile}; min votes ${p.minVotes ?? 'from quantile'}; α ${p.alpha}; CPI base ${p.cpiBase ?? 'latest'}${p.cpiSplice === null ? '' : `; CPI splice ${p.cpiSplice}`}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>Movalytics report</title>
<style>${CSS}</style>
</head>
<body>
<main>
<header>
<h1>Movalytics report</h1>
<p>Warehouse <code>${e(a.warehouse.displayName)}</code> (${e(a.warehouse.kind)}), answers from ${e(runLine)}.</p>
<p>Generated ${e(model.generatedAt)}. Parameters: ${e(params)}.</p>
</header>
<nav><a href="#q1">Q1 Top movies</a><a href="#q2">Q2 Genres by ratings</a><a href="#q3">Q3 Release timing</a><a href="#q4">Q4 Real revenue by genre</a><a href="#checks">Quality checks</a><a href="#lineage">Lineage</a></nav>
${renderQ1(model)}
${renderQ2(model)}
${renderQ3(model)}
${renderQ4(model)}
${renderChecks(model)}
${renderLineage(model)}
<footer>Self-contained report: works offline. Charts drawn with Chart.js (MIT), inlined.</footer>
</main>
<script type="application/json" id="report-data">${jsonForScript(model)}</script>
<script>${chartJsBundle()}</script>
<script>${CLIENT_SCRIPT}</script>
</body>
</html>
`;
}
