// `movalytics dag`: prints the pipeline's graph as a table, JSON, Mermaid, Graphviz DOT or an Airflow DAG file.
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { loadConfig, parseShards } from '../../config/config.js';
import { renderAirflow } from '../../dag/airflow.js';
import {
  DAG_FORMATS,
  renderDot,
  renderJson,
  renderMermaid,
  taskRows,
  type DagFormat,
} from '../../dag/render.js';
import { renderTable } from '../../core/format.js';
import { unreachable } from '../../core/unreachable.js';
import { planPipeline } from '../../pipeline/tasks/index.js';
import { terminalWidth } from '../terminal.js';
import { oneOf } from './options.js';

interface DagFlags {
  format: string;
  schedule?: string;
  command?: string;
  concurrency?: string;
  config?: string;
  shards?: string;
}

export function registerDag(program: Command): void {
  program
    .command('dag')
    .description("print the pipeline's task graph (dependencies, retries, timeouts, publish boundary)")
    .option('--format <format>', DAG_FORMATS.join(' | '), 'text')
    .option(
      '--schedule <cron>',
      'schedule for the Airflow export: 5-field cron or @daily etc. (default: none)',
    )
    .option(
      '--command <words>',
      'airflow: the shell words that start movalytics on a worker (default movalytics)',
    )
    .option('--concurrency <n>', "airflow: tasks of one run at once (the DAG's max_active_tasks)")
    .option(
      '--shards <n>',
      'shard slots: instances of the mapped task load.ratings (default 1, or the config’s)',
    )
    .option(
      '-c, --config <file>',
      'config file whose dag.tasks overrides retries and timeouts (default ./movalytics.config.json if present)',
    )
    .action((flags: DagFlags) => {
      const format = oneOf('--format', flags.format, DAG_FORMATS);
      let concurrency: number | undefined;
      if (flags.concurrency !== undefined) {
        concurrency = Number(flags.concurrency);
        if (!/^\d+$/.test(flags.concurrency) || concurrency < 1)
          throw new UsageError(
            `--concurrency ${JSON.stringify(flags.concurrency)} is not a whole number ≥ 1`,
          );
      }
      const config = loadConfig({ configPath: flags.config });
      const plan = planPipeline({
        overrides: config.dag.tasks,
        schedule: flags.schedule ?? null,
        shards: flags.shards === undefined ? config.shards : parseShards(flags.shards),
      });
      process.stdout.write(render(format));

      function render(f: DagFormat): string {
        switch (f) {
          case 'text':
            return renderTable(
              taskRows(plan),
              [
                { header: 'level', value: (r) => r.level },
                { header: 'task', value: (r) => r.task },
                { header: 'depends on', value: (r) => r.deps },
                { header: 'retries', value: (r) => r.retries },
                { header: 'timeout', value: (r) => r.timeout, align: 'right' },
                { header: 'boundary', value: (r) => r.boundary },
              ],
              { width: terminalWidth() },
            );
          case 'json':
            return renderJson(plan);
          case 'mermaid':
            return renderMermaid(plan);
          case 'dot':
            return renderDot(plan);
          case 'airflow':
            return renderAirflow(plan, { command: flags.command, concurrency });
          default:
            return unreachable(f, 'format');
        }
      }
    });
}
