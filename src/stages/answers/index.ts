// The answers stage: the four business questions computed from the marts, and their renderings.
export { refreshMarts, martDdl, FULL_REFRESH, MART_TABLES, MARTS_SCHEMA, type MartChange } from './marts.js';
// computeQ1–Q4 and resolveCpiBase are timed one by one by bench/child.mjs.
export {
  closingAnswers,
  computeAnswers,
  computeQ1,
  computeQ2,
  computeQ3,
  computeQ4,
  resolveCpiBase,
} from './compute.js';
export {
  parseAnswerParams,
  QUESTIONS,
  ANSWER_FORMATS,
  type AnswerParamsInput,
  type AnswerFormat,
} from './params.js';
export { renderAnswers, renderHeadlines, csvField, spliceLabel, type AnswerSelection } from './render.js';
export type * from './types.js';
export {
  drillQ2,
  drillQ3,
  drillQ4,
  DrillDownNotFound,
  type DrillChoice,
  type Q2DrillDown,
  type Q3DrillDown,
  type Q4DrillDown,
} from './drill-down.js';
