// The in-process DAG runner: starts each task as soon as its own dependencies succeeded, at most `concurrency` at
// once; retries retryable errors with exponential backoff + jitter; enforces per-attempt timeouts with an AbortSignal;
// skips the dependants of a failure. Returns a state per task, never throws for a task failure (like Kysely's
// Migrator). A publish boundary is the graph's (selection, rendering): the task that publishes commits its own
// transaction.
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { MovalyticsError, messageOf } from '../core/errors.js';
import { DagCancelledError, DagError, TaskTimeoutError } from './errors.js';
import type { DagPlan, FinalState, TaskSpec } from './graph.js';

export interface TaskProgress {
  readonly done: number;
  readonly total?: number;
  readonly unit?: string;
}

/** What a task function receives. `signal` fires on timeout or cancellation: pass it to every I/O call. */
export interface TaskContext {
  readonly task: string;
  readonly signal: AbortSignal;
  /** 1 for the first attempt. */
  readonly attempt: number;
  log(line: string): void;
  progress(p: TaskProgress): void;
}

/** What a task reports: a one-line summary and counts for the run store. */
export interface TaskOutput {
  readonly detail?: string;
  readonly counts?: Readonly<Record<string, number>>;
}

export type TaskFn = (ctx: TaskContext) => Promise<TaskOutput>;

/** An error as events and results carry it: class name, one-line message, whether it was retryable. */
export interface ErrorInfo {
  readonly class: string;
  readonly message: string;
  readonly retryable: boolean;
}

export interface TaskResult {
  readonly task: string;
  readonly state: FinalState;
  /** Attempts started (0 for skipped / not_run). */
  readonly attempts: number;
  /** From the first attempt's start to the end of the last one, retry waits included. */
  readonly ms: number;
  readonly output?: TaskOutput;
  readonly error?: ErrorInfo;
  /** For `skipped`: the dependency whose failure skipped it. */
  readonly skippedBecause?: string;
}

export type DagStatus = 'success' | 'failed' | 'cancelled';

export interface DagResult {
  readonly status: DagStatus;
  /** Every task of the graph, in topological order. */
  readonly tasks: readonly TaskResult[];
}

export type DagEvent =
  | { type: 'dag.start'; dag: string; tasks: readonly string[]; concurrency: number }
  | { type: 'task.queued'; task: string; attempt: number }
  | { type: 'task.start'; task: string; attempt: number }
  | { type: 'task.log'; task: string; attempt: number; line: string }
  | { type: 'task.progress'; task: string; attempt: number; progress: TaskProgress }
  | { type: 'task.retry'; task: string; attempt: number; delayMs: number; error: ErrorInfo }
  | ({ type: 'task.end' } & TaskResult)
  | { type: 'dag.end'; dag: string; status: DagStatus; ms: number };

export type DagListener = (event: DagEvent) => void;

export interface RunDagOptions {
  /** Tasks running at once (default 4). Tasks waiting for a retry do not hold a slot. */
  concurrency?: number;
  /** The tasks to run (from selectOnly/selectFrom/selectResume); the others end `not_run`. Default: all. */
  selection?: readonly string[];
  listener?: DagListener;
  /** Cancels the run: running attempts are aborted (failed, not retried), tasks not yet started end `not_run`. */
  signal?: AbortSignal;
  /**
   * Drains the run (a graceful stop, e.g. on SIGTERM): running attempts finish, nothing new starts — tasks not yet
   * started end `not_run`, a task waiting to retry ends `failed` — and the run ends `cancelled`.
   */
  drain?: AbortSignal;
  /** Jitter source in [0, 1); injected by tests. */
  random?: () => number;
  /** The wait between attempts; injected by tests. Must reject when `signal` aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** A monotonic clock in ms for durations. */
  now?: () => number;
}

export const DEFAULT_CONCURRENCY = 4;

/**
 * The delay before retry `n` (1 = first retry): base·2^(n-1) capped at max, then "equal jitter" — half fixed, half
 * random — so retries of tasks that failed together spread out but never come back at once.
 */
export function backoffDelay(
  spec: Pick<TaskSpec, 'retryDelayMs' | 'maxRetryDelayMs'>,
  n: number,
  random: number,
): number {
  const capped = Math.min(spec.maxRetryDelayMs, spec.retryDelayMs * 2 ** (n - 1));
  return Math.round(capped / 2 + (random * capped) / 2);
}

/** Whether an error is worth another attempt: only errors that say so (`retryable: true`). */
export function isRetryable(err: unknown): boolean {
  if (err instanceof TaskTimeoutError || err instanceof DagCancelledError) return false;
  if (err instanceof MovalyticsError) return err.retryable;
  return typeof err === 'object' && err !== null && 'retryable' in err && err.retryable === true;
}

/** The class name and one-line message of anything thrown. */
export function errorInfo(err: unknown): ErrorInfo {
  // `name` first: an error rebuilt from another process (a worker's) carries the original class there.
  const cls =
    err instanceof Error
      ? err.name !== '' && err.name !== 'Error'
        ? err.name
        : err.constructor.name || 'Error'
      : typeof err;
  const message = messageOf(err).split('\n')[0] ?? '';
  return { class: cls, message, retryable: isRetryable(err) };
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
}
function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** A counting semaphore with FIFO hand-over. */
class Semaphore {
  private free: number;
  private readonly waiters: (() => void)[] = [];
  constructor(size: number) {
    this.free = size;
  }
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((r) => this.waiters.push(r));
  }
  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.free++;
  }
}

/**
 * Runs the selected tasks of a planned graph. Throws only for a misuse (a selected task without a function, a bad
 * concurrency); every task failure is a result. A task that ignores its AbortSignal is still reported `failed` with a
 * TaskTimeoutError when its timer fires: its promise is abandoned (its result ignored, its rejection swallowed) and its
 * slot is freed, though its code may keep running in the background until it returns.
 */
export async function runDag(
  plan: DagPlan,
  fns: Readonly<Record<string, TaskFn>>,
  opts: RunDagOptions = {},
): Promise<DagResult> {
  const concurrency = opts.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new DagError(`concurrency ${concurrency} must be a whole number ≥ 1`);
  const selected = new Set(opts.selection ?? plan.order);
  for (const id of selected) {
    if (!plan.tasks.has(id))
      throw new DagError(`selected task ${JSON.stringify(id)} is not in dag ${plan.spec.id}`);
    if (typeof fns[id] !== 'function') throw new DagError(`task ${id} is selected but has no task function`);
  }
  const listener = opts.listener;
  const emit = (e: DagEvent): void => {
    try {
      listener?.(e);
    } catch {
      // A rendering bug in a listener must not change what the run does.
    }
  };
  const now = opts.now ?? (() => performance.now());
  const random = opts.random ?? Math.random;
  // Rejects (AbortError) when the signal fires, as `sleep` must.
  const sleep = opts.sleep ?? ((ms: number, signal: AbortSignal) => delay(ms, undefined, { signal }));
  const runSignal = opts.signal ?? new AbortController().signal;
  const drainSignal = opts.drain ?? new AbortController().signal;
  const stopped = (): boolean => runSignal.aborted || drainSignal.aborted;
  const slots = new Semaphore(concurrency);
  const t0 = now();

  const results = new Map<string, TaskResult>();
  const settled = new Map<string, Deferred<FinalState>>(plan.order.map((id) => [id, deferred<FinalState>()]));
  const finish = (r: TaskResult): FinalState => {
    results.set(r.task, r);
    emit({ type: 'task.end', ...r });
    settled.get(r.task)!.resolve(r.state);
    return r.state;
  };

  const attemptOnce = async (
    id: string,
    spec: TaskSpec,
    attempt: number,
  ): Promise<{ ok: true; output: TaskOutput } | { ok: false; error: unknown }> => {
    const ac = new AbortController();
    let live = true;
    const onRunAbort = (): void => ac.abort(new DagCancelledError(id));
    if (runSignal.aborted) onRunAbort();
    else runSignal.addEventListener('abort', onRunAbort, { once: true });
    const timer = setTimeout(() => ac.abort(new TaskTimeoutError(id, spec.timeoutMs)), spec.timeoutMs);
    const aborted = new Promise<never>((_resolve, reject) => {
      if (ac.signal.aborted) reject(ac.signal.reason as Error);
      else ac.signal.addEventListener('abort', () => reject(ac.signal.reason as Error), { once: true });
    });
    const ctx: TaskContext = {
      task: id,
      signal: ac.signal,
      attempt,
      // An abandoned attempt may keep calling these; its lines no longer belong to the run.
      log: (line) => {
        if (live) emit({ type: 'task.log', task: id, attempt, line });
      },
      progress: (progress) => {
        if (live) emit({ type: 'task.progress', task: id, attempt, progress });
      },
    };
    const running = Promise.resolve().then(() => fns[id]!(ctx));
    running.catch(() => undefined); // an abandoned attempt's late rejection must not become an unhandled one
    aborted.catch(() => undefined);
    try {
      const output = await Promise.race([running, aborted]);
      return { ok: true, output: output ?? {} };
    } catch (error) {
      return { ok: false, error };
    } finally {
      live = false;
      clearTimeout(timer);
      runSignal.removeEventListener('abort', onRunAbort);
    }
  };

  const drive = async (id: string): Promise<FinalState> => {
    const spec = plan.tasks.get(id)!;
    const notRun = (): FinalState => finish({ task: id, state: 'not_run', attempts: 0, ms: 0 });
    if (!selected.has(id)) return notRun();
    const depStates = await Promise.all(spec.deps.map((d) => settled.get(d)!.promise));
    // An unselected dependency (not_run) is satisfied by what an earlier run left in the run's package.
    const badIndex = depStates.findIndex((s) => s === 'failed' || s === 'skipped');
    if (badIndex >= 0) {
      return finish({ task: id, state: 'skipped', attempts: 0, ms: 0, skippedBecause: spec.deps[badIndex]! });
    }
    let started: number | null = null;
    let attemptsStarted = 0;
    const failed = (error: unknown): FinalState =>
      finish({
        task: id,
        state: 'failed',
        attempts: attemptsStarted,
        ms: started === null ? 0 : now() - started,
        error: errorInfo(error),
      });
    let lastError: unknown = null;
    for (let attempt = 1; attempt <= spec.retries + 1; attempt++) {
      if (stopped()) return started === null ? notRun() : failed(new DagCancelledError(id));
      emit({ type: 'task.queued', task: id, attempt });
      await slots.acquire();
      let outcome;
      try {
        if (stopped()) {
          if (started === null) return notRun();
          outcome = { ok: false as const, error: new DagCancelledError(id) };
        } else {
          started ??= now();
          attemptsStarted = attempt;
          emit({ type: 'task.start', task: id, attempt });
          outcome = await attemptOnce(id, spec, attempt);
        }
      } finally {
        slots.release();
      }
      if (outcome.ok)
        return finish({
          task: id,
          state: 'success',
          attempts: attempt,
          ms: now() - started,
          output: outcome.output,
        });
      lastError = outcome.error;
      if (attempt > spec.retries || !isRetryable(lastError)) break;
      const delayMs = backoffDelay(spec, attempt, random());
      emit({ type: 'task.retry', task: id, attempt, delayMs, error: errorInfo(lastError) });
      try {
        await sleep(delayMs, AbortSignal.any([runSignal, drainSignal]));
      } catch {
        return failed(new DagCancelledError(id));
      }
    }
    return failed(lastError);
  };

  emit({
    type: 'dag.start',
    dag: plan.spec.id,
    tasks: plan.order.filter((id) => selected.has(id)),
    concurrency,
  });
  await Promise.all(plan.order.map((id) => drive(id)));
  const tasks = plan.order.map((id) => results.get(id)!);
  const status: DagStatus =
    runSignal.aborted ||
    (drainSignal.aborted && tasks.some((t) => selected.has(t.task) && t.state !== 'success'))
      ? 'cancelled'
      : tasks.every((t) => t.state === 'success' || !selected.has(t.task))
        ? 'success'
        : 'failed';
  emit({ type: 'dag.end', dag: plan.spec.id, status, ms: now() - t0 });
  return { status, tasks };
}
