// Conformance of the s3 store against Ceph radosgw (Debian's packages, scripts/radosgw.sh): the shared Store spec
// with conditional PUT, and the credential errors only a server that checks signatures can produce. Runs when
// MOVALYTICS_TEST_RADOSGW=1 and Ceph is installed; otherwise skips with a NOTICE, which
// MOVALYTICS_REQUIRE_SERVICES=1 turns into a failure.
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type S3StoreOptions, type Store } from '../src/storage/index.js';
import { repoRoot } from './support/helpers.js';
import { describeStoreSpec, expectStorageError } from './support/storage-spec.js';
import { createBucket } from './support/storage-servers.js';

const run = promisify(execFile);
const script = join(repoRoot, 'scripts', 'radosgw.sh');
const MiB = 1024 * 1024;

/** Why the suite cannot run here, or null when it can. */
function skipReason(): string | null {
  if (process.env.MOVALYTICS_TEST_RADOSGW !== '1') return 'MOVALYTICS_TEST_RADOSGW is not 1';
  const probe = spawnSync('sh', ['-c', 'command -v radosgw ceph-mon ceph-osd monmaptool radosgw-admin'], {
    encoding: 'utf8',
  });
  if (probe.status !== 0)
    return 'Ceph is not installed (apt-get install -y --no-install-recommends radosgw ceph-mon ceph-osd ceph-base)';
  return null;
}

const why = skipReason();
if (why !== null) {
  if (process.env.MOVALYTICS_REQUIRE_SERVICES === '1')
    throw new Error(`storage-radosgw: ${why} (MOVALYTICS_REQUIRE_SERVICES=1)`);
  console.warn(`NOTICE: storage-radosgw: ${why} — the Ceph radosgw conformance suite is SKIPPED`);
}

interface Rgw {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  dir: string;
}

describe.skipIf(why !== null)('s3 store on Ceph radosgw', () => {
  let rgw: Rgw;
  const bucket = `movalytics-${randomBytes(4).toString('hex')}`;

  const options = (extra: S3StoreOptions = {}): S3StoreOptions => ({
    endpoint: rgw.endpoint,
    credentials: { accessKeyId: rgw.accessKey, secretAccessKey: rgw.secretKey },
    partSizeBytes: 5 * MiB,
    listPageSize: 7,
    maxAttempts: 2,
    connectionTimeoutMs: 2_000,
    requestTimeoutMs: 30_000,
    ...extra,
  });
  const open = (location: string, extra: S3StoreOptions = {}): Promise<Store> =>
    openStore(location, { env: {}, s3: options(extra) });

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'movalytics-rgw-'));
    const { stdout } = await run(script, ['start', dir], { encoding: 'utf8' });
    const env = Object.fromEntries(
      stdout
        .trim()
        .split('\n')
        .map((l) => l.split('=', 2) as [string, string]),
    );
    rgw = {
      endpoint: env.RGW_ENDPOINT!,
      accessKey: env.RGW_ACCESS_KEY!,
      secretKey: env.RGW_SECRET_KEY!,
      dir,
    };
    // The first CreateBucket (~2 s) and first upload (~4 s) are slow: warm up here, not inside a test.
    await createBucket(rgw.endpoint, bucket, { accessKeyId: rgw.accessKey, secretAccessKey: rgw.secretKey });
    const warm = await open(`s3://${bucket}/warm-up`);
    await warm.put('x', 'y');
    await warm.close();
  }, 180_000);

  afterAll(async () => {
    if (rgw) await run(script, ['stop', rgw.dir]);
  }, 60_000);

  describeStoreSpec('s3 (Ceph radosgw)', async () => ({
    store: await open(`s3://${bucket}/spec`),
    listPageSize: 7,
    partSizeBytes: 5 * MiB,
  }));

  it('reports an unknown access key id in one line naming bucket and endpoint, without the secret', async () => {
    const secret = 'not-the-real-secret-0123456789';
    const err = await expectStorageError(
      open(`s3://${bucket}/x`, { credentials: { accessKeyId: 'AKIDUNKNOWN0000', secretAccessKey: secret } }),
      'credentials',
    );
    expect(err.message).toContain('InvalidAccessKeyId');
    expect(err.message).toContain(`"${bucket}"`);
    expect(err.message).toContain(rgw.endpoint);
    expect(err.message).not.toContain(secret);
    expect(err.exitCode).toBe(2);
    expect(err.retryable).toBe(false);
    // A HEAD (stat) reply has no body to say why; the store asks again and still names the cause.
    const lazy = await open(`s3://${bucket}/x`, {
      credentials: { accessKeyId: 'AKIDUNKNOWN0000', secretAccessKey: secret },
      verifyBucket: false,
    });
    const statErr = await expectStorageError(lazy.stat('a'), 'credentials');
    expect(statErr.message).toContain('InvalidAccessKeyId');
    expect(statErr.message).not.toContain(secret);
    await lazy.close();
  });

  it('tells a wrong secret (SignatureDoesNotMatch) apart from an unknown key, without printing either', async () => {
    const secret = `${rgw.secretKey.slice(0, -4)}XXXX`;
    // verifyBucket off: the error must come from an ordinary operation too, not only from open.
    const store = await open(`s3://${bucket}/x`, {
      credentials: { accessKeyId: rgw.accessKey, secretAccessKey: secret },
      verifyBucket: false,
    });
    const err = await expectStorageError(store.put('a', 'b'), 'credentials');
    expect(err.message).toContain('SignatureDoesNotMatch');
    expect(err.message).toContain('secret access key');
    expect(err.message).toContain(`"${bucket}"`);
    expect(err.message).toContain(rgw.endpoint);
    expect(err.message).not.toContain(secret);
    expect(err.message).not.toContain(rgw.secretKey);
    await store.close();
  });

  it('names a missing bucket', async () => {
    const err = await expectStorageError(open('s3://no-such-bucket-rgw/x'), 'no-bucket');
    expect(err.message).toContain('"no-such-bucket-rgw"');
    expect(err.message).toContain(rgw.endpoint);
  });

  it('answers putIfAbsent with false on 412 (If-None-Match: *)', async () => {
    const store = await open(`s3://${bucket}/claims`);
    expect(await store.putIfAbsent('run-1.lock', 'worker-a')).toBe(true);
    expect(await store.putIfAbsent('run-1.lock', 'worker-b')).toBe(false);
    expect((await store.get('run-1.lock')).toString()).toBe('worker-a');
    await store.close();
  });
});
