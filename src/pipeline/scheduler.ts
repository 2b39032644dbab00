// The scheduler: runs the pipeline on a cron schedule (croner: DST-correct, time zones, optional seconds field) in
// the foreground. One run at a time: a tick that comes while a run is still going is skipped, and the skip is
// recorded in the run history once the warehouse is free. `stop()` lets a running run finish its running tasks
// (nothing new starts; the run ends `interrupted`) and resolves when it has.
import { Cron } from 'croner';
import { UsageError } from '../core/errors.js';
import { WarehouseLockedError } from '../warehouse/warehouse.js';
import type { RunSummary } from './run-pipeline.js';

export interface ScheduleOptions {
  /** Five fields (minute …), or six with seconds first; croner's syntax (L, W, # and nicknames like @daily). */
  cron: string;
  /** IANA time zone the expression is read in (default: the machine's). */
  timezone?: string;
  /** Starts one run; rejects for a failed run. `signal` asks it to stop gracefully. */
  run(signal: AbortSignal): Promise<RunSummary>;
  /** Progress lines for the operator (stderr). */
  log(line: string): void;
  /** Records skipped ticks where runs are recorded (default: nothing). */
  recordSkips?(skips: readonly SkippedTick[]): Promise<void>;
}

export interface SkippedTick {
  at: Date;
  reason: string;
}

export interface Schedule {
  /** Stops ticking; lets a running run finish gracefully; resolves when it has. */
  stop(): Promise<void>;
}

/**
 * Validates a cron expression and time zone up front: a mistake is a one-line usage error, not a crash later. Croner
 * only reads the zone when it computes a date, and an expression no date matches (February 30) has no next run.
 */
export function checkCron(cron: string, timezone?: string): void {
  if (timezone !== undefined && !isTimeZone(timezone))
    throw new UsageError(
      `--tz ${JSON.stringify(timezone)} is not an IANA time zone: use one such as Europe/Paris, America/New_York or UTC`,
    );
  let next: Date | null;
  try {
    const probe = new Cron(cron, { paused: true, timezone });
    next = probe.nextRun();
    probe.stop();
  } catch (err) {
    throw new UsageError(
      `--cron ${JSON.stringify(cron)}${timezone ? ` --tz ${timezone}` : ''} is not a valid schedule (${(err as Error).message}); use five fields such as "0 6 * * *", or six with seconds first`,
    );
  }
  if (next === null)
    throw new UsageError(
      `--cron ${JSON.stringify(cron)} never fires: no date matches it (such as February 30); use a schedule with a next run`,
    );
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function startSchedule(opts: ScheduleOptions): Schedule {
  checkCron(opts.cron, opts.timezone);
  let current: { promise: Promise<void>; stop: AbortController } | null = null;
  let pending: SkippedTick[] = [];
  let stopping = false;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));

  const fmt = (d: Date | null): string => (d === null ? 'never' : d.toISOString());
  const tick = (): void => {
    if (stopping) return;
    const at = new Date();
    if (current !== null) {
      const reason = 'the previous run was still going';
      pending.push({ at, reason });
      opts.log(`schedule: tick at ${at.toISOString()} skipped: ${reason}; next at ${fmt(job.nextRun())}`);
      return;
    }
    const stop = new AbortController();
    const promise = (async () => {
      opts.log(`schedule: tick at ${at.toISOString()}: starting a run`);
      try {
        const summary = await opts.run(stop.signal);
        opts.log(`schedule: run ${summary.runId} ${summary.status}`);
      } catch (err) {
        if (err instanceof WarehouseLockedError) {
          pending.push({ at, reason: `another process held the warehouse (${err.message})` });
          opts.log(`schedule: tick at ${at.toISOString()} skipped: another process holds the warehouse`);
        } else {
          opts.log(`schedule: the run failed: ${(err as Error).message}`);
        }
      }
      if (pending.length > 0 && opts.recordSkips) {
        const skips = pending;
        pending = [];
        await opts.recordSkips(skips).catch((err: unknown) => {
          pending = [...skips, ...pending]; // tried again after the next run
          opts.log(
            `schedule: could not record ${skips.length} skipped tick(s) yet: ${(err as Error).message}`,
          );
        });
      }
      current = null;
      if (!stopping) opts.log(`schedule: next run at ${fmt(job.nextRun())}`);
    })();
    current = { promise, stop };
  };
  const job = new Cron(opts.cron, { timezone: opts.timezone }, tick);
  opts.log(
    `schedule: "${opts.cron}"${opts.timezone ? ` in ${opts.timezone}` : ''}; next run at ${fmt(job.nextRun())}`,
  );

  return {
    stop: async () => {
      if (!stopping) {
        stopping = true;
        job.stop();
        const running = current;
        if (running !== null) {
          running.stop.abort();
          await running.promise;
        }
        resolveStopped();
      }
      await stopped;
    },
  };
}
