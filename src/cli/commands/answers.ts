// `movalytics answers [q1|q2|q3|q4|all]`: reads the warehouse marts and prints the four answers.
import type { Command } from 'commander';
import { terminalWidth } from '../terminal.js';
import { UsageError } from '../../core/errors.js';
import {
  ANSWER_FORMATS,
  QUESTIONS,
  computeAnswers,
  renderAnswers,
  type AnswerFormat,
  type AnswerSelection,
} from '../../stages/answers/index.js';
import {
  addAnswerOptions,
  openExistingWarehouse,
  resolveAnswerFlags,
  type AnswerFlags,
} from './answer-flags.js';

const SELECTIONS: readonly AnswerSelection[] = [...QUESTIONS, 'all'];

interface AnswersOptions extends AnswerFlags {
  format: string;
}

export function registerAnswers(program: Command): void {
  addAnswerOptions(
    program
      .command('answers')
      .description('print the answers to the four business questions from the warehouse')
      .argument('[question]', `${SELECTIONS.join(' | ')}`, 'all')
      .option('--format <format>', ANSWER_FORMATS.join(' | '), 'table'),
  ).action(async (question: string, opts: AnswersOptions) => {
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
    const { warehouse, params } = resolveAnswerFlags(opts);
    const wh = await openExistingWarehouse(warehouse);
    try {
      const answers = await computeAnswers(wh, params);
      process.stdout.write(
        renderAnswers(answers, opts.format as AnswerFormat, question as AnswerSelection, {
          width: terminalWidth(),
        }),
      );
    } finally {
      await wh.close();
    }
  });
}
