// `movalytics check`: re-audits a published warehouse on demand — every quality check over every row, read-only,
// whatever the last run changed. Exit 3 when an error check fails, as a run's checks would.
import type { Command } from 'commander';
import { addWarehouseOptions, type WarehouseFlags } from './options.js';
import { CheckFailedError } from '../../core/errors.js';
import { runChecks } from '../../stages/check/checks.js';
import { terminalWidth } from '../terminal.js';
import { loadWarehouseConfig, withExistingWarehouse } from './answer-flags.js';
import { renderCheckTable } from './check-table.js';

interface CheckFlags extends WarehouseFlags {
  json?: boolean;
}

export function registerCheck(program: Command): void {
  addWarehouseOptions(
    program
      .command('check')
      .description(
        'run every quality check over every row of the warehouse (a full audit, read-only; writes nothing). ' +
          'The reconciliation of input files is not repeated: it belongs to the run that loaded them (`runs show`). ' +
          'Exit 3 when an error check fails.',
      ),
  )
    .option('--json', 'print the check results as JSON on stdout')
    .action(async (flags: CheckFlags) => {
      const config = loadWarehouseConfig(flags);
      // No scope, no kept counts: every check reads the tables themselves.
      const checks = await withExistingWarehouse(config.warehouse, (wh) =>
        runChecks(wh, { mappedShareWarn: config.mappedShareWarn, reports: [] }),
      );
      process.stdout.write(
        flags.json
          ? JSON.stringify({ checks }, null, 2) + '\n'
          : `Quality checks (every row)\n${renderCheckTable(checks, terminalWidth())}\n`,
      );
      const failed = checks.filter((c) => c.severity === 'error' && !c.passed).map((c) => c.name);
      if (failed.length > 0)
        throw new CheckFailedError(`${failed.length} data-quality check(s) failed (${failed.join(', ')})`);
    });
}
