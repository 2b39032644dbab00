// Where a run's tasks execute, behind one small interface: the DAG runner drives the same plan whatever the executor,
// and a task's code never knows which one runs it. In-process runs the registry's task here; BullMQ (bullmq.ts) sends
// it to `movalytics worker` processes.
import type { TaskContext as AttemptContext } from '../../dag/runner.js';
import type { PipelineTask, TaskContext, TaskReport } from '../tasks/task.js';

export interface Executor {
  /** Runs one attempt of a task and returns its report; throws the task's error (retryable or not) as is. */
  run(task: PipelineTask, attempt: AttemptContext): Promise<TaskReport>;
  /** Whether a task's attempts are recorded where they run (a worker writes its own history), not by the runner here. */
  recordsRemotely(task: string): boolean;
}

/** The run's scope every task context shares: everything but the attempt. */
export type RunScope = Omit<TaskContext, 'attempt'>;

/** Runs each task in this process, against the session's open warehouse. */
export function inProcessExecutor(scope: RunScope): Executor {
  return {
    recordsRemotely: () => false,
    run: (task, attempt) => task.run({ ...scope, attempt }),
  };
}
