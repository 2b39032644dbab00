// The width the CLI fits its tables to: the terminal's, $COLUMNS, or the default (core/format.ts renders).
import { DEFAULT_WIDTH } from '../core/format.js';

/**
 * The width tables should fit: the terminal's columns when stdout is a TTY, else $COLUMNS when set, else 100.
 * JSON output is never fitted.
 */
export function terminalWidth(stream: { isTTY?: boolean; columns?: number } = process.stdout): number {
  if (stream.isTTY && stream.columns !== undefined && stream.columns > 0) return stream.columns;
  const env = Number(process.env.COLUMNS);
  return Number.isInteger(env) && env >= 20 ? env : DEFAULT_WIDTH;
}
