// `movalytics worker --queue redis://…`: runs the pipeline's task jobs from the queue, on any number of machines.
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { checkDistributable, startWorker } from '../../pipeline/executors/bullmq.js';
import { redactLocation } from '../../core/redact.js';
import { describeLocation } from '../../warehouse/open.js';
import { configFromFlags, gracefulStop, type RunFlags } from './run.js';

interface WorkerFlags extends RunFlags {
  concurrency?: string;
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description(
      'Run task jobs of `movalytics run --executor bullmq` from the queue until stopped (SIGTERM/SIGINT: finish the running jobs, then exit 0)',
    )
    .option('--queue <redis://host:6379[/db]>', 'the task queue (or "queue" in the config file)')
    .option('--concurrency <n>', 'jobs at once (default 1)')
    .option(
      '-w, --warehouse <location>',
      'the run’s warehouse: postgres://user@host/db (credentials stay here)',
    )
    .option('--staging <s3://BUCKET/PREFIX>', 'the run’s staging area')
    .option('-c, --config <file>', 'config file (default ./movalytics.config.json if present)')
    .action(async (flags: WorkerFlags) => {
      const config = configFromFlags({ ...flags, concurrency: undefined });
      const queue = config.queue;
      if (queue === undefined) throw new UsageError('worker needs --queue redis://HOST:6379[/DB]');
      checkDistributable(config, 'worker');
      const concurrency = flags.concurrency === undefined ? 1 : Number(flags.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1)
        throw new UsageError(`--concurrency ${JSON.stringify(flags.concurrency)} must be a whole number ≥ 1`);
      const say = (line: string): void => void process.stderr.write(line + '\n');
      const handle = startWorker({ queueUrl: queue, config, concurrency, log: say });
      say(
        `worker: waiting for jobs on ${redactLocation(queue)} (warehouse ${describeLocation(config.warehouse)}, staging ${redactLocation(config.staging)})`,
      );
      const stop = gracefulStop(say, 'worker', 'finishing the running job(s), taking no new ones');
      await new Promise((resolve) => stop.signal.addEventListener('abort', resolve, { once: true }));
      await handle.close();
      stop.release();
      say('worker: stopped');
    });
}
