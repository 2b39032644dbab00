// `movalytics serve` end to end: a warehouse built by the real pipeline from generated data (two published runs, the
// second with an incremental ratings file), the server on a loopback port, its JSON API checked against the CLI's
// JSON, its guards (token, read-only, bad parameters, static paths), its coexistence with a `movalytics run` that
// holds the DuckDB file, and every page in headless Chromium: no console error, chart numbers equal to the CLI's,
// a parameter change redrawn with the CLI's numbers, the diff page, the drill-down to a movies_metadata.csv line.
/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any --
   the API's JSON bodies are checked by shape assertions (toEqual/toMatchObject), not by static types */
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { recordRunAnswers } from '../src/diff/index.js';
import { generateDataset } from '../src/generate/index.js';
import { runPipeline } from '../src/pipeline/run-pipeline.js';
import { withFailpoint } from '../src/core/test-hooks.js';
import { startServer, type RunningServer } from '../src/serve/server.js';
import { WarehouseAccess } from '../src/serve/warehouse-access.js';
import { computeAnswers, type Answers } from '../src/stages/answers/index.js';
import { openWarehouse } from '../src/warehouse/open.js';
import { engines, locationOf } from './support/engines.js';
import { repoRoot, runCli, tempDir } from './support/helpers.js';

const CHROMIUM = '/usr/bin/chromium';

function haveChromium(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const ci = process.env.CI;
  if (
    (ci !== undefined && ci !== '' && ci !== '0' && ci !== 'false') ||
    process.env.MOVALYTICS_REQUIRE_REAL_DATA === '1'
  )
    throw new Error(`serve.test.ts: ${CHROMIUM} is missing: apt-get install -y chromium`);
  console.warn(`NOTICE: serve.test.ts: ${CHROMIUM} is missing — the headless-browser checks are SKIPPED`);
  return false;
}
const browserOk = haveChromium();

/** Runs the pipeline into `warehouse` and records the run's answers as the publish will (recordRunAnswers). */
async function publish(dir: string, input: string, warehouse: string): Promise<number> {
  const config = loadConfig({ cwd: dir, overrides: { input, warehouse, staging: join(dir, 'staging') } });
  const run = await runPipeline(config);
  expect(run.status).toBe('success');
  const wh = await openWarehouse(config.warehouse);
  try {
    await recordRunAnswers(wh, run.runId, await computeAnswers(wh, {}));
  } finally {
    await wh.close();
  }
  return run.runId;
}

/** The CLI's `answers --format json` for these flags, minus generatedAt (the one field that differs per call). */
async function cliAnswers(warehouse: string, flags: string[] = []): Promise<Omit<Answers, 'generatedAt'>> {
  const r = await runCli(['answers', '--format', 'json', '--warehouse', warehouse, ...flags]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return withoutGeneratedAt(JSON.parse(r.stdout) as Answers);
}
function withoutGeneratedAt(a: Answers): Omit<Answers, 'generatedAt'> {
  const { generatedAt: _g, ...rest } = a;
  return rest;
}

async function getJson(
  base: string,
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(new URL(path, base), { redirect: 'manual', ...init });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // pages and scripts are not JSON
  }
  return { status: res.status, body, headers: res.headers };
}

/**
 * Another process, started ahead (node's start-up is slower than the hold being tested), that opens `warehouse` for
 * writing the moment it is asked, closes it, and answers "ok" or the error.
 */
async function startWriterProbe(warehouse: string): Promise<{ open(): Promise<string>; stop(): void }> {
  const script = `
    const { openWarehouse } = await import(${JSON.stringify(join(repoRoot, 'dist/warehouse/open.js'))});
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', async () => {
      try {
        const wh = await openWarehouse({ kind: 'duckdb', path: ${JSON.stringify(warehouse)} });
        await wh.close();
        process.stdout.write('ok\\n');
      } catch (err) {
        process.stdout.write(String(err.message).split('\\n')[0] + '\\n');
      }
    });
    process.stdout.write('ready\\n');`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  child.stdout.setEncoding('utf8');
  const lines: string[] = [];
  let wake: (() => void) | null = null;
  child.stdout.on('data', (d: string) => {
    lines.push(...d.split('\n').filter((l) => l !== ''));
    wake?.();
  });
  const nextLine = async (): Promise<string> => {
    while (lines.length === 0) await new Promise<void>((r) => (wake = r));
    return lines.shift()!;
  };
  expect(await nextLine()).toBe('ready');
  return {
    open: () => {
      child.stdin.write('go\n');
      return nextLine();
    },
    stop: () => void child.kill(),
  };
}

function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

describe('movalytics serve over a DuckDB warehouse', () => {
  const dir = tempDir('serve');
  const data = join(dir, 'data');
  const warehouse = join(dir, 'w.duckdb');
  let server: RunningServer;
  let access: WarehouseAccess;
  let base: string;
  let topMovie: { movieId: number; title: string | null };
  const logged: string[] = [];

  beforeAll(async () => {
    await generateDataset({ out: data, movies: 800, ratings: 30_000, seed: 11 });
    // Two records the clean stage must quarantine: copies of real records with a bad id.
    const meta = readFileSync(join(data, 'movies_metadata.csv'), 'utf8');
    const bad = meta
      .split(/\r?\n/)
      .filter((l) => /^(False|True),[^"]*,(\d+),tt\d{7},/.test(l))
      .slice(0, 2)
      .map((l, i) => l.replace(/,(\d+),(tt\d{7}),/, i === 0 ? ',not-an-id,$2,' : ',1997-08-20,$2,'));
    expect(bad).toHaveLength(2);
    writeFileSync(join(data, 'movies_metadata.csv'), `${meta.replace(/\r?\n$/, '')}\n${bad.join('\n')}\n`);
    await publish(dir, data, warehouse);
    const first = await cliAnswers(warehouse);
    topMovie = first.q1.top[0]!;
    // An incremental ratings file: 400 new users give the top movie 0.5, so it leaves the top of Q1.
    const link = readFileSync(join(data, 'links.csv'), 'utf8')
      .split(/\r?\n/)
      .map((l) => l.split(','))
      .find((f) => f[2] === String(topMovie.movieId));
    expect(link).toBeDefined();
    const lines = ['userId,movieId,rating,timestamp'];
    for (let u = 0; u < 400; u++) lines.push(`${900_000 + u},${link![0]},0.5,1500000000`);
    writeFileSync(join(data, 'ratings_update.csv'), lines.join('\r\n') + '\r\n');
    await publish(dir, data, warehouse);
    access = new WarehouseAccess({ location: { kind: 'duckdb', path: warehouse } });
    server = await startServer({
      access,
      host: '127.0.0.1',
      port: 0,
      staging: join(dir, 'staging'),
      log: (l) => logged.push(l),
    });
    base = server.url;
  });
  afterAll(async () => {
    await server?.close();
  });

  /** The CLI on the same file, with the server's reads paused (the in-process writer hook). */
  const cli = (flags: string[] = []): Promise<Omit<Answers, 'generatedAt'>> =>
    access.exclusive('the test’s CLI', () => cliAnswers(warehouse, flags));

  it('binds 127.0.0.1 on the port it reports', () => {
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('GET /api/answers is exactly the CLI’s answers --format json, with defaults and with parameters', async () => {
    const r = await getJson(base, '/api/answers');
    expect(r.status).toBe(200);
    expect(withoutGeneratedAt(r.body as Answers)).toEqual(await cli());
    const q = '?top=5&minVotes=20&alpha=0.1&cpiBase=2010-01&cpiSplice=CPIAUCNS';
    const p = await getJson(base, `/api/answers${q}`);
    expect(p.status).toBe(200);
    expect(withoutGeneratedAt(p.body as Answers)).toEqual(
      await cli([
        '--top',
        '5',
        '--min-votes',
        '20',
        '--alpha',
        '0.1',
        '--cpi-base',
        '2010-01',
        '--cpi-splice',
        'CPIAUCNS',
      ]),
    );
    expect((p.body as Answers).q1.top).toHaveLength(5);
    const q1 = await getJson(base, '/api/answers/q1?top=3');
    expect(Object.keys(q1.body as object)).toContain('q1');
    expect(Object.keys(q1.body as object)).not.toContain('q2');
    const r1 = await access.exclusive('the test’s CLI', () =>
      runCli(['answers', 'q1', '--format', 'json', '--top', '3', '--warehouse', warehouse]),
    );
    expect(withoutGeneratedAt(q1.body as Answers)).toEqual(
      withoutGeneratedAt(JSON.parse(r1.stdout) as Answers),
    );
  });

  it('every endpoint answers with its documented shape', async () => {
    const status = (await getJson(base, '/api/status')).body;
    expect(status.warehouse).toEqual({ kind: 'duckdb', displayName: warehouse });
    expect(status.latestRun).toMatchObject({ runId: 2, status: 'success', triggeredBy: 'manual' });
    expect(status.lastSuccess.runId).toBe(2);
    expect(status.cpiSeries.map((c: { series: string }) => c.series)).toEqual([
      'CPIAUCNS',
      'CUSR0000SS62031',
    ]);

    const runs = (await getJson(base, '/api/runs')).body.runs;
    expect(runs.map((r: { runId: number }) => r.runId)).toEqual([2, 1]);
    // The shape of `movalytics runs --json`, the input redacted.
    expect(runs[0]).toEqual({
      runId: 2,
      status: 'success',
      triggeredBy: 'manual',
      externalId: null,
      startedAt: expect.stringMatching(/Z$/),
      finishedAt: expect.stringMatching(/Z$/),
      ms: expect.any(Number),
      input: data,
      message: null,
      packageId: expect.any(String),
      parameters: null,
    });

    const run = (await getJson(base, '/api/runs/2')).body;
    expect(run.files.find((f: { fileName: string }) => f.fileName === 'ratings_update.csv')).toMatchObject({
      action: 'loaded',
      role: 'ratings',
      dataLines: 400,
    });
    expect(
      run.reconciliation.find((f: { fileName: string }) => f.fileName === 'ratings_update.csv'),
    ).toMatchObject({
      recordsRead: 400,
      rowsLoaded: 400,
    });
    expect(run.checks.length).toBeGreaterThan(5);
    expect(run.graph.map((t: { id: string }) => t.id)).toEqual([
      'stage.files',
      'clean.movies',
      'load.ratings[0]',
      'publish',
    ]);
    expect(run.mapped).toEqual([
      {
        task: 'load.ratings',
        done: 1,
        total: 1,
        state: 'success',
        slowest: { task: 'load.ratings[0]', ms: expect.any(Number) },
      },
    ]);
    expect(run.tasks.map((t: { task: string; state: string }) => [t.task, t.state])).toEqual(
      run.graph.map((t: { id: string }) => [t.id, 'success']),
    );
    expect(run.attempts.length).toBeGreaterThanOrEqual(4);
    const logs = (await getJson(base, '/api/runs/2/logs?task=load.ratings[0]')).body;
    expect(logs.runId).toBe(2);
    expect(logs.lines.length).toBeGreaterThan(0);
    expect(new Set(logs.lines.map((l: { task: string }) => l.task))).toEqual(new Set(['load.ratings[0]']));

    const checks = (await getJson(base, '/api/checks?run=1')).body;
    expect(checks.runId).toBe(1);
    expect(checks.checks[0]).toEqual({
      name: expect.any(String),
      severity: expect.stringMatching(/^(error|warn)$/),
      passed: expect.any(Boolean),
      status: expect.stringMatching(/^(pass|FAIL|WARN)$/),
      observed: expect.any(String),
      expected: expect.any(String),
      carriedFromRun: null,
    });

    const quarantine = (await getJson(base, '/api/quarantine?pageSize=3')).body;
    expect(quarantine.filter).toEqual({ runId: null, file: null, reason: null, page: 1, pageSize: 3 });
    expect(quarantine.total).toBeGreaterThan(0);
    expect(quarantine.rows.length).toBe(Math.min(3, quarantine.total));
    expect(quarantine.rows[0]).toEqual({
      runId: expect.any(Number),
      file: 'movies_metadata.csv',
      recordNumber: expect.any(Number),
      lineNumber: expect.any(Number),
      reason: expect.any(String),
      raw: expect.any(String),
    });

    const lineage = (await getJson(base, `/api/lineage/movie/${topMovie.movieId}`)).body;
    expect(lineage.movie.title).toBe(topMovie.title);
    expect(lineage.links.length).toBeGreaterThan(0);
    expect(lineage.metadata).toMatchObject({ fileName: 'movies_metadata.csv', note: null });
    // The top movie got 400 ratings from ratings_update.csv: its ratings per file name both files (issue 22).
    expect(lineage.ratingsByFile.map((f: any) => [f.fileName, f.ratings])).toEqual([
      ['ratings.csv', lineage.mappedRatings - 400],
      ['ratings_update.csv', 400],
    ]);
    expect(lineage.ratingsByFile[1]).toMatchObject({
      runId: 2,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });

    const diff = (await getJson(base, '/api/diff')).body;
    expect(diff.a.runId).toBe(1);
    expect(diff.b.runId).toBe(2);
  });

  it('filters and pages quarantined records', async () => {
    const all = (await getJson(base, '/api/quarantine?pageSize=500')).body;
    const reason = String(all.rows[0].reason).split(' ').slice(0, 2).join(' ').toUpperCase();
    const filtered = (
      await getJson(base, `/api/quarantine?pageSize=500&reason=${encodeURIComponent(reason)}`)
    ).body;
    const want = all.rows.filter((r: { reason: string }) =>
      r.reason.toLowerCase().includes(reason.toLowerCase()),
    );
    expect(filtered.total).toBe(want.length);
    expect(filtered.rows).toEqual(want);
    const none = (await getJson(base, '/api/quarantine?file=links.csv')).body;
    expect(none.total).toBe(0);
    const page2 = (await getJson(base, '/api/quarantine?pageSize=1&page=2')).body;
    if (all.total >= 2) expect(page2.rows[0]).toEqual(all.rows[1]);
  });

  it('a bad parameter is a 400 with a message; an unknown thing a 404; never a 500', async () => {
    const cases: [string, number, RegExp][] = [
      ['/api/answers?top=abc', 400, /top "abc" is not a number/],
      ['/api/answers?top=0', 400, /answers parameter top/],
      ['/api/answers?cpiBase=2010-13', 400, /cpiBase.*YYYY-MM/],
      ['/api/answers?cpiBase=1850-01', 400, /1850-01/],
      ['/api/answers?cpiSplice=NOPE', 400, /NOPE/],
      ['/api/answers?tops=3', 400, /unknown parameter "tops"/],
      ['/api/quarantine?page=0', 400, /page "0" must be at least 1/],
      ['/api/quarantine?pageSize=x', 400, /pageSize "x" is not a whole number/],
      ['/api/checks?run=1;DROP', 400, /run "1;DROP"/],
      ['/api/diff?a=x', 400, /RUN_A "x" is not a run id/],
      ['/api/diff?a=99', 404, /run 99 not found/],
      ['/api/diff?a=1&b=99', 404, /run 99 not found/],
      ['/api/checks?run=99', 404, /run 99 not found/],
      ['/api/quarantine?run=99', 404, /run 99 not found/],
      ['/api/runs/99', 404, /run 99 not found/],
      ['/api/runs/abc', 400, /not a whole number/],
      ['/api/runs/1/logs?task=nope', 400, /unknown task "nope"/],
      ['/api/runs/99/logs', 404, /run 99 not found/],
      ['/api/answers/q9', 404, /unknown question "q9"/],
      ['/api/lineage/movie/1', 404, /movie 1 is not in the model/],
      ['/api/lineage/q2?genre=Nope', 404, /no genre "Nope": use one of /],
      ['/api/lineage/q4?genre=Nope', 404, /no genre "Nope"/],
      ['/api/lineage/q3?month=13', 400, /month "13" must be at most 12/],
      ['/api/lineage/q3?month=1&quarter=1', 400, /month or quarter, not both/],
      ['/api/lineage/q4?genre=Drama&top=3', 400, /unknown parameter "top"/],
      ['/api/lineage/q4?cpiBase=2010-13', 400, /cpiBase.*YYYY-MM/],
      ['/api/nothing', 404, /no API endpoint/],
      ['/nothing', 404, /not found/],
    ];
    for (const [path, status, message] of cases) {
      const r = await getJson(base, path);
      expect({ path, status: r.status }).toEqual({ path, status });
      expect(r.body.error).toMatch(message);
    }
    expect(logged).toEqual([]);
  });

  it('is read-only: only GET/HEAD, no endpoint takes SQL, and the warehouse file is unchanged by every request', async () => {
    const before = sha256File(warehouse);
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const r = await getJson(base, '/api/answers', { method, body: 'SELECT 1' });
      expect(r.status).toBe(405);
      expect(r.headers.get('allow')).toBe('GET, HEAD');
    }
    for (const path of [
      '/api/status',
      '/api/answers',
      '/api/runs',
      '/api/runs/1',
      '/api/runs/1/logs',
      '/api/checks',
      '/api/quarantine',
      '/api/diff',
    ])
      expect((await getJson(base, path)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(sha256File(warehouse)).toBe(before);
  });

  it('without a token, answers only to a loopback Host (no DNS rebinding)', async () => {
    const status = (host: string): Promise<number> =>
      new Promise((resolve, reject) => {
        const u = new URL('/api/status', server.url);
        const req = httpRequest(
          { host: u.hostname, port: u.port, path: u.pathname, headers: { Host: host } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end();
      });
    expect(await status('evil.example:8080')).toBe(403);
    expect(await status(`localhost:${new URL(server.url).port}`)).toBe(200);
    expect(await status(`127.0.0.1:${new URL(server.url).port}`)).toBe(200);
  });

  it('serves only its own static files: path traversal is refused', async () => {
    expect((await getJson(base, '/static/app.js')).status).toBe(200);
    const chart = await fetch(new URL('/static/chart.umd.min.js', base));
    expect(chart.headers.get('content-type')).toMatch(/javascript/);
    expect(await chart.text()).toContain('Chart');
    for (const path of [
      '/static/..%2f..%2fpackage.json',
      '/static/%2e%2e/%2e%2e/package.json',
      '/static/..%5c..%5cpackage.json',
      '/static/app.js%00.json',
      '/static//etc/passwd',
    ]) {
      const r = await getJson(base, path);
      expect({ path, status: r.status }).toEqual({ path, status: 404 });
      expect(JSON.stringify(r.body)).not.toContain('"name": "movalytics"');
    }
    // A raw request line with dot segments (fetch would normalise them away).
    const raw = await rawGet(server.port, '/static/../../package.json');
    expect(raw).toMatch(/^HTTP\/1\.1 404/);
    expect(raw).not.toContain('"movalytics"');
  });

  it('while a `movalytics run` holds the DuckDB file: the last answers, marked stale, and a 503 naming the holder for anything not read before', async () => {
    const warm = await getJson(base, '/api/answers');
    expect(warm.status).toBe(200);
    // A real run in another process that holds the file for 4 s after staging (it finds nothing new to load).
    const child = spawn(
      process.execPath,
      [
        join(repoRoot, 'dist/cli/bin.js'),
        'run',
        '--input',
        data,
        '--warehouse',
        warehouse,
        '--staging',
        join(dir, 'staging'),
      ],
      {
        env: { ...process.env, MOVALYTICS_FAILPOINT: 'sleep-after:stage.files:4000' },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    // Wait until the run holds the file (its lock sidecar names it).
    const sidecar = `${warehouse}.lock.json`;
    for (let i = 0; i < 200; i++) {
      if (existsSync(sidecar) && readFileSync(sidecar, 'utf8').includes(`"pid":${child.pid}`)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    // The run has not changed a byte yet; make the file look changed, so the cached answers are out of date.
    const now = new Date();
    utimesSync(warehouse, now, now);
    const stale = await getJson(base, '/api/answers');
    expect(stale.status).toBe(200);
    expect(stale.headers.get('x-movalytics-stale')).toBe('1');
    expect(stale.headers.get('x-movalytics-busy')).toContain(`PID ${child.pid}`);
    expect(stale.body).toEqual(warm.body);
    const cold = await getJson(base, '/api/answers?top=7');
    expect(cold.status).toBe(503);
    expect(cold.body.error).toMatch(new RegExp(`locked by another process \\(PID ${child.pid}`));
    expect(await exited).toBe(0);
    expect(stderr).not.toMatch(/locked/);
    // After the run: fresh reads again.
    const after = await getJson(base, '/api/answers?top=7');
    expect(after.status).toBe(200);
    expect(after.headers.get('x-movalytics-stale')).toBeNull();
  });

  it('lets go of the file between requests, so a run started while it is idle succeeds', async () => {
    expect((await getJson(base, '/api/status')).status).toBe(200);
    await new Promise((r) => setTimeout(r, 400));
    let stderr = '';
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(
        process.execPath,
        [
          join(repoRoot, 'dist/cli/bin.js'),
          'run',
          '--input',
          data,
          '--warehouse',
          warehouse,
          '--staging',
          join(dir, 'staging'),
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', resolve);
    });
    expect(code).toBe(0);
    expect(stderr).not.toMatch(/locked|error/i);
  });

  it('a lineage whose staged raw file is gone answers with a note saying so, and the server stays up', async () => {
    const emptyStaging = join(dir, 'empty-staging');
    mkdirSync(emptyStaging);
    const other = await startServer({
      access: new WarehouseAccess({ location: { kind: 'duckdb', path: warehouse } }),
      host: '127.0.0.1',
      port: 0,
      staging: emptyStaging,
    });
    try {
      const r = await getJson(other.url, `/api/lineage/movie/${topMovie.movieId}`);
      expect(r.status).toBe(200);
      expect(r.body.movieId).toBe(topMovie.movieId);
      expect(r.body.metadata).toMatchObject({ line: null, raw: null });
      expect(r.body.metadata.note).toMatch(
        /raw\/[0-9a-f]{64} of movies_metadata\.csv is not in the staging area/,
      );
      expect((await getJson(other.url, '/api/status')).status).toBe(200);
    } finally {
      await other.close();
    }
  });

  it('lets go of the file the moment a burst of reads ends: a writer opening right after is never refused', async () => {
    const probe = await startWriterProbe(warehouse);
    try {
      for (let top = 3; top < 6; top++) {
        const burst = await Promise.all(
          ['/api/status', `/api/answers?top=${top}`, `/api/runs?limit=${top}`].map((p) => getJson(base, p)),
        );
        expect(burst.map((r) => r.status)).toEqual([200, 200, 200]);
        expect(await probe.open()).toBe('ok');
      }
    } finally {
      probe.stop();
    }
  });

  describe.skipIf(!browserOk)('in headless Chromium', () => {
    let browser: Browser;
    const shots = tempDir('serve-shots');
    beforeAll(async () => {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
    });
    afterAll(async () => {
      await browser?.close();
    });

    /** Opens a page, waits for it to draw, and returns it with every console error, page error and foreign request. */
    async function open(
      path: string,
    ): Promise<{ page: Page; problems: string[]; close: () => Promise<void> }> {
      const context = await browser.newContext({ viewport: { width: 1300, height: 900 } });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`console.${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      page.on('request', (r) => {
        if (!r.url().startsWith(base)) problems.push(`request outside the server: ${r.url()}`);
      });
      await page.goto(new URL(path, base).href);
      await page.waitForSelector('html[data-state="ready"]', { timeout: 30_000 });
      return { page, problems, close: () => context.close() };
    }
    /** Polls `expr` in the page (the page's CSP forbids eval, so Playwright's waitForFunction cannot run there). */
    async function waitUntil(page: Page, expr: string): Promise<void> {
      for (let i = 0; i < 300; i++) {
        if (await page.evaluate<boolean>(expr)) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`timed out waiting for ${expr}`);
    }
    const chartData = (page: Page, id: string): Promise<{ labels: string[]; data: (number | null)[] }> =>
      page.evaluate(
        `(() => { const c = window.Chart.getChart(document.getElementById(${JSON.stringify(id)}));
                  return { labels: c.data.labels, data: c.data.datasets[0].data }; })()`,
      );

    /** A drawn chart's axes: the title of each, and the value axis's drawn range. */
    const chartAxes = (page: Page, id: string): Promise<{ titles: string[]; min: number; max: number }> =>
      page.evaluate(
        `(() => { const c = window.Chart.getChart(document.getElementById(${JSON.stringify(id)}));
                  const value = c.options.indexAxis === 'y' ? c.scales.x : c.scales.y;
                  return { titles: [c.scales.x, c.scales.y].map((s) => s.options.title.display ? s.options.title.text : ''),
                           min: value.min, max: value.max }; })()`,
      );

    it('the dashboard charts have axis titles, and the Q3 axis spans every confidence interval', async () => {
      const { page, problems, close } = await open('/');
      try {
        for (const id of ['chart-q1', 'chart-q2', 'chart-q3', 'chart-q4'])
          for (const title of (await chartAxes(page, id)).titles)
            expect({ id, title }).not.toEqual({ id, title: '' });
        const a = await cli();
        const q3 = await chartAxes(page, 'chart-q3');
        const ci = a.q3.byMonth.filter((g) => g.ciLow !== null);
        expect(ci.length).toBeGreaterThan(0);
        expect(q3.max).toBeGreaterThanOrEqual(Math.max(...ci.map((g) => g.ciHigh!)));
        expect(q3.min).toBeLessThanOrEqual(Math.min(0, ...ci.map((g) => g.ciLow!)));
        expect(problems).toEqual([]);
      } finally {
        await close();
      }
    });

    it('every page loads with no console error (screenshots kept for review)', async () => {
      const pages: [string, string, string][] = [
        ['dashboard', '/', '#q1-rows tbody tr'],
        ['runs', '/runs', '#runs tbody tr'],
        ['run', '/runs/2', '#dag g.dag-node'],
        ['checks', '/checks', '#checks tbody tr'],
        ['quarantine', '/quarantine', '#quarantine tbody tr'],
        ['diff', '/diff?a=1&b=2', '#diff-figures tbody tr'],
        ['lineage', `/lineage/movie/${topMovie.movieId}`, '#metadata-raw'],
      ];
      for (const [name, path, selector] of pages) {
        const { page, problems, close } = await open(path);
        try {
          expect(await page.locator('#page-error').count()).toBe(0);
          expect(await page.locator(selector).count()).toBeGreaterThan(0);
          await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
          expect({ name, problems }).toEqual({ name, problems: [] });
        } finally {
          await close();
        }
      }
      if (process.env.MOVALYTICS_SERVE_SHOTS)
        for (const f of ['dashboard', 'runs', 'run', 'checks', 'quarantine', 'diff', 'lineage'])
          writeFileSync(
            join(process.env.MOVALYTICS_SERVE_SHOTS, `${f}.png`),
            readFileSync(join(shots, `${f}.png`)),
          );
    });

    it('the dashboard charts show the CLI’s numbers, and a parameter change redraws them with the CLI’s numbers for it', async () => {
      const { page, problems, close } = await open('/');
      try {
        const a = await cli();
        expect((await chartData(page, 'chart-q1')).data).toEqual(a.q1.top.map((m) => m.weightedRating));
        expect((await chartData(page, 'chart-q2')).data).toEqual(a.q2.genres.map((g) => g.ratings));
        expect((await chartData(page, 'chart-q3')).data).toEqual(a.q3.byMonth.map((g) => g.meanRevenue));
        expect((await chartData(page, 'chart-q4')).data).toEqual(a.q4.genres.map((g) => g.realRevenue));
        expect(await page.textContent('#status')).toMatch(
          /last run #\d+\s*(success|unchanged).*data from run #2/,
        );

        const render = Number(await page.getAttribute('html', 'data-render'));
        await page.fill('input[name=top]', '4');
        await page.fill('input[name=minVotes]', '15');
        await page.fill('input[name=cpiBase]', '2005-06');
        await page.selectOption('select[name=cpiSplice]', 'CPIAUCNS');
        await waitUntil(
          page,
          `Number(document.documentElement.getAttribute('data-render')) > ${render} &&
           document.documentElement.getAttribute('data-state') === 'ready' &&
           new URLSearchParams(location.search).get('cpiSplice') === 'CPIAUCNS'`,
        );
        const b = await cli([
          '--top',
          '4',
          '--min-votes',
          '15',
          '--cpi-base',
          '2005-06',
          '--cpi-splice',
          'CPIAUCNS',
        ]);
        expect((await chartData(page, 'chart-q1')).data).toEqual(b.q1.top.map((m) => m.weightedRating));
        expect(await page.locator('#q1-rows tbody tr').count()).toBe(4);
        expect((await chartData(page, 'chart-q4')).data).toEqual(b.q4.genres.map((g) => g.realRevenue));
        expect(b.q4.genres.map((g) => g.realRevenue)).not.toEqual(a.q4.genres.map((g) => g.realRevenue));

        await page.selectOption('select[name=q3]', 'quarter');
        const q3 = await chartData(page, 'chart-q3');
        expect(q3.labels).toHaveLength(4);
        expect(q3.data).toEqual(b.q3.byQuarter.map((g) => g.meanRevenue));
        expect(page.url()).toContain('q3=quarter');

        // A bad value shows the API's message, not a broken page.
        await page.fill('input[name=alpha]', '7');
        await page.waitForSelector('#params-note.error');
        expect(await page.textContent('#params-note')).toMatch(/alpha/);
        expect(problems.filter((p) => !p.includes('400'))).toEqual([]);
      } finally {
        await close();
      }
    });

    it('the diff page shows the incremental ratings file, the rating table’s growth and the answers that moved', async () => {
      const { page, problems, close } = await open('/diff');
      try {
        const files = await page.innerText('#diff-files');
        expect(files).toMatch(/ratings_update\.csv\s+added/);
        // 400 ratings by new users: all added, none updated or deleted (recorded at publish, issue 22).
        expect(await page.innerText('#diff-tables')).toMatch(
          /movies\.rating\s+[\d,]+\s+[\d,]+\s+\+400\s+400\s+0\s+0/,
        );
        const q1 = await page.innerText('#diff-q1');
        expect(q1).toContain(topMovie.title ?? '');
        expect(q1).toMatch(/left|▼/);
        expect(
          Number(/\((\d+)\)/.exec(await page.innerText('h2:has-text("Every changed figure")'))?.[1]),
        ).toBeGreaterThan(0);
        expect(problems).toEqual([]);
      } finally {
        await close();
      }
    });

    it('a drill-down from the top Q1 movie reaches its movies_metadata.csv line', async () => {
      const { page, problems, close } = await open('/');
      try {
        const link = page.locator('#q1-rows tbody tr:first-child a.movie');
        const movieId = Number((await link.getAttribute('href'))!.split('/').pop());
        await link.click();
        await page.waitForURL(/\/lineage\/movie\/\d+$/);
        await page.waitForSelector('#metadata-raw');
        const where = await page.textContent('#metadata-where');
        const line = Number(/line (\d+)/.exec(where ?? '')?.[1]);
        const raw = await page.textContent('#metadata-raw');
        const fileLines = readFileSync(join(data, 'movies_metadata.csv'), 'utf8').split(/\r?\n/);
        expect(raw!.split('\n')[0]).toBe(fileLines[line - 1]);
        expect(fileLines[line - 1]).toContain(`,${movieId},`);
        expect(problems).toEqual([]);
      } finally {
        await close();
      }
    });

    it('a click from a Q2, Q3 and Q4 figure reaches the movies behind it, which add up to it, and on to a movie’s ratings by file', async () => {
      const a = await cli();
      const int = new Intl.NumberFormat('en-US');
      const usd = new Intl.NumberFormat('en-US', {
        style: 'currency',
        currency: 'USD',
        maximumFractionDigits: 0,
      });
      const { page, problems, close } = await open('/');
      try {
        // Q2: the top genre's ratings figure → its movies, whose ratings add up to it.
        const q2 = page.locator('#q2-rows tbody tr:first-child a.drill');
        expect(await q2.textContent()).toBe(int.format(a.q2.genres[0]!.ratings));
        await q2.click();
        await page.waitForURL(/\/lineage\/q2\?genre=/);
        await page.waitForSelector('html[data-state="ready"] #drill-rows');
        const figure = int.format(a.q2.genres[0]!.ratings);
        expect(await page.textContent('#drill-figure')).toContain(`${figure} ratings`);
        expect(await page.textContent('#drill-sum')).toContain(`add up to ${figure}.`);
        const cells = await page.locator('#drill-rows tbody tr td:nth-child(2)').allTextContents();
        expect(cells.reduce((t, c) => t + Number(c.replace(/,/g, '')), 0)).toBe(a.q2.genres[0]!.ratings);
        // … and on to the first movie's lineage: its ratings per file add up to the ratings that reach it.
        await page.locator('#drill-rows tbody tr:first-child a.movie').click();
        await page.waitForURL(/\/lineage\/movie\/\d+$/);
        await page.waitForSelector('html[data-state="ready"] #ratings-by-file');
        const movieId = Number(page.url().split('/').pop());
        const lineage = (await getJson(base, `/api/lineage/movie/${movieId}`)).body;
        const perFile = await page.locator('#ratings-by-file tbody tr td:nth-child(4)').allTextContents();
        expect(perFile.reduce((t, c) => t + Number(c.replace(/,/g, '')), 0)).toBe(lineage.mappedRatings);

        // Q3: the first month's movie count → its revenue movies.
        await page.goto(new URL('/', base).href);
        await page.waitForSelector('html[data-state="ready"] #q3-rows a.drill');
        await page.locator('#q3-rows tbody tr:first-child a.drill').click();
        await page.waitForURL(/\/lineage\/q3\?month=1$/);
        await page.waitForSelector('html[data-state="ready"] #drill-rows');
        const jan = a.q3.byMonth[0]!;
        expect(await page.textContent('#drill-figure')).toContain(
          `${int.format(jan.movies)} revenue movies, mean revenue ${usd.format(jan.meanRevenue!)}`,
        );
        expect(await page.locator('#drill-rows tbody tr').count()).toBe(Math.min(jan.movies, 500));

        // Q4: the top genre's real revenue → its movies with CPI month, factor and real revenue.
        await page.goto(new URL('/', base).href);
        await page.waitForSelector('html[data-state="ready"] #q4-rows a.drill');
        const q4 = page.locator('#q4-rows tbody tr:first-child a.drill');
        expect(await q4.textContent()).toBe(usd.format(a.q4.genres[0]!.realRevenue));
        await q4.click();
        await page.waitForURL(/\/lineage\/q4\?genre=.*cpiBase=/);
        await page.waitForSelector('html[data-state="ready"] #drill-rows');
        expect(await page.textContent('#drill-sum')).toContain(
          `add up to ${usd.format(a.q4.genres[0]!.realRevenue)}.`,
        );
        expect(problems).toEqual([]);
      } finally {
        await close();
      }
    });
  });
});

/** Sends a GET with `path` verbatim in the request line (no client-side normalisation). */
async function rawGet(port: number, path: string): Promise<string> {
  const { connect } = await import('node:net');
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
    });
    let out = '';
    socket.on('data', (d: Buffer) => (out += d.toString()));
    socket.on('end', () => resolve(out));
    socket.on('error', reject);
  });
}

describe('the pipeline monitor after a failed run', () => {
  const dir = tempDir('serve-monitor');
  let server: RunningServer;
  beforeAll(async () => {
    const data = join(dir, 'data');
    const warehouse = join(dir, 'w.duckdb');
    await generateDataset({ out: data, movies: 150, ratings: 1_500, seed: 6 });
    await publish(dir, data, warehouse);
    writeFileSync(
      join(data, 'ratings_more.csv'),
      'userId,movieId,rating,timestamp\r\n777777,1,4.0,1600000000\r\n',
    );
    const config = loadConfig({
      cwd: dir,
      overrides: { input: data, warehouse, staging: join(dir, 'staging') },
    });
    // Three shards, the second failing: the monitor shows load.ratings [2/3] as one failed node.
    await expect(
      withFailpoint('fail-after:load.ratings[1]', () => runPipeline({ ...config, shards: 3 })),
    ).rejects.toThrow(/simulated permanent failure after load\.ratings\[1\]/);
    server = await startServer({
      access: new WarehouseAccess({ location: { kind: 'duckdb', path: warehouse } }),
      host: '127.0.0.1',
      port: 0,
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('the run API shows the failed task’s error and its skipped dependants', async () => {
    const d = (await getJson(server.url, '/api/runs/2')).body;
    expect(d.run.status).toBe('failed');
    const byTask = Object.fromEntries(d.tasks.map((t: { task: string }) => [t.task, t]));
    expect(byTask['load.ratings[1]']).toMatchObject({
      state: 'failed',
      errorMessage: 'simulated permanent failure after load.ratings[1]',
    });
    expect(d.mapped).toMatchObject([{ task: 'load.ratings', done: 2, total: 3, state: 'failed' }]);
    expect(byTask.publish.state).toMatch(/^(upstream_failed|skipped)$/);
    const logs = (await getJson(server.url, '/api/runs/2/logs?task=load.ratings[0]')).body.lines;
    expect(logs.map((l: { line: string }) => l.line).join('\n')).toMatch(/load\.ratings/);
    const bad = await getJson(server.url, '/api/runs/2/logs?task=publish[1]');
    expect(bad.status).toBe(400);
  });

  it.skipIf(!browserOk)(
    'the run page draws the DAG coloured by state, the error, the timeline and the log lines',
    async () => {
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--no-sandbox', '--disable-gpu'],
      });
      try {
        const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
        const problems: string[] = [];
        page.on('console', (m) => {
          if (m.type() === 'error') problems.push(m.text());
        });
        page.on('pageerror', (e) => problems.push(e.message));
        await page.goto(new URL('/runs/2', server.url).href);
        await page.waitForSelector('html[data-state="ready"]');
        expect(await page.getAttribute('#dag g[data-task="load.ratings"]', 'data-state')).toBe('failed');
        expect(await page.textContent('#dag g[data-task="load.ratings"]')).toContain('load.ratings [2/3]');
        expect(await page.locator('#dag g.dag-node').count()).toBe(4);
        expect(await page.innerText('#tasks')).toContain('load.ratings [2/3]');
        expect(await page.locator('#shards-load\\.ratings tbody tr').count()).toBe(3);
        expect(await page.getAttribute('#dag g[data-task="publish"]', 'data-state')).toMatch(
          /^(upstream_failed|skipped)$/,
        );
        expect(await page.getAttribute('#dag g[data-task="stage.files"]', 'data-state')).toBe('success');
        const fill = await page.getAttribute('#dag g[data-task="load.ratings"] rect', 'fill');
        expect(fill).not.toBe(await page.getAttribute('#dag g[data-task="stage.files"] rect', 'fill'));
        expect(await page.innerText('#run-errors')).toContain(
          'load.ratings[1] (attempt 1): TaskError: simulated permanent failure after load.ratings[1]',
        );
        expect(await page.locator('#timeline rect').count()).toBeGreaterThanOrEqual(2);
        await page.selectOption('#log-task', 'load.ratings[0]');
        expect(await page.innerText('#logs')).toMatch(/load\.ratings\[0\]#1/);
        expect(await page.innerText('#logs')).not.toMatch(/stage\.files#1/);
        await page.screenshot({ path: join(dir, 'run-failed.png'), fullPage: true });
        if (process.env.MOVALYTICS_SERVE_SHOTS)
          writeFileSync(
            join(process.env.MOVALYTICS_SERVE_SHOTS, 'run-failed.png'),
            readFileSync(join(dir, 'run-failed.png')),
          );
        expect(problems).toEqual([]);
      } finally {
        await browser.close();
      }
    },
  );
});

describe('the token', () => {
  const dir = tempDir('serve-token');
  const token = 's3cret-token-value';
  let server: RunningServer;
  const logged: string[] = [];
  beforeAll(async () => {
    const warehouse = join(dir, 'w.duckdb');
    await generateDataset({ out: join(dir, 'data'), movies: 120, ratings: 800, seed: 3 });
    await publish(dir, join(dir, 'data'), warehouse);
    server = await startServer({
      access: new WarehouseAccess({ location: { kind: 'duckdb', path: warehouse } }),
      host: '127.0.0.1',
      port: 0,
      token,
      log: (l) => logged.push(l),
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('is required on every request, API, pages and static files alike', async () => {
    for (const path of ['/api/status', '/api/answers', '/', '/runs', '/static/app.js', '/nothing']) {
      const r = await getJson(server.url, path);
      expect({ path, status: r.status }).toEqual({ path, status: 401 });
      expect(JSON.stringify(r.body)).not.toContain(token);
    }
    const wrong = await getJson(server.url, '/api/status', {
      headers: { Authorization: 'Bearer s3cret-token-valuf' },
    });
    expect(wrong.status).toBe(401);
    const short = await getJson(server.url, '/api/status', { headers: { Authorization: 'Bearer s3cret' } });
    expect(short.status).toBe(401);
  });

  it('is accepted as a bearer token, and as a one-time ?token= link that becomes an HttpOnly cookie', async () => {
    const ok = await getJson(server.url, '/api/status', { headers: { Authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    const link = await getJson(server.url, `/runs?token=${token}`);
    expect(link.status).toBe(303);
    expect(link.headers.get('location')).toBe('/runs');
    const cookie = link.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const page = await getJson(server.url, '/runs', { headers: { Cookie: cookie.split(';')[0]! } });
    expect(page.status).toBe(200);
    // The API never accepts it in the URL (it would end up in logs).
    expect((await getJson(server.url, `/api/status?token=${token}`)).status).toBe(401);
    expect(logged.join('\n')).not.toContain(token);
  });
});

describe('the CLI', () => {
  const dir = tempDir('serve-cli');

  it('refuses a non-loopback host without a token, a bad port and a missing warehouse, in one line each', async () => {
    const saved = process.env.MOVALYTICS_TOKEN;
    delete process.env.MOVALYTICS_TOKEN;
    try {
      const host = await runCli(['serve', '--host', '0.0.0.0', '--warehouse', join(dir, 'w.duckdb')]);
      expect(host.code).toBe(2);
      expect(host.stderr).toMatch(
        /^movalytics: --host 0\.0\.0\.0 is reachable from other machines: set a token/,
      );
      const port = await runCli(['serve', '--port', 'http', '--warehouse', join(dir, 'w.duckdb')]);
      expect(port.code).toBe(2);
      expect(port.stderr).toMatch(/--port "http" is not a port number/);
      const missing = await runCli(['serve', '--port', '0', '--warehouse', join(dir, 'none.duckdb')]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/none\.duckdb not found: run `movalytics run` first/);
      for (const r of [host, port, missing]) expect(r.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      if (saved !== undefined) process.env.MOVALYTICS_TOKEN = saved;
    }
  });

  it('serves until SIGTERM, prints its URL but never the token', async () => {
    const warehouse = join(dir, 'w.duckdb');
    await generateDataset({ out: join(dir, 'data'), movies: 120, ratings: 800, seed: 4 });
    await publish(dir, join(dir, 'data'), warehouse);
    const child = spawn(
      process.execPath,
      [join(repoRoot, 'dist/cli/bin.js'), 'serve', '--port', '0', '--warehouse', warehouse],
      {
        env: { ...process.env, MOVALYTICS_TOKEN: 'env-token-123456' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.on('close', () => reject(new Error(`serve exited: ${err}`)));
    });
    const r = await fetch(new URL('/api/status', url), {
      headers: { Authorization: 'Bearer env-token-123456' },
    });
    expect(r.status).toBe(200);
    expect((await fetch(new URL('/api/status', url))).status).toBe(401);
    const code = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.kill('SIGTERM');
    expect(await code).toBe(0);
    expect(out).toContain('token required');
    expect(out + err).not.toContain('env-token-123456');
    // The reader left no lock behind: the file opens read-write again.
    const wh = await openWarehouse({ kind: 'duckdb', path: warehouse });
    await wh.close();
  });
});

describe('serve --schedule', () => {
  const dir = tempDir('serve-schedule');

  it('runs the pipeline on the schedule in the same process, serves its runs, and drains on SIGTERM', async () => {
    await generateDataset({ out: join(dir, 'data'), movies: 120, ratings: 800, seed: 9 });
    const warehouse = join(dir, 'sched.duckdb'); // does not exist yet: the first scheduled run creates it
    const child = spawn(
      process.execPath,
      [
        join(repoRoot, 'dist/cli/bin.js'),
        'serve',
        '--port',
        '0',
        '--warehouse',
        warehouse,
        '--staging',
        join(dir, 'staging'),
        '--schedule',
        // Once a minute, two seconds from now: one scheduled run during the test, then the server reads freely.
        `${(new Date().getSeconds() + 2) % 60} * * * * *`,
        '--input',
        join(dir, 'data'),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const ran = new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        if (/schedule: run \d+ success/.test(err)) resolve();
      });
      child.on('close', () => reject(new Error(`serve exited: ${err}`)));
    });
    await ran;
    const url = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)![1]!;
    const runs = (await (await fetch(new URL('/api/runs', url))).json()) as {
      runs: { runId: number; status: string; triggeredBy: string }[];
    };
    expect(runs.runs.find((r) => r.status === 'success')).toMatchObject({ triggeredBy: 'schedule' });
    const code = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.kill('SIGTERM');
    expect(await code).toBe(0);
  });
});

describe.each(engines.filter((e) => e.name === 'postgres'))('movalytics serve over $name', (engine) => {
  const dir = tempDir('serve-pg');
  let server: RunningServer;
  let warehouse: string;
  beforeAll(async () => {
    warehouse = await engine.fresh(dir);
    await generateDataset({ out: join(dir, 'data'), movies: 300, ratings: 5_000, seed: 8 });
    await publish(dir, join(dir, 'data'), warehouse);
    server = await startServer({
      access: new WarehouseAccess({ location: locationOf(warehouse) }),
      host: '127.0.0.1',
      port: 0,
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers exactly as the CLI does, and every endpoint works', async () => {
    const r = await getJson(server.url, '/api/answers?top=5&minVotes=10');
    expect(r.status).toBe(200);
    expect(withoutGeneratedAt(r.body as Answers)).toEqual(
      await cliAnswers(warehouse, ['--top', '5', '--min-votes', '10']),
    );
    for (const path of ['/api/status', '/api/runs', '/api/runs/1', '/api/checks', '/api/quarantine'])
      expect({ path, status: (await getJson(server.url, path)).status }).toEqual({ path, status: 200 });
    expect((await getJson(server.url, '/api/status')).body.warehouse.kind).toBe('postgres');
  });
});
