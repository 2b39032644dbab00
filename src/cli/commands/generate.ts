// `movalytics generate`: writes a deterministic, full-layout copy of The Movies Dataset (with its real defects)
// plus the FRED CPI file and truth.json. Summary to stdout, progress to stderr.
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import {
  DEFAULT_MOVIES,
  DEFAULT_RATINGS,
  DEFAULT_SEED,
  FRED_HEADERS,
  generateDataset,
  MIN_MOVIES,
  parseIntFlag,
} from '../../generate/index.js';
import type { FredHeader } from '../../generate/options.js';
import { renderTable } from '../../core/format.js';
import { terminalWidth } from '../terminal.js';

interface GenerateFlags {
  out?: string;
  ratings?: string;
  movies?: string;
  seed?: string;
  zip?: boolean;
  fredHeader?: string;
  fredUntil?: string;
  fredMissing?: string;
}

/** Registers `generate` on the program. */
export const registerGenerate = (program: Command): void => {
  program
    .command('generate')
    .description(
      'Write The Movies Dataset layout (Kaggle) with its real defects, a FRED CPI file and truth.json',
    )
    .option('--out <dir>', 'folder to write into (created if missing)')
    .option('--ratings <n>', `rows in ratings.csv (default ${DEFAULT_RATINGS}; full scale 26024289)`)
    .option(
      '--movies <n>',
      `TMDB movies in movies_metadata.csv (default ${DEFAULT_MOVIES}, min ${MIN_MOVIES}; full 45466)`,
    )
    .option('--seed <s>', `PRNG seed, a non-negative integer (default ${DEFAULT_SEED})`)
    .option('--zip', 'also pack the 7 Kaggle CSVs into the-movies-dataset.zip')
    .option('--fred-header <name>', 'first header cell of the CPI file: observation_date (default) or DATE')
    .option('--fred-until <YYYY-MM>', 'last month of the FRED series (default 2026-10)')
    .option(
      '--fred-missing <YYYY-MM,...>',
      'months the FRED files mark missing with "." as FRED does today for 2025-10 (default none)',
    )
    .action(async (flags: GenerateFlags) => {
      if (flags.out === undefined) {
        throw new UsageError('generate: --out DIR is required (the folder to write the dataset into)');
      }
      const fredHeader = flags.fredHeader ?? 'observation_date';
      if (!(FRED_HEADERS as readonly string[]).includes(fredHeader)) {
        throw new UsageError(`generate: --fred-header "${fredHeader}" must be observation_date or DATE`);
      }
      const result = await generateDataset({
        out: flags.out,
        ratings: parseIntFlag('--ratings', flags.ratings),
        movies: parseIntFlag('--movies', flags.movies),
        seed: parseIntFlag('--seed', flags.seed),
        zip: flags.zip === true,
        fredHeader: fredHeader as FredHeader,
        fredUntil: flags.fredUntil,
        fredMissing: flags.fredMissing?.split(',').map((m) => m.trim()),
        onProgress: (m) => process.stderr.write(`generate: ${m}\n`),
      });
      process.stdout.write(`Wrote ${result.files.length} files to ${result.dir}\n`);
      process.stdout.write(
        renderTable(
          result.files,
          [
            { header: 'file', value: (f) => f.file, align: 'left' },
            { header: 'bytes', value: (f) => f.bytes, align: 'right' },
            { header: 'records', value: (f) => f.records, align: 'right' },
          ],
          { width: terminalWidth() },
        ),
      );
    });
};
