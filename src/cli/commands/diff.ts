// `movalytics diff [RUN_A] [RUN_B]`: what changed between two runs — input files, model tables, answers.
import type { Command } from 'commander';
import { addWarehouseOptions } from './options.js';
import { loadConfig } from '../../config/config.js';
import { UsageError } from '../../core/errors.js';
import { DIFF_FORMATS, computeRunDiff, renderDiff, type DiffFormat } from '../../diff/index.js';
import { terminalWidth } from '../terminal.js';
import { openExistingWarehouse } from './answer-flags.js';

interface DiffOptions {
  format: string;
  warehouse?: string;
  config?: string;
}

export function registerDiff(program: Command): void {
  addWarehouseOptions(
    program
      .command('diff')
      .description(
        'what changed between two runs: input files (bytes, sha256, rows), table rows, and every answer (default: the last two published runs)',
      )
      .argument('[runA]', 'the earlier run id (default: the published run before RUN_B)')
      .argument('[runB]', 'the later run id (default: the latest published run)')
      .option('--format <format>', DIFF_FORMATS.join(' | '), 'table'),
  ).action(async (runA: string | undefined, runB: string | undefined, opts: DiffOptions) => {
    if (!(DIFF_FORMATS as readonly string[]).includes(opts.format))
      throw new UsageError(
        `unknown --format ${JSON.stringify(opts.format)}: use one of ${DIFF_FORMATS.join(', ')}`,
      );
    const config = loadConfig({
      configPath: opts.config,
      overrides: opts.warehouse === undefined ? {} : { warehouse: opts.warehouse },
    });
    const wh = await openExistingWarehouse(config.warehouse);
    try {
      const diff = await computeRunDiff(wh, runA, runB);
      process.stdout.write(renderDiff(diff, opts.format as DiffFormat, { width: terminalWidth() }));
    } finally {
      await wh.close();
    }
  });
}
