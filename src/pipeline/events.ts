// Typed events the pipeline emits to an injected listener; only the CLI decides how to render them.
import type { CheckResult } from '../stages/check/checks.js';
import type { FileReport } from '../stages/load/load-model.js';
import type { StagedFile } from '../stages/stage/stage-files.js';

export const TASK_NAMES = [
  'stage.files',
  'clean.movies',
  'load.bulk',
  'load.model',
  'check.quality',
  'answers.marts',
] as const;
export type TaskName = (typeof TASK_NAMES)[number];
export type TaskStatus = 'success' | 'failed' | 'skipped' | 'not_run';

export type PipelineEvent =
  | { type: 'run.waiting'; warehouse: string; holder: string | null }
  | { type: 'run.start'; runId: number; input: string; warehouse: string }
  | { type: 'task.start'; task: TaskName }
  | { type: 'task.end'; task: TaskName; status: TaskStatus; ms: number; detail?: string }
  | { type: 'file.staged'; file: StagedFile }
  | { type: 'file.loaded'; report: FileReport }
  | { type: 'check.result'; result: CheckResult }
  | { type: 'run.end'; runId: number; status: RunStatus; ms: number };

export type RunStatus = 'success' | 'unchanged' | 'check_failed' | 'failed';
export type PipelineListener = (event: PipelineEvent) => void;
