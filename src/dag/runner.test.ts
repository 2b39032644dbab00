// The DAG runner with synthetic tasks: dependency order and overlap (by a monotonic counter, never the wall clock),
// retries with backoff for retryable errors only, timeouts via AbortSignal, skipped dependants, the concurrency bound,
// and cancellation.
import { describe, expect, it } from 'vitest';
import { InputError, WarehouseError } from '../core/errors.js';
import { DagCancelledError, TaskTimeoutError } from './errors.js';
import { planDag, type DagPlan, type DagSpec, type TaskSpec } from './graph.js';
import { backoffDelay, runDag, type DagEvent, type TaskFn, type TaskResult } from './runner.js';

const t = (id: string, deps: string[] = [], extra: Partial<TaskSpec> = {}): TaskSpec => ({
  id,
  deps,
  description: id,
  retries: 0,
  retryDelayMs: 100,
  maxRetryDelayMs: 1000,
  timeoutMs: 10_000,
  ...extra,
});
const plan = (tasks: TaskSpec[], boundaries: DagSpec['boundaries'] = []): DagPlan =>
  planDag({ id: 'test', description: '', schedule: null, boundaries, tasks });

/** A monotonic counter standing in for time: every recorded moment gets a strictly larger number. */
function recorder() {
  let tick = 0;
  const start = new Map<string, number>();
  const end = new Map<string, number>();
  let running = 0;
  let maxRunning = 0;
  const stamp = (): number => ++tick;
  /** Wraps a body so its start and end are stamped and the number running at once is tracked. */
  const track =
    (id: string, body: (ctx: Parameters<TaskFn>[0]) => Promise<void> = () => tick0()): TaskFn =>
    async (ctx) => {
      start.set(id, stamp());
      running++;
      maxRunning = Math.max(maxRunning, running);
      try {
        await body(ctx);
      } finally {
        running--;
        end.set(id, stamp());
      }
      return { detail: `${id} done` };
    };
  return { start, end, stamp, track, max: () => maxRunning };
}
/** Yields to the event loop a few times, so tasks that could overlap do. */
const tick0 = async (): Promise<void> => {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
};
const byTask = (results: readonly TaskResult[]): Record<string, TaskResult> =>
  Object.fromEntries(results.map((r) => [r.task, r]));
const noSleep = { sleep: () => Promise.resolve(), random: () => 0.5 };

describe('runDag', () => {
  it('never starts a task before its dependencies end, and runs independent tasks at the same time', async () => {
    const p = plan([t('a.x'), t('b.x', ['a.x']), t('c.x', ['a.x']), t('d.x', ['b.x', 'c.x'])]);
    const rec = recorder();
    // b and c each wait until the other has started: a runner that ran them one after the other would time them out.
    let bStarted!: () => void;
    let cStarted!: () => void;
    const bUp = new Promise<void>((r) => (bStarted = r));
    const cUp = new Promise<void>((r) => (cStarted = r));
    const fns: Record<string, TaskFn> = {
      'a.x': rec.track('a.x'),
      'b.x': rec.track('b.x', async () => {
        bStarted();
        await cUp;
      }),
      'c.x': rec.track('c.x', async () => {
        cStarted();
        await bUp;
      }),
      'd.x': rec.track('d.x'),
    };
    const result = await runDag(p, fns, { concurrency: 4 });
    expect(result.status).toBe('success');
    for (const id of p.order)
      for (const dep of p.tasks.get(id)!.deps) expect(rec.end.get(dep)!).toBeLessThan(rec.start.get(id)!);
    expect(rec.start.get('b.x')!).toBeLessThan(rec.end.get('c.x')!);
    expect(rec.start.get('c.x')!).toBeLessThan(rec.end.get('b.x')!);
    expect(byTask(result.tasks)['d.x']).toMatchObject({
      state: 'success',
      attempts: 1,
      output: { detail: 'd.x done' },
    });
  });

  it('keeps the order on a wide graph of synthetic tasks, within the bound', async () => {
    const loads = ['l.movies', 'l.links', 'l.ratings', 'l.cpi'];
    const p = plan([
      t('s.files'),
      t('c.tables'),
      ...loads.map((id) => t(id, ['s.files', 'c.tables'])),
      t('q.checks', loads),
      t('a.marts', ['q.checks']),
    ]);
    const rec = recorder();
    const fns = Object.fromEntries(p.order.map((id) => [id, rec.track(id)]));
    const result = await runDag(p, fns, { concurrency: 3 });
    expect(result.status).toBe('success');
    expect(result.tasks.map((r) => r.state)).toEqual(p.order.map(() => 'success'));
    for (const id of p.order)
      for (const dep of p.tasks.get(id)!.deps) expect(rec.end.get(dep)!).toBeLessThan(rec.start.get(id)!);
    expect(rec.max()).toBeGreaterThan(1);
    expect(rec.max()).toBeLessThanOrEqual(3);
  });

  it.each([1, 3])('runs at most %i tasks at once', async (bound) => {
    const ids = Array.from({ length: 8 }, (_, i) => `w.t${i}`);
    const p = plan(ids.map((id) => t(id)));
    const rec = recorder();
    const fns = Object.fromEntries(ids.map((id) => [id, rec.track(id)]));
    const result = await runDag(p, fns, { concurrency: bound });
    expect(result.status).toBe('success');
    expect(rec.max()).toBe(bound);
  });

  it('retries a retryable error with exponential backoff and jitter, then succeeds', async () => {
    const p = plan([t('a.x', [], { retries: 3, retryDelayMs: 100, maxRetryDelayMs: 150 })]);
    const delays: number[] = [];
    const events: DagEvent[] = [];
    const attemptsSeen: number[] = [];
    const result = await runDag(
      p,
      {
        'a.x': (ctx) => {
          attemptsSeen.push(ctx.attempt);
          if (ctx.attempt < 3)
            return Promise.reject(
              new WarehouseError(`connection reset (attempt ${ctx.attempt})`, { retryable: true }),
            );
          return Promise.resolve({});
        },
      },
      {
        listener: (e) => events.push(e),
        random: () => 0.5,
        sleep: (ms) => {
          delays.push(ms);
          return Promise.resolve();
        },
      },
    );
    expect(byTask(result.tasks)['a.x']).toMatchObject({ state: 'success', attempts: 3 });
    expect(attemptsSeen).toEqual([1, 2, 3]);
    // 100 then 200 capped at 150; equal jitter with random 0.5 → ¾ of each.
    expect(delays).toEqual([75, 113]);
    expect(delays).toEqual([
      backoffDelay(p.tasks.get('a.x')!, 1, 0.5),
      backoffDelay(p.tasks.get('a.x')!, 2, 0.5),
    ]);
    const retries = events.filter((e) => e.type === 'task.retry');
    expect(retries).toEqual([
      {
        type: 'task.retry',
        task: 'a.x',
        attempt: 1,
        delayMs: 75,
        error: { class: 'WarehouseError', message: 'connection reset (attempt 1)', retryable: true },
      },
      expect.objectContaining({ attempt: 2, delayMs: 113 }),
    ]);
    expect(
      events.filter((e) => e.type === 'task.start').map((e) => (e as { attempt: number }).attempt),
    ).toEqual([1, 2, 3]);
  });

  it('backoff stays within [d/2, d] and is capped', () => {
    const s = { retryDelayMs: 1000, maxRetryDelayMs: 5000 };
    expect([1, 2, 3, 4].map((n) => backoffDelay(s, n, 0))).toEqual([500, 1000, 2000, 2500]);
    expect([1, 2, 3, 4].map((n) => backoffDelay(s, n, 0.999999))).toEqual([1000, 2000, 4000, 5000]);
  });

  it('gives up after the last retry with the last error', async () => {
    const p = plan([t('a.x', [], { retries: 2 })]);
    let calls = 0;
    const result = await runDag(
      p,
      { 'a.x': () => Promise.reject(new WarehouseError(`busy ${++calls}`, { retryable: true })) },
      noSleep,
    );
    expect(byTask(result.tasks)['a.x']).toMatchObject({
      state: 'failed',
      attempts: 3,
      error: { class: 'WarehouseError', message: 'busy 3', retryable: true },
    });
    expect(result.status).toBe('failed');
  });

  it('does not retry a permanent error and skips every dependant, while independent tasks finish', async () => {
    const p = plan([
      t('a.x', [], { retries: 3 }),
      t('b.x', ['a.x']),
      t('c.x', ['b.x']),
      t('d.x'),
      t('e.x', ['d.x', 'a.x']),
    ]);
    let calls = 0;
    const ran: string[] = [];
    const slept: number[] = [];
    const ok =
      (id: string): TaskFn =>
      () => {
        ran.push(id);
        return Promise.resolve({});
      };
    const result = await runDag(
      p,
      {
        'a.x': () => {
          calls++;
          return Promise.reject(
            new InputError('links.csv line 3: movieId "x" is not a number — fix the file'),
          );
        },
        'b.x': ok('b.x'),
        'c.x': ok('c.x'),
        'd.x': ok('d.x'),
        'e.x': ok('e.x'),
      },
      { sleep: (ms) => (slept.push(ms), Promise.resolve()) },
    );
    const r = byTask(result.tasks);
    expect(calls).toBe(1);
    expect(slept).toEqual([]);
    expect(r['a.x']).toMatchObject({
      state: 'failed',
      attempts: 1,
      error: { class: 'InputError', message: 'links.csv line 3: movieId "x" is not a number — fix the file' },
    });
    expect(r['b.x']).toMatchObject({ state: 'skipped', attempts: 0, skippedBecause: 'a.x' });
    expect(r['c.x']).toMatchObject({ state: 'skipped', skippedBecause: 'b.x' });
    expect(r['e.x']).toMatchObject({ state: 'skipped', skippedBecause: 'a.x' });
    expect(r['d.x']!.state).toBe('success');
    expect(ran).toEqual(['d.x']);
  });

  it('a plain Error (a bug) is not retried', async () => {
    const p = plan([t('a.x', [], { retries: 3 })]);
    let calls = 0;
    const result = await runDag(
      p,
      { 'a.x': () => (calls++, Promise.reject(new TypeError('x is undefined'))) },
      noSleep,
    );
    expect(calls).toBe(1);
    expect(byTask(result.tasks)['a.x']!.error).toEqual({
      class: 'TypeError',
      message: 'x is undefined',
      retryable: false,
    });
  });

  it('fails a task that ignores its signal when the timer fires, abandons it and drops its late output', async () => {
    const p = plan([t('a.x', [], { timeoutMs: 20, retries: 2 }), t('b.x', ['a.x'])]);
    const events: DagEvent[] = [];
    let release!: () => void;
    let abandoned!: Promise<void>;
    let calls = 0;
    const result = await runDag(
      p,
      {
        'a.x': (ctx) => {
          calls++;
          // Ignores ctx.signal entirely, and logs after it was given up on.
          abandoned = new Promise<void>((r) => (release = r)).then(() => ctx.log('too late'));
          return abandoned.then(() => ({}));
        },
        'b.x': () => Promise.resolve({}),
      },
      { listener: (e) => events.push(e), ...noSleep },
    );
    const r = byTask(result.tasks);
    expect(r['a.x']).toMatchObject({
      state: 'failed',
      attempts: 1,
      error: { class: 'TaskTimeoutError', retryable: false },
    });
    expect(r['a.x']!.error!.message).toMatch(/task a\.x timed out after 20 ms/);
    expect(calls).toBe(1);
    expect(r['b.x']).toMatchObject({ state: 'skipped', skippedBecause: 'a.x' });
    release();
    await abandoned;
    expect(events.filter((e) => e.type === 'task.log')).toEqual([]);
  });

  it('aborts the signal of a task that listens, with the timeout as the reason', async () => {
    const p = plan([t('a.x', [], { timeoutMs: 20 })]);
    let reason: unknown;
    const result = await runDag(p, {
      'a.x': (ctx) =>
        new Promise((_resolve, reject) => {
          ctx.signal.addEventListener('abort', () => {
            reason = ctx.signal.reason;
            reject(new Error('aborted by signal'));
          });
        }),
    });
    expect(reason).toBeInstanceOf(TaskTimeoutError);
    expect(byTask(result.tasks)['a.x']!.error!.class).toBe('TaskTimeoutError');
  });

  it('runs only the selected tasks; the others are not_run and do not block', async () => {
    const p = plan([t('a.x'), t('b.x', ['a.x']), t('c.x', ['b.x'])]);
    const ran: string[] = [];
    const fn =
      (id: string): TaskFn =>
      () => (ran.push(id), Promise.resolve({}));
    const result = await runDag(
      p,
      { 'a.x': fn('a.x'), 'b.x': fn('b.x'), 'c.x': fn('c.x') },
      { selection: ['b.x'] },
    );
    expect(result.status).toBe('success');
    expect(ran).toEqual(['b.x']);
    expect(result.tasks.map((r) => r.state)).toEqual(['not_run', 'success', 'not_run']);
  });

  it('emits queued, start and end with attempts, ms and the error', async () => {
    const p = plan([t('a.x')]);
    const events: DagEvent[] = [];
    let n = 0;
    await runDag(
      p,
      {
        'a.x': (ctx) => {
          ctx.log('reading');
          ctx.progress({ done: 5, total: 10, unit: 'rows' });
          return Promise.reject(new InputError('bad'));
        },
      },
      { listener: (e) => events.push(e), now: () => (n += 10) },
    );
    expect(events.map((e) => e.type)).toEqual([
      'dag.start',
      'task.queued',
      'task.start',
      'task.log',
      'task.progress',
      'task.end',
      'dag.end',
    ]);
    expect(events.find((e) => e.type === 'task.end')).toEqual({
      type: 'task.end',
      task: 'a.x',
      state: 'failed',
      attempts: 1,
      ms: 10,
      error: { class: 'InputError', message: 'bad', retryable: false },
      skippedBecause: undefined,
      output: undefined,
    });
  });

  it('a listener that throws does not change the run', async () => {
    const p = plan([t('a.x'), t('b.x', ['a.x'])]);
    const result = await runDag(
      p,
      { 'a.x': () => Promise.resolve({}), 'b.x': () => Promise.resolve({}) },
      {
        listener: () => {
          throw new Error('render bug');
        },
      },
    );
    expect(result.status).toBe('success');
  });

  it('throws for misuse before running anything', async () => {
    const p = plan([t('a.x')]);
    await expect(runDag(p, {})).rejects.toThrow(/task a\.x is selected but has no task function/);
    await expect(runDag(p, { 'a.x': () => Promise.resolve({}) }, { concurrency: 0 })).rejects.toThrow(
      /concurrency 0/,
    );
  });

  it('cancels: the running attempt is aborted and fails, tasks not started end not_run', async () => {
    const p = plan([t('a.x', [], { retries: 3 }), t('b.x', ['a.x'])]);
    const ac = new AbortController();
    const result = await runDag(
      p,
      {
        'a.x': (ctx) =>
          new Promise((_resolve, reject) => {
            ctx.signal.addEventListener('abort', () =>
              reject(new WarehouseError('interrupted', { retryable: true })),
            );
            ac.abort();
          }),
        'b.x': () => Promise.resolve({}),
      },
      { signal: ac.signal, ...noSleep },
    );
    expect(result.status).toBe('cancelled');
    const r = byTask(result.tasks);
    expect(r['a.x']).toMatchObject({ state: 'failed', attempts: 1, error: { class: 'DagCancelledError' } });
    expect(r['b.x']!.state).toBe('skipped');
    expect(new DagCancelledError('a.x').retryable).toBe(false);
  });
});
