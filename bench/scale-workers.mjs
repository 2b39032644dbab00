// `npm run bench -- --scale N --warehouse postgres`: does the distributed pipeline scale? The same cold run on the
// full dataset (1×) and on N× its ratings, each into a fresh PostgreSQL database with S3 staging and two BullMQ workers (Redis at 127.0.0.1:6379); the ratings in 4·N shards at N× (4 at 1×), so a shard
// stays ~190 MB whatever N. Reports each wall time, their ratio, and the peak RSS of every pipeline process (the
// submitting `run` and each worker; target ≤ 1 GiB each), read from /proc while it runs. Writes
// bench/results-scale-workers.json.
// The S3 server is Debian's Ceph radosgw (scripts/radosgw.sh, its OSD in memory, sized for the data): fauxqs keeps
// an object in one Buffer and answers 500 to a ratings.csv over ~4 GiB (seen at 10×). Without radosgw it falls back
// to fauxqs, which holds up to about 5×.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { cli, psql, startS3, withDb } from './bullmq.mjs';
import { ensureFullDataset, FULL_OPTIONS } from './generate.mjs';

const ADMIN = process.env.MOVALYTICS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const QUEUE = 'redis://127.0.0.1:6379/13';
const TARGET_RSS_MIB = 1024;

/** The high-water mark of a live process's resident memory (Linux), in MiB; null once it has exited. */
function peakRssMiB(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

/** Polls each process's peak RSS until it exits; `peaks()` gives the last value read per name. */
function watchRss(procs) {
  const peak = {};
  const timer = setInterval(() => {
    for (const [name, p] of Object.entries(procs)) {
      const v = peakRssMiB(p.child.pid);
      if (v !== null) peak[name] = Math.max(peak[name] ?? 0, v);
    }
  }, 200);
  return { stop: () => clearInterval(timer), peaks: () => ({ ...peak }) };
}

/** radosgw (scripts/radosgw.sh) with a bucket `bench`, its in-memory OSD sized for `bytes`; null when not installed. */
async function startRadosgw(here, work, bytes) {
  try {
    execFileSync('sh', ['-c', 'command -v radosgw'], { stdio: 'ignore' });
  } catch {
    return null;
  }
  const dir = mkdtempSync(join(tmpdir(), 'movalytics-bench-rgw-'));
  const script = join(here, '..', 'scripts', 'radosgw.sh');
  const out = execFileSync(script, ['start', dir], {
    encoding: 'utf8',
    env: { ...process.env, MOVALYTICS_RADOSGW_MEMSTORE_BYTES: String(Math.ceil(bytes)) },
  });
  const v = Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((l) => l.split('=', 2)),
  );
  const { S3Client, CreateBucketCommand } = await import('@aws-sdk/client-s3');
  const credentials = { accessKeyId: v.RGW_ACCESS_KEY, secretAccessKey: v.RGW_SECRET_KEY };
  const s3 = new S3Client({
    endpoint: v.RGW_ENDPOINT,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials,
  });
  await s3.send(new CreateBucketCommand({ Bucket: 'bench' }));
  s3.destroy();
  const env = (name) => ({
    AWS_ENDPOINT_URL_S3: v.RGW_ENDPOINT,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_REGION: 'us-east-1',
    MOVALYTICS_CACHE_DIR: join(work, `cache-${name}`),
  });
  return { env, close: async () => execFileSync(script, ['stop', dir], { stdio: 'ignore' }) };
}

async function coldRun({ bin, env, work, input, name, shards }) {
  // Each process's S3 cache starts empty and goes at the end: at 10× a worker's cache holds the whole 7.7 GB file,
  // and a cache left by an earlier run would both skew the time and fill the disk.
  const caches = ['w0', 'w1', 'submit'].map((p) => join(work, `cache-${name}-${p}`));
  const clearCaches = () => caches.forEach((c) => rmSync(c, { recursive: true, force: true }));
  clearCaches();
  const db = `movalytics_bench_scale_${name}`;
  psql(ADMIN, `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  psql(ADMIN, `CREATE DATABASE ${db}`);
  const wh = withDb(db);
  const where = ['-w', wh, '--staging', `s3://bench/scale-${name}`];
  const workers = [0, 1].map((i) =>
    cli(bin, ['worker', '--queue', QUEUE, '--concurrency', '1', ...where], env(`${name}-w${i}`)),
  );
  try {
    for (const w of workers)
      for (let t = 0; !/waiting for jobs/.test(w.stderr()); t++) {
        if (t > 300) throw new Error(`worker did not start: ${w.stderr()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    psql(ADMIN, 'CHECKPOINT');
    const t0 = performance.now();
    const run = cli(
      bin,
      ['run', '-i', input, ...where, '--executor', 'bullmq', '--queue', QUEUE, '--shards', String(shards)],
      env(`${name}-submit`),
    );
    const rss = watchRss({ run, 'worker-1': workers[0], 'worker-2': workers[1] });
    const r = await run.done;
    const ms = Math.round(performance.now() - t0);
    rss.stop();
    if (r.code !== 0) throw new Error(`${name} run failed (${r.code}): ${r.err}`);
    const tasks = Object.fromEntries(
      psql(
        wh,
        `SELECT task, round(sum(ms))::bigint FROM movalytics.task_run WHERE attempt > 0 GROUP BY task ORDER BY min(started_at)`,
      )
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('|'))
        .map(([task, taskMs]) => [task, Number(taskMs)]),
    );
    return { ms, shards, peakRssMiB: rss.peaks(), tasks };
  } finally {
    for (const w of workers) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.done));
    psql(ADMIN, `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    clearCaches();
  }
}

export async function benchScaleWorkers({ here, work, scale }) {
  if (!Number.isInteger(scale) || scale < 2) {
    console.error('bench: --scale takes a whole number ≥ 2, e.g. --scale 10');
    process.exit(2);
  }
  const log = (m) => console.error(m);
  const bin = join(here, '..', 'dist/cli/bin.js');
  const one = await ensureFullDataset({ log });
  const big = await ensureFullDataset({
    dir: join(here, 'data', `scale${scale}`),
    options: { ...FULL_OPTIONS, ratings: FULL_OPTIONS.ratings * scale },
    log,
  });
  // Both runs' staged files stay in the bucket until the end: the OSD holds them all, plus room for packages.
  const csvBytes = (dir) => statSync(join(dir, 'ratings.csv')).size;
  const rgw = await startRadosgw(here, work, (csvBytes(one.dir) + csvBytes(big.dir)) * 1.25 + 2 ** 31);
  const s3 = rgw ?? (await startS3(work).then(({ app, env }) => ({ env, close: () => app.close() })));
  console.error(`S3: ${rgw ? 'Ceph radosgw (scripts/radosgw.sh)' : 'fauxqs (radosgw not installed)'}`);
  const { env } = s3;
  let base;
  let scaled;
  try {
    console.error(`measuring the 1× cold run on PostgreSQL + S3 + 2 workers …`);
    base = await coldRun({ bin, env, work, input: one.dir, name: 'one', shards: 4 });
    console.error(
      `measuring the ${scale}× cold run (${big.truth.ratings.count.toLocaleString('en-US')} ratings) …`,
    );
    scaled = await coldRun({ bin, env, work, input: big.dir, name: `x${scale}`, shards: 4 * scale });
  } finally {
    await s3.close();
  }
  const ratio = Math.round((scaled.ms / base.ms) * 100) / 100;
  const worst = Math.max(...Object.values(scaled.peakRssMiB));
  writeFileSync(
    join(here, 'results-scale-workers.json'),
    JSON.stringify(
      {
        measuredAt: new Date().toISOString(),
        cpus: cpus().length,
        scale,
        ratings: { one: one.truth.ratings.count, scaled: big.truth.ratings.count },
        one: base,
        scaled: { ...scaled, ratio, targetRssMiB: TARGET_RSS_MIB },
      },
      null,
      2,
    ) + '\n',
  );
  const line = (label, r) =>
    `${label.padEnd(18)} ${(r.ms / 1000).toFixed(1).padStart(7)} s  ${r.shards} shards  peak RSS (MiB) ${JSON.stringify(r.peakRssMiB)}`;
  console.log(line('1× cold run', base));
  console.log(line(`${scale}× cold run`, scaled));
  console.log(
    `time ${ratio}× the 1× run; worst process peak RSS ${worst} MiB (target ≤ ${TARGET_RSS_MIB} MiB each, ${worst <= TARGET_RSS_MIB ? 'met' : 'MISSED'})`,
  );
  console.log('written: bench/results-scale-workers.json');
}
