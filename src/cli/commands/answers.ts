// `movalytics answers [q1|q2|q3|q4|all]`: reads the warehouse marts and prints the four answers.
import type { Command } from 'commander';
import { terminalWidth } from '../terminal.js';
import {
  ANSWER_FORMATS,
  QUESTIONS,
  computeAnswers,
  renderAnswers,
  type AnswerSelection,
} from '../../stages/answers/index.js';
import {
  addAnswerOptions,
  resolveAnswerFlags,
  withExistingWarehouse,
  type AnswerFlags,
} from './answer-flags.js';
import { oneOf } from './options.js';

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
    const selection = oneOf('question', question, SELECTIONS);
    const format = oneOf('--format', opts.format, ANSWER_FORMATS);
    const { warehouse, params } = resolveAnswerFlags(opts);
    await withExistingWarehouse(warehouse, async (wh) => {
      const answers = await computeAnswers(wh, params);
      process.stdout.write(renderAnswers(answers, format, selection, { width: terminalWidth() }));
    });
  });
}
