// Vitest config: integration tests touch real DuckDB files and real servers, so give them room and run files in forks,
// at least two at a time, the slowest first.
import { availableParallelism } from 'node:os';
import { relative } from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The slowest files, slowest first (per-file durations of a whole pass on a 2-core machine). Started first, they
 * overlap each other instead of one of them running alone at the end while the other worker idles. Vitest's own
 * order (cached durations, else file size) is right for the rest, but a fresh CI checkout has no cache, and size
 * says little: concurrency.test.ts is short and takes the longest. Update the list when a pass shows a new slow file.
 */
const SLOWEST_FIRST = [
  'test/dag-run.test.ts',
  'test/serve.test.ts',
  'test/concurrency.test.ts',
  'test/bullmq.test.ts',
  'test/shards.test.ts',
  'test/load.test.ts',
  'test/conformance.test.ts',
  'test/storage-radosgw.test.ts',
  'test/s3-staging.test.ts',
  'test/incremental-property.test.ts',
  'test/report.test.ts',
  'test/hostile-input.test.ts',
];

class SlowestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification): number => {
      const i = SLOWEST_FIRST.indexOf(relative(f.project.config.root, f.moduleId).replaceAll('\\', '/'));
      return i === -1 ? SLOWEST_FIRST.length : i;
    };
    // Array.prototype.sort is stable: files off the list keep Vitest's order.
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    // Vitest's default is one worker less than the cores: one worker on a 2-core machine. Most integration files
    // spend their time waiting on child processes, servers and PostgreSQL, so two files at a time fit on two cores
    // (450 s a pass, the cores 75 % busy); three at a time were slower (482 s): the waits are on the same two cores.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    sequence: { sequencer: SlowestFirstSequencer },
    // The pinned AWS SDK's notice that Node 20 gets no new SDK releases, printed by each test process that builds an S3
    // client: silenced as the product silences it (storage/s3-store.ts; test/s3-staging checks the product does).
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
