// What changed between two runs (`movalytics diff`, the serve diff page) and the per-run answers it compares.
export { computeRunDiff, diffAnswers, changedFigures, type RunDiff } from './diff.js';
export { recordRunAnswers } from '../stages/answers/run-answers.js';
export { renderDiff, DIFF_FORMATS, type DiffFormat } from './render.js';
