// `movalytics answers [q1|q2|q3|q4|all]`: reads the warehouse marts and prints the four answers.
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import {
  ANSWER_FORMATS,
  QUESTIONS,
  computeAnswers,
  renderAnswers,
  type AnswerFormat,
  type AnswerSelection,
} from '../../stages/answers/index.js';
import { DuckDbWarehouse } from '../../warehouse/duckdb/index.js';

const SELECTIONS: readonly AnswerSelection[] = [...QUESTIONS, 'all'];

interface AnswersOptions {
  warehouse: string;
  format: string;
  top?: string;
  quantile?: string;
  minVotes?: string;
  alpha?: string;
  cpiBase?: string;
}

/** A numeric flag: the whole text must be a finite number, else a UsageError naming the flag. */
function numberFlag(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n))
    throw new UsageError(`${flag} ${JSON.stringify(text)} is not a number`);
  return n;
}

export function registerAnswers(program: Command): void {
  program
    .command('answers')
    .description('print the answers to the four business questions from the warehouse')
    .argument('[question]', `${SELECTIONS.join(' | ')}`, 'all')
    .option('--warehouse <path>', 'DuckDB warehouse file', './movalytics.duckdb')
    .option('--format <format>', ANSWER_FORMATS.join(' | '), 'table')
    .option('--top <n>', 'Q1: movies to show (default 10)')
    .option('--quantile <q>', 'Q1: quantile of votes per movie that sets m (default 0.9)')
    .option('--min-votes <m>', 'Q1: minimum votes m, overriding --quantile')
    .option('--alpha <a>', 'Q3: significance level (default 0.05)')
    .option('--cpi-base <YYYY-MM>', 'Q3/Q4: CPI base month (default: latest in the series)')
    .action(async (question: string, opts: AnswersOptions) => {
      if (!(SELECTIONS as readonly string[]).includes(question)) {
        throw new UsageError(
          `unknown question ${JSON.stringify(question)}: use one of ${SELECTIONS.join(', ')}`,
        );
      }
      if (!(ANSWER_FORMATS as readonly string[]).includes(opts.format)) {
        throw new UsageError(
          `unknown --format ${JSON.stringify(opts.format)}: use one of ${ANSWER_FORMATS.join(', ')}`,
        );
      }
      const params = {
        top: numberFlag('--top', opts.top),
        quantile: numberFlag('--quantile', opts.quantile),
        minVotes: numberFlag('--min-votes', opts.minVotes),
        alpha: numberFlag('--alpha', opts.alpha),
        cpiBase: opts.cpiBase,
      };
      // Opening a missing DuckDB file would create an empty one; answers never write, so refuse instead.
      if (opts.warehouse !== ':memory:' && !existsSync(opts.warehouse)) {
        throw new UsageError(`warehouse ${opts.warehouse} not found: run \`movalytics run\` first`);
      }
      const wh = await DuckDbWarehouse.open({ path: opts.warehouse });
      try {
        const answers = await computeAnswers(wh, params);
        process.stdout.write(
          renderAnswers(answers, opts.format as AnswerFormat, question as AnswerSelection),
        );
      } finally {
        await wh.close();
      }
    });
}
