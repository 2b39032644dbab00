// `movalytics schedule --cron EXPR [--tz ZONE]`: runs the pipeline on a schedule in the foreground until stopped.
import type { Command } from 'commander';
import { addPipelineOptions } from './options.js';
import { recordSkippedTicks } from '../../pipeline/run-session.js';
import { checkCron, startSchedule } from '../../pipeline/scheduler.js';
import { configFromFlags, gracefulStop, runRequest, runScheduled, type RunFlags } from './run.js';

interface ScheduleFlags extends RunFlags {
  cron: string;
  tz?: string;
}

export function registerSchedule(program: Command): void {
  addPipelineOptions(
    program
      .command('schedule')
      .description(
        'Run the pipeline on a cron schedule in the foreground: one run at a time (an overlapping tick is skipped and recorded); SIGINT/SIGTERM lets the running tasks finish, then exits 0',
      )
      .requiredOption(
        '--cron <expr>',
        'when to run: five fields ("0 6 * * *" = 06:00 daily), or six with seconds first; nicknames such as @daily work too',
      )
      .option(
        '--tz <zone>',
        'IANA time zone the expression is read in, e.g. Europe/Paris (default: this machine’s)',
      ),
  )
    .option('--verify', 'hash every input even when size and mtime match the last load')
    .option('--concurrency <n>', 'tasks running at once (default 4)')
    .option('--json', 'progress as one JSON event per line on stderr')
    .action(async (flags: ScheduleFlags) => {
      const config = configFromFlags(flags);
      checkCron(flags.cron, flags.tz);
      const request = runRequest(flags);
      const say = (line: string): void => void process.stderr.write(line + '\n');
      const schedule = startSchedule({
        cron: flags.cron,
        timezone: flags.tz,
        log: say,
        run: (signal) => runScheduled(config, signal, { cron: flags.cron, tz: flags.tz }, request),
        recordSkips: (skips) => recordSkippedTicks(config, skips),
      });
      const stop = gracefulStop(say, 'schedule', 'no new runs; letting the running task(s) finish');
      await new Promise((resolve) => stop.signal.addEventListener('abort', resolve, { once: true }));
      await schedule.stop();
      stop.release();
      say('schedule: stopped');
    });
}
