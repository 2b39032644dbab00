// `movalytics serve`: the dashboard, run monitor, diff and lineage pages and their JSON API over the warehouse,
// read-only, on 127.0.0.1 by default. Any other host needs a token (--token or MOVALYTICS_TOKEN); a token is never
// printed. Runs until SIGINT/SIGTERM.
import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { UsageError } from '../../core/errors.js';
import { isLoopbackName, startServer } from '../../serve/server.js';
import { WarehouseAccess } from '../../serve/warehouse-access.js';
import { recordSkippedTicks } from '../../pipeline/run-session.js';
import { checkCron, startSchedule } from '../../pipeline/scheduler.js';
import { runScheduled } from './run.js';

interface ServeOptions {
  port: string;
  host: string;
  warehouse?: string;
  staging?: string;
  config?: string;
  token?: string;
  schedule?: string;
  tz?: string;
  input?: string;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(
      'serve the dashboard, run monitor, diff and lineage pages (and their JSON API) over the warehouse, read-only',
    )
    .option('-p, --port <port>', 'TCP port (0: any free port)', '8080')
    .option('--host <host>', 'address to listen on; anything but loopback needs --token', '127.0.0.1')
    .option(
      '-w, --warehouse <location>',
      'a DuckDB file (default ./movalytics.duckdb, or the config file’s) or postgres://user@host/db',
    )
    .option(
      '--staging <location>',
      'staging area, for lineage down to the raw input records (default: the config’s)',
    )
    .option('-c, --config <file>', 'config file (default ./movalytics.config.json if present)')
    .option('--token <token>', 'require this token on every request (default: $MOVALYTICS_TOKEN)')
    .option(
      '--schedule <cron>',
      'also run the pipeline on this cron schedule, in this process (so a DuckDB file has one writer); see `movalytics schedule`',
    )
    .option('--tz <zone>', 'with --schedule: IANA time zone of the expression')
    .option('-i, --input <dir|zip>', 'with --schedule: the input the runs read (default ./data/raw)')
    .action(async (opts: ServeOptions) => {
      if (!/^\d{1,5}$/.test(opts.port) || Number(opts.port) > 65535)
        throw new UsageError(`--port ${JSON.stringify(opts.port)} is not a port number (0–65535)`);
      const envToken = process.env.MOVALYTICS_TOKEN;
      const token = opts.token ?? (envToken === undefined || envToken === '' ? null : envToken);
      if (token !== null && token.length < 8)
        throw new UsageError('the token (--token or MOVALYTICS_TOKEN) must be at least 8 characters');
      // Hosts that only this machine can reach need no token.
      if (!isLoopbackName(opts.host.replace(/^\[|\]$/g, '')) && token === null)
        throw new UsageError(
          `--host ${opts.host} is reachable from other machines: set a token with --token or MOVALYTICS_TOKEN (or keep the default 127.0.0.1)`,
        );
      if (opts.schedule === undefined && (opts.tz !== undefined || opts.input !== undefined))
        throw new UsageError('--tz and --input go with --schedule');
      if (opts.schedule !== undefined) checkCron(opts.schedule, opts.tz);
      const config = loadConfig({
        configPath: opts.config,
        overrides: { warehouse: opts.warehouse, staging: opts.staging, input: opts.input },
      });
      const access = new WarehouseAccess({ location: config.warehouse });
      if (!access.exists() && opts.schedule === undefined)
        throw new UsageError(`warehouse ${access.displayName} not found: run \`movalytics run\` first`);
      const server = await startServer({
        access,
        host: opts.host,
        port: Number(opts.port),
        token,
        staging: config.staging,
        answerDefaults: config.answers,
      });
      process.stdout.write(
        `movalytics serve: ${server.url} (warehouse ${access.displayName}, read-only${token === null ? '' : '; token required'}) — Ctrl-C stops it\n`,
      );
      const say = (line: string): void => void process.stderr.write(line + '\n');
      const cron = opts.schedule;
      // The scheduler's runs take the warehouse from the server while they write (it answers from its cache).
      const schedule =
        cron === undefined
          ? null
          : startSchedule({
              cron,
              timezone: opts.tz,
              log: say,
              run: (signal) =>
                access.exclusive('movalytics serve --schedule', () =>
                  runScheduled(config, signal, { cron, tz: opts.tz }, {}, 'plain'),
                ),
              recordSkips: (skips) =>
                access.exclusive('movalytics serve --schedule', () => recordSkippedTicks(config, skips)),
            });
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      // A scheduled run drains first (running tasks finish), then the server closes.
      await schedule?.stop();
      await server.close();
    });
}
