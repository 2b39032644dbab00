// Live progress of a run on stderr, three ways: a task list that redraws in place (listr2) on a terminal, plain lines
// when stderr is not a terminal (CI logs, pipes), and one JSON event per line with --json. stdout stays for results.
import { Listr, ListrLogger, ProcessOutput } from 'listr2';
import type { PipelineEvent } from '../pipeline/events.js';
import { TASK_IDS } from '../pipeline/tasks/index.js';
import { redactLocation } from '../core/redact.js';

export type ProgressMode = 'tty' | 'plain' | 'json' | 'none';

export interface Progress {
  readonly listener: (e: PipelineEvent) => void;
  /** Waits for the renderer to draw its last frame and flushes anything held back meanwhile. */
  done(): Promise<void>;
}

const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const isTaskId = (name: string): boolean => TASK_IDS.includes(name);

/** The progress mode for a command: JSON when asked, the task list on an interactive terminal, else plain lines. */
export function progressMode(
  json: boolean,
  stream: { isTTY?: boolean; columns?: number } = process.stderr,
  env: NodeJS.ProcessEnv = process.env,
): ProgressMode {
  if (json) return 'json';
  const dumb = env.TERM === 'dumb' || env.CI === 'true' || env.CI === '1';
  // A terminal that reports no width (some pseudo-terminals) cannot hold a redrawn list: plain lines there.
  const sized = (stream.columns ?? 0) >= 40;
  return stream.isTTY === true && sized && !dumb ? 'tty' : 'plain';
}

/** One event as a plain stderr line, or null for events plain mode does not show. */
export function progressLine(e: PipelineEvent): string | null {
  switch (e.type) {
    case 'run.waiting':
      return `waiting for ${e.holder ?? 'another process'} to release ${e.warehouse} …`;
    case 'run.start':
      return `run ${e.runId}${e.resumed ? ' (resumed)' : ''}: ${redactLocation(e.input)} → ${redactLocation(e.warehouse)}`;
    case 'step.end':
      // A task's own step repeats its task line; the steps inside publish get a line of their own.
      return isTaskId(e.step)
        ? null
        : `    ${e.step.padEnd(14)} ${e.status.padEnd(8)} ${secs(e.ms).padStart(8)}${e.detail ? `  ${e.detail}` : ''}`;
    case 'task.retry':
      return `  ${e.task.padEnd(16)} retry    in ${secs(e.delayMs)} after attempt ${e.attempt}: ${e.error.message}`;
    case 'task.end': {
      const tail =
        e.state === 'success'
          ? (e.output?.detail ?? '')
          : e.state === 'failed'
            ? `${e.error?.message ?? ''}`
            : e.state === 'skipped'
              ? `upstream ${e.skippedBecause ?? '?'} did not succeed`
              : 'not run';
      const attempts = e.attempts > 1 ? ` (${e.attempts} attempts)` : '';
      return `  ${e.task.padEnd(16)} ${e.state.padEnd(8)} ${secs(e.ms).padStart(8)}  ${tail}${attempts}`;
    }
    case 'run.warning':
      return `warning: ${e.message}`;
    case 'run.end':
      return `run ${e.runId} ${e.status} in ${secs(e.ms)}`;
    default:
      return null;
  }
}

/** A progress renderer writing to `out` (stderr). */
export function createProgress(mode: ProgressMode, out: NodeJS.WriteStream = process.stderr): Progress {
  if (mode === 'tty') return new TaskListProgress(out);
  const render = (e: PipelineEvent): string | null =>
    mode === 'json'
      ? JSON.stringify({ at: new Date().toISOString(), ...e })
      : mode === 'plain'
        ? progressLine(e)
        : null;
  return {
    listener: (e) => {
      const line = render(e);
      if (line !== null) out.write(line + '\n');
    },
    done: () => Promise.resolve(),
  };
}

/** The part of listr2's task wrapper this renderer drives. */
interface Row {
  title: string | undefined;
  output: string | undefined;
  skip(message?: string): void;
}

interface Slot {
  task?: Row;
  resolve(): void;
  reject(err: Error): void;
  ended?: () => void;
}

/** The listr2 task list: one row per DAG task with its state, duration, detail and latest log line. */
class TaskListProgress implements Progress {
  private listr: Promise<void> | null = null;
  private readonly slots = new Map<string, Slot>();
  private readonly held: string[] = [];

  constructor(private readonly out: NodeJS.WriteStream) {}

  readonly listener = (e: PipelineEvent): void => {
    if (e.type === 'dag.start') {
      this.start(e.tasks);
      return;
    }
    const slot = 'task' in e && typeof e.task === 'string' ? this.slots.get(e.task) : undefined;
    switch (e.type) {
      case 'task.start':
        this.withTask(slot, (t) => (t.title = `${e.task}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}`));
        return;
      case 'task.log':
        this.withTask(slot, (t) => (t.output = e.line));
        return;
      case 'task.progress':
        this.withTask(
          slot,
          (t) =>
            (t.output = `${e.progress.done.toLocaleString('en-US')}${e.progress.total ? ` / ${e.progress.total.toLocaleString('en-US')}` : ''} ${e.progress.unit ?? ''}`),
        );
        return;
      case 'task.retry':
        this.withTask(slot, (t) => (t.output = `retry in ${secs(e.delayMs)}: ${e.error.message}`));
        return;
      case 'task.end': {
        if (slot === undefined) return;
        const finish = (): void => {
          const t = slot.task!;
          if (e.state === 'success') {
            t.title = `${e.task}  ${secs(e.ms)}  ${e.output?.detail ?? ''}`;
            slot.resolve();
          } else if (e.state === 'failed') {
            slot.reject(new Error(`${e.task} failed after ${secs(e.ms)}: ${e.error?.message ?? ''}`));
          } else {
            t.skip(
              e.state === 'skipped'
                ? `${e.task}: skipped (upstream ${e.skippedBecause ?? '?'} did not succeed)`
                : `${e.task}: not run`,
            );
            slot.resolve();
          }
        };
        if (slot.task) finish();
        else slot.ended = finish;
        return;
      }
      default: {
        // Lines outside the task list wait until it has drawn its last frame.
        const line = progressLine(e);
        if (line === null || e.type === 'step.end') return;
        if (this.listr === null) this.out.write(line + '\n');
        else this.held.push(line);
      }
    }
  };

  private withTask(slot: Slot | undefined, fn: (t: Row) => void): void {
    if (slot?.task) fn(slot.task);
  }

  private start(tasks: readonly string[]): void {
    // Both of listr's streams go to stderr: stdout carries the command's result.
    const logger = new ListrLogger({
      processOutput: new ProcessOutput(this.out, this.out, { leaveEmptyLine: false }),
    });
    const list = new Listr<unknown, 'default', 'simple'>(
      tasks.map((id) => ({
        title: `${id}  queued`,
        task: (_ctx, t) =>
          new Promise<void>((resolve, reject) => {
            const slot: Slot = this.slots.get(id)!;
            slot.task = t;
            slot.resolve = resolve;
            slot.reject = reject;
            slot.ended?.();
          }),
      })),
      {
        concurrent: true,
        exitOnError: false,
        registerSignalListeners: false,
        fallbackRendererCondition: () => this.out.isTTY !== true,
        rendererOptions: { collapseErrors: false, collapseSkips: false, logger },
        fallbackRendererOptions: { logger },
      },
    );
    for (const id of tasks) this.slots.set(id, { resolve: () => undefined, reject: () => undefined });
    this.listr = list.run().then(
      () => undefined,
      () => undefined, // failures are shown in the list and reported by the command
    );
  }

  async done(): Promise<void> {
    if (this.listr !== null) await this.listr;
    this.listr = null;
    for (const line of this.held.splice(0)) this.out.write(line + '\n');
  }
}
