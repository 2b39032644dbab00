// The options several commands share, worded once so that every `--help` says the same thing.
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';

const CONFIG_HELP = 'config file (default ./movalytics.config.json if present)';
const warehouseHelp = (fromConfig: boolean): string =>
  `a DuckDB file (default ./movalytics.duckdb${fromConfig ? ', or the config file’s' : ''}) or postgres://user@host/db`;

/** The flags addWarehouseOptions adds. */
export interface WarehouseFlags {
  warehouse?: string;
  config?: string;
}

/** -w and -c; `fromConfig` says in the help that the config file may name the warehouse. */
export function addWarehouseOptions(cmd: Command, fromConfig = true): Command {
  return cmd
    .option('-w, --warehouse <location>', warehouseHelp(fromConfig))
    .option('-c, --config <file>', CONFIG_HELP);
}

/** -i, -w, --staging and -c of the commands that run tasks (schedule, task). */
export function addPipelineOptions(cmd: Command): Command {
  return cmd
    .option('-i, --input <dir|zip>', 'input folder or Kaggle zip (default ./data/raw)')
    .option('-w, --warehouse <location>', warehouseHelp(false))
    .option('--staging <dir|s3://BUCKET/PREFIX>', 'staging area (default ./.movalytics/staging)')
    .option('-c, --config <file>', CONFIG_HELP);
}

/** `text` when it is one of `allowed`, else a UsageError: `unknown <what> "<text>": use one of …`. */
export function oneOf<T extends string>(what: string, text: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(text))
    throw new UsageError(`unknown ${what} ${JSON.stringify(text)}: use one of ${allowed.join(', ')}`);
  return text as T;
}
