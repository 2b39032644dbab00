// The answers stage: the four business questions computed from the marts, and their renderings.
export { refreshMarts, martDdl, FULL_REFRESH, MART_TABLES, MARTS_SCHEMA, type MartChange } from './marts.js';
export {
  computeAnswers,
  computeQ1,
  computeQ2,
  computeQ3,
  computeQ4,
  resolveCpiBase,
  latestRun,
  assertAnswerable,
  type CpiBase,
  type SpliceSpec,
} from './compute.js';
export {
  parseAnswerParams,
  answerParamsSchema,
  QUESTIONS,
  ANSWER_FORMATS,
  type AnswerParams,
  type AnswerParamsInput,
  type AnswerFormat,
  type Question,
} from './params.js';
export { renderAnswers, renderHeadlines, csvField, spliceLabel, type AnswerSelection } from './render.js';
export { kruskalWallis, meanCi95, chiSquareSf, type KruskalWallisResult, type RankGroup } from './stats.js';
export type * from './types.js';
export {
  drillQ2,
  drillQ3,
  drillQ4,
  DrillDownNotFound,
  DRILL_DOWN_LIMIT,
  type DrillChoice,
  type DrillDown,
  type Q2DrillDown,
  type Q3DrillDown,
  type Q4DrillDown,
} from './drill-down.js';
