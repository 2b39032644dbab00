// What the extract tasks share: the run's source (they run only with `--source kaggle`), and a download's events as
// the task's log lines and byte progress.
import { formatNumber as fmt } from '../../core/format.js';
import { TaskError } from '../../core/errors.js';
import type { TaskContext as AttemptContext } from '../../dag/runner.js';
import type { SourceEvent } from '../../sources/index.js';
import { neverDone, type PipelineTask, type RunSource, type TaskContext } from './task.js';

/** What every extract task declares: no dependencies, nothing in the load package, never "already done". */
export const EXTRACT_TASK: Pick<PipelineTask, 'deps' | 'extract' | 'reads' | 'writes' | 'done'> = {
  deps: [],
  extract: true,
  reads: [],
  writes: [],
  done: neverDone,
};

/** The source of a run that fetches its input; a bug if an extract task runs without one. */
export function sourceOf(ctx: TaskContext): RunSource {
  if (ctx.source === null) throw new TaskError(`${ctx.attempt.task} runs only with --source kaggle`);
  return ctx.source;
}

/** A download's events as the task's log lines and progress. */
export const listen =
  (attempt: AttemptContext) =>
  (e: SourceEvent): void => {
    switch (e.type) {
      case 'download.start':
        attempt.log(
          `${e.file} ← ${e.url}${e.resumeFrom > 0 ? ` (resuming at ${fmt(e.resumeFrom)} bytes)` : ''}`,
        );
        return;
      case 'download.progress':
        attempt.progress({ done: e.bytes, ...(e.total !== null ? { total: e.total } : {}), unit: 'bytes' });
        return;
      case 'download.retry':
        attempt.log(`${e.file}: ${e.reason} — retry ${e.attempt} in ${(e.delayMs / 1000).toFixed(1)} s`);
        return;
      case 'download.restart':
        attempt.log(`${e.file}: ${e.reason} — starting over`);
        return;
      case 'file.end':
        attempt.log(
          `${e.file} ${e.action === 'unchanged' ? 'is up to date' : 'downloaded'} (${fmt(e.bytes)} bytes)`,
        );
        return;
      case 'unpack.end':
        attempt.log(
          `${e.file}: ${e.skipped ? 'already unpacked' : 'unpacked'} ${e.files.length} CSV file(s)`,
        );
        return;
    }
  };
