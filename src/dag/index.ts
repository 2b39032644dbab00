// The DAG layer's public surface: graph planning and selection, the runner, the pipeline graph and its renderings.
export { DagCancelledError, DagError, TaskTimeoutError } from './errors.js';
export {
  FINAL_STATES,
  TASK_STATES,
  closeOverBoundaries,
  downstreamOf,
  planDag,
  selectAll,
  selectFrom,
  selectOnly,
  selectResume,
  upstreamOf,
  validateSchedule,
  type BoundarySpec,
  type DagPlan,
  type DagSpec,
  type FinalState,
  type Selection,
  type TaskSpec,
  type TaskState,
} from './graph.js';
export {
  DEFAULT_CONCURRENCY,
  backoffDelay,
  errorInfo,
  isRetryable,
  runDag,
  statesOf,
  type BoundaryWrapper,
  type DagEvent,
  type DagListener,
  type DagResult,
  type DagStatus,
  type ErrorInfo,
  type RunDagOptions,
  type TaskContext,
  type TaskFn,
  type TaskOutput,
  type TaskProgress,
  type TaskResult,
} from './runner.js';
export {
  PUBLISH_BOUNDARY,
  currentPipelineGraph,
  pipelineGraph,
  planPipeline,
  type PipelineGraphOptions,
} from './pipeline-graph.js';
export {
  DAG_FORMATS,
  renderDot,
  renderJson,
  renderMermaid,
  toDagJson,
  type DagFormat,
  type DagJson,
} from './render.js';
export { RUN_ID_ENV, renderAirflow, type AirflowOptions } from './airflow.js';
