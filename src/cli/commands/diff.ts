// `movalytics diff [RUN_A] [RUN_B]`: what changed between two runs — input files, model tables, answers.
import type { Command } from 'commander';
import { addWarehouseOptions, oneOf, type WarehouseFlags } from './options.js';
import { DIFF_FORMATS, computeRunDiff, renderDiff } from '../../diff/index.js';
import { terminalWidth } from '../terminal.js';
import { loadWarehouseConfig, withExistingWarehouse } from './answer-flags.js';

interface DiffOptions extends WarehouseFlags {
  format: string;
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
    const format = oneOf('--format', opts.format, DIFF_FORMATS);
    const config = loadWarehouseConfig(opts);
    await withExistingWarehouse(config.warehouse, async (wh) => {
      const diff = await computeRunDiff(wh, runA, runB);
      process.stdout.write(renderDiff(diff, format, { width: terminalWidth() }));
    });
  });
}
