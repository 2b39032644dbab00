// One measured step of the benchmark, in its own process so its peak RSS is its own. Prints one JSON line.
// Usage: node bench/child.mjs floor <ratings.csv> <db> | run <input> <warehouse> <staging> [concurrency] | answers <warehouse>
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
  const summary = await runPipeline(loadConfig({ overrides: { input, warehouse, staging } }), {
    ...(concurrency ? { concurrency: Number(concurrency) } : {}),
    listener: (e) => {
      // DAG tasks and the steps inside them (load.model, check.quality, answers.marts run inside publish).
      if (e.type === 'task.end') tasks[e.task] = Math.round(e.ms);
      if (e.type === 'step.end') tasks[e.step] = Math.round(e.ms);
    },
  });
  extra = {
    status: summary.status,
    tasks,
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
