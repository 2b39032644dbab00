// The quality-check table `run` and `check` print: one row per check, its result and what it observed.
import { renderTable } from '../../core/format.js';
import type { CheckResult } from '../../stages/check/checks.js';

/** The checks as an aligned table that fits `width` columns. */
export function renderCheckTable(checks: readonly CheckResult[], width: number): string {
  return renderTable(
    checks,
    [
      { header: 'check', value: (c) => c.name },
      { header: 'severity', value: (c) => c.severity },
      { header: 'result', value: (c) => (c.passed ? 'pass' : c.severity === 'error' ? 'FAIL' : 'WARN') },
      { header: 'observed', value: (c) => c.observed },
      {
        header: 'expected',
        value: (c) =>
          c.carriedFromRun ? `${c.expected} (carried from run ${c.carriedFromRun})` : c.expected,
      },
    ],
    { width },
  );
}
