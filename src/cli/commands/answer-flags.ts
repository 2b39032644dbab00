// What `answers` and `report` share: the answer-parameter flags, the config file behind them, and opening the
// warehouse for reading without ever creating it.
import type { Command } from 'commander';
import { addWarehouseOptions, type WarehouseFlags } from './options.js';
import { loadConfig, type Config } from '../../config/config.js';
import { UsageError } from '../../core/errors.js';
import type { AnswerParamsInput } from '../../stages/answers/index.js';
import type { WarehouseLocation } from '../../warehouse/location.js';
import { describeLocation, openWarehouse, warehouseExists } from '../../warehouse/open.js';
import type { Warehouse } from '../../warehouse/warehouse.js';

export interface AnswerFlags extends WarehouseFlags {
  top?: string;
  quantile?: string;
  minVotes?: string;
  alpha?: string;
  cpiBase?: string;
  cpiSplice?: string;
}

/** Adds --warehouse, --config and the answer-parameter flags to a command. */
export function addAnswerOptions(cmd: Command): Command {
  return addWarehouseOptions(cmd)
    .option('--top <n>', 'Q1: movies to show (default 10)')
    .option('--quantile <q>', 'Q1: quantile of votes per movie that sets m (default 0.9)')
    .option('--min-votes <m>', 'Q1: minimum votes m, overriding --quantile')
    .option('--alpha <a>', 'Q3: significance level (default 0.05)')
    .option('--cpi-base <YYYY-MM>', 'Q3/Q4: CPI base month (default: latest in the series)')
    .option(
      '--cpi-splice <SERIES>',
      'Q3/Q4: price releases before the CPI series starts with this series (e.g. CPIAUCNS), ratio-linked at the first common month',
    );
}

/** A numeric flag: the whole text must be a finite number, else a UsageError naming the flag. */
function numberFlag(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n))
    throw new UsageError(`${flag} ${JSON.stringify(text)} is not a number`);
  return n;
}

/** The warehouse path and answer parameters: flags over the config file's `answers` over the defaults. */
export function resolveAnswerFlags(flags: AnswerFlags): {
  warehouse: WarehouseLocation;
  params: AnswerParamsInput;
} {
  const config = loadWarehouseConfig(flags);
  const fromFlags: AnswerParamsInput = {
    top: numberFlag('--top', flags.top),
    quantile: numberFlag('--quantile', flags.quantile),
    minVotes: numberFlag('--min-votes', flags.minVotes),
    alpha: numberFlag('--alpha', flags.alpha),
    cpiBase: flags.cpiBase,
    cpiSplice: flags.cpiSplice,
  };
  const defined = Object.fromEntries(
    Object.entries(fromFlags).filter(([, v]) => v !== undefined),
  ) as AnswerParamsInput;
  return { warehouse: config.warehouse, params: { ...config.answers, ...defined } };
}

/** The config of `-c`, with `-w` over the config file's warehouse. */
export function loadWarehouseConfig(flags: WarehouseFlags): Config {
  return loadConfig({
    configPath: flags.config,
    overrides: flags.warehouse === undefined ? {} : { warehouse: flags.warehouse },
  });
}

/**
 * Runs `fn` on an existing warehouse opened read-only, then closes it; a missing file is a usage error (never
 * created).
 */
export async function withExistingWarehouse<T>(
  loc: WarehouseLocation,
  fn: (wh: Warehouse) => Promise<T>,
): Promise<T> {
  if (!warehouseExists(loc))
    throw new UsageError(`warehouse ${describeLocation(loc)} not found: run \`movalytics run\` first`);
  const wh = await openWarehouse(loc, { readOnly: true });
  try {
    return await fn(wh);
  } finally {
    await wh.close();
  }
}
