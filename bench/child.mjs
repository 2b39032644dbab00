// One measured step of the benchmark, in its own process so its peak RSS is its own. Prints one JSON line.
// Usage: node bench/child.mjs floor <ratings.csv> <db> | run <input> <warehouse> <staging> [concurrency] | answers <warehouse> | serve <warehouse> <staging>
// (<warehouse>: a DuckDB path or a postgres:// URL)
import { rmSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const [mode, ...args] = process.argv.slice(2);
const dist = new URL('../dist/', import.meta.url);
const t0 = performance.now();
let extra = {};

if (mode === 'floor') {
  const [csv, db] = args;
  rmSync(db, { force: true });
  rmSync(`${db}.wal`, { force: true });
  const instance = await DuckDBInstance.create(db);
  const conn = await instance.connect();
  await conn.run(`CREATE TABLE ratings AS SELECT * FROM read_csv('${csv}')`);
  conn.closeSync();
  instance.closeSync();
} else if (mode === 'run') {
  const [input, warehouse, staging, concurrency] = args;
  const { loadConfig } = await import(new URL('config/config.js', dist).href);
  const { runPipeline } = await import(new URL('pipeline/run-pipeline.js', dist).href);
  const tasks = {};
  let marts = null;
  const summary = await runPipeline(loadConfig({ overrides: { input, warehouse, staging } }), {
    ...(concurrency ? { concurrency: Number(concurrency) } : {}),
    listener: (e) => {
      // DAG tasks and the steps inside them (load.model, check.quality, answers.marts run inside publish).
      if (e.type === 'task.end') tasks[e.task] = Math.round(e.ms);
      if (e.type === 'step.end') tasks[e.step] = Math.round(e.ms);
      if (e.type === 'step.end' && e.step === 'answers.marts') marts = e.detail ?? null;
    },
  });
  extra = {
    status: summary.status,
    tasks,
    marts,
    loaded: summary.files.filter((f) => f.action === 'load').map((f) => f.name),
  };
} else if (mode === 'answers') {
  const [warehouse] = args;
  const { openWarehouse } = await import(new URL('warehouse/open.js', dist).href);
  const { parseWarehouseLocation } = await import(new URL('warehouse/location.js', dist).href);
  const a = await import(new URL('stages/answers/index.js', dist).href);
  const wh = await openWarehouse(parseWarehouseLocation(warehouse).location);
  const params = a.parseAnswerParams({});
  const cpi = await a.resolveCpiBase(wh, params.cpiBase);
  const fns = {
    q1: () => a.computeQ1(wh, params),
    q2: () => a.computeQ2(wh),
    q3: () => a.computeQ3(wh, params, cpi),
    q4: () => a.computeQ4(wh, cpi),
  };
  const warm = {};
  for (const [q, fn] of Object.entries(fns)) {
    await fn(); // cold
    const times = [];
    for (let i = 0; i < 7; i++) {
      const s = performance.now();
      await fn();
      times.push(performance.now() - s);
    }
    times.sort((x, y) => x - y);
    warm[q] = Math.round(times[3] * 10) / 10;
  }
  await wh.close();
  extra = { warmMedianMs: warm };
} else if (mode === 'serve') {
  // `movalytics serve` over the warehouse: each API endpoint's cold time and warm median of 7, and the dashboard's
  // first contentful paint in headless Chromium (cold server, then warm).
  const [warehouse, staging] = args;
  const { startServer } = await import(new URL('serve/server.js', dist).href);
  const { WarehouseAccess } = await import(new URL('serve/warehouse-access.js', dist).href);
  const { parseWarehouseLocation } = await import(new URL('warehouse/location.js', dist).href);
  const server = await startServer({
    access: new WarehouseAccess({ location: parseWarehouseLocation(warehouse).location }),
    host: '127.0.0.1',
    port: 0,
    staging,
  });
  const paths = [
    '/api/status',
    '/api/answers',
    '/api/answers?top=20&quantile=0.9',
    '/api/runs',
    '/api/runs/1',
    '/api/runs/1/logs',
    '/api/checks',
    '/api/quarantine',
    '/api/diff',
  ];
  const api = {};
  for (const p of paths) {
    const get = async () => {
      const s = performance.now();
      const r = await fetch(new URL(p, server.url));
      await r.arrayBuffer();
      if (r.status !== 200) throw new Error(`${p}: HTTP ${r.status}`);
      return performance.now() - s;
    };
    const cold = await get();
    const times = [];
    for (let i = 0; i < 7; i++) times.push(await get());
    times.sort((x, y) => x - y);
    api[p] = { coldMs: Math.round(cold), warmMs: Math.round(times[3] * 10) / 10 };
  }
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  const paint = [];
  try {
    for (let i = 0; i < 2; i++) {
      const page = await browser.newPage();
      await page.goto(server.url, { waitUntil: 'load' });
      const fcp = await page.evaluate(
        () =>
          new Promise((resolve) => {
            const e = performance.getEntriesByName('first-contentful-paint')[0];
            if (e) return resolve(e.startTime);
            new PerformanceObserver((l) => resolve(l.getEntries()[0].startTime)).observe({
              type: 'paint',
              buffered: true,
            });
          }),
      );
      paint.push(Math.round(fcp));
      await page.close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
  extra = { api, firstContentfulPaintMs: { cold: paint[0], warm: paint[1] } };
} else {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
const ms = performance.now() - t0;
process.stdout.write(
  JSON.stringify({
    mode,
    ms: Math.round(ms),
    maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    ...extra,
  }) + '\n',
);
