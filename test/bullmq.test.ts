// The DAG on BullMQ workers, with real processes: Redis (the machine's on 127.0.0.1:6379, and one of our own for the
// restart test), PostgreSQL, fauxqs for S3 staging. "Equals the in-process run" = the same checksums of every model
// table as an in-process run on the same input.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../src/generate/index.js';
import type { RunDetail } from '../src/pipeline/run-history.js';
import { checksums, engines } from './support/engines.js';
import { repoRoot, tempDir } from './support/helpers.js';
import {
  createBucket,
  FAUXQS_CREDENTIALS,
  startFauxqs,
  type RunningServer,
} from './support/storage-servers.js';

const pg = engines.find((e) => e.name === 'postgres');
const haveRedisServer = existsSync('/usr/bin/redis-server');
if (!haveRedisServer && process.env.MOVALYTICS_REQUIRE_SERVICES === '1')
  throw new Error('redis-server is not installed (MOVALYTICS_REQUIRE_SERVICES=1)');
if (!haveRedisServer) console.warn('NOTICE: redis-server is not installed — the BullMQ tests are SKIPPED');

interface Proc {
  child: ChildProcess;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when a stderr line matches. */
  waitFor(re: RegExp, ms?: number): Promise<string>;
}

function start(args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [join(repoRoot, 'dist/cli/bin.js'), ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  child.stdout.on('data', () => undefined);
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
    for (const w of [...waiters]) {
      const line = err.split('\n').find((l) => w.re.test(l));
      if (line !== undefined) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    stderr: () => err,
    exited,
    waitFor: (re, ms = 60_000) =>
      new Promise((resolve, reject) => {
        const line = err.split('\n').find((l) => re.test(l));
        if (line !== undefined) return resolve(line);
        const t = setTimeout(() => reject(new Error(`timed out waiting for ${re} in:\n${err}`)), ms);
        waiters.push({ re, resolve: (l) => (clearTimeout(t), resolve(l)) });
      }),
  };
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/** A private redis-server (no persistence, like the machine's) that a test may stop and start again. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    '/usr/bin/redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(true)); // the port is taken: redis is listening
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(false)));
    });
    if (up) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server did not start on ${port}`);
}

describe.skipIf(pg === undefined || !haveRedisServer)('the DAG on BullMQ workers', () => {
  const root = tempDir('bullmq');
  const data = join(root, 'data');
  let s3: RunningServer;
  let inProcess: Record<string, string>;
  const procs: Proc[] = [];
  const s3env = (): Record<string, string> => ({
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ACCESS_KEY_ID: FAUXQS_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: FAUXQS_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'us-east-1',
  });
  /** Each process its own cache folder, as on separate machines. */
  const envFor = (name: string, extra: Record<string, string> = {}): Record<string, string> => ({
    ...s3env(),
    MOVALYTICS_CACHE_DIR: join(root, `cache-${name}`),
    ...extra,
  });
  const launch = (name: string, args: string[], extra?: Record<string, string>): Proc => {
    const p = start(args, envFor(name, extra));
    procs.push(p);
    return p;
  };

  beforeAll(async () => {
    s3 = await startFauxqs();
    await createBucket(s3.endpoint, 'movalytics');
    await generateDataset({ out: data, movies: 300, ratings: 5_000, seed: 23 });
    const wh = await pg!.fresh(root);
    const r = start(['run', '-i', data, '-w', wh, '--staging', join(root, 'local-staging')], {});
    expect((await r.exited).code, r.stderr()).toBe(0);
    inProcess = await checksums(wh);
  });
  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await s3?.close();
  });

  async function show(wh: string, run = '1'): Promise<RunDetail> {
    const p = start(['runs', 'show', run, '--json', '-w', wh], {});
    const out: string[] = [];
    p.child.stdout!.on('data', (d: Buffer) => out.push(d.toString()));
    expect((await p.exited).code, p.stderr()).toBe(0);
    return JSON.parse(out.join('')) as RunDetail;
  }

  const where = (wh: string, prefix: string): string[] => [
    '-w',
    wh,
    '--staging',
    `s3://movalytics/${prefix}`,
  ];

  it('two workers and a submitting run give the in-process warehouse; runs show names the workers', async () => {
    const wh = await pg!.fresh(root);
    const queue = 'redis://127.0.0.1:6379/9';
    const w1 = launch('w1', ['worker', '--queue', queue, ...where(wh, 'two')]);
    const w2 = launch('w2', ['worker', '--queue', queue, ...where(wh, 'two')]);
    await w1.waitFor(/waiting for jobs/);
    await w2.waitFor(/waiting for jobs/);
    const run = launch('submit', [
      'run',
      '--executor',
      'bullmq',
      '--queue',
      queue,
      '-i',
      data,
      '--shards',
      '4',
      ...where(wh, 'two'),
    ]);
    const done = await run.exited;
    expect(done.code, run.stderr()).toBe(0);
    expect(await checksums(wh)).toEqual(inProcess);
    const detail = await show(wh);
    expect(detail.run.status).toBe('success');
    // In the order they started: the shards and clean.movies in whatever order the workers took them.
    expect(detail.tasks.map((t) => [t.task, t.state]).sort()).toEqual([
      ['clean.movies', 'success'],
      ['load.ratings[0]', 'success'],
      ['load.ratings[1]', 'success'],
      ['load.ratings[2]', 'success'],
      ['load.ratings[3]', 'success'],
      ['publish', 'success'],
      ['stage.files', 'success'],
    ]);
    expect(
      detail.tasks.filter((t) => t.task.startsWith('load.ratings[') && (t.rowsOut ?? 0) > 0),
    ).toHaveLength(4);
    const pids = new Set([w1.child.pid, w2.child.pid].map(String));
    for (const t of detail.tasks) expect(pids.has(t.worker!.split(':').pop()!)).toBe(true);
    // SIGTERM: each worker finishes and exits 0.
    w1.child.kill('SIGTERM');
    w2.child.kill('SIGTERM');
    expect((await w1.exited).code).toBe(0);
    expect((await w2.exited).code).toBe(0);
  });

  /**
   * A run of `shards` shards: worker A (with `failpoint`) is SIGKILLed once `killWhen(a)` resolves, then worker B
   * finishes the run. Checks it exits 0 with the in-process checksums; returns the run's detail and both workers.
   */
  async function runWithKilledWorker(o: {
    name: string;
    redisDb: number;
    failpoint: string;
    shards: number;
    concurrency: number;
    killWhen: (a: Proc) => Promise<unknown>;
  }): Promise<{ detail: RunDetail; a: Proc; b: Proc }> {
    const wh = await pg!.fresh(root);
    const queue = `redis://127.0.0.1:6379/${o.redisDb}`;
    const at = where(wh, o.name);
    const a = launch(
      `${o.name}-a`,
      ['worker', '--queue', queue, '--concurrency', String(o.concurrency), ...at],
      {
        MOVALYTICS_FAILPOINT: o.failpoint,
      },
    );
    await a.waitFor(/waiting for jobs/);
    const run = launch(`${o.name}-submit`, [
      'run',
      '--executor',
      'bullmq',
      '--queue',
      queue,
      '-i',
      data,
      '--shards',
      String(o.shards),
      ...at,
    ]);
    await o.killWhen(a);
    a.child.kill('SIGKILL');
    await a.exited;
    const b = launch(`${o.name}-b`, ['worker', '--queue', queue, ...at]);
    const done = await run.exited;
    expect(done.code, `${run.stderr()}\n--- worker b\n${b.stderr()}`).toBe(0);
    expect(await checksums(wh)).toEqual(inProcess);
    const detail = await show(wh);
    b.child.kill('SIGTERM');
    await b.exited;
    return { detail, a, b };
  }

  it('a worker killed with SIGKILL inside a shard: another takes the job over, the run completes, nothing applied twice', async () => {
    // A 16-shard load. Worker A hangs inside load.ratings[5] (its part built, not yet recorded); it is killed there.
    const { detail, a, b } = await runWithKilledWorker({
      name: 'kill',
      redisDb: 10,
      failpoint: 'hang-after:load.ratings[5]',
      shards: 16,
      concurrency: 2,
      killWhen: async (a) => {
        await a.waitFor(/run 1 load\.ratings\[5\] \(job/);
        await new Promise((r) => setTimeout(r, 1500)); // into the task
      },
    });
    const shard = detail.attempts.filter((x) => x.task === 'load.ratings[5]');
    expect(shard.map((x) => [x.attempt, x.state, x.worker!.split(':').pop()])).toEqual([
      [1, 'failed', String(a.child.pid)],
      [2, 'success', String(b.child.pid)],
    ]);
    expect(shard[0]!.errorClass).toBe('Abandoned');
    // Every shard is its own task, each ended once in success.
    const shards = detail.tasks.filter((t) => t.task.startsWith('load.ratings['));
    expect(shards).toHaveLength(16);
    expect(
      shards.filter((t) => t.state !== 'success').map((t) => [t.task, t.state, t.errorClass]),
      JSON.stringify(
        detail.attempts.map((x) => [x.task, x.attempt, x.state, x.startedAt, x.finishedAt, x.worker]),
      ),
    ).toEqual([]);
    // stage.files ran on a worker with the submitter's shard count (carried by the job): the killed one had rows.
    expect(shards.find((t) => t.task === 'load.ratings[5]')!.rowsOut).toBeGreaterThan(0);
    expect(shards.filter((t) => (t.rowsOut ?? 0) > 0).length).toBeGreaterThan(8);
  });

  it('a worker killed after a shard recorded its parts, before its attempt: that attempt is closed as success', async () => {
    const { detail, a } = await runWithKilledWorker({
      name: 'recorded',
      redisDb: 12,
      failpoint: 'hang-after:load.ratings[2]/recorded',
      shards: 4,
      concurrency: 1,
      killWhen: (a) => a.waitFor(/failpoint: hanging after load\.ratings\[2\]\/recorded/),
    });
    // The redelivered job found the shard's parts recorded: the killed worker's attempt did the work, and says so.
    const shard = detail.attempts.filter((x) => x.task === 'load.ratings[2]');
    expect(shard.map((x) => [x.attempt, x.state, x.worker!.split(':').pop()])).toEqual([
      [1, 'success', String(a.child.pid)],
    ]);
    expect(shard[0]!.detail).toMatch(/ended before recording the attempt/);
    expect(detail.tasks.filter((t) => t.state !== 'success').map((t) => t.task)).toEqual([]);
  });

  it('Redis restarted mid-run: the run completes or fails cleanly, and --resume finishes it', async () => {
    const wh = await pg!.fresh(root);
    const port = await freePort();
    let redis = await startRedis(port);
    const queue = `redis://127.0.0.1:${port}`;
    mkdirSync(join(root, 'cfg'), { recursive: true });
    const w = launch('r', ['worker', '--queue', queue, ...where(wh, 'restart')], {
      MOVALYTICS_FAILPOINT: 'sleep-after:clean.movies:3000',
    });
    await w.waitFor(/waiting for jobs/);
    const run = launch('submit3', [
      'run',
      '--executor',
      'bullmq',
      '--queue',
      queue,
      '-i',
      data,
      ...where(wh, 'restart'),
    ]);
    await w.waitFor(/run 1 clean\.movies \(job/);
    redis.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    redis = await startRedis(port); // empty: no persistence
    try {
      const done = await run.exited;
      if (done.code !== 0) {
        expect(run.stderr()).toMatch(/^movalytics: /m);
        const resumed = launch('resume', [
          'run',
          '--resume',
          '--executor',
          'bullmq',
          '--queue',
          queue,
          ...where(wh, 'restart'),
        ]);
        expect((await resumed.exited).code, resumed.stderr()).toBe(0);
      }
      expect(await checksums(wh)).toEqual(inProcess);
      expect((await show(wh)).run.status).toBe('success');
    } finally {
      w.child.kill('SIGTERM');
      await w.exited;
      redis.kill('SIGKILL');
    }
  });

  it('refuses an embedded warehouse or a local staging folder in one line', async () => {
    const r1 = start(
      [
        'run',
        '--executor',
        'bullmq',
        '--queue',
        'redis://127.0.0.1:6379/11',
        '-i',
        data,
        '-w',
        join(root, 'x.duckdb'),
      ],
      {},
    );
    expect((await r1.exited).code).toBe(2);
    expect(r1.stderr()).toMatch(
      /^movalytics: --executor bullmq needs a warehouse every worker can reach: .*x\.duckdb is an embedded DuckDB file/m,
    );
    const wh = await pg!.fresh(root);
    const r2 = start(
      [
        'run',
        '--executor',
        'bullmq',
        '--queue',
        'redis://127.0.0.1:6379/11',
        '-i',
        data,
        '-w',
        wh,
        '--staging',
        join(root, 'st'),
      ],
      {},
    );
    expect((await r2.exited).code).toBe(2);
    expect(r2.stderr()).toMatch(
      /needs a staging area every worker can reach: .* is a local folder — use --staging s3:\/\//,
    );
    const r3 = start(['run', '--executor', 'bullmq', '-i', data, '-w', wh], {});
    expect((await r3.exited).code).toBe(2);
    expect(r3.stderr()).toMatch(/--executor bullmq needs --queue redis:\/\//);
    // A worker on an embedded file would wait forever for jobs no run can submit: refused at once.
    const r4 = start(['worker', '--queue', 'redis://127.0.0.1:6379/11', '-w', join(root, 'x.duckdb')], {});
    expect((await r4.exited).code).toBe(2);
    expect(r4.stderr()).toMatch(
      /^movalytics: worker needs a warehouse every worker can reach: .*x\.duckdb is an embedded DuckDB file — use postgres:\/\/…$/m,
    );
  });
});
