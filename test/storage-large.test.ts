// A file over 100 MB through the s3 store on fauxqs with the default 10 MiB parts: the multipart path the
// ratings file takes, checked end to end by size and sha256 (fauxqs holds it in memory; fine at this size).
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hashFile, openStore, putContentAddressed, type Store } from '../src/storage/index.js';
import { tempDir } from './support/helpers.js';
import {
  FAUXQS_CREDENTIALS,
  createBucket,
  startFauxqs,
  type RunningServer,
} from './support/storage-servers.js';

const MiB = 1024 * 1024;
const SIZE = 105 * MiB + 4321; // 11 parts, the last one short
const dir = tempDir('storage-large');
let fauxqs: RunningServer;
let store: Store;

beforeAll(async () => {
  fauxqs = await startFauxqs();
  await createBucket(fauxqs.endpoint, 'large');
  store = await openStore('s3://large/pkg', {
    env: {},
    s3: { endpoint: fauxqs.endpoint, credentials: FAUXQS_CREDENTIALS, conditionalPut: false },
  });
});
afterAll(async () => {
  await store?.close();
  await fauxqs?.close();
});

/** Writes `bytes` random bytes to `file`, returning their sha256. */
async function writeRandomFile(file: string, bytes: number): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(file);
  for (let left = bytes; left > 0;) {
    const chunk = randomBytes(Math.min(left, 4 * MiB));
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
    left -= chunk.length;
  }
  out.end();
  await finished(out);
  return hash.digest('hex');
}

it('uploads a 105 MB file in 10 MiB parts and downloads the same bytes', async () => {
  const src = join(dir, 'ratings.csv');
  const sha = await writeRandomFile(src, SIZE);
  let last = 0;
  let calls = 0;
  const put = await putContentAddressed(store, src, {
    onProgress: (b) => {
      expect(b).toBeGreaterThanOrEqual(last);
      last = b;
      calls++;
    },
  });
  expect(put).toMatchObject({ key: `raw/${sha}`, bytes: SIZE, uploaded: true });
  expect(last).toBe(SIZE);
  expect(calls).toBeGreaterThanOrEqual(11);
  const info = await store.stat(put.key);
  expect(info?.bytes).toBe(SIZE);
  expect(info?.metadata?.sha256).toBe(sha);
  // A multipart ETag is md5-of-md5s with the part count after a dash.
  expect(info?.etag).toMatch(/-11$/);

  const back = join(dir, 'back.csv');
  await store.getFile(put.key, back);
  expect(await hashFile(back)).toEqual({ sha256: sha, bytes: SIZE });

  // Streaming a range from the middle, across a part boundary, gives the same bytes as the file.
  const start = 10 * MiB - 100;
  const end = 10 * MiB + 99;
  const want = await collect(createReadStream(src, { start, end }));
  const got = await collect(await store.read(put.key, { start, end }));
  expect(got.length).toBe(200);
  expect(got.equals(want)).toBe(true);

  expect((await putContentAddressed(store, src)).uploaded).toBe(false);
});

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}
