// `movalytics task TASK --run-id ID`: runs one task of a run by itself (for Airflow and other orchestrators).
import type { Command } from 'commander';
import { addPipelineOptions } from './options.js';
import { CheckFailedError, UsageError } from '../../core/errors.js';
import { runTask } from '../../pipeline/run-task.js';
import { findTask, REGISTRY, TASK_IDS } from '../../pipeline/tasks/index.js';
import { mappedId } from '../../pipeline/tasks/task.js';
import { progressLine } from '../progress.js';
import { configFromFlags, type RunFlags } from './run.js';

interface TaskFlags extends RunFlags {
  runId?: string;
  shard?: string;
  wait: boolean;
}

/** The task id to run: `load.ratings --shard 3` is the instance load.ratings[3]. */
function taskId(task: string, shard: string | undefined): string {
  if (shard === undefined) return task;
  if (findTask(task)?.instance === undefined)
    throw new UsageError(
      `--shard goes with a mapped task (${REGISTRY.filter((t) => t.instance !== undefined)
        .map((t) => t.id)
        .join(', ')}), not ${JSON.stringify(task)}`,
    );
  if (!/^\d{1,4}$/.test(shard.trim()))
    throw new UsageError(`--shard ${JSON.stringify(shard)} must be a shard index (0, 1, …)`);
  return mappedId(task, Number(shard));
}

export function registerTask(program: Command): void {
  addPipelineOptions(
    program
      .command('task')
      .description(
        'Run one task of a run by itself, reading its inputs from the run’s load package (idempotent: a repeat does nothing)',
      )
      .argument('<task>', `${TASK_IDS.join(' | ')} (or an instance of a mapped task: load.ratings[3])`)
      .requiredOption(
        '--run-id <id>',
        'the run: its number, or an orchestrator’s run id (e.g. Airflow’s {{ run_id }}) — stage.files starts a new run for an unknown one',
      ),
  )
    .option(
      '--shards <n>',
      'stage.files: cut each ratings file into n shards (default 1, or the config’s "shards")',
    )
    .option('--shard <i>', 'with a mapped task: run its instance for shard i (load.ratings --shard 3)')
    .option('--no-wait', 'fail at once when another process holds the warehouse (default: wait for it)')
    .option('--json', 'print the result as JSON')
    .action(async (task: string, flags: TaskFlags) => {
      const result = await runTask(configFromFlags(flags), taskId(task, flags.shard), flags.runId ?? '', {
        wait: flags.wait,
        listener: (e) => {
          const line = progressLine(e);
          if (line !== null) process.stderr.write(line + '\n');
        },
      });
      process.stdout.write(
        flags.json === true
          ? JSON.stringify(result) + '\n'
          : `run ${result.runId} ${result.task}: ${result.outcome} — ${result.detail}\n`,
      );
      if (result.task === 'publish' && result.runStatus === 'check_failed')
        throw new CheckFailedError(
          `run ${result.runId}: data-quality checks failed; nothing was published — see \`movalytics answers\` for the last good load`,
        );
    });
}
