// The list of CLI commands. Each module exports a `register(program)` that adds one subcommand.
import type { Command } from 'commander';
import { registerDemo } from './demo.js';
import { registerRun } from './run.js';
import { registerAnswers } from './answers.js';
import { registerGenerate } from './generate.js';
import { registerReport } from './report.js';
import { registerTask } from './task.js';
import { registerExtract } from './extract.js';
import { registerDag } from './dag.js';
import { registerRuns } from './runs.js';
import { registerSchedule } from './schedule.js';
import { registerWorker } from './worker.js';
import { registerSql } from './sql.js';
import { registerServe } from './serve.js';
import { registerDiff } from './diff.js';

export type RegisterCommand = (program: Command) => void;

export const COMMANDS: readonly RegisterCommand[] = [
  registerRun,
  registerDemo,
  registerGenerate,
  registerAnswers,
  registerReport,
  registerTask,
  registerExtract,
  registerDag,
  registerRuns,
  registerSchedule,
  registerWorker,
  registerSql,
  registerServe,
  registerDiff,
];
