// The movalytics command line: parses argv, dispatches to a command, maps errors to exit codes.
import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { EXIT, MovalyticsError, fromFsError, userFsCode } from '../core/errors.js';
import { COMMANDS, commandNameOf } from './commands/index.js';

const require = createRequire(import.meta.url);
const pkg = require('../../package.json') as { version: string };

/**
 * Builds the program for `argv`: the command it names is loaded in full (its options, its action); every other
 * command is listed by name and summary only, so nothing it imports is loaded. Exported for tests.
 */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
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
  const wanted = commandNameOf(argv);
  for (const c of COMMANDS) {
    if (c.name === wanted) (await c.load())(program);
    else program.command(`${c.name}${c.args ? ` ${c.args}` : ''}`).summary(c.summary);
  }
  return program;
}

/** Runs the CLI and returns the exit code; never throws for a user mistake. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = await buildProgram(argv);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return process.exitCode === undefined ? EXIT.ok : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit 0; every parse error is a usage error.
      if (err.exitCode === 0) return EXIT.ok;
      return EXIT.usage;
    }
    const userError = err instanceof MovalyticsError ? err : uncaughtFsError(err);
    if (userError) {
      process.stderr.write(`movalytics: ${userError.message}\n`);
      return userError.exitCode;
    }
    process.stderr.write(
      `movalytics: internal error (a bug — please report it): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return EXIT.taskFailed;
  }
}

/** What a failed syscall was doing, for the one-line message. */
const SYSCALL_ACTION: Record<string, string> = {
  open: 'open',
  mkdir: 'create the folder',
  write: 'write',
  rename: 'move a file into',
  copyfile: 'copy a file to',
  scandir: 'list the folder',
  unlink: 'remove',
  rmdir: 'remove the folder',
  stat: 'read',
  read: 'read',
};

/**
 * The safety net: a file-system error the user's machine causes (a full disk, a read-only folder) that no stage
 * sorted is still one line and no "bug", with the exit code of the environment (1) or of a wrong path (2).
 */
function uncaughtFsError(err: unknown): MovalyticsError | null {
  const errno =
    userFsCode(err) !== null
      ? err
      : userFsCode((err as Error | null)?.cause) !== null
        ? (err as Error).cause
        : null;
  if (errno === null) return null;
  const syscall = (errno as NodeJS.ErrnoException).syscall ?? '';
  const sorted = fromFsError(errno, { action: SYSCALL_ACTION[syscall] ?? 'use', role: 'output' });
  return sorted instanceof MovalyticsError ? sorted : null;
}
