// `movalytics extract` as a user runs it (the built CLI, spawned with its own HOME and environment) against local
// Kaggle and FRED servers: the folder it fills loads with `run`, a second run downloads nothing, 401 exits 2.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { EXIT } from '../src/core/errors.js';
import { CPI_FILE } from '../src/generate/cpi.js';
import { generateDataset, KAGGLE_FILES as ALL_KAGGLE_FILES, ZIP_FILE } from '../src/generate/index.js';
import { classifyFile } from '../src/sources/input-layout.js';

/** The archive's CSVs the layout uses: the unpack extracts only these (the others are listed as ignored). */
const KAGGLE_FILES = ALL_KAGGLE_FILES.filter((f) => classifyFile(f).role !== 'ignored');
import { runPipeline } from '../src/pipeline/run-pipeline.js';
import { ExtractProgress } from '../src/cli/commands/extract.js';
import type { SourceEvent } from '../src/sources/index.js';
import { repoRoot, runCli, tempDir, type CliResult } from './support/helpers.js';
import { startBlobServer, startFred, startKaggleApi, type TestServer } from './support/sources-servers.js';

const BIN = join(repoRoot, 'dist/cli/bin.js');
const KEY = 'kaggle-key-0123456789';

function runBuilt(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    // A clean environment: whatever KAGGLE_* or FRED_* the developer has must not leak in.
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('movalytics extract', () => {
  const root = tempDir('extract-cli');
  const home = join(root, 'home');
  let storage: TestServer;
  let api: TestServer;
  let fred: TestServer;
  let env: Record<string, string>;

  beforeAll(async () => {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first (npm test does)`);
    const g = await generateDataset({
      out: join(root, 'gen'),
      movies: 150,
      ratings: 5000,
      seed: 9,
      zip: true,
    });
    const zip = readFileSync(join(g.dir, ZIP_FILE));
    const cpi = readFileSync(join(g.dir, CPI_FILE), 'utf8');
    storage = await startBlobServer(
      () => zip,
      () => ({}),
    );
    api = await startKaggleApi(
      () => storage.base,
      () => `Basic ${Buffer.from(`movalytics-user:${KEY}`).toString('base64')}`,
    );
    fred = await startFred((id) => (id === 'CUSR0000SS62031' ? cpi : undefined), 'unused');
    mkdirSync(join(home, '.kaggle'), { recursive: true });
    writeFileSync(
      join(home, '.kaggle', 'kaggle.json'),
      JSON.stringify({ username: 'movalytics-user', key: KEY }),
    );
    env = {
      HOME: home,
      MOVALYTICS_KAGGLE_API: `${api.base}/api/v1`,
      MOVALYTICS_FRED_URL: fred.base,
      MOVALYTICS_HTTP_RETRIES: '2',
      MOVALYTICS_HTTP_BACKOFF_MS: '5',
    };
  });

  it('fetches the Kaggle CSVs and the FRED series into --to, and the folder runs through the pipeline', async () => {
    const dir = join(root, 'raw');
    const args = [
      'extract',
      '--kaggle',
      'rounakbanik/the-movies-dataset',
      '--fred',
      'CUSR0000SS62031',
      '--to',
      dir,
    ];
    const r = await runBuilt(args, env);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(EXIT.ok);
    const csvs = readdirSync(dir).filter((f) => f.endsWith('.csv'));
    expect(csvs.sort()).toEqual([...KAGGLE_FILES, CPI_FILE].sort());
    expect(readFileSync(join(dir, CPI_FILE), 'utf8')).toBe(readFileSync(join(root, 'gen', CPI_FILE), 'utf8'));
    expect(r.stdout).toMatch(
      /kaggle\s+rounakbanik\/the-movies-dataset\s+the-movies-dataset\.zip\s+downloaded/,
    );
    expect(r.stdout).toMatch(/fred\s+CUSR0000SS62031\s+CUSR0000SS62031\.csv\s+downloaded/);
    // Not a TTY: plain progress lines, and the signed storage URL and the key never appear.
    expect(r.stderr).toMatch(/extract: the-movies-dataset\.zip downloaded/);
    expect(r.stderr).not.toContain('\r');
    for (const out of [r.stdout, r.stderr]) {
      expect(out).not.toContain(KEY);
      expect(out).not.toContain('deadbeef');
    }

    const summary = await runPipeline(
      loadConfig({
        cwd: root,
        overrides: { input: dir, warehouse: join(root, 'w.duckdb'), staging: join(root, 'staging') },
      }),
    );
    expect(summary.status).toBe('success');
  });

  it('a second run downloads nothing (304 from storage and FRED) and says the files are up to date', async () => {
    const dir = join(root, 'raw');
    const storageBefore = storage.requests.length;
    const fredBefore = fred.requests.length;
    const r = await runBuilt(
      [
        'extract',
        '--kaggle',
        'rounakbanik/the-movies-dataset',
        '--fred',
        'CUSR0000SS62031',
        '--to',
        dir,
        '--json',
      ],
      env,
    );
    expect(r.code).toBe(EXIT.ok);
    const out = JSON.parse(r.stdout) as { files: { source: string; action: string }[] };
    expect(out.files.map((f) => [f.source, f.action])).toEqual([
      ['kaggle', 'unchanged'],
      ['fred', 'unchanged'],
    ]);
    expect(
      storage.requests.slice(storageBefore).map((q) => q.headers['if-none-match'] !== undefined),
    ).toEqual([true]);
    expect(fred.requests.slice(fredBefore).map((q) => q.headers['if-none-match'] !== undefined)).toEqual([
      true,
    ]);
    expect(r.stderr).not.toMatch(/download\.progress|\d+(\.\d)? [KM]B\/s/);
  });

  it('a rejected kaggle.json is exit 2, one line naming the file, not the key', async () => {
    const bad = join(root, 'badhome');
    mkdirSync(join(bad, '.kaggle'), { recursive: true });
    writeFileSync(
      join(bad, '.kaggle', 'kaggle.json'),
      JSON.stringify({ username: 'movalytics-user', key: 'nope-key-999' }),
    );
    const r = await runBuilt(
      ['extract', '--kaggle', 'rounakbanik/the-movies-dataset', '--to', join(root, 'x')],
      {
        ...env,
        HOME: bad,
      },
    );
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/HTTP 401; credentials used: ~\/\.kaggle\/kaggle\.json\)/);
    expect(r.stderr).not.toContain('nope-key-999');
  });

  it('no credentials at all is exit 2 saying where to put them', async () => {
    const r = await runBuilt(['extract', '--kaggle', 'a/b', '--to', join(root, 'y')], {
      ...env,
      HOME: join(root, 'empty'),
    });
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toMatch(/no Kaggle credentials found — .*~\/\.kaggle\/access_token/);
  });

  it('run --source kaggle without credentials exits 2 before it downloads anything (issue 22, bug 8)', async () => {
    const dir = join(root, 'nocreds');
    const r = await runBuilt(
      [
        'run',
        '--source',
        'kaggle',
        '--input',
        join(dir, 'in'),
        '--warehouse',
        join(dir, 'w.duckdb'),
        '--staging',
        join(dir, 'stg'),
      ],
      { ...env, HOME: join(root, 'empty') },
    );
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toMatch(/no Kaggle credentials found — .*~\/\.kaggle\/access_token/);
    // Nothing was fetched, not even the FRED series that needs no credentials.
    expect(existsSync(join(dir, 'in', 'CUSR0000SS62031.csv'))).toBe(false);
    expect(existsSync(join(dir, 'w.duckdb'))).toBe(false);
  });

  it("without --to, downloads into the config file's input folder", async () => {
    const cfgDir = join(root, 'cfg');
    mkdirSync(cfgDir, { recursive: true });
    writeFileSync(join(cfgDir, 'movalytics.config.json'), JSON.stringify({ input: 'data/in' }));
    const r = await runBuilt(
      ['extract', '--fred', 'CUSR0000SS62031', '--config', join(cfgDir, 'movalytics.config.json')],
      env,
    );
    expect(r.code).toBe(EXIT.ok);
    expect(readdirSync(join(cfgDir, 'data/in'))).toContain(CPI_FILE);
  });

  it.each([
    [[], /extract: give --kaggle OWNER\/SLUG and\/or --fred SERIES/],
    [['--kaggle', 'not-a-dataset'], /--kaggle "not-a-dataset" is not a dataset name/],
    [['--fred', 'bad id!'], /--fred "bad id!" is not a FRED series id/],
  ])('usage mistakes are one line with exit 2: %j', async (argv, message) => {
    const r = await runCli(['extract', ...argv]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('documents its flags and the credential order in --help', async () => {
    const r = await runCli(['extract', '--help']);
    expect(r.code).toBe(EXIT.ok);
    for (const s of [
      '--kaggle',
      '--fred',
      '--to',
      'KAGGLE_API_TOKEN',
      '~/.kaggle/access_token',
      'kaggle.json',
      'FRED_API_KEY',
    ])
      expect(r.stdout).toContain(s);
  });
});

describe('extract progress rendering', () => {
  const events: SourceEvent[] = [
    { type: 'download.start', file: 'a.zip', url: 'https://h/a.zip', total: 1000, resumeFrom: 0 },
    ...[50, 120, 180, 400, 999, 1000].map((bytes): SourceEvent => ({
      type: 'download.progress',
      file: 'a.zip',
      bytes,
      total: 1000,
      bytesPerSec: 2048,
      etaSec: (1000 - bytes) / 2048,
    })),
    { type: 'file.end', source: 'kaggle', file: 'a.zip', action: 'downloaded', bytes: 1000, ms: 500 },
  ];

  it('writes plain lines, one per 10% step, when stderr is not a terminal', () => {
    let out = '';
    const p = new ExtractProgress((s) => (out += s), false);
    for (const e of events) p.handle(e);
    expect(out).not.toContain('\r');
    const lines = out.trimEnd().split('\n');
    // steps 0, 1, 4, 9, 10 (120 and 180 share step 1)
    expect(lines.filter((l) => l.startsWith('  a.zip'))).toHaveLength(5);
    expect(lines.at(-1)).toBe('extract: a.zip downloaded (1000 B, 0.5 s)');
    expect(out).toMatch(/2\.0 KB\/s/);
  });

  it('rewrites one line at a terminal, ending it before the next message', () => {
    let out = '';
    const p = new ExtractProgress((s) => (out += s), true);
    for (const e of events) p.handle(e);
    expect(out.split('\r\x1b[2K').length - 1).toBe(7);
    expect(out.trimEnd().split('\n')).toHaveLength(2);
  });
});
