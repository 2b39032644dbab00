// `npm run bench`: full-scale benchmark of the pipeline. Generates (once, cached) The Movies Dataset at real size,
// then measures in one run: (a) the floor — DuckDB CREATE TABLE AS SELECT * FROM read_csv of ratings.csv alone;
// (b) a cold `movalytics run`; (c) a re-run with no changes; (d) a run after adding a file with 1% new/updated
// ratings; (e) a run where only a CPI file changed (no rating written: the rating checks must not rescan 26M rows);
// (f) a run where only movies_metadata changed (the rating marts must not be rebuilt from every rating);
// and the warm time of each answer. Prints times, ratios to the floor and peak RSS; writes
// bench/results.json. Each step runs in its own process so its peak RSS is its own.
// (g) the CLI's start-up against bare node (bench/startup.mjs). Other modes: `-- --startup` (that step alone),
// `-- --warehouse postgres` (bench/postgres.mjs), `-- --executor bullmq [--ratings N]`
// (bench/bullmq.mjs), `-- --scale N` (bench/scale.mjs: N× the ratings against 1×; with `--warehouse postgres`,
// bench/scale-workers.mjs: PostgreSQL + S3 + two workers, peak RSS per process).
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  createReadStream,
} from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { changeCpi, changeMovies } from './changes.mjs';
import { ensureFullDataset } from './generate.mjs';
import { measureStartup, startupLines } from './startup.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const work = join(here, 'data', 'work');
const TARGETS = {
  cold: 2.0,
  rerun: 0.3,
  incremental: 0.5,
  /** Issue 21: a +1 % ratings file in at most this share of the cold run (and ≤ `incremental` of the floor). */
  incrementalToCold: 0.15,
  rssMiB: 2048,
  answerMs: 50,
  apiMs: 100,
  paintMs: 1000,
};

function step(...args) {
  const out = execFileSync(process.execPath, [join(here, 'child.mjs'), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out.trim().split('\n').pop());
}

/** Writes a ratings file of ~1% of the ratings: half update existing pairs (later timestamp), half are new. */
async function writeIncrement(ratingsCsv, out, total) {
  const want = Math.round(total * 0.01);
  const every = Math.floor(total / (want / 2));
  const lines = ['userId,movieId,rating,timestamp'];
  let i = 0;
  const rl = createInterface({ input: createReadStream(ratingsCsv), crlfDelay: Infinity });
  for await (const line of rl) {
    if (i++ === 0 || i % every !== 0) continue;
    const [u, m, , ts] = line.split(',');
    lines.push(`${u},${m},${(((i >> 3) % 10) + 1) * 0.5},${Number(ts) + 86_400}`);
    if (lines.length > want / 2) break;
  }
  // New ratings: fresh users (beyond the generated range) rating existing movies.
  const movieIds = lines.slice(1).map((l) => l.split(',')[1]);
  for (let k = 0; lines.length <= want; k++)
    lines.push(
      `${10_000_000 + (k >> 4)},${movieIds[k % movieIds.length]},${((k % 10) + 1) * 0.5},1600000000`,
    );
  writeFileSync(out, lines.join('\r\n') + '\r\n');
  return lines.length - 1;
}

const executorArg = process.argv.indexOf('--executor');
if (executorArg >= 0 && process.argv[executorArg + 1] === 'bullmq') {
  // The queue's overhead (npm run bench -- --executor bullmq [--ratings N]), or with --shards N the map phase on two
  // pinned workers against one; see bench/bullmq.mjs.
  const { benchBullmq, smallInput } = await import('./bullmq.mjs');
  const r = process.argv.indexOf('--ratings');
  mkdirSync(work, { recursive: true });
  const small = r >= 0 ? smallInput(here, Number(process.argv[r + 1])) : null;
  const full = small === null ? (await ensureFullDataset({ log: (m) => console.error(m) })).dir : null;
  const sh = process.argv.indexOf('--shards');
  await benchBullmq({
    here,
    input: small ?? full,
    work,
    shards: sh >= 0 ? Number(process.argv[sh + 1]) : null,
  });
  process.exit(0);
}
if (process.argv.includes('--startup')) {
  // npm run bench -- --startup: the CLI's start-up against bare node, alone (no dataset needed).
  const s = measureStartup();
  for (const line of startupLines(s)) console.log(line);
  process.exit(0);
}
const scaleArg = process.argv.indexOf('--scale');
if (scaleArg >= 0) {
  // npm run bench -- --scale N: the DuckDB cold run on N× the ratings (generated once and cached), against the
  // 1× cold run measured in the same bench: time ratio and the whole process's peak RSS. See bench/scale.mjs.
  // With --warehouse postgres: PostgreSQL + S3 + two BullMQ workers instead (bench/scale-workers.mjs).
  const scale = Number(process.argv[scaleArg + 1]);
  if (process.argv.includes('--warehouse')) {
    const { benchScaleWorkers } = await import('./scale-workers.mjs');
    await benchScaleWorkers({ here, work, scale });
  } else {
    const { benchScale } = await import('./scale.mjs');
    await benchScale({ here, work, step, scale });
  }
  process.exit(0);
}
if (!process.argv.includes('--warehouse') && !existsSync(CHROMIUM)) {
  // The serve step measures the dashboard's first paint in Chromium: say so now, not after minutes of measuring.
  console.error(
    `bench: the serve step needs Chromium at ${CHROMIUM} (Debian: apt-get install chromium; .ci/run installs it)`,
  );
  process.exit(2);
}
const {
  dir,
  truth,
  seconds: genSeconds,
  maxRssMiB: genRss,
  generated,
} = await ensureFullDataset({
  force: process.argv.includes('--regenerate'),
  log: (m) => console.error(m),
});
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const input = join(work, 'input');
mkdirSync(input);
for (const f of readdirSync(dir)) if (f.endsWith('.csv')) symlinkSync(join(dir, f), join(input, f));
if (process.argv.includes('--warehouse')) {
  // The PostgreSQL benchmark (npm run bench -- --warehouse postgres[://url]): its own floor, runs and results file.
  const { benchPostgres } = await import('./postgres.mjs');
  await benchPostgres({ here, dir, input, work, truth, step, writeIncrement });
  process.exit(0);
}
const warehouse = join(work, 'movalytics.duckdb');
const staging = join(work, 'staging');

console.error('measuring (a) floor: DuckDB CTAS of ratings.csv …');
const floor = step('floor', join(dir, 'ratings.csv'), join(work, 'floor.duckdb'));
rmSync(join(work, 'floor.duckdb'), { force: true });
console.error('measuring (b0) cold run with one task at a time (the old fixed sequence) …');
const sequence = step('run', input, join(work, 'sequence.duckdb'), join(work, 'sequence-staging'), '1');
rmSync(join(work, 'sequence.duckdb'), { force: true });
rmSync(join(work, 'sequence-staging'), { recursive: true, force: true });
console.error('measuring (b) cold run (the DAG: independent tasks at once) …');
const cold = step('run', input, warehouse, staging);
console.error('measuring (c) re-run, no changes …');
const rerun = step('run', input, warehouse, staging);
const incrementRows = await writeIncrement(
  join(dir, 'ratings.csv'),
  join(input, 'ratings_increment.csv'),
  truth.ratings.count,
);
console.error(
  `measuring (d) run after adding ratings_increment.csv (${incrementRows.toLocaleString('en-US')} rows) …`,
);
const incremental = step('run', input, warehouse, staging);
// (e) Only CPIAUCNS.csv changes (its last month dropped): a run that loads files but writes no rating.
changeCpi(input);
console.error('measuring (e) run after a CPI-only change …');
const cpiOnly = step('run', input, warehouse, staging);
// (f) Only movies_metadata.csv changes (a movie added): the rating marts must not be rebuilt from 26M ratings.
changeMovies(input);
console.error('measuring (f) run after a movies-only change …');
const moviesOnly = step('run', input, warehouse, staging);
console.error('measuring answers (warm median of 7) …');
const answers = step('answers', warehouse);
console.error('measuring the CLI start-up (median of 9, against bare node) …');
const startup = measureStartup({ warehouse });
console.error('measuring serve: API cold/warm and first paint …');
const serve = step('serve', warehouse, staging);

const ratio = (x) => Math.round((x.ms / floor.ms) * 100) / 100;
const results = {
  measuredAt: new Date().toISOString(),
  machine: { cpus: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
  dataset: {
    ratings: truth.ratings.count,
    movies: truth.movies.distinctIds,
    users: truth.ratings.users,
    generatedNow: generated,
    generateSeconds: genSeconds,
    generateMaxRssMiB: genRss,
  },
  floor,
  sequence: { ...sequence, ratio: ratio(sequence) },
  cold: { ...cold, ratio: ratio(cold), target: TARGETS.cold },
  dagSavedMs: sequence.ms - cold.ms,
  rerun: { ...rerun, ratio: ratio(rerun), target: TARGETS.rerun },
  incremental: {
    ...incremental,
    rows: incrementRows,
    ratio: ratio(incremental),
    target: TARGETS.incremental,
    toCold: Math.round((incremental.ms / cold.ms) * 100) / 100,
    targetToCold: TARGETS.incrementalToCold,
  },
  cpiOnly: { ...cpiOnly, checkQualityMs: cpiOnly.tasks['check.quality'] ?? null },
  moviesOnly,
  answers: { ...answers, targetMs: TARGETS.answerMs },
  startup,
  serve: { ...serve, targetApiWarmMs: TARGETS.apiMs, targetFirstPaintMs: TARGETS.paintMs },
  peakRssMiB: Math.max(...[cold, rerun, incremental, cpiOnly, moviesOnly].map((r) => r.maxRssMiB)),
  targetRssMiB: TARGETS.rssMiB,
};
writeFileSync(join(here, 'results.json'), JSON.stringify(results, null, 2) + '\n');

const row = (name, r, target) =>
  `${name.padEnd(34)} ${(r.ms / 1000).toFixed(2).padStart(7)} s  ${r.ratio === undefined ? '       ' : `${r.ratio.toFixed(2).padStart(5)}×`}${target === undefined ? '' : ` (target ≤ ${target}×${r.ms <= target * floor.ms ? ', met' : ', MISSED'})`}  peak RSS ${r.maxRssMiB} MiB`;
console.log(
  `Full scale: ${truth.ratings.count.toLocaleString('en-US')} ratings, ${truth.movies.distinctIds.toLocaleString('en-US')} movies; ${cpus().length} cores`,
);
console.log(
  genSeconds === null
    ? 'generation: cached (npm run bench -- --regenerate to measure it)'
    : `generation${generated ? '' : ' (cached; figures from when it was made)'}: ${genSeconds.toFixed(1)} s, peak RSS ${Math.round(genRss)} MiB`,
);
console.log(row('(a) floor: DuckDB CTAS read_csv', floor));
console.log(row('(b0) cold run, one task at a time', results.sequence));
console.log(row('(b) cold movalytics run (DAG)', results.cold, TARGETS.cold));
console.log(
  `    the DAG's concurrency saved ${((sequence.ms - cold.ms) / 1000).toFixed(2)} s (${(((sequence.ms - cold.ms) / sequence.ms) * 100).toFixed(1)}%) against one task at a time`,
);
console.log(`    tasks: ${JSON.stringify(cold.tasks)}`);
console.log(row('(c) re-run, no changes', results.rerun, TARGETS.rerun));
console.log(row('(d) +1% ratings file', results.incremental, TARGETS.incremental));
// Judged on the unrounded times, like the rows: 0.152× prints as 0.15× but misses a 0.15× target.
console.log(
  `    ${results.incremental.toCold}× the cold run (target ≤ ${TARGETS.incrementalToCold}×, ${incremental.ms <= TARGETS.incrementalToCold * cold.ms ? 'met' : 'MISSED'})`,
);
console.log(`    tasks: ${JSON.stringify(incremental.tasks)}`);
console.log(row('(e) CPI-only change', cpiOnly));
console.log(row('(f) movies-only change', moviesOnly));
console.log(`    marts: ${moviesOnly.marts}`);
console.log(
  `    check.quality: cold ${cold.tasks['check.quality']} ms, +1% ratings ${incremental.tasks['check.quality']} ms, CPI-only ${cpiOnly.tasks['check.quality']} ms`,
);
console.log(
  `answers warm median (ms): ${JSON.stringify(answers.warmMedianMs)} (target < ${TARGETS.answerMs} ms each)`,
);
for (const line of startupLines(startup)) console.log(line);
const apiWorst = Math.max(...Object.values(serve.api).map((a) => a.warmMs));
console.log(
  `serve: API warm median worst ${apiWorst} ms (target ≤ ${TARGETS.apiMs} ms${apiWorst <= TARGETS.apiMs ? ', met' : ', MISSED'}); first contentful paint ${serve.firstContentfulPaintMs.cold} ms cold, ${serve.firstContentfulPaintMs.warm} ms warm (target ≤ ${TARGETS.paintMs} ms)`,
);
console.log(`    api: ${JSON.stringify(serve.api)}`);
console.log(`peak RSS of a run: ${results.peakRssMiB} MiB (target ≤ ${TARGETS.rssMiB} MiB)`);
console.log(`written: bench/results.json`);
