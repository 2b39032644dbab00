// The list of CLI commands, loaded lazily: each entry names a command and says what it does in one line; its module
// (which imports what the command uses: engines, S3, BullMQ …) is loaded only when that command runs or its own
// help is asked for. `movalytics --version` and `--help` import no command module at all.
import type { Command } from 'commander';

export type RegisterCommand = (program: Command) => void;

export interface CommandEntry {
  readonly name: string;
  /** The arguments, as the top-level help lists them. */
  readonly args: string;
  /** One line for the top-level help (the module's own description is the long form). */
  readonly summary: string;
  readonly load: () => Promise<RegisterCommand>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'run',
    args: '',
    summary: 'stage, clean, load and check the input into the warehouse (incremental, atomic)',
    load: async () => (await import('./run.js')).registerRun,
  },
  {
    name: 'demo',
    args: '',
    summary: 'generate a sample dataset into the input folder if it has none, then run the pipeline on it',
    load: async () => (await import('./demo.js')).registerDemo,
  },
  {
    name: 'generate',
    args: '',
    summary: 'write The Movies Dataset layout with its real defects, a FRED CPI file and truth.json',
    load: async () => (await import('./generate.js')).registerGenerate,
  },
  {
    name: 'answers',
    args: '[question]',
    summary: 'print the answers to the four business questions from the warehouse',
    load: async () => (await import('./answers.js')).registerAnswers,
  },
  {
    name: 'check',
    args: '',
    summary: 'run every quality check over every row of the warehouse (a full audit on demand; read-only)',
    load: async () => (await import('./check.js')).registerCheck,
  },
  {
    name: 'report',
    args: '',
    summary: 'write a self-contained HTML (or Markdown) report of the answers, checks and lineage',
    load: async () => (await import('./report.js')).registerReport,
  },
  {
    name: 'task',
    args: '<task>',
    summary: 'run one task of a run by itself (for Airflow and other orchestrators; idempotent)',
    load: async () => (await import('./task.js')).registerTask,
  },
  {
    name: 'extract',
    args: '',
    summary: 'download a Kaggle dataset and FRED series into a folder (resumable, verified)',
    load: async () => (await import('./extract.js')).registerExtract,
  },
  {
    name: 'dag',
    args: '',
    summary: "print the pipeline's task graph (text, json, mermaid, dot, airflow)",
    load: async () => (await import('./dag.js')).registerDag,
  },
  {
    name: 'runs',
    args: '',
    summary: 'list recent runs; `runs show ID` for a run’s tasks, `runs logs ID [TASK]` for their logs',
    load: async () => (await import('./runs.js')).registerRuns,
  },
  {
    name: 'schedule',
    args: '',
    summary: 'run the pipeline on a cron schedule in the foreground, one run at a time',
    load: async () => (await import('./schedule.js')).registerSchedule,
  },
  {
    name: 'worker',
    args: '',
    summary: 'run task jobs of `movalytics run --executor bullmq` from the queue until stopped',
    load: async () => (await import('./worker.js')).registerWorker,
  },
  {
    name: 'sql',
    args: '',
    summary: 'print the Redshift SQL a load of the input would send (DDL, COPY, MERGE, answer marts)',
    load: async () => (await import('./sql.js')).registerSql,
  },
  {
    name: 'serve',
    args: '',
    summary: 'serve the dashboard, run monitor, diff and lineage pages and their JSON API, read-only',
    load: async () => (await import('./serve.js')).registerServe,
  },
  {
    name: 'diff',
    args: '[runA] [runB]',
    summary: 'what changed between two runs: input files, table rows and every answer',
    load: async () => (await import('./diff.js')).registerDiff,
  },
];

/** The command `argv` asks for (`movalytics help run` asks for run's help), or null for the program's own flags. */
export function commandNameOf(argv: readonly string[]): string | null {
  const first = argv.find((a) => !a.startsWith('-')) ?? null;
  if (first === 'help') return argv[argv.indexOf('help') + 1] ?? null;
  return first;
}
