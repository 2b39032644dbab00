// The storage seam on real backends: the shared Store spec on a temp folder and on fauxqs (in-process S3 on
// 127.0.0.1), then what only S3 can get wrong — a missing bucket, a stopped or stuck server, pagination, and
// proof that an unchanged content-addressed file is not uploaded again.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, putContentAddressed, type Store } from '../src/storage/index.js';
import { tempDir } from './support/helpers.js';
import { describeStoreSpec, expectStorageError } from './support/storage-spec.js';
import {
  FAUXQS_CREDENTIALS,
  closedPortEndpoint,
  createBucket,
  startCountingProxy,
  startFauxqs,
  startSilentListener,
  type RunningServer,
} from './support/storage-servers.js';

const MiB = 1024 * 1024;
const root = tempDir('storage');
let fauxqs: RunningServer;
let proxy: RunningServer & { writes(): number };
const bucket = `movalytics-${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  fauxqs = await startFauxqs();
  await createBucket(fauxqs.endpoint, bucket);
  proxy = await startCountingProxy(fauxqs.endpoint);
});
afterAll(async () => {
  await proxy?.close();
  await fauxqs?.close();
});

/** An s3 store on fauxqs with small parts and pages, so the spec exercises multipart and pagination. */
function openFauxqs(endpoint: string, location = `s3://${bucket}/spec`, extra = {}): Promise<Store> {
  return openStore(location, {
    env: {},
    s3: {
      endpoint,
      credentials: FAUXQS_CREDENTIALS,
      partSizeBytes: 5 * MiB,
      listPageSize: 7,
      conditionalPut: false, // fauxqs ignores If-None-Match
      maxAttempts: 2,
      connectionTimeoutMs: 2_000,
      requestTimeoutMs: 10_000,
      ...extra,
    },
  });
}

describeStoreSpec('file (temp folder)', async () => ({
  store: await openStore(`file:${join(root, 'file-store')}`),
}));

describeStoreSpec('s3 (fauxqs, through a counting proxy)', async () => ({
  store: await openFauxqs(proxy.endpoint),
  writes: () => proxy.writes(),
  listPageSize: 7,
  partSizeBytes: 5 * MiB,
}));

describe('file store', () => {
  it('is the default location and a plain path; gives engines a local path; skips temp files in lists', async () => {
    const store = await openStore(undefined, { cwd: root });
    expect(store.kind).toBe('file');
    expect(store.url).toBe(`file://${join(root, '.movalytics', 'staging')}`);
    const plain = await openStore('plain/dir', { cwd: root });
    await plain.put('runs/1/manifest.json', '{}');
    expect(plain.localPath('runs/1/manifest.json')).toBe(
      join(root, 'plain', 'dir', 'runs', '1', 'manifest.json'),
    );
    writeFileSync(join(root, 'plain', 'dir', 'runs', '1', '.manifest.json.movalytics-tmp-abc'), 'partial');
    expect((await plain.list('')).map((o) => o.key)).toEqual(['runs/1/manifest.json']);
  });
});

describe('s3 store on fauxqs', () => {
  it('lists more than 1000 keys (the server page size) in full', async () => {
    const store = await openFauxqs(fauxqs.endpoint, `s3://${bucket}/many`, { listPageSize: undefined });
    const keys = Array.from({ length: 1003 }, (_, i) => `k/${String(i).padStart(5, '0')}`);
    for (let i = 0; i < keys.length; i += 50)
      await Promise.all(keys.slice(i, i + 50).map((k) => store.put(k, '')));
    const listed = await store.list('k/');
    expect(listed).toHaveLength(1003);
    expect(listed.map((o) => o.key)).toEqual(keys);
    await store.close();
  });

  it('uploads nothing the second time a content-addressed file is put (requests counted at a proxy)', async () => {
    const store = await openFauxqs(proxy.endpoint, `s3://${bucket}/ca`);
    const file = join(root, 'ratings.csv');
    writeFileSync(file, randomBytes(11 * MiB)); // three parts of 5 MiB
    const w0 = proxy.writes();
    expect((await putContentAddressed(store, file)).uploaded).toBe(true);
    // CreateMultipartUpload + 3 UploadPart + CompleteMultipartUpload
    expect(proxy.writes() - w0).toBe(5);
    const w1 = proxy.writes();
    expect((await putContentAddressed(store, file)).uploaded).toBe(false);
    expect(proxy.writes()).toBe(w1);
    await store.close();
  });

  it('re-uploads when the object has the same size but no matching sha256 metadata', async () => {
    const store = await openFauxqs(fauxqs.endpoint, `s3://${bucket}/ca2`);
    const file = join(root, 'same-size.csv');
    writeFileSync(file, 'abc');
    const sha = '' + (await import('node:crypto')).createHash('sha256').update('abc').digest('hex');
    await store.put(`raw/${sha}`, 'xyz'); // same size, no metadata: e.g. copied there by hand
    expect((await putContentAddressed(store, file)).uploaded).toBe(true);
    expect((await store.get(`raw/${sha}`)).toString()).toBe('abc');
    await store.close();
  });

  it('names the bucket and endpoint when the bucket does not exist', async () => {
    const err = await expectStorageError(
      openFauxqs(fauxqs.endpoint, 's3://no-such-bucket-here/x'),
      'no-bucket',
    );
    expect(err.message).toContain('"no-such-bucket-here"');
    expect(err.message).toContain(fauxqs.endpoint);
    expect(err.exitCode).toBe(2);
    expect(err.retryable).toBe(false);
    // Without the check at open, the first operation says the same.
    const lazy = await openFauxqs(fauxqs.endpoint, 's3://no-such-bucket-here/x', { verifyBucket: false });
    await expectStorageError(lazy.put('a', 'b'), 'no-bucket');
    await expectStorageError(lazy.list(''), 'no-bucket');
    await lazy.close();
  });

  it('fails in one retryable line, without secrets, when the server has stopped', async () => {
    const server = await startFauxqs();
    await createBucket(server.endpoint, 'short-lived');
    const store = await openFauxqs(server.endpoint, 's3://short-lived/p', {
      credentials: { accessKeyId: 'AKIDSTOPPEDTEST', secretAccessKey: 'secret-stopped-server-test' },
      connectionTimeoutMs: 500,
    });
    await store.put('a', 'b');
    await server.close();
    const err = await expectStorageError(store.put('a', 'c'), 'unavailable');
    expect(err.retryable).toBe(true);
    expect(err.exitCode).toBe(1);
    expect(err.message).toContain('"short-lived"');
    expect(err.message).toContain(server.endpoint);
    expect(err.message).toContain('ECONNREFUSED');
    expect(err.message).not.toMatch(/AKIDSTOPPEDTEST|secret-stopped-server-test/);
    await store.close();
    // And at open, against a port nobody listens on.
    const closed = await closedPortEndpoint();
    const e2 = await expectStorageError(openFauxqs(closed, 's3://any-bucket/p'), 'unavailable');
    expect(e2.message).toContain(closed);
    expect(e2.message).toContain('after 2 attempts');
  });

  it('times out on a server that never answers', async () => {
    const silent = await startSilentListener();
    try {
      const err = await expectStorageError(
        openFauxqs(silent.endpoint, 's3://stuck-bucket/p', { requestTimeoutMs: 300, maxAttempts: 1 }),
        'unavailable',
      );
      expect(err.message).toContain('TimeoutError');
      expect(err.message).toContain('"stuck-bucket"');
    } finally {
      await silent.close();
    }
  });

  it('aborts an upload when asked and leaves no object', async () => {
    const store = await openFauxqs(fauxqs.endpoint, `s3://${bucket}/abort`);
    const file = join(root, 'abort.bin');
    writeFileSync(file, randomBytes(20 * MiB));
    const ac = new AbortController();
    const p = store.putFile('big', file, { signal: ac.signal, onProgress: () => ac.abort() });
    await expectStorageError(p, 'aborted');
    expect(await store.stat('big')).toBeNull();
    await store.close();
  });
});

describe('locations', () => {
  it('takes endpoint and region from the AWS environment; refuses an endpoint with credentials', async () => {
    const store = await openStore(`s3://${bucket}/env`, {
      env: {
        AWS_ENDPOINT_URL_S3: fauxqs.endpoint,
        AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
        AWS_REGION: 'eu-west-1',
      },
      s3: { credentials: FAUXQS_CREDENTIALS },
    });
    await store.put('x', 'y');
    expect(store.url).toBe(`s3://${bucket}/env/`);
    await store.close();
    const err = await expectStorageError(
      openStore(`s3://${bucket}/env`, { env: { AWS_ENDPOINT_URL: 'http://user:hunter2@127.0.0.1:9' } }),
      'location',
    );
    expect(err.message).not.toContain('hunter2');
  });
});
