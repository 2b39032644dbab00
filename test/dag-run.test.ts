// `movalytics run` as a DAG, per engine, with real child processes: dependency order and overlap, retries recorded
// per attempt, a failure skipping its dependants, timeouts, --resume after a failure and after kill -9 inside the
// publish transaction, --only / --from, and SIGTERM mid-run. "Equals a clean run" = the same checksums of every model
// table as one uninterrupted run on the same input.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../src/core/errors.js';
import { generateDataset } from '../src/generate/index.js';
import type { PipelineEvent } from '../src/pipeline/events.js';
import type { RunDetail, RunInfo } from '../src/pipeline/run-history.js';
import { checksums, engines, query } from './support/engines.js';
import { repoRoot, runCli, tempDir } from './support/helpers.js';

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI in a child process; `onLine` sees each stderr line as it comes (and may kill the child). */
function cli(
  args: string[],
  opts: {
    env?: Record<string, string>;
    onLine?: (line: string, kill: (s: NodeJS.Signals) => void) => void;
  } = {},
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'dist/cli/bin.js'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      const text = d.toString();
      stderr += text;
      partial += text;
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const l of lines) opts.onLine?.(l, (s) => child.kill(s));
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** The JSON events of a `--json` run's stderr. */
function events(stderr: string): (PipelineEvent & { at: string })[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as PipelineEvent & { at: string });
}

const FAST_RETRIES = { dag: { tasks: { '*': { retryDelaySeconds: 0.05 } } } };

describe.each(engines)('the pipeline DAG on $name', (engine) => {
  const root = tempDir(`dag-${engine.name}`);
  const data = join(root, 'data');
  let clean: Record<string, string>;

  beforeAll(async () => {
    await generateDataset({ out: data, movies: 400, ratings: 6_000, seed: 77 });
    const wh = await engine.fresh(root);
    const r = await cli(['run', '-i', data, '-w', wh, '--staging', join(root, 'clean-staging')]);
    expect(r.code, r.stderr).toBe(0);
    clean = await checksums(wh);
  });

  /** A fresh warehouse and staging folder, and the flags that name them (plus a config file). */
  async function setup(name: string, config: object = {}): Promise<{ wh: string; flags: string[] }> {
    mkdirSync(join(root, name), { recursive: true });
    const wh = await engine.fresh(join(root, name));
    const file = join(root, `${name}.config.json`);
    writeFileSync(file, JSON.stringify(config));
    return { wh, flags: ['-i', data, '-w', wh, '--staging', join(root, `${name}-staging`), '-c', file] };
  }

  // Reading the run history needs no process of its own: the CLI runs in-process (a spawn costs a node start).
  async function show(wh: string, run: string): Promise<RunDetail> {
    const r = await runCli(['runs', 'show', run, '--json', '-w', wh]);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as RunDetail;
  }

  it('starts a task only after its dependencies, overlaps independent ones, and records each attempt', async () => {
    const { wh, flags } = await setup('order');
    // clean.movies is held for 1.5 s: load.ratings[0] (independent of it) must start and end meanwhile.
    const r = await cli(['run', '--json', ...flags], {
      env: { MOVALYTICS_FAILPOINT: 'sleep-after:clean.movies:1500' },
    });
    expect(r.code, r.stderr).toBe(0);
    const ev = events(r.stderr);
    const at = (type: string, task: string): number =>
      Date.parse(ev.find((e) => e.type === type && 'task' in e && e.task === task)!.at);
    expect(at('task.start', 'clean.movies')).toBeGreaterThanOrEqual(at('task.end', 'stage.files'));
    expect(at('task.start', 'load.ratings[0]')).toBeGreaterThanOrEqual(at('task.end', 'stage.files'));
    expect(at('task.start', 'publish')).toBeGreaterThanOrEqual(at('task.end', 'clean.movies'));
    expect(at('task.start', 'publish')).toBeGreaterThanOrEqual(at('task.end', 'load.ratings[0]'));
    // Overlap: load.ratings[0] ran inside clean.movies' window.
    expect(at('task.start', 'load.ratings[0]')).toBeLessThan(at('task.end', 'clean.movies'));
    expect(await checksums(wh)).toEqual(clean);

    const detail = await show(wh, '1');
    expect(detail.run.status).toBe('success');
    expect(detail.tasks.map((t) => [t.task, t.state, t.attempts])).toEqual([
      ['stage.files', 'success', 1],
      ['clean.movies', 'success', 1],
      ['load.ratings[0]', 'success', 1],
      ['publish', 'success', 1],
    ]);
    expect(detail.tasks.find((t) => t.task === 'load.ratings[0]')!.rowsOut).toBeGreaterThan(5_000);
    expect(detail.tasks.every((t) => t.worker === null || /:\d+$/.test(t.worker))).toBe(true);
    const logs = await runCli(['runs', 'logs', '1', 'publish', '-w', wh]);
    expect(logs.stdout).toMatch(/publish#1\s+load\.model done in/);
    expect(logs.stdout).toMatch(/publish#1\s+check\.quality done in/);
  });

  it('retries a transient failure and records both attempts', async () => {
    const { wh, flags } = await setup('retry', FAST_RETRIES);
    const r = await cli(['run', ...flags], { env: { MOVALYTICS_FAILPOINT: 'fail-once:load.ratings' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/load\.ratings\[0\]\s+retry/);
    expect(await checksums(wh)).toEqual(clean);
    const detail = await show(wh, '1');
    const bulk = detail.attempts.filter((a) => a.task === 'load.ratings[0]');
    expect(bulk.map((a) => [a.attempt, a.state, a.errorClass, a.retryable])).toEqual([
      [1, 'failed', 'TaskError', true],
      [2, 'success', null, null],
    ]);
  });

  it('a permanent failure skips its dependants, fails the run, publishes nothing; --resume completes it', async () => {
    const { wh, flags } = await setup('fail', FAST_RETRIES);
    const r = await cli(['run', ...flags], { env: { MOVALYTICS_FAILPOINT: 'fail-after:clean.movies' } });
    expect(r.code).toBe(EXIT.taskFailed);
    expect(r.stderr).toMatch(/movalytics: simulated permanent failure after clean\.movies/);
    expect(r.stderr).toMatch(/publish\s+skipped.*upstream clean\.movies did not succeed/);
    let detail = await show(wh, '1');
    expect(detail.run.status).toBe('failed');
    expect(Object.fromEntries(detail.tasks.map((t) => [t.task, t.state]))).toEqual({
      'stage.files': 'success',
      'clean.movies': 'failed',
      'load.ratings[0]': 'success',
      publish: 'skipped',
    });
    // Not retried: the error was not marked transient.
    expect(detail.tasks.find((t) => t.task === 'clean.movies')!.attempts).toBe(1);
    expect(await checksums(wh)).not.toEqual(clean);

    const resumed = await cli(['run', '--resume', ...flags]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/run 1 \(resumed\)/);
    expect(resumed.stderr).toMatch(/stage\.files\s+not_run/);
    expect(await checksums(wh)).toEqual(clean);
    detail = await show(wh, '1');
    expect(detail.run.status).toBe('success');
    expect(detail.tasks.find((t) => t.task === 'clean.movies')).toMatchObject({
      state: 'success',
      attempts: 2,
    });
    expect(detail.tasks.find((t) => t.task === 'stage.files')!.attempts).toBe(1);
  });

  it('maps load.ratings over 3 shards; one failed shard fails the run, and --resume re-runs only that shard', async () => {
    const { wh, flags } = await setup('shards', FAST_RETRIES);
    const r = await cli(['run', '--shards', '3', ...flags], {
      env: { MOVALYTICS_FAILPOINT: 'fail-after:load.ratings[1]' },
    });
    expect(r.code).toBe(EXIT.taskFailed);
    expect(r.stderr).toMatch(/simulated permanent failure after load\.ratings\[1\]/);
    let detail = await show(wh, '1');
    // runs show --json lists each shard as its own task.
    expect(Object.fromEntries(detail.tasks.map((t) => [t.task, [t.state, t.attempts]]))).toEqual({
      'stage.files': ['success', 1],
      'clean.movies': ['success', 1],
      'load.ratings[0]': ['success', 1],
      'load.ratings[1]': ['failed', 1],
      'load.ratings[2]': ['success', 1],
      publish: ['skipped', 0],
    });
    // Without --shards: the resumed run keeps the three shards it staged.
    const resumed = await cli(['run', '--resume', ...flags]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(await checksums(wh)).toEqual(clean);
    detail = await show(wh, '1');
    expect(detail.run.status).toBe('success');
    expect(
      detail.attempts
        .filter((a) => a.task.startsWith('load.ratings'))
        .map((a) => [a.task, a.attempt, a.state])
        .sort((a, b) => String(a).localeCompare(String(b))),
    ).toEqual([
      ['load.ratings[0]', 1, 'success'],
      ['load.ratings[1]', 1, 'failed'],
      ['load.ratings[1]', 2, 'success'],
      ['load.ratings[2]', 1, 'success'],
    ]);
  });

  it('times a task out with its AbortSignal, then --resume finishes the run', async () => {
    const { wh, flags } = await setup('timeout', {
      dag: { tasks: { 'clean.movies': { timeoutSeconds: 0.5, retries: 0 } } },
    });
    const r = await cli(['run', ...flags], {
      env: { MOVALYTICS_FAILPOINT: 'sleep-after:clean.movies:20000' },
    });
    expect(r.code).toBe(EXIT.taskFailed);
    const detail = await show(wh, '1');
    expect(detail.tasks.find((t) => t.task === 'clean.movies')).toMatchObject({
      state: 'failed',
      errorClass: 'TaskTimeoutError',
    });
    expect(detail.tasks.find((t) => t.task === 'publish')!.state).toBe('skipped');
    const resumed = await cli(['run', '--resume', '1', ...flags]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(await checksums(wh)).toEqual(clean);
  });

  it('kill -9 inside the publish transaction, then --resume: the same tables as a clean run', async () => {
    const { wh, flags } = await setup('kill');
    const r = await cli(['run', '--json', ...flags], {
      env: { MOVALYTICS_FAILPOINT: 'hang-after:load.model' },
      onLine: (line, kill) => {
        if (line.includes('"type":"step.end"') && line.includes('"step":"load.model"')) kill('SIGKILL');
      },
    });
    expect(r.signal).toBe('SIGKILL');
    // Nothing of the killed run is visible: the model is still empty.
    expect(await query(wh, 'SELECT count(*) AS n FROM movies.rating')).toEqual([{ n: 0 }]);
    let detail = await show(wh, '1');
    expect(detail.run.status).toBe('running');
    const resumed = await cli(['run', '--resume', ...flags]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(await checksums(wh)).toEqual(clean);
    detail = await show(wh, '1');
    expect(detail.run.status).toBe('success');
    const publish = detail.attempts.filter((a) => a.task === 'publish');
    expect(publish.map((a) => [a.attempt, a.state, a.errorClass])).toEqual([
      [1, 'failed', 'Abandoned'],
      [2, 'success', null],
    ]);
  });

  it('a publish that fails right after the reduce is retried from the reduced table', async () => {
    // The reduce consumes the shards' part tables: a retry must find what it made, not look for the parts again.
    const { wh, flags } = await setup('reduce-retry', FAST_RETRIES);
    const r = await cli(['run', '--shards', '3', ...flags], {
      env: { MOVALYTICS_FAILPOINT: 'fail-once:load.reduce' },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(await checksums(wh)).toEqual(clean);
    const detail = await show(wh, '1');
    expect(detail.attempts.filter((a) => a.task === 'publish').map((a) => [a.attempt, a.state])).toEqual([
      [1, 'failed'],
      [2, 'success'],
    ]);
  });

  it('kill -9 right after the reduce, then --resume: the same tables as a clean run', async () => {
    const { wh, flags } = await setup('reduce-kill');
    const r = await cli(['run', '--json', '--shards', '3', ...flags], {
      env: { MOVALYTICS_FAILPOINT: 'hang-after:load.reduce' },
      onLine: (line, kill) => {
        if (line.includes('"type":"step.end"') && line.includes('"step":"load.reduce"')) kill('SIGKILL');
      },
    });
    expect(r.signal).toBe('SIGKILL');
    const resumed = await cli(['run', '--resume', ...flags]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(await checksums(wh)).toEqual(clean);
  });

  it('a part table gone before the reduce (a reduce killed midway): one line saying to start a new run', async () => {
    const { wh, flags } = await setup('reduce-gone');
    const loaded = await cli([
      'run',
      '--only',
      'stage.files',
      'clean.movies',
      'load.ratings',
      '--shards',
      '3',
      ...flags,
    ]);
    expect(loaded.code, loaded.stderr).toBe(0);
    await query(wh, 'DROP TABLE movies.rating__part_0_1');
    const resumed = await cli(['run', '--resume', ...flags]);
    expect(resumed.code).toBe(EXIT.taskFailed);
    expect(resumed.stderr).not.toMatch(/\n\s+at /);
    expect(resumed.stderr).toMatch(
      /run 1: 1 of the 3 ratings part table\(s\) are gone \(a reduce was interrupted\): start a new run with `movalytics run`/,
    );
    const fresh = await cli(['run', ...flags]);
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(await checksums(wh)).toEqual(clean);
  });

  it('--only runs a part (the run is incomplete), --from on a new run needs its inputs, --resume completes', async () => {
    const { wh, flags } = await setup('only');
    const only = await cli(['run', '--only', 'stage.files', ...flags]);
    expect(only.code, only.stderr).toBe(0);
    expect(only.stderr).toMatch(
      /run 1 incomplete: nothing new was published; finish it with `movalytics run --resume 1`/,
    );
    const detail = await show(wh, '1');
    expect(detail.run.status).toBe('incomplete');
    expect(detail.tasks.map((t) => t.task)).toEqual(['stage.files']);

    // publish needs the ratings' parts: load.ratings (every instance) is named too.
    const from = await cli(['run', '--from', 'clean.movies', 'load.ratings', '--resume', '1', ...flags]);
    expect(from.code, from.stderr).toBe(0);
    expect(from.stderr).toMatch(/stage\.files\s+not_run/);
    expect(await checksums(wh)).toEqual(clean);

    const orphan = await cli(['run', '--from', 'publish', ...flags]);
    expect(orphan.code).toBe(EXIT.taskFailed);
    expect(orphan.stderr).toMatch(/has no manifest .* run the stage\.files task first/);
    const bad = await cli(['run', '--only', 'load.everything', ...flags]);
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.stderr).toMatch(/unknown task "load\.everything": use one of stage\.files, clean\.movies/);
  });

  it('SIGTERM mid-run lets the running task finish, publishes nothing, and --resume completes', async () => {
    const { wh, flags } = await setup('sigterm');
    let sent = false;
    const r = await cli(['run', '--json', ...flags], {
      env: { MOVALYTICS_FAILPOINT: 'sleep-after:stage.files:1500' },
      onLine: (line, kill) => {
        if (!sent && line.includes('"type":"task.start"') && line.includes('"task":"stage.files"')) {
          sent = true;
          kill('SIGTERM');
        }
      },
    });
    expect(r.code).toBe(EXIT.interrupted);
    const ev = events(r.stderr);
    expect(ev.find((e) => e.type === 'task.end' && e.task === 'stage.files')).toMatchObject({
      state: 'success',
    });
    expect(ev.find((e) => e.type === 'task.end' && e.task === 'publish')).toMatchObject({ state: 'not_run' });
    expect(ev.find((e) => e.type === 'run.end')).toMatchObject({ status: 'interrupted' });
    const resumed = await cli(['run', '--resume', ...flags]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(await checksums(wh)).toEqual(clean);
    const list = await runCli(['runs', '--json', '-w', wh]);
    expect((JSON.parse(list.stdout) as { runs: RunInfo[] }).runs.map((x) => [x.runId, x.status])).toEqual([
      [1, 'success'],
    ]);
  });
});

describe('movalytics schedule', () => {
  const root = tempDir('schedule');
  const data = join(root, 'data');
  beforeAll(() => generateDataset({ out: data, movies: 200, ratings: 2_000, seed: 5 }));

  it('fires on a fast cron, skips and records a tick while a run is going, and exits 0 on SIGTERM', async () => {
    const wh = join(root, 'w.duckdb');
    let runsEnded = 0;
    let skipped = 0;
    let sent = false;
    // Every second; each run holds stage.files for 2.5 s, so the ticks in between find it still going.
    const r = await cli(
      [
        'schedule',
        '--cron',
        '* * * * * *',
        '--tz',
        'Europe/Paris',
        '-i',
        data,
        '-w',
        wh,
        '--staging',
        join(root, 's'),
      ],
      {
        env: { MOVALYTICS_FAILPOINT: 'sleep-after:stage.files:2500' },
        onLine: (line, kill) => {
          if (/^schedule: run \d+ /.test(line)) runsEnded++;
          if (/skipped: the previous run was still going/.test(line)) skipped++;
          if (!sent && runsEnded >= 2) {
            sent = true;
            kill('SIGTERM');
          }
        },
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^schedule: "\* \* \* \* \* \*" in Europe\/Paris; next run at \d{4}-/m);
    expect(r.stderr).toMatch(/schedule: stopped/);
    expect(skipped).toBeGreaterThan(0);
    const list = await runCli(['runs', '--json', '--limit', '50', '-w', wh]);
    const runs = (JSON.parse(list.stdout) as { runs: RunInfo[] }).runs;
    expect(runs.every((x) => x.triggeredBy === 'schedule')).toBe(true);
    const statuses = runs.map((x) => x.status);
    expect(statuses.filter((s) => s === 'skipped').length).toBeGreaterThan(0);
    expect(statuses).toContain('success');
    expect(runs.find((x) => x.status === 'skipped')!.message).toMatch(
      /tick skipped: the previous run was still going/,
    );
    // No run is left half-done: each ended, or was stopped by the signal and says so.
    expect(statuses.every((s) => ['success', 'unchanged', 'skipped', 'interrupted'].includes(s))).toBe(true);
  });

  it('refuses a malformed expression in one line', async () => {
    const r = await cli(['schedule', '--cron', '61 * * * *', '-w', join(root, 'x.duckdb')]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--cron "61 \* \* \* \*" is not a valid schedule/);
  });

  it.each([
    [
      ['schedule', '--cron', '0 6 * * *', '--tz', 'Mars/Olympus'],
      /--tz "Mars\/Olympus" is not an IANA time zone/,
    ],
    [
      ['serve', '--schedule', '0 6 * * *', '--tz', 'Mars/Olympus'],
      /--tz "Mars\/Olympus" is not an IANA time zone/,
    ],
    [['schedule', '--cron', '0 0 30 2 *'], /--cron "0 0 30 2 \*" never fires/],
  ])('refuses %j up front in one line with exit 2', async (args, message) => {
    const r = await cli([...args, '-w', join(root, 'x.duckdb')]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });
});
