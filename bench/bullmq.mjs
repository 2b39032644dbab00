// `npm run bench -- --executor bullmq [--ratings N] [--shards N]`: the queue's overhead. The same cold run into a fresh PostgreSQL
// database with S3 staging (fauxqs, in this process), three ways: in-process, on 1 worker, on 2 workers (BullMQ on
// the Redis at 127.0.0.1:6379). Reports each wall time and the overhead against in-process (target ≤ 10% at 1
// worker). Full scale by default (the cached full dataset); `--ratings N` generates a smaller one instead.
// With `--shards N`: the map phase of the ratings load (first load.ratings[i] start → last end, from the run history)
// on one worker pinned to core 0 (`taskset -c 0`) against two workers pinned one per core, each taking one shard at
// a time — twice: with PostgreSQL free on both cores (the issue's set-up: the database server, which parses and
// writes every COPY row, already has both cores when one worker runs), and with PostgreSQL pinned to the workers'
// cores (each core a whole machine: a worker plus its share of warehouse capacity, as Redshift slices grow with
// nodes). Writes bench/results-bullmq.json (or results-shards.json).
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

const ADMIN = process.env.MOVALYTICS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const QUEUE = 'redis://127.0.0.1:6379/14';
const TARGET_OVERHEAD = 0.1;

export const psql = (url, sql) =>
  execFileSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qAt', '-c', sql], { encoding: 'utf8' });
export const withDb = (db) => {
  const u = new URL(ADMIN);
  u.pathname = `/${db}`;
  return u.toString();
};

export function cli(bin, args, env, raw = false) {
  const child = spawn(raw ? bin : process.execPath, raw ? args : [bin, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d) => (err += d.toString()));
  const done = new Promise((resolve) => child.on('close', (code) => resolve({ code, err })));
  return { child, done, stderr: () => err };
}

/**
 * fauxqs in this process with a bucket `bench`; `env(name)` is what a movalytics process needs to use it (and a cache
 * folder of its own under `work`).
 */
export async function startS3(work) {
  const { buildApp } = await import('fauxqs');
  const { S3Client, CreateBucketCommand } = await import('@aws-sdk/client-s3');
  const app = buildApp({ logger: false });
  const endpoint = await app.listen({ host: '127.0.0.1', port: 0 });
  const creds = { accessKeyId: 'bench', secretAccessKey: 'bench' };
  const s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: creds });
  await s3.send(new CreateBucketCommand({ Bucket: 'bench' }));
  s3.destroy();
  const env = (name) => ({
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_ACCESS_KEY_ID: creds.accessKeyId,
    AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
    AWS_REGION: 'us-east-1',
    MOVALYTICS_CACHE_DIR: join(work, `cache-${name}`),
  });
  return { app, env };
}

/** The modes: the queue's overhead, or with shards the pinned map phase. */
function modesFor(shards) {
  if (shards === null)
    return [
      ['in-process', 0, null],
      ['bullmq-1', 1, null],
      ['bullmq-2', 2, null],
    ];
  return [
    ['pinned-1', 1, ['0'], null],
    ['pinned-2', 2, ['0', '1'], null],
    ['pinned-1-pg', 1, ['0'], '0'],
    ['pinned-2-pg', 2, ['0', '1'], '0,1'],
  ];
}

/**
 * Pins every PostgreSQL server process to `cores` (null: every core again). Backends forked later inherit the
 * postmaster's affinity, so the run's COPY sessions land on those cores too. Needs the right to change another
 * process's affinity (root, or the postgres user); returns false when it could not.
 */
function pinPostgres(cores) {
  const all = `0-${cpus().length - 1}`;
  try {
    const pids = execFileSync('pgrep', ['-x', 'postgres'], { encoding: 'utf8' }).trim().split('\n');
    for (const pid of pids) execFileSync('taskset', ['-p', '-c', cores ?? all, pid], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function benchBullmq({ here, input, work, shards = null }) {
  const repo = join(here, '..');
  const bin = join(repo, 'dist/cli/bin.js');
  const { app, env } = await startS3(work);

  const results = {};
  try {
    for (const [mode, workers, cores, pgCores] of modesFor(shards)) {
      if (pgCores === null) pinPostgres(null);
      else if (pgCores !== undefined && !pinPostgres(pgCores)) {
        console.error(`skipping ${mode}: cannot pin the PostgreSQL server processes (taskset -p needs root)`);
        continue;
      }
      const db = `movalytics_bench_${mode.replaceAll('-', '_')}`;
      psql(ADMIN, `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      psql(ADMIN, `CREATE DATABASE ${db}`);
      const wh = withDb(db);
      const where = ['-w', wh, '--staging', `s3://bench/${mode}`];
      const ws = [];
      for (let i = 0; i < workers; i++) {
        const args = ['worker', '--queue', QUEUE, '--concurrency', cores === null ? '2' : '1', ...where];
        const w =
          cores === null
            ? cli(bin, args, env(`${mode}-w${i}`))
            : cli(
                '/usr/bin/taskset',
                ['-c', cores[i], process.execPath, bin, ...args],
                env(`${mode}-w${i}`),
                true,
              );
        ws.push(w);
      }
      for (const w of ws)
        for (let t = 0; !/waiting for jobs/.test(w.stderr()); t++) {
          if (t > 300) throw new Error(`worker did not start: ${w.stderr()}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      // Each mode starts with no dirty buffers left by the one before: the checkpointer would flush the last run's
      // GBs during this one (it spreads a checkpoint over minutes), which made every later mode look slower.
      psql(ADMIN, 'CHECKPOINT');
      console.error(`measuring ${mode} …`);
      const t0 = performance.now();
      const run = cli(
        bin,
        [
          'run',
          '-i',
          input,
          ...where,
          ...(workers > 0 ? ['--executor', 'bullmq', '--queue', QUEUE] : []),
          ...(shards === null ? [] : ['--shards', String(shards)]),
        ],
        env(`${mode}-submit`),
      );
      const r = await run.done;
      const ms = Math.round(performance.now() - t0);
      for (const w of ws) w.child.kill('SIGTERM');
      await Promise.all(ws.map((w) => w.done));
      if (r.code !== 0) throw new Error(`${mode} run failed (${r.code}): ${r.err}`);
      // Where the time went: each task's wall time and the steps it logged, from the run history.
      const tasks = Object.fromEntries(
        psql(
          wh,
          `SELECT task, round(sum(ms))::bigint, string_agg(DISTINCT coalesce(worker, ''), ',') FROM movalytics.task_run WHERE attempt > 0 GROUP BY task ORDER BY min(started_at)`,
        )
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => l.split('|'))
          .map(([task, taskMs]) => [task, Number(taskMs)]),
      );
      const [map] = psql(
        wh,
        `SELECT round(extract(epoch FROM max(finished_at) - min(started_at)) * 1000)::bigint FROM movalytics.task_run WHERE task LIKE 'load.ratings[%' AND attempt > 0`,
      )
        .trim()
        .split('\n');
      results[mode] = { ms, tasks, mapMs: Number(map) };
      if (!process.argv.includes('--keep')) psql(ADMIN, `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    }
  } finally {
    if (shards !== null) pinPostgres(null);
    await app.close();
  }
  if (shards !== null) {
    const ratio = (one, two) =>
      results[one] && results[two] ? Math.round((results[one].mapMs / results[two].mapMs) * 100) / 100 : null;
    const speedup = ratio('pinned-1', 'pinned-2');
    const speedupPinnedWarehouse = ratio('pinned-1-pg', 'pinned-2-pg');
    const out = {
      measuredAt: new Date().toISOString(),
      cpus: cpus().length,
      input,
      shards,
      results,
      speedup,
      speedupPinnedWarehouse,
    };
    writeFileSync(join(here, 'results-shards.json'), JSON.stringify(out, null, 2) + '\n');
    for (const [m, r] of Object.entries(results))
      console.log(
        `${m.padEnd(12)} run ${(r.ms / 1000).toFixed(2)} s, map phase ${(r.mapMs / 1000).toFixed(2)} s`,
      );
    console.log(
      `map phase speed-up with two pinned workers, PostgreSQL on both cores: ${speedup}× (target ≥ 1.7×)`,
    );
    if (speedupPinnedWarehouse !== null)
      console.log(
        `map phase speed-up with two pinned workers, PostgreSQL pinned with them: ${speedupPinnedWarehouse}× (target ≥ 1.7×)`,
      );
    console.log('written: bench/results-shards.json');
    return;
  }
  const base = results['in-process'].ms;
  for (const m of ['bullmq-1', 'bullmq-2'])
    results[m].overhead = Math.round(((results[m].ms - base) / base) * 1000) / 1000;
  const out = {
    measuredAt: new Date().toISOString(),
    cpus: cpus().length,
    input,
    results,
    targetOverheadAt1Worker: TARGET_OVERHEAD,
  };
  writeFileSync(join(here, 'results-bullmq.json'), JSON.stringify(out, null, 2) + '\n');
  for (const [m, r] of Object.entries(results)) {
    console.log(
      `${m.padEnd(12)} ${(r.ms / 1000).toFixed(2).padStart(8)} s${r.overhead === undefined ? '' : `  overhead ${(r.overhead * 100).toFixed(1)}%${m === 'bullmq-1' ? ` (target ≤ ${TARGET_OVERHEAD * 100}%${r.overhead <= TARGET_OVERHEAD ? ', met' : ', MISSED'})` : ''}`}`,
    );
    console.log(
      `${''.padEnd(12)} ${Object.entries(r.tasks)
        .map(([t, ms]) => `${t} ${(ms / 1000).toFixed(1)} s`)
        .join(', ')}`,
    );
  }
  console.log('written: bench/results-bullmq.json');
}

/** A smaller generated input for `--ratings N` (cached per N). */
export function smallInput(here, ratings) {
  const dir = join(here, 'data', `bullmq-${ratings}`);
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync(
      process.execPath,
      [
        join(here, '..', 'dist/cli/bin.js'),
        'generate',
        '--out',
        dir,
        '--ratings',
        String(ratings),
        '--movies',
        '45466',
      ],
      {
        stdio: 'ignore',
      },
    );
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return dir;
}
