// The CLI as a user meets it: config file handling, usage errors as one line with exit 2, help.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { EXIT } from '../src/core/errors.js';
import { generateDataset } from '../src/generate/index.js';
import { runPipeline } from '../src/pipeline/run-pipeline.js';
import { runCli, tempDir } from './support/helpers.js';

describe('movalytics CLI', () => {
  const dir = tempDir('cli');
  const warehouse = join(dir, 'w.duckdb');
  beforeAll(async () => {
    const data = await generateDataset({ out: join(dir, 'data'), movies: 300, ratings: 8000, seed: 11 });
    await runPipeline(
      loadConfig({ cwd: dir, overrides: { input: data.dir, warehouse, staging: join(dir, 'staging') } }),
    );
  });

  it('takes the warehouse and answer defaults from the config file, flags win', async () => {
    const config = join(dir, 'movalytics.config.json');
    writeFileSync(config, JSON.stringify({ warehouse: 'w.duckdb', answers: { top: 3 } }));
    const fromFile = await runCli(['answers', 'q1', '--format', 'json', '--config', config]);
    expect(fromFile.code).toBe(EXIT.ok);
    expect((JSON.parse(fromFile.stdout) as { q1: { top: unknown[] } }).q1.top).toHaveLength(3);
    const fromFlag = await runCli(['answers', 'q1', '--format', 'json', '--config', config, '--top', '5']);
    expect((JSON.parse(fromFlag.stdout) as { q1: { top: unknown[] } }).q1.top).toHaveLength(5);
  });

  it.each([
    [['answers', '--config', '/nonexistent/c.json'], /config file \/nonexistent\/c\.json cannot be read/],
    [['run', '--bogus'], /unknown option '--bogus'/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['answers', 'q9', '--warehouse', 'x'], /unknown question "q9"/],
    [['answers', '--top', 'ten', '--warehouse', 'x'], /--top "ten" is not a number/],
    [['report', '--format', 'pdf'], /unknown --format "pdf"/],
  ])('%j is a one-line usage error with exit 2', async (argv, message) => {
    const r = await runCli(argv);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('rejects a config file with an unknown key or a bad value, naming it', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ warehouse: 'w.duckdb', mappedShareWarn: 7 }));
    const r = await runCli(['answers', '--config', bad]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toMatch(/bad\.json: mappedShareWarn: .*<=1/);
    writeFileSync(bad, JSON.stringify({ warehous: 'w.duckdb' }));
    expect((await runCli(['answers', '--config', bad])).stderr).toMatch(/warehous/);
    writeFileSync(bad, '{ not json');
    expect((await runCli(['answers', '--config', bad])).stderr).toMatch(/is not valid JSON/);
  });

  it('prints help with every command and exits 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(EXIT.ok);
    for (const cmd of ['run', 'demo', 'generate', 'answers', 'report']) expect(r.stdout).toContain(cmd);
  });
});

describe('warehouse URLs', () => {
  it('refuses a PostgreSQL login it cannot use with a clear message and never prints its password', async () => {
    const r = await runCli(['run', '--warehouse', 'postgres://etl:s3cret@127.0.0.1:5432/movies']);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toMatch(
      /cannot connect to warehouse postgres:\/\/etl@127\.0\.0\.1:5432\/movies: .*SQLSTATE 28/,
    );
    expect(r.stderr).not.toContain('s3cret');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('asks for what a redshift:// warehouse lacks in one line, without its password', async () => {
    const saved = process.env.MOVALYTICS_REDSHIFT_IAM_ROLE;
    delete process.env.MOVALYTICS_REDSHIFT_IAM_ROLE;
    try {
      // A run needs the role (it COPYs from S3); a reader such as `answers` opens read-only and does not.
      const r = await runCli(['run', '--warehouse', 'redshift://etl:s3cret@example.invalid:5439/dev']);
      expect(r.code).toBe(EXIT.usage);
      expect(r.stderr).toMatch(/Redshift needs an IAM role to COPY from S3: add \?iam_role=arn:aws:iam::/);
      expect(r.stderr).not.toContain('s3cret');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      if (saved !== undefined) process.env.MOVALYTICS_REDSHIFT_IAM_ROLE = saved;
    }
  });

  it('refuses an unknown scheme', async () => {
    const r = await runCli(['answers', '--warehouse', 'mysql://x@y/z']);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toMatch(/unknown warehouse scheme "mysql:"/);
  });
});

describe('run with answer settings that do not fit the data', () => {
  it('publishes the run, exits 0, and says why the answers were skipped', async () => {
    const dir = tempDir('cli-splice');
    const data = await generateDataset({ out: join(dir, 'data'), movies: 200, ratings: 3000, seed: 2 });
    const { rmSync } = await import('node:fs');
    rmSync(join(data.dir, 'CPIAUCNS.csv'));
    writeFileSync(
      join(dir, 'movalytics.config.json'),
      JSON.stringify({
        input: 'data',
        warehouse: 'w.duckdb',
        staging: 'stg',
        answers: { cpiSplice: 'CPIAUCNS' },
      }),
    );
    const r = await runCli(['run', '--config', join(dir, 'movalytics.config.json')]);
    expect(r.code).toBe(EXIT.ok);
    expect(r.stderr).toMatch(/the run succeeded, but its answers were skipped: .*CPIAUCNS/);
    expect(r.stdout).toMatch(/Quality checks/);
    expect(r.stdout).not.toMatch(/^Answers$/m);
  });
});

describe('movalytics run', () => {
  it('ends with the four headline answers', async () => {
    const dir = tempDir('cli-run');
    const data = await generateDataset({ out: join(dir, 'data'), movies: 200, ratings: 3000, seed: 4 });
    const args = [
      'run',
      '--input',
      data.dir,
      '--warehouse',
      join(dir, 'w.duckdb'),
      '--staging',
      join(dir, 'stg'),
    ];
    const r = await runCli(args);
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toMatch(
      // Headlines wrap to the width; continuation lines are indented.
      /^Answers\nHighest-rated movie: .+\n(?: {2}.+\n)*Most popular genre: .+\n(?: {2}.+\n)*Release timing: .+\n(?: {2}.+\n)*Top-earning genre/m,
    );
    // Every check passed: they are counted, not listed, so the output (progress included) fits one screen.
    expect(r.stdout).toMatch(/^Quality checks: \d+ passed, 0 failed, 0 warnings \(every check: /m);
    expect(r.stdout).not.toMatch(/key_unique\.movie/);
    expect(`${r.stdout}${r.stderr}`.trimEnd().split('\n').length).toBeLessThanOrEqual(50);
    const json = await runCli([...args, '--json']);
    const parsed = JSON.parse(json.stdout) as {
      run: { status: string };
      answers: { q1: { top: unknown[] } };
    };
    expect(parsed.run.status).toBe('unchanged');
    expect(parsed.answers.q1.top.length).toBeGreaterThan(0);
  });
});
