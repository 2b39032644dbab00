// `movalytics report` end to end: generated data → pipeline → report.html opened in real headless Chromium from a
// file:// URL with every network request blocked, checking the five charts are drawn and the tables are right;
// CLI errors; and the real excerpts producing the report and `answers` in every format.
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { generateDataset } from '../src/generate/index.js';
import { runPipeline } from '../src/pipeline/run-pipeline.js';
import { computeAnswers, type Answers } from '../src/stages/answers/index.js';
import { DuckDbWarehouse } from '../src/warehouse/duckdb/index.js';
import { haveRealData, realDir, runCli, tempDir } from './support/helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Chromium is there, or: fail in CI / with MOVALYTICS_REQUIRE_REAL_DATA=1, else skip with a visible notice. */
function haveChromium(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const ci = process.env.CI;
  if (
    (ci !== undefined && ci !== '' && ci !== '0' && ci !== 'false') ||
    process.env.MOVALYTICS_REQUIRE_REAL_DATA === '1'
  )
    throw new Error(
      `report.test.ts: ${CHROMIUM} is missing (CI or MOVALYTICS_REQUIRE_REAL_DATA=1): apt-get install -y chromium`,
    );
  console.warn(`NOTICE: report.test.ts: ${CHROMIUM} is missing — the headless-browser checks are SKIPPED`);
  return false;
}
const browserOk = haveChromium();
const real = haveRealData('report.test.ts');

async function pipelineInto(dir: string, input: string): Promise<string> {
  const warehouse = join(dir, 'w.duckdb');
  const run = await runPipeline(
    loadConfig({ cwd: dir, overrides: { input, warehouse, staging: join(dir, 'staging') } }),
  );
  expect(run.status).toBe('success');
  return warehouse;
}

async function answersOf(warehouse: string): Promise<Answers> {
  const wh = await DuckDbWarehouse.open({ path: warehouse });
  try {
    return await computeAnswers(wh, {});
  } finally {
    await wh.close();
  }
}

interface CanvasState {
  id: string;
  width: number;
  height: number;
  /** Pixels within a small distance of the chart's bar colour. */
  barPixels: number;
  /** Data points per dataset, from Chart.getChart(canvas). */
  points: number[];
  labels: number;
  /** Whisker pairs per dataset (Q3), 0 where none. */
  whiskers: number[];
  plugins: string[];
}

// Runs in the page (lib has no DOM types, so it is passed as text).
const INSPECT_CANVASES = `(() => {
  const colours = { 'chart-q1': [59,110,168], 'chart-q2': [42,157,143], 'chart-q3-month': [224,122,63],
                    'chart-q3-quarter': [224,122,63], 'chart-q4': [122,94,168] };
  return [...document.querySelectorAll('canvas')].map((c) => {
    const chart = window.Chart.getChart(c);
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const want = colours[c.id] || [0, 0, 0];
    let barPixels = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3] > 200 && Math.abs(d[i] - want[0]) < 12 && Math.abs(d[i + 1] - want[1]) < 12 && Math.abs(d[i + 2] - want[2]) < 12) barPixels++;
    }
    return {
      id: c.id, width: c.width, height: c.height, barPixels,
      points: chart ? chart.data.datasets.map((ds) => ds.data.length) : [],
      labels: chart ? chart.data.labels.length : 0,
      whiskers: chart ? chart.data.datasets.map((ds) => (ds.whiskers ? ds.whiskers.length : 0)) : [],
      plugins: chart ? (chart.config.plugins || []).map((p) => p.id) : [],
    };
  });
})()`;

interface Opened {
  canvases: CanvasState[];
  problems: string[];
  requests: string[];
  firstTitle: string | null;
  text: string;
}

/** Opens a report file in Chromium offline; records console errors, page errors, dialogs and any network request. */
async function openReport(browser: Browser, file: string, screenshot: string): Promise<Opened> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const problems: string[] = [];
  const requests: string[] = [];
  try {
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console.${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) requests.push(r.url());
    });
    await page.route('**/*', async (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      requests.push(url);
      return route.abort('blockedbyclient');
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    await page.waitForSelector('html[data-charts="done"]', { timeout: 30_000 });
    const canvases = await page.evaluate<CanvasState[]>(INSPECT_CANVASES);
    const firstTitle = await page.textContent('#q1 tbody tr:first-child td.title');
    const text = await page.innerText('body');
    await page.screenshot({ path: screenshot, fullPage: true });
    return { canvases, problems, requests, firstTitle, text };
  } finally {
    await context.close();
  }
}

describe('movalytics report on generated data', () => {
  const dir = tempDir('report');
  let warehouse: string;
  let answers: Answers;
  beforeAll(async () => {
    const data = join(dir, 'data');
    await generateDataset({ out: data, movies: 800, ratings: 30_000, seed: 11 });
    warehouse = await pipelineInto(dir, data);
    answers = await answersOf(warehouse);
  });

  it('writes report.html and prints its path; the page is self-contained', async () => {
    const out = join(dir, 'report.html');
    const r = await runCli(['report', '--warehouse', warehouse, '--out', out]);
    expect(r).toMatchObject({ code: 0, stdout: `${out}\n` });
    const html = readFileSync(out, 'utf8');
    expect(html).not.toMatch(/\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    expect(html).not.toMatch(/<script[^>]*\bsrc\s*=/i);
    expect(html).toContain('<script type="application/json" id="report-data">');
  });

  describe.skipIf(!browserOk)('in headless Chromium, offline', () => {
    let browser: Browser;
    let opened: Opened;
    beforeAll(async () => {
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
      const out = join(dir, 'browser.html');
      expect((await runCli(['report', '--warehouse', warehouse, '--out', out, '--top', '15'])).code).toBe(0);
      // MOVALYTICS_REPORT_SCREENSHOT keeps the screenshot somewhere to look at; by default it goes to the temp dir.
      const shot = process.env.MOVALYTICS_REPORT_SCREENSHOT ?? join(dir, 'report.png');
      opened = await openReport(browser, out, shot);
    });
    afterAll(async () => {
      await browser?.close();
    });

    it('makes no network request and logs no error', () => {
      expect(opened.requests).toEqual([]);
      expect(opened.problems).toEqual([]);
    });

    it('draws the five charts with the expected data', async () => {
      const top15 = await answersOfTop(warehouse, 15);
      const byId = new Map(opened.canvases.map((c) => [c.id, c]));
      expect([...byId.keys()]).toEqual([
        'chart-q1',
        'chart-q2',
        'chart-q3-month',
        'chart-q3-quarter',
        'chart-q4',
      ]);
      const expected: Record<string, { points: number; whiskers: number }> = {
        'chart-q1': { points: top15, whiskers: 0 },
        'chart-q2': { points: answers.q2.genres.length, whiskers: 0 },
        'chart-q3-month': { points: 12, whiskers: 12 },
        'chart-q3-quarter': { points: 4, whiskers: 4 },
        'chart-q4': { points: answers.q4.genres.length, whiskers: 0 },
      };
      for (const [id, want] of Object.entries(expected)) {
        const c = byId.get(id)!;
        expect(c.width, id).toBeGreaterThan(300);
        expect(c.points, id).toEqual([want.points]);
        expect(c.labels, id).toBe(want.points);
        expect(c.whiskers, id).toEqual([want.whiskers]);
        // The bars are really on the canvas: many pixels in the chart's bar colour.
        expect(c.barPixels, id).toBeGreaterThan(500);
      }
      expect(byId.get('chart-q3-month')!.plugins).toContain('whiskers');
      expect(answers.q2.genres.length).toBeGreaterThan(5);
    });

    it('shows the tables: the top movie first, the Q3 verdict, checks and lineage', () => {
      const top = answers.q1.top[0]!;
      expect(opened.firstTitle).toBe(top.title);
      expect(opened.text).toContain(answers.q3.verdict);
      expect(opened.text).toContain(answers.q4.genres[0]!.genre);
      expect(opened.text).toMatch(/Quality checks · run 1/);
      expect(opened.text).toMatch(/ratings\.csv/);
      expect(opened.text).toMatch(/\b[0-9a-f]{64}\b/);
    });
  });

  it('writes Markdown to report.md by default', async () => {
    const cwd = process.cwd();
    const sub = join(dir, 'md');
    mkdirSync(sub);
    process.chdir(sub);
    try {
      const r = await runCli(['report', '--warehouse', warehouse, '--format', 'markdown']);
      expect(r).toMatchObject({ code: 0, stdout: 'report.md\n' });
    } finally {
      process.chdir(cwd);
    }
    const md = readFileSync(join(sub, 'report.md'), 'utf8');
    expect(md).toMatch(/^# Movalytics report\n/);
    expect(md).toContain(`## Quality checks (run 1)`);
    expect(md).toContain('### Reconciliation');
    expect(md).not.toContain('<script');
  });

  it('refuses a missing warehouse, an unwritable --out and an unknown format with one line and exit 2', async () => {
    const missing = join(dir, 'nope.duckdb');
    const a = await runCli(['report', '--warehouse', missing, '--out', join(dir, 'x.html')]);
    expect(a.code).toBe(2);
    expect(a.stderr.trim().split('\n')).toHaveLength(1);
    expect(a.stderr).toContain('not found');
    expect(existsSync(missing)).toBe(false);

    const b = await runCli(['report', '--warehouse', warehouse, '--out', join(dir, 'no-such-dir', 'r.html')]);
    expect(b.code).toBe(2);
    expect(b.stderr.trim().split('\n')).toHaveLength(1);
    expect(b.stderr).toContain('cannot write report');
    expect(b.stdout).toBe('');

    const c = await runCli(['report', '--warehouse', warehouse, '--format', 'pdf']);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('unknown --format');

    const d = await runCli([
      'report',
      '--warehouse',
      warehouse,
      '--top',
      'ten',
      '--out',
      join(dir, 'y.html'),
    ]);
    expect(d.code).toBe(2);
    expect(d.stderr).toContain('--top');
  });
});

async function answersOfTop(warehouse: string, top: number): Promise<number> {
  const wh = await DuckDbWarehouse.open({ path: warehouse });
  try {
    return (await computeAnswers(wh, { top })).q1.top.length;
  } finally {
    await wh.close();
  }
}

describe.skipIf(!real)('the real excerpts: report and answers in every format', () => {
  const dir = tempDir('report-real');
  let warehouse: string;
  beforeAll(async () => {
    const input = join(dir, 'in');
    mkdirSync(input);
    const files: Record<string, string> = {
      'movies_metadata.csv': 'movies_metadata_small.csv',
      'links.csv': 'links_small.csv',
      'ratings.csv': 'ratings_small.csv',
      'CUSR0000SS62031.csv': 'CUSR0000SS62031.csv',
    };
    for (const [name, source] of Object.entries(files)) symlinkSync(join(realDir, source), join(input, name));
    warehouse = await pipelineInto(dir, input);
  });

  it('writes the HTML and Markdown reports', async () => {
    const top = (await answersOf(warehouse)).q1.top[0]!;
    for (const [format, file] of [
      ['html', 'real.html'],
      ['markdown', 'real.md'],
    ] as const) {
      const out = join(dir, file);
      const r = await runCli(['report', '--warehouse', warehouse, '--format', format, '--out', out]);
      expect(r, format).toMatchObject({ code: 0, stdout: `${out}\n`, stderr: '' });
      const text = readFileSync(out, 'utf8');
      expect(text.length).toBeGreaterThan(2000);
      expect(text).toContain('CUSR0000SS62031.csv');
      if (top.title !== null && !/[<>&"'|]/.test(top.title)) expect(text, format).toContain(top.title);
    }
  });

  it.skipIf(!browserOk)('renders the real HTML report in Chromium without errors or requests', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    try {
      const out = join(dir, 'browser-real.html');
      expect((await runCli(['report', '--warehouse', warehouse, '--out', out])).code).toBe(0);
      const opened = await openReport(browser, out, join(dir, 'real.png'));
      expect(opened.requests).toEqual([]);
      expect(opened.problems).toEqual([]);
      expect(opened.canvases).toHaveLength(5);
      for (const c of opened.canvases) expect(c.barPixels, c.id).toBeGreaterThan(200);
    } finally {
      await browser.close();
    }
  });

  it('prints `movalytics answers` in all four formats', async () => {
    for (const format of ['table', 'json', 'csv', 'markdown']) {
      const r = await runCli(['answers', '--warehouse', warehouse, '--format', format]);
      expect(r.code, format).toBe(0);
      expect(r.stderr, format).toBe('');
      expect(r.stdout.length, format).toBeGreaterThan(500);
      if (format === 'json') expect((JSON.parse(r.stdout) as Answers).schemaVersion).toBe(1);
    }
  });
});
