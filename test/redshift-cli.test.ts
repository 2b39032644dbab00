// `movalytics sql`: prints the Redshift SQL a load of the input folder would send, every statement through the parse
// gate; mistakes (no IAM role, no S3 staging, another warehouse) are one line and exit 2, the password never shown.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../src/generate/index.js';
import { runCli, tempDir } from './support/helpers.js';
import { redshiftProblems } from './support/redshift-lint.js';
import { TEST_ROLE } from './support/redshift-run.js';

const root = tempDir('redshift-cli');
const data = join(root, 'data');
const WH = `redshift://etl:hunter2@c1.abc.eu-west-1.redshift.amazonaws.com:5439/dev?iam_role=${TEST_ROLE}`;
beforeAll(async () => {
  delete process.env.MOVALYTICS_REDSHIFT_IAM_ROLE; // the "no IAM role" case must not find one here
  await generateDataset({ out: data, movies: 200, ratings: 3000, seed: 5 });
});

/** The statements of the printed SQL (comments dropped). */
function statements(text: string): string[] {
  return text
    .split(/;\n/)
    .map((s) => s.replace(/^\s*--[^\n]*\n/gm, '').trim())
    .filter((s) => s !== '');
}

describe('movalytics sql', () => {
  it('prints DDL, COPY, MERGE and the answer marts, every statement Redshift-legal (-w, -i as in every command)', async () => {
    const r = await runCli(['sql', '-w', WH, '--staging', 's3://bucket/pre', '-i', data]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const kind of ['ddl', 'load', 'merge', 'answers']) expect(r.stdout).toContain(`-- ${kind}\n`);
    const stmts = statements(r.stdout);
    // One COPY per staged file as it is (ratings, links, two CPI series), one per part-loaded table of the movies.
    const copies = stmts.filter((s) => s.startsWith('COPY'));
    expect(copies).toHaveLength(7);
    expect(copies.filter((s) => /^COPY staging\.\w+_raw_\d+ \(line\)/.test(s))).toHaveLength(4);
    expect(stmts.filter((s) => s.startsWith('MERGE'))).toHaveLength(6);
    for (const s of stmts) expect(redshiftProblems(s), s).toEqual([]);
    expect(r.stdout).toMatch(/FROM 's3:\/\/bucket\/pre\/redshift\/[0-9a-f]{64}\.manifest'/);
    expect(r.stdout).not.toContain('hunter2');
  });

  it('prints one kind with --statement, and the same text twice for the same input', async () => {
    const a = await runCli([
      'sql',
      '--warehouse',
      WH,
      '--staging',
      's3://bucket/pre',
      '--input',
      data,
      '--statement',
      'ddl',
    ]);
    const b = await runCli([
      'sql',
      '--warehouse',
      WH,
      '--staging',
      's3://bucket/pre',
      '--input',
      data,
      '--statement',
      'ddl',
    ]);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).toMatch(/^-- ddl\n/);
    expect(a.stdout).not.toMatch(/COPY|MERGE/);
    expect(a.stdout).toMatch(/DISTSTYLE KEY\nDISTKEY\(movielens_id\)/);
  });

  it.each([
    [['--statement', 'upsert'], /unknown --statement "upsert"/],
    [['--warehouse', 'redshift://etl:hunter2@h/dev'], /needs an IAM role/],
    [['--staging', join(root, 'local')], /loads from S3: pass --staging s3:\/\//],
    [['--warehouse', 'postgres://u:hunter2@h/db'], /prints Redshift SQL/],
    [
      ['--warehouse', 'redshift://etl:hunter2@h/dev?iam_role=admin'],
      /iam_role "admin" is not an IAM role ARN/,
    ],
  ])('refuses %j in one line, exit 2, no password', async (extra, why) => {
    const base: Record<string, string> = {
      '--warehouse': WH,
      '--staging': 's3://bucket/pre',
      '--input': data,
    };
    for (let i = 0; i < extra.length; i += 2) base[extra[i]!] = extra[i + 1]!;
    const r = await runCli(['sql', ...Object.entries(base).flat()]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(why);
    expect(r.stderr).not.toContain('hunter2');
  });
});
