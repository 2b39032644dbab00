// Staging in an object store (s3://, a real S3-protocol server on 127.0.0.1): a run stages its load package there and
// loads the same warehouse as a run from a local folder; a second run uploads no raw file again; and each task run
// in its own process with its own empty local cache — as on another machine — reads what it needs from the store.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { EXIT } from '../src/core/errors.js';
import { generateDataset } from '../src/generate/index.js';
import { runPipeline } from '../src/pipeline/run-pipeline.js';
import { openStore } from '../src/storage/index.js';
import { duckDbFingerprint, MODEL_TABLES, repoRoot, runCli, tempDir } from './support/helpers.js';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { KAGGLE_FILES } from '../src/generate/index.js';
import { buildZip, startBlobServer, startFred, startKaggleApi } from './support/sources-servers.js';
import {
  createBucket,
  FAUXQS_CREDENTIALS,
  startFauxqs,
  type RunningServer,
} from './support/storage-servers.js';

/** Tables compared between runs, with the lineage rows. */
const fingerprint = (warehouse: string): Promise<Record<string, string>> =>
  duckDbFingerprint(warehouse, [...MODEL_TABLES, 'marts.movie_rating_stats'], { lineage: true });

describe('staging in S3', () => {
  const root = tempDir('s3-staging');
  const data = join(root, 'data');
  let server: RunningServer;
  let local: Record<string, string>;
  const env: Record<string, string> = {};
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    server = await startFauxqs();
    await createBucket(server.endpoint, 'movalytics');
    Object.assign(env, {
      AWS_ENDPOINT_URL_S3: server.endpoint,
      AWS_ACCESS_KEY_ID: FAUXQS_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: FAUXQS_CREDENTIALS.secretAccessKey,
      AWS_REGION: 'us-east-1',
      MOVALYTICS_CACHE_DIR: join(root, 'cache-main'),
    });
    for (const [k, v] of Object.entries(env)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    await generateDataset({ out: data, movies: 300, ratings: 5_000, seed: 41 });
    await runPipeline(
      loadConfig({
        cwd: root,
        overrides: {
          input: data,
          warehouse: join(root, 'local.duckdb'),
          staging: join(root, 'local-staging'),
        },
      }),
    );
    local = await fingerprint(join(root, 'local.duckdb'));
  });
  afterAll(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await server.close();
  });

  const config = (warehouse: string): ReturnType<typeof loadConfig> =>
    loadConfig({
      cwd: root,
      overrides: { input: data, warehouse: join(root, warehouse), staging: 's3://movalytics/staging' },
    });

  it('stages the load package in the bucket and loads what a local staging folder loads', async () => {
    const run = await runPipeline(config('s3.duckdb'));
    expect(run.status).toBe('success');
    expect(await fingerprint(join(root, 's3.duckdb'))).toEqual(local);
    const store = await openStore('s3://movalytics/staging');
    try {
      const keys = (await store.list('')).map((o) => o.key);
      const staged = run.files.filter((f) => f.action === 'load');
      for (const f of staged) expect(keys).toContain(`raw/${f.sha256}`);
      expect(keys).toContain(`runs/${run.packageId}/manifest.json`);
      expect(keys).toContain(`runs/${run.packageId}/clean/movies.json`);
      expect(keys).toContain(`runs/${run.packageId}/clean/movies.ndjson`);
    } finally {
      await store.close();
    }
  });

  it('a second run uploads no raw file again', async () => {
    const store = await openStore('s3://movalytics/staging');
    try {
      const before = (await store.list('raw/')).map((o) => [o.key, o.modifiedAt?.getTime()]);
      const again = await runPipeline(config('s3.duckdb'));
      expect(again.status).toBe('unchanged');
      expect((await store.list('raw/')).map((o) => [o.key, o.modifiedAt?.getTime()])).toEqual(before);
    } finally {
      await store.close();
    }
  });

  it('each task in its own process with an empty local cache (another machine) gives the same warehouse', async () => {
    const where = [
      '--input',
      data,
      '--warehouse',
      join(root, 'tasks.duckdb'),
      '--staging',
      's3://movalytics/staging',
    ];
    for (const task of ['stage.files', 'clean.movies', 'load.ratings[0]', 'load.ratings[1]', 'publish']) {
      const r = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          [
            join(repoRoot, 'dist/cli/bin.js'),
            'task',
            task,
            '--run-id',
            'airflow-1',
            '--shards',
            '2',
            ...where,
          ],
          {
            cwd: repoRoot,
            env: {
              ...process.env,
              ...env,
              MOVALYTICS_CACHE_DIR: join(root, `cache-${task}`),
              AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined,
            },
            stdio: ['ignore', 'ignore', 'pipe'],
          },
        );
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stderr }));
      });
      expect(r.code, `${task}: ${r.stderr}`).toBe(EXIT.ok);
      // The pinned SDK's "Node 20 will not get new SDK releases" warning is noise to a user of a pinned SDK.
      expect(r.stderr).not.toMatch(/Warning|NodeVersionSupport/);
    }
    expect(await fingerprint(join(root, 'tasks.duckdb'))).toEqual(local);
    // The publish fetched only what it reads: not movies_metadata (the clean files carry it) and not the ratings (their
    // parts are in the warehouse); each shard task read only its byte range (ranged GETs), never the whole file.
    const cached = (task: string): string[] => {
      const base = join(root, `cache-${task}`);
      const [id] = readdirSync(base);
      const raw = join(base, id!, 'raw');
      return existsSync(raw) ? readdirSync(raw) : [];
    };
    const stagedDir = join(
      root,
      'cache-stage.files',
      readdirSync(join(root, 'cache-stage.files'))[0]!,
      'runs',
    );
    const manifest = JSON.parse(
      readFileSync(join(stagedDir, readdirSync(stagedDir)[0]!, 'manifest.json'), 'utf8'),
    ) as { files: { name: string; role: string; staged: string | null; sha256: string }[] };
    const sha = (name: string): string => manifest.files.find((f) => f.name === name)!.sha256;
    const published = cached('publish');
    expect(published).toContain(sha('links.csv'));
    expect(published).not.toContain(sha('ratings.csv'));
    expect(published).not.toContain(sha('movies_metadata.csv'));
    expect(cached('load.ratings[0]')).toEqual([]);
    expect(cached('load.ratings[1]')).toEqual([]);
    const shards = (
      manifest.files.find((f) => f.name === 'ratings.csv') as { shards?: { shards: unknown[] } }
    ).shards!.shards;
    expect(shards).toHaveLength(2);
  }, 120_000);

  it('run --source kaggle --staging s3://… fetches, stages and loads; a second run downloads and uploads nothing', async () => {
    const zip = await buildZip(Object.fromEntries(KAGGLE_FILES.map((f) => [f, readFileSync(join(data, f))])));
    const blob = await startBlobServer(
      () => zip,
      () => ({}),
    );
    const api = await startKaggleApi(
      () => blob.base,
      () => 'Bearer test-token',
    );
    const fred = await startFred((series) => {
      try {
        return readFileSync(join(data, `${series}.csv`), 'utf8');
      } catch {
        return undefined;
      }
    }, 'unused');
    const download = join(root, 'download');
    const run = (): Promise<{ code: number | null; stderr: string }> =>
      new Promise((resolve, reject) => {
        const child = spawn(
          process.execPath,
          [
            join(repoRoot, 'dist/cli/bin.js'),
            'run',
            '--source',
            'kaggle',
            '--fred',
            'CUSR0000SS62031',
            'CPIAUCNS',
            '--input',
            download,
            '--warehouse',
            join(root, 'kaggle.duckdb'),
            '--staging',
            's3://movalytics/kaggle-staging',
          ],
          {
            cwd: repoRoot,
            env: {
              ...process.env,
              ...env,
              MOVALYTICS_CACHE_DIR: join(root, 'cache-kaggle'),
              KAGGLE_API_TOKEN: 'test-token',
              MOVALYTICS_KAGGLE_API: `${api.base}/api/v1`,
              MOVALYTICS_FRED_URL: fred.base,
            },
            stdio: ['ignore', 'ignore', 'pipe'],
          },
        );
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stderr }));
      });
    const first = await run();
    expect(first.code, first.stderr).toBe(EXIT.ok);
    expect(await fingerprint(join(root, 'kaggle.duckdb'))).toEqual(local);
    // The downloads were tasks of the run (under its lock), recorded with the others.
    const shown = await runCli(['runs', 'show', '1', '--json', '-w', join(root, 'kaggle.duckdb')]);
    const tasks = (JSON.parse(shown.stdout) as { tasks: { task: string; state: string }[] }).tasks;
    expect(tasks.map((t) => [t.task, t.state]).slice(0, 3)).toEqual([
      ['extract.movielens', 'success'],
      ['extract.fred', 'success'],
      ['stage.files', 'success'],
    ]);
    // The storage host never saw the Kaggle credential.
    expect(blob.requests.every((r) => r.headers.authorization === undefined)).toBe(true);
    const store = await openStore('s3://movalytics/kaggle-staging');
    try {
      const before = (await store.list('raw/')).map((o) => [o.key, o.modifiedAt?.getTime()]);
      const bodies = blob.requests.length;
      const second = await run();
      expect(second.code, second.stderr).toBe(EXIT.ok);
      expect(second.stderr).toMatch(/run 2 unchanged/);
      // Downloads nothing: the storage host only answered a conditional request with 304, if asked at all.
      const later = blob.requests.slice(bodies);
      expect(later.every((r) => r.headers['if-none-match'] !== undefined)).toBe(true);
      expect((await store.list('raw/')).map((o) => [o.key, o.modifiedAt?.getTime()])).toEqual(before);
    } finally {
      await store.close();
    }
  }, 120_000);
});
