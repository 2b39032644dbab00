// Test hooks: the one place production code asks "did a test ask me to misbehave here?". Nothing in this file acts
// unless a test set a switch; each section is self-contained and documents its own switch.
import { TaskError } from './errors.js';

// ── Failpoints (the pipeline's steps) ────────────────────────────────────────────────────────────────────────────
// Set with MOVALYTICS_FAILPOINT (a child process) or withFailpoint (in this process; it wins over the variable):
//   hang-after:<step>          hangs after the step (inside the publish transaction for its steps) until killed
//   sleep-after:<step>:<ms>    pauses there, ending early when the task's signal fires, to hold a run open
//   fail-once:<step>           throws a retryable error the first time the step ends in this process
//   fail-after:<step>          throws a permanent error every time
// The pipeline calls afterStep once at the end of every named step (src/pipeline/tasks/task.ts), and a mapped ratings
// shard also once its parts are recorded (`load.ratings[i]/recorded`, before its attempt is).

let inProcessFailpoint: string | undefined;
const failedOnce = new Set<string>();

/** Runs `fn` with the failpoint set for runs in this process, and clears it again however `fn` ends. */
export async function withFailpoint<T>(spec: string, fn: () => Promise<T>): Promise<T> {
  inProcessFailpoint = spec;
  try {
    return await fn();
  } finally {
    inProcessFailpoint = undefined;
  }
}

/** Acts on the failpoint set for `step`, if any; `signal` ends a sleep early (a timeout or a graceful stop). */
export async function afterStep(step: string, signal: AbortSignal): Promise<void> {
  const fp = inProcessFailpoint ?? process.env.MOVALYTICS_FAILPOINT;
  if (fp === undefined) return;
  if (fp === `hang-after:${step}`) {
    process.stderr.write(`failpoint: hanging after ${step}\n`); // a test waits for this line before it kills
    await new Promise<never>(() => {
      setInterval(() => undefined, 60_000);
    });
  }
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

// ── Redshift emulation and statement observer (warehouse/redshift) ───────────────────────────────────────────────
//   MOVALYTICS_REDSHIFT_EMULATE=postgres   a redshift:// location runs on the PostgreSQL it names: physical attributes
//                                          stripped, COPY from S3 replaced by COPY FROM STDIN of the local parts, or
//                                          of the objects a staged file's manifest lists, read from S3
//   MOVALYTICS_REDSHIFT_PART_BYTES=<n>     the size of the CSV parts a Redshift load writes (small: manifests of
//                                          several parts)
//   observeRedshiftStatements(fn)          fn sees every statement a Redshift warehouse and its sessions send, as
//                                          Redshift would receive it (the parse gate)
// The Redshift warehouse reads the switches when it opens and reports each statement to reportRedshiftStatement.

let statementObserver: ((sql: string) => void) | null = null;

/** Whether a redshift:// location should run on the PostgreSQL it names (`MOVALYTICS_REDSHIFT_EMULATE=postgres`). */
export function redshiftEmulation(env: NodeJS.ProcessEnv = process.env): 'postgres' | undefined {
  return env.MOVALYTICS_REDSHIFT_EMULATE === 'postgres' ? 'postgres' : undefined;
}

/** The part size `MOVALYTICS_REDSHIFT_PART_BYTES` asks for, or undefined for the default. */
export function redshiftPartBytes(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const n = Number(env.MOVALYTICS_REDSHIFT_PART_BYTES);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/**
 * `fn` receives every statement any Redshift warehouse and its sessions send from now on, as Redshift would receive
 * it (before a PostgreSQL stand-in strips physical attributes or replaces COPY). Returns the function that stops it.
 */
export function observeRedshiftStatements(fn: (sql: string) => void): () => void {
  statementObserver = fn;
  return () => {
    if (statementObserver === fn) statementObserver = null;
  };
}

/** Called by the Redshift warehouse with each statement it sends. */
export function reportRedshiftStatement(sql: string): void {
  statementObserver?.(sql);
}
