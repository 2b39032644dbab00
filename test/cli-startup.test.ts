// What a command loads: --version and --help load no command module, `answers` on a DuckDB file loads no S3,
// BullMQ, PostgreSQL or Redshift module (the lazy command table in src/cli/commands/index.ts, the lazy engine opener),
// and an in-process `run` loads no BullMQ (run-pipeline imports the BullMQ executor only for `--executor bullmq`).
// Each case runs the built CLI in a child process with a resolve hook that records every module it resolves.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, tempDir } from './support/helpers.js';

const bin = join(repoRoot, 'dist/cli/bin.js');
const hook = join(repoRoot, 'test/support/record-imports.mjs');

/** The modules `movalytics …argv` resolved (exit code ignored: a failed command still shows what it loaded). */
function importsOf(argv: string[], dir: string): string[] {
  const log = join(dir, `imports-${argv.join('_').replace(/\W/g, '')}.txt`);
  try {
    execFileSync(process.execPath, ['--import', hook, bin, ...argv], {
      cwd: dir,
      env: { ...process.env, MOVALYTICS_TEST_IMPORTS: log },
      stdio: 'pipe',
    });
  } catch {
    // the command's own outcome is not what this test is about
  }
  return readFileSync(log, 'utf8').split('\n').filter(Boolean);
}

const HEAVY = ['@aws-sdk', 'bullmq', 'ioredis', '/pg/', 'pg-copy-streams', '@duckdb', 'hono', 'listr2'];
const heavyIn = (urls: string[]): string[] => urls.filter((u) => HEAVY.some((h) => u.includes(h)));

describe('CLI start-up', () => {
  const dir = tempDir('startup');

  it('--version and --help load no command module and no driver', () => {
    for (const flag of ['--version', '--help']) {
      const urls = importsOf([flag], dir);
      expect(urls.some((u) => u.includes('/dist/cli/main.js'))).toBe(true);
      expect(urls.filter((u) => u.includes('/dist/cli/commands/') && !u.endsWith('/index.js'))).toEqual([]);
      expect(heavyIn(urls)).toEqual([]);
    }
  });

  it('answers on a DuckDB file loads DuckDB and no S3, BullMQ, PostgreSQL or Redshift module', () => {
    const urls = importsOf(['answers', '--warehouse', join(dir, 'none.duckdb')], dir);
    expect(urls.some((u) => u.includes('/dist/cli/commands/answers.js'))).toBe(true);
    const heavy = heavyIn(urls);
    expect(heavy.filter((u) => /@aws-sdk|bullmq|ioredis|\/pg\/|pg-copy-streams/.test(u))).toEqual([]);
    expect(urls.filter((u) => /\/dist\/warehouse\/(postgres|redshift)\//.test(u))).toEqual([]);
  });

  it('an in-process run on a DuckDB file loads no BullMQ, Redis, S3, PostgreSQL or Redshift module', () => {
    const input = join(dir, 'input');
    execFileSync(
      process.execPath,
      [bin, 'generate', '--out', input, '--ratings', '2000', '--movies', '100'],
      {
        stdio: 'pipe',
      },
    );
    const urls = importsOf(
      ['run', '-i', input, '-w', join(dir, 'run.duckdb'), '--staging', join(dir, 'staging')],
      dir,
    );
    // The run went as far as the publish (what an incremental run spends its time on).
    expect(urls.some((u) => u.includes('/dist/stages/load/load-model.js'))).toBe(true);
    expect(heavyIn(urls).filter((u) => /@aws-sdk|bullmq|ioredis|\/pg\/|pg-copy-streams/.test(u))).toEqual([]);
    expect(urls.filter((u) => /\/dist\/warehouse\/(postgres|redshift)\//.test(u))).toEqual([]);
    expect(urls.filter((u) => u.includes('/dist/pipeline/executors/bullmq.js'))).toEqual([]);
  });
});
