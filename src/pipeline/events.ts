// Typed events the pipeline emits to an injected listener; only the CLI decides how to render them.
import type { DagEvent } from '../dag/runner.js';
import type { CheckResult } from '../stages/check/checks.js';
import type { FileReport } from '../stages/load/load-model.js';
import type { StagedFile } from '../stages/stage/stage-files.js';

/** The steps inside the DAG's tasks (publish is load.model → check.quality → answers.marts in one transaction). */
export const STEP_NAMES = [
  'stage.files',
  'clean.movies',
  'load.ratings',
  'load.reduce',
  'load.model',
  'check.quality',
  'answers.marts',
] as const;
export type StepName = (typeof STEP_NAMES)[number];

export type PipelineEvent =
  | { type: 'run.waiting'; warehouse: string; holder: string | null }
  | {
      type: 'run.start';
      runId: number;
      input: string;
      warehouse: string;
      /** Set when this continues an earlier run (`--resume`). */
      resumed: boolean;
    }
  | { type: 'step.start'; step: StepName }
  | { type: 'step.end'; step: StepName; status: 'success' | 'failed'; ms: number; detail?: string }
  | DagEvent
  | { type: 'file.staged'; file: StagedFile }
  | { type: 'file.loaded'; report: FileReport }
  | { type: 'check.result'; result: CheckResult }
  | { type: 'run.warning'; message: string }
  | { type: 'run.end'; runId: number; status: RunStatus; ms: number };

/**
 * A run's final status. `incomplete`: the selected tasks (`--only`, `--from`) succeeded but the publish did not run;
 * `interrupted`: stopped by a signal before it finished. Both can be completed with `--resume`.
 */
export type RunStatus = 'success' | 'unchanged' | 'check_failed' | 'failed' | 'incomplete' | 'interrupted';
export type PipelineListener = (event: PipelineEvent) => void;
