// Errors of the DAG layer: a graph that cannot be planned (cycle, unknown dependency, bad selection), and the two
// ways the runner ends an attempt itself (timeout, cancellation).
import { EXIT, MovalyticsError } from '../core/errors.js';

/** A graph or a selection that cannot be planned. The message names the task(s) and the fix. */
export class DagError extends MovalyticsError {
  constructor(message: string) {
    super('config', message, { exitCode: EXIT.usage });
  }
}

/**
 * An attempt that outlived its task's timeout. Not retryable: the runner abandons the attempt's promise but cannot
 * stop code that ignores its AbortSignal, so a retry could overlap a still-running first attempt.
 */
export class TaskTimeoutError extends MovalyticsError {
  constructor(task: string, timeoutMs: number) {
    const message = `task ${task} timed out after ${formatMs(timeoutMs)} — raise its timeout or look at why it hangs`;
    super('task', message, { exitCode: EXIT.taskFailed });
  }
}

/** The run's own AbortSignal fired (Ctrl-C, a shutdown) while the attempt was running. Never retried. */
export class DagCancelledError extends MovalyticsError {
  constructor(task: string) {
    super('task', `task ${task} was cancelled because the run was cancelled`, { exitCode: EXIT.taskFailed });
  }
}

/** Durations in messages: "250 ms", "30 s", "15 min". */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${Math.round(ms / 100) / 10} s`;
  return `${Math.round(ms / 6000) / 10} min`;
}
