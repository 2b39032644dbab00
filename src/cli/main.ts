// The movalytics command line: parses argv, dispatches to a command, maps errors to exit codes.
import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { EXIT, MovalyticsError } from '../errors.js';
import { COMMANDS } from './commands/index.js';

const require = createRequire(import.meta.url);
const pkg = require('../../package.json') as { version: string };

/** Builds the program; exported so tests can drive it without spawning a process. */
export function buildProgram(): Command {
  const program = new Command('movalytics')
    .description(
      'The Movies Dataset + FRED CPI → a clean, checked warehouse that answers four business questions.',
    )
    .version(pkg.version)
    .exitOverride()
    .configureOutput({
      // commander's own parse errors, reduced to one line: `movalytics: unknown option '--x' (see --help)`.
      outputError: (str, write) =>
        write(`movalytics: ${str.split('\n')[0]!.replace(/^error: /, '')} (see --help)\n`),
    });
  for (const register of COMMANDS) register(program);
  return program;
}

/** Runs the CLI and returns the exit code; never throws for a user mistake. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return process.exitCode === undefined ? EXIT.ok : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit 0; every parse error is a usage error.
      if (err.exitCode === 0) return EXIT.ok;
      return EXIT.usage;
    }
    if (err instanceof MovalyticsError) {
      process.stderr.write(`movalytics: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(
      `movalytics: internal error (a bug — please report it): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return EXIT.taskFailed;
  }
}
