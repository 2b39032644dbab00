// What changed between two runs (`movalytics diff`, the serve diff page) and the per-run answers it compares.
export {
  computeRunDiff,
  resolveDiffRuns,
  diffAnswers,
  changedFigures,
  FILE_CHANGES,
  type RunDiff,
  type DiffRun,
  type FileDiff,
  type FileAsOf,
  type FileChange,
  type TableDiff,
  type FigureChange,
  type RankMove,
  type AnswersDiff,
  type Q3TestDiff,
} from './diff.js';
export {
  recordRunAnswers,
  readRunAnswers,
  modelTableRows,
  RUN_ANSWERS_DDL,
  type RecordedRun,
} from '../stages/answers/run-answers.js';
export { renderDiff, DIFF_FORMATS, type DiffFormat } from './render.js';
