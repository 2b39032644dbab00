// Unit tests of the report renderings over a hand-built model: escaping of adversarial text, a JSON island that
// round-trips, no network references, and the Markdown variant.
import { describe, expect, it } from 'vitest';
import type { Answers, Q3Group, Q3Test } from '../stages/answers/index.js';
import type { ReportModel } from './model.js';
import { checkStatus, escapeHtml, jsonForScript, renderReportHtml, renderReportMarkdown } from './index.js';

// ---------- fixture: a hand-built model with adversarial text wherever the warehouse can put text ----------
const ADVERSARIAL = [
  '<script>alert(1)</script>',
  "';DROP TABLE x;--",
  `He said "it's" <b>bold</b> & more`,
  'Emoji 🎬🍿 and ünïcödé ‮RTL',
  '</script><!-- <script src="https://evil.example/x.js"></script>',
  'pipe | and\nnewline',
  'L' + 'ong '.repeat(500),
] as const;

function group(g: number, label: string, revenue: number | null): Q3Group {
  return {
    group: g,
    label,
    movies: revenue === null ? 0 : 3,
    meanRevenue: revenue,
    medianRevenue: revenue,
    ciLow: revenue === null ? null : revenue - 2e7,
    ciHigh: revenue === null ? null : revenue + 2e7,
    moviesInCpiCoverage: revenue === null ? 0 : 2,
    medianRealRevenue: revenue === null ? null : revenue * 1.3,
  };
}

const test: Q3Test = {
  h: 3.2,
  df: 2,
  pValue: 0.2,
  n: 9,
  groups: 3,
  tieCorrection: 1,
  significant: false,
  verdict: 'No evidence <that> timing matters',
};

/** A complete model; titles, genres, check text, file names and the run input all carry adversarial strings. */
function fixtureModel(): ReportModel {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const answers: Answers = {
    schemaVersion: 1,
    generatedAt: '2026-11-25T08:40:00.000Z',
    warehouse: { kind: 'duckdb', displayName: './w<1>.duckdb' },
    run: { runId: 2, finishedAt: '2026-11-25 08:39:12' },
    params: { top: 10, quantile: 0.9, minVotes: null, alpha: 0.05, cpiBase: null, cpiSplice: null },
    q1: {
      meanRating: 3.5,
      minVotes: 12,
      minVotesSource: 'quantile',
      quantile: 0.9,
      countedRatings: 1000,
      ratedMovies: 50,
      eligibleMovies: 7,
      top: ADVERSARIAL.map((title, i) => ({
        rank: i + 1,
        movieId: 100 + i,
        title,
        year: 1990 + i,
        votes: 50 - i,
        meanRating: 4.5 - i / 10,
        weightedRating: 4.4 - i / 10,
      })),
    },
    q2: {
      countedRatings: 1000,
      countedUsers: 40,
      shareSum: 1.5,
      genres: ADVERSARIAL.slice(0, 3).map((genre, i) => ({
        rank: i + 1,
        genreId: i + 1,
        genre,
        ratings: 500 - i * 100,
        users: 30 - i,
        meanRating: 3.5,
        share: (500 - i * 100) / 1000,
      })),
    },
    q3: {
      revenueMovies: 30,
      alpha: 0.05,
      cpiBase: '2017-08',
      cpiSplice: null,
      cpiMissingMonths: [],
      moviesInMissingCpiMonths: 0,
      byMonth: months.map((m, i) => group(i + 1, m, i === 5 ? null : 1e7 * (i + 1))),
      byQuarter: [1, 2, 3, 4].map((q) => group(q, `Q${q}`, 3e7 * q)),
      monthTest: test,
      quarterTest: test,
      verdict: 'No evidence that <release> timing matters',
    },
    q4: {
      cpiBase: '2017-08',
      cpiBaseValue: 189.2,
      cpiCoverage: { from: '1999-01', to: '2017-08' },
      cpiSplice: null,
      cpiMissingMonths: [],
      moviesInMissingCpiMonths: 0,
      revenueMovies: 30,
      includedMovies: 20,
      excludedMovies: 10,
      excludedNominalRevenue: 1e8,
      excludedRevenueShare: 0.25,
      totalNominalRevenue: 4e8,
      genres: ADVERSARIAL.slice(0, 3).map((genre, i) => ({
        rank: i + 1,
        genreId: i + 1,
        genre,
        movies: 5 - i,
        realRevenue: 3e8 - i * 1e8,
        meanRealRevenue: 6e7,
        nominalRevenue: 2e8 - i * 5e7,
      })),
    },
  };
  return {
    schemaVersion: 1,
    generatedAt: answers.generatedAt,
    answers,
    run: {
      runId: 3,
      startedAt: '2026-11-25 08:41:00',
      finishedAt: '2026-11-25 08:41:05',
      status: 'check_failed',
      input: ADVERSARIAL[4],
      message: ADVERSARIAL[0],
    },
    checks: [
      {
        name: ADVERSARIAL[0],
        severity: 'error',
        passed: false,
        status: 'FAIL',
        observed: ADVERSARIAL[1],
        expected: ADVERSARIAL[2],
        carriedFromRun: null,
      },
      {
        name: 'ratings.mapped_share',
        severity: 'warn',
        passed: false,
        status: 'WARN',
        observed: '80%',
        expected: '≥ 90%',
        carriedFromRun: 2,
      },
      {
        name: 'row_count.movie',
        severity: 'error',
        passed: true,
        status: 'pass',
        observed: '5 rows',
        expected: '> 0 rows',
        carriedFromRun: null,
      },
    ],
    files: [
      {
        fileName: ADVERSARIAL[5],
        role: 'ratings',
        action: 'loaded',
        bytes: 1234,
        sha256: 'ab'.repeat(32),
        dataLines: 10,
        note: ADVERSARIAL[3],
      },
      {
        fileName: 'links.csv',
        role: 'links',
        action: 'unchanged',
        bytes: 99,
        sha256: null,
        dataLines: null,
        note: null,
      },
    ],
    reconciliation: [
      {
        fileName: ADVERSARIAL[0],
        recordsRead: 10,
        rowsLoaded: 9,
        rowsQuarantined: 1,
        duplicatesCollapsed: 0,
        recordsMerged: 0,
      },
    ],
  };
}

// ---------- tests ----------
const ISLAND = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/;

describe('renderReportHtml', () => {
  const model = fixtureModel();
  const html = renderReportHtml(model);

  it('escapes adversarial text: no injected markup survives', () => {
    expect(html).not.toMatch(/<script>alert/i);
    expect(html).not.toContain('<b>bold</b>');
    expect(html).not.toContain('evil.example/x.js"></script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&#39;;DROP TABLE x;--');
    expect(html).toContain('He said &quot;it&#39;s&quot; &lt;b&gt;bold&lt;/b&gt; &amp; more');
    expect(html).toContain('Emoji 🎬🍿 and ünïcödé');
    expect(html).toContain(ADVERSARIAL[6]);
    // Exactly three script elements: the JSON island, Chart.js and the page's own script.
    expect(html.match(/<script\b/gi)).toHaveLength(3);
    expect(html.match(/<\/script/gi)).toHaveLength(3);
  });

  it('carries the model as a JSON island that round-trips', () => {
    const island = ISLAND.exec(html)?.[1];
    expect(island).toBeDefined();
    expect(island).not.toMatch(/<|>/);
    expect(JSON.parse(island!)).toEqual(model);
  });

  it('references nothing on the network', () => {
    expect(html).not.toMatch(/\b(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    expect(html).not.toMatch(/url\(\s*["']?(?:https?:)?\/\//i);
    expect(html).not.toMatch(/@import/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/<script[^>]*\bsrc\s*=/i);
    expect(html).not.toMatch(/<(?:img|iframe|object|embed)\b/i);
  });

  it('has the five chart canvases, every section, and badges per check', () => {
    for (const id of ['chart-q1', 'chart-q2', 'chart-q3-month', 'chart-q3-quarter', 'chart-q4'])
      expect(html).toContain(`<canvas id="${id}"`);
    for (const id of ['q1', 'q2', 'q3', 'q4', 'checks', 'lineage'])
      expect(html).toContain(`<section id="${id}">`);
    expect(html).toContain('<span class="badge FAIL">FAIL</span>');
    expect(html).toContain('<span class="badge WARN">WARN</span>');
    // The latest run (3) is not the one the answers come from (2): the page says so.
    expect(html).toContain(
      'The answers reflect run 2, the latest successful run; run 3 ended with status check_failed',
    );
    expect(html).toContain('−$'); // a negative CI bound is a minus before the dollar sign
    expect(html).not.toContain('CPI spliced');
  });

  it('labels a CPI splice in Q3 and Q4', () => {
    const m = fixtureModel();
    const splice = {
      series: 'CPIAUCNS',
      primarySeries: 'CUSR0000SS62031',
      primaryFrom: '1999-01',
      linkMonth: '1999-01',
      ratio: 0.625,
      splicedFrom: '1913-01',
      splicedTo: '1998-12',
      splicedMovies: 12,
    };
    m.answers.params.cpiSplice = 'CPIAUCNS';
    m.answers.q3.cpiSplice = splice;
    m.answers.q4.cpiSplice = splice;
    const spliced = renderReportHtml(m);
    const label = 'CPI spliced with CPIAUCNS before 1999-01, ratio-linked at 1999-01';
    expect(spliced.split(label)).toHaveLength(3); // once in Q3, once in Q4
    expect(spliced).toContain('spliced months 1913-01 to 1998-12; 12 revenue movies priced with them');
    expect(spliced).toContain('CPI splice CPIAUCNS'); // the parameters line
  });
});

describe('jsonForScript', () => {
  it('leaves no <, >, & or line separators and parses back to the same value', () => {
    const v = { a: '</script><!--x-->', b: 'a & b', c: '\u2028\u2029', d: [1, null, 'é🎬'] };
    const s = jsonForScript(v);
    expect(s).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(s)).toEqual(v);
  });
});

describe('escapeHtml', () => {
  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

describe('checkStatus', () => {
  it('is pass, FAIL for a failed error check, WARN for a failed warn check', () => {
    expect(checkStatus(true, 'error')).toBe('pass');
    expect(checkStatus(false, 'error')).toBe('FAIL');
    expect(checkStatus(false, 'warn')).toBe('WARN');
  });
});

describe('renderReportMarkdown', () => {
  const md = renderReportMarkdown(fixtureModel());

  it('has the answers one heading level down, then checks and lineage', () => {
    expect(md.startsWith('# Movalytics report\n')).toBe(true);
    expect(md.match(/^# /gm)).toHaveLength(1);
    expect(md).toContain('## Movalytics answers');
    expect(md).toMatch(/^### Q1 /m);
    expect(md).toMatch(/^### Q4 /m);
    expect(md).toContain('## Quality checks (run 3)');
    expect(md).toContain('1 pass, 1 FAIL, 1 WARN.');
    expect(md).toContain('## Data lineage (run 3)');
    expect(md).toContain('### Input files');
    expect(md).toContain('### Reconciliation');
  });

  it('keeps every table row on one line with pipes escaped', () => {
    expect(md).toContain('pipe \\| and newline');
    for (const line of md.split('\n').filter((l) => l.startsWith('|'))) expect(line.endsWith('|')).toBe(true);
  });
});
