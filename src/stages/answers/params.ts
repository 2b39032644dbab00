// Answer parameters: one zod schema with the documented defaults; the CLI flags map onto these names.
import { z } from 'zod';
import { UsageError } from '../../core/errors.js';

export const QUESTIONS = ['q1', 'q2', 'q3', 'q4'] as const;
export type Question = (typeof QUESTIONS)[number];
export const ANSWER_FORMATS = ['table', 'json', 'csv', 'markdown'] as const;
export type AnswerFormat = (typeof ANSWER_FORMATS)[number];

export const answerParamsSchema = z.object({
  /** Rows shown for Q1 (top movies). */
  top: z.number().int().min(1).max(10_000).default(10),
  /** Quantile of per-movie vote counts that sets m, the minimum votes for Q1. */
  quantile: z.number().min(0).max(1).default(0.9),
  /** Overrides m directly; null means "use the quantile". */
  minVotes: z.number().min(0).nullable().default(null),
  /** Significance level of the Kruskal–Wallis tests in Q3. */
  alpha: z.number().gt(0).lt(1).default(0.05),
  /** CPI base month 'YYYY-MM'; null means the latest month in movies.cpi. */
  cpiBase: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month YYYY-MM, e.g. 2017-07')
    .nullable()
    .default(null),
  /**
   * A second CPI series in movies.cpi (e.g. CPIAUCNS) ratio-linked to the primary series to price release months
   * before the primary starts; null = no splice.
   */
  cpiSplice: z
    .string()
    .regex(/^[A-Z0-9]+$/, 'must be a FRED series id, e.g. CPIAUCNS')
    .nullable()
    .default(null),
});
export type AnswerParams = z.output<typeof answerParamsSchema>;
export type AnswerParamsInput = z.input<typeof answerParamsSchema>;

/** The CLI flag each parameter comes from, so a validation message names what the user typed. */
const FLAG: Record<keyof AnswerParams, string> = {
  top: '--top',
  quantile: '--quantile',
  minVotes: '--min-votes',
  alpha: '--alpha',
  cpiBase: '--cpi-base',
  cpiSplice: '--cpi-splice',
};

/** Validates and fills defaults; a bad value is a UsageError naming the parameter and its flag. */
export function parseAnswerParams(input: AnswerParamsInput = {}): AnswerParams {
  const r = answerParamsSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const key = String(issue.path[0] ?? '');
  const flag = key in FLAG ? ` (${FLAG[key as keyof AnswerParams]})` : '';
  const value = key in input ? ` ${JSON.stringify((input as Record<string, unknown>)[key])}` : '';
  throw new UsageError(`answers parameter ${key}${flag}${value}: ${issue.message}`);
}
