// `movalytics runs`, `runs show ID`, `runs logs ID [TASK]`: the run history kept in the warehouse.
import type { Command } from 'commander';
import { addWarehouseOptions, oneOf, type WarehouseFlags } from './options.js';
import { planPipeline } from '../../pipeline/tasks/index.js';
import { UsageError } from '../../core/errors.js';
import { listRuns, runLogs, showRun, type RunDetail, type RunInfo } from '../../pipeline/run-history.js';
import { redactLocation } from '../../core/redact.js';
import { renderTable } from '../../core/format.js';
import { terminalWidth } from '../terminal.js';
import { loadWarehouseConfig, withExistingWarehouse } from './answer-flags.js';

interface RunsFlags extends WarehouseFlags {
  json?: boolean;
  limit?: string;
}

const duration = (ms: number | null): string => (ms === null ? '' : `${(ms / 1000).toFixed(1)} s`);
/** ISO UTC → `2026-11-29 19:21:16Z` (seconds are enough in a table). */
const when = (iso: string | null): string => (iso === null ? '' : `${iso.slice(0, 19).replace('T', ' ')}Z`);

function addCommon(cmd: Command): Command {
  return addWarehouseOptions(cmd, false).option('--json', 'print JSON');
}

/** The runs table. */
export function renderRuns(runs: readonly RunInfo[], width = terminalWidth()): string {
  if (runs.length === 0) return 'no runs yet: start one with `movalytics run`\n';
  return renderTable(
    runs,
    [
      { header: 'run', value: (r) => r.runId },
      { header: 'status', value: (r) => r.status },
      { header: 'trigger', value: (r) => r.triggeredBy ?? '' },
      { header: 'started (UTC)', value: (r) => when(r.startedAt) },
      { header: 'duration', value: (r) => duration(r.ms), align: 'right' },
      { header: 'message', value: (r) => r.message ?? '' },
    ],
    { width },
  );
}

/** One run: its header and the task table (latest attempt per task). */
export function renderRunDetail(d: RunDetail, width = terminalWidth()): string {
  const r = d.run;
  const head = [
    `run ${r.runId}: ${r.status}${r.message ? ` — ${r.message}` : ''}`,
    `  trigger   ${r.triggeredBy ?? 'manual'}${r.externalId ? ` (${r.externalId})` : ''}`,
    `  started   ${when(r.startedAt)}${r.finishedAt ? `   finished ${when(r.finishedAt)}   took ${duration(r.ms)}` : ''}`,
    `  input     ${redactLocation(r.input)}`,
    `  package   ${r.packageId ?? '(none)'}`,
    ...(r.parameters && Object.keys(r.parameters).length > 0
      ? [`  asked     ${JSON.stringify(r.parameters)}`]
      : []),
  ];
  if (d.tasks.length === 0) return `${head.join('\n')}\n(no task history: this run predates it)\n`;
  const table = renderTable(
    d.tasks,
    [
      { header: 'task', value: (t) => t.task },
      { header: 'state', value: (t) => t.state },
      { header: 'tries', value: (t) => t.attempts },
      { header: 'took', value: (t) => duration(t.ms), align: 'right' },
      {
        header: 'rows in → out',
        value: (t) =>
          t.rowsIn === null && t.rowsOut === null
            ? ''
            : `${t.rowsIn?.toLocaleString('en-US') ?? '?'} → ${t.rowsOut?.toLocaleString('en-US') ?? '?'}`,
        align: 'right',
      },
      { header: 'bytes', value: (t) => t.bytes ?? undefined },
      { header: 'worker', value: (t) => t.worker ?? '' },
      {
        header: 'detail',
        value: (t) => (t.errorMessage ? `${t.errorClass ?? 'Error'}: ${t.errorMessage}` : (t.detail ?? '')),
      },
    ],
    { width },
  );
  return `${head.join('\n')}\n${table}`;
}

export function registerRuns(program: Command): void {
  const runs = addCommon(
    program
      .command('runs')
      .description(
        'list recent runs; `runs show ID` for a run’s tasks, `runs logs ID [TASK]` for their log lines',
      )
      .option('--limit <n>', 'how many runs (default 20)'),
  ).action(async (flags: RunsFlags) => {
    const limit = flags.limit === undefined ? 20 : Number(flags.limit);
    if (!Number.isInteger(limit) || limit < 1)
      throw new UsageError(`--limit ${JSON.stringify(flags.limit)} must be a whole number ≥ 1`);
    const list = await withExistingWarehouse(loadWarehouseConfig(flags).warehouse, (wh) =>
      listRuns(wh, { limit }),
    );
    process.stdout.write(flags.json ? JSON.stringify({ runs: list }, null, 2) + '\n' : renderRuns(list));
  });

  addCommon(
    runs
      .command('show')
      .description(
        'one run: trigger, times, parameters, and each task’s state, attempts, duration, rows and errors',
      )
      .argument('<run>', 'run number, or an orchestrator’s run id'),
  ).action(async (ref: string, _flags: RunsFlags, cmd: Command) => {
    const flags = cmd.optsWithGlobals<RunsFlags>();
    const order = planPipeline({ extract: true }).order;
    const detail = await withExistingWarehouse(loadWarehouseConfig(flags).warehouse, (wh) =>
      showRun(wh, ref, order),
    );
    if (detail === null) throw new UsageError(`run ${ref} does not exist (see \`movalytics runs\`)`);
    process.stdout.write(flags.json ? JSON.stringify(detail, null, 2) + '\n' : renderRunDetail(detail));
  });

  addCommon(
    runs
      .command('logs')
      .description('the log lines of a run’s tasks, in order (one task with TASK)')
      .argument('<run>', 'run number, or an orchestrator’s run id')
      .argument('[task]', 'only this task'),
  ).action(async (ref: string, task: string | undefined, _flags: RunsFlags, cmd: Command) => {
    const flags = cmd.optsWithGlobals<RunsFlags>();
    const out = await withExistingWarehouse(loadWarehouseConfig(flags).warehouse, async (wh) => {
      const detail = await showRun(wh, ref);
      if (detail === null) throw new UsageError(`run ${ref} does not exist (see \`movalytics runs\`)`);
      const tasks = planPipeline({ extract: true }).order;
      if (task !== undefined) oneOf('task', task, tasks);
      return { runId: detail.run.runId, lines: await runLogs(wh, detail.run.runId, task) };
    });
    if (flags.json) {
      process.stdout.write(JSON.stringify(out, null, 2) + '\n');
      return;
    }
    if (out.lines.length === 0) {
      process.stdout.write(`run ${out.runId}: no log lines${task ? ` for ${task}` : ''}\n`);
      return;
    }
    for (const l of out.lines)
      process.stdout.write(`${l.at.slice(11, 23)}  ${`${l.task}#${l.attempt}`.padEnd(16)}  ${l.line}\n`);
  });
}
