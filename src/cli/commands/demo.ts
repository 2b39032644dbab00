// `movalytics demo` (what `npm start` runs): generate a small sample in the Kaggle layout if the input folder is
// empty, then run the whole pipeline on the embedded default and print the answers.
import type { Command } from 'commander';
import { addWarehouseOptions } from './options.js';
import { existsSync, readdirSync } from 'node:fs';
import { generateDataset } from '../../generate/index.js';
import { configFromFlags, runAndReport, type RunFlags } from './run.js';

export function registerDemo(program: Command): void {
  addWarehouseOptions(
    program
      .command('demo')
      .description(
        'Generate a sample dataset into the input folder if it has none, then run the pipeline on it.',
      )
      .option('-i, --input <dir>', 'input folder (default ./data/raw)'),
    false,
  ).action(async (flags: RunFlags) => {
    const config = configFromFlags(flags);
    const hasCsv =
      existsSync(config.input) && readdirSync(config.input).some((f) => f.toLowerCase().endsWith('.csv'));
    if (!hasCsv) {
      process.stderr.write(
        `demo: no input in ${config.input}; generating a sample in the Kaggle layout there\n`,
      );
      await generateDataset({ out: config.input });
    }
    await runAndReport(config);
  });
}
