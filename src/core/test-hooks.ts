// Test hooks: the one place production code asks "did a test ask me to misbehave here?". Nothing in this file acts
// unless a test set a switch; each section is self-contained and documents its own switch.

// ── Failpoints (the pipeline's steps) ────────────────────────────────────────────────────────────────────────────
// Set with MOVALYTICS_FAILPOINT (a child process) or setFailpoint (in this process; it wins over the variable):
//   hang-after:<step>          hangs after the step (inside the publish transaction for its steps) until killed
//   sleep-after:<step>:<ms>    pauses there, ending early when the task's signal fires, to hold a run open
//   fail-once:<step>           throws a retryable error the first time the step ends in this process
//   fail-after:<step>          throws a permanent error every time
// The pipeline calls afterStep once at the end of every named step (src/pipeline/tasks/task.ts).
import { TaskError } from './errors.js';

let inProcessFailpoint: string | undefined;
const failedOnce = new Set<string>();

/** Sets (or, with undefined, clears) the failpoint for runs in this process. Tests clear it in a `finally`. */
export function setFailpoint(spec: string | undefined): void {
  inProcessFailpoint = spec;
}

/** Runs `fn` with the failpoint set, and clears it again however `fn` ends. */
export async function withFailpoint<T>(spec: string, fn: () => Promise<T>): Promise<T> {
  setFailpoint(spec);
  try {
    return await fn();
  } finally {
    setFailpoint(undefined);
  }
}

/** Acts on the failpoint set for `step`, if any; `signal` ends a sleep early (a timeout or a graceful stop). */
export async function afterStep(step: string, signal: AbortSignal): Promise<void> {
  const fp = inProcessFailpoint ?? process.env.MOVALYTICS_FAILPOINT;
  if (fp === undefined) return;
  if (fp === `hang-after:${step}`)
    await new Promise<never>(() => {
      setInterval(() => undefined, 60_000);
    });
  const sleep = /^sleep-after:([a-z.]+):(\d+)$/.exec(fp);
  if (sleep?.[1] === step)
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Number(sleep[2]));
      signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
  if (fp === `fail-after:${step}`) throw new TaskError(`simulated permanent failure after ${step}`);
  if (fp === `fail-once:${step}` && !failedOnce.has(step)) {
    failedOnce.add(step);
    throw new TaskError(`simulated transient failure after ${step}`, { retryable: true });
  }
}
