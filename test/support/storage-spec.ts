// The one behavioural spec every Store must pass, run against the file store and each S3 server: a function that
// takes a store factory, as Kysely runs one suite per dialect.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageError, putContentAddressed, type Store } from '../../src/storage/index.js';
import { tempDir } from './helpers.js';

export interface StoreUnderTest {
  store: Store;
  /** Write requests the backend has received so far, when the harness can count them. */
  writes?: () => number;
  /** The store lists in pages of this many keys (so a test can make more than one page). */
  listPageSize?: number;
  /** The multipart part size the store was opened with. */
  partSizeBytes?: number;
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Expects `p` to reject with a StorageError of `reason` whose message is one line. */
export async function expectStorageError(
  p: Promise<unknown>,
  reason: StorageError['reason'],
): Promise<StorageError> {
  const err: unknown = await p.then(
    () => new Error('expected a StorageError, got success'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StorageError);
  const se = err as StorageError;
  expect(se.reason, se.message).toBe(reason);
  expect(se.message).not.toContain('\n');
  return se;
}

export function describeStoreSpec(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`Store spec: ${name}`, () => {
    let sut: StoreUnderTest;
    let store: Store;
    const dir = tempDir('store-spec');
    let n = 0;
    /** A fresh key prefix per test, so tests share a store but never each other's objects. */
    const fresh = (): string => `t${++n}-${randomBytes(3).toString('hex')}/`;

    beforeAll(async () => {
      sut = await open();
      store = sut.store;
    });
    afterAll(async () => {
      await store?.close();
    });

    it('puts, gets and stats objects; a missing key is null from stat and not-found from get', async () => {
      const p = fresh();
      await store.put(`${p}a.txt`, 'hello, wörld\r\n');
      await store.put(`${p}deep/b.bin`, new Uint8Array([0, 255, 10, 13]), { metadata: { sha256: 'x' } });
      expect((await store.get(`${p}a.txt`)).toString('utf8')).toBe('hello, wörld\r\n');
      expect([...(await store.get(`${p}deep/b.bin`))]).toEqual([0, 255, 10, 13]);
      const info = await store.stat(`${p}deep/b.bin`);
      expect(info).toMatchObject({ key: `${p}deep/b.bin`, bytes: 4 });
      expect(info?.modifiedAt).toBeInstanceOf(Date);
      if (store.capabilities.metadata) expect(info?.metadata).toEqual({ sha256: 'x' });
      expect(await store.stat(`${p}missing`)).toBeNull();
      expect(await store.stat(`${p}deep`)).toBeNull(); // a "folder" is not an object
      const err = await expectStorageError(store.get(`${p}missing`), 'not-found');
      expect(err.message).toContain(`${p}missing`);
      // Overwrite replaces; an empty object is an object.
      await store.put(`${p}a.txt`, 'v2');
      expect((await store.get(`${p}a.txt`)).toString()).toBe('v2');
      await store.put(`${p}empty`, '');
      expect(await store.stat(`${p}empty`)).toMatchObject({ bytes: 0 });
      expect((await store.get(`${p}empty`)).length).toBe(0);
    });

    it('lists recursively by prefix, sorted, across pages', async () => {
      const p = fresh();
      const pages = sut.listPageSize ?? 1000;
      const count = pages < 1000 ? pages * 2 + 3 : 12;
      const keys = Array.from({ length: count }, (_, i) => `${p}run/${String(i).padStart(4, '0')}.csv`);
      keys.push(`${p}run/clean/x.csv`, `${p}runs.txt`, `${p}other/y`);
      await Promise.all(keys.map((k, i) => store.put(k, 'x'.repeat(i))));
      const all = await store.list(p);
      expect(all.map((o) => o.key)).toEqual([...keys].sort());
      expect(all.find((o) => o.key === keys[5])?.bytes).toBe(5);
      const folder = await store.list(`${p}run/`);
      expect(folder.map((o) => o.key)).toEqual(keys.filter((k) => k.startsWith(`${p}run/`)).sort());
      // A prefix need not end at a '/': 'run' matches run/… and runs.txt.
      expect((await store.list(`${p}run`)).length).toBe(count + 2);
      expect(await store.list(`${p}nothing/`)).toEqual([]);
    });

    it('uploads a file in several parts and reads back the same bytes', async () => {
      const p = fresh();
      const part = sut.partSizeBytes ?? 5 * 1024 * 1024;
      const bytes = randomBytes(part * 2 + 12345);
      const file = join(dir, `multi-${n}.bin`);
      writeFileSync(file, bytes);
      const progress: Array<[number, number]> = [];
      await store.putFile(`${p}big.bin`, file, {
        metadata: { sha256: sha256(bytes) },
        onProgress: (b, t) => progress.push([b, t]),
      });
      expect((await store.stat(`${p}big.bin`))?.bytes).toBe(bytes.length);
      expect(sha256(await store.get(`${p}big.bin`))).toBe(sha256(bytes));
      expect(progress.at(-1)).toEqual([bytes.length, bytes.length]);
      // An empty file is an empty object.
      const empty = join(dir, `empty-${n}`);
      writeFileSync(empty, '');
      await store.putFile(`${p}empty`, empty);
      expect(await store.stat(`${p}empty`)).toMatchObject({ bytes: 0 });
      await expectStorageError(store.putFile(`${p}nope`, join(dir, 'does-not-exist')), 'not-found');
    });

    it('downloads to a file atomically: a failed download leaves the old file and no temp file', async () => {
      const p = fresh();
      const out = join(dir, `dl-${n}`, 'target.csv');
      mkdirSync(join(dir, `dl-${n}`));
      writeFileSync(out, 'old');
      await store.put(`${p}f.csv`, 'new contents');
      await store.getFile(`${p}f.csv`, out);
      expect(readFileSync(out, 'utf8')).toBe('new contents');
      await expectStorageError(store.getFile(`${p}missing.csv`, out), 'not-found');
      const aborted = AbortSignal.abort();
      await store.getFile(`${p}f.csv`, out, { signal: aborted }).catch(() => undefined);
      expect(readFileSync(out, 'utf8')).toBe('new contents');
      expect(readdirSync(join(dir, `dl-${n}`))).toEqual(['target.csv']);
      // A local target that cannot be written names the local path.
      writeFileSync(join(dir, `blocker-${n}`), 'a file, not a folder');
      const local = await expectStorageError(
        store.getFile(`${p}f.csv`, join(dir, `blocker-${n}`, 'x.csv')),
        'failed',
      );
      expect(local.message).toContain(`blocker-${n}`);
      // Into a folder that does not exist yet.
      const nested = join(dir, `dl-${n}`, 'a', 'b', 'c.csv');
      await store.getFile(`${p}f.csv`, nested);
      expect(readFileSync(nested, 'utf8')).toBe('new contents');
    });

    it('reads a stream, whole or a byte range (inclusive, like HTTP Range)', async () => {
      const p = fresh();
      await store.put(`${p}r`, 'abcdefghij');
      expect(await text(await store.read(`${p}r`))).toBe('abcdefghij');
      expect(await text(await store.read(`${p}r`, { start: 2, end: 5 }))).toBe('cdef');
      expect(await text(await store.read(`${p}r`, { start: 7 }))).toBe('hij');
      expect(await text(await store.read(`${p}r`, { start: 9, end: 9 }))).toBe('j');
      expect(await text(await store.read(`${p}r`, { start: 20 }))).toBe('');
      await expectStorageError(store.read(`${p}missing`), 'not-found');
      await expectStorageError(store.read(`${p}r`, { start: 5, end: 2 }), 'failed');
    });

    it('rejects invalid keys with a clear error, before touching the backend', async () => {
      const bad = ['', '/abs/x', 'a/../b', '..', 'a//b', 'a/', './a', 'a\\b', 'x.movalytics-tmp-1', 'a\nb'];
      for (const key of bad) {
        const err = await expectStorageError(store.put(key, 'x'), 'invalid-key');
        expect(err.message).toContain(JSON.stringify(key));
        await expectStorageError(store.stat(key), 'invalid-key');
        await expectStorageError(store.get(key), 'invalid-key');
        await expectStorageError(store.delete(key), 'invalid-key');
        expect(() => store.localPath(key)).toThrow(StorageError);
      }
      await expectStorageError(store.list('../'), 'invalid-key');
    });

    it('deletes (a missing key is not an error)', async () => {
      const p = fresh();
      await store.put(`${p}d`, 'x');
      await store.delete(`${p}d`);
      expect(await store.stat(`${p}d`)).toBeNull();
      await store.delete(`${p}d`);
      expect(await store.list(p)).toEqual([]);
    });

    it('stores content-addressed files once: an unchanged file is not copied or uploaded again', async () => {
      const bytes = randomBytes(6 * 1024 * 1024 + 7);
      const file = join(dir, `ca-${n}.csv`);
      writeFileSync(file, bytes);
      const first = await putContentAddressed(store, file);
      expect(first).toEqual({
        key: `raw/${sha256(bytes)}`,
        sha256: sha256(bytes),
        bytes: bytes.length,
        uploaded: true,
      });
      const before = await store.stat(first.key);
      const local = store.localPath(first.key);
      const inode = local === null ? null : statSync(local).ino;
      const writes = sut.writes?.();
      const second = await putContentAddressed(store, file, { sha256: first.sha256, bytes: first.bytes });
      expect(second.uploaded).toBe(false);
      if (writes !== undefined) expect(sut.writes?.()).toBe(writes);
      const after = await store.stat(first.key);
      expect(after?.etag).toBe(before?.etag);
      expect(after?.modifiedAt?.getTime()).toBe(before?.modifiedAt?.getTime());
      if (local !== null) expect(statSync(local).ino).toBe(inode);
      if (store.capabilities.metadata) expect(after?.metadata?.sha256).toBe(first.sha256);
      expect(sha256(await store.get(first.key))).toBe(first.sha256);
      // A hash that is not the file's (or a file that changed since it was hashed) stores nothing.
      const wrong = 'e'.repeat(64);
      const err = await expectStorageError(putContentAddressed(store, file, { sha256: wrong }), 'changed');
      expect(err.retryable).toBe(true);
      expect(await store.stat(`raw/${wrong}`)).toBeNull();
      await expectStorageError(store.putFile(`raw/${wrong}`, file, { sha256: wrong }), 'changed');
      expect(await store.stat(`raw/${wrong}`)).toBeNull();
      const small = join(dir, `ca-small-${n}`);
      writeFileSync(small, 'tiny');
      await expectStorageError(store.putFile('tiny', small, { sha256: wrong }), 'changed');
      expect(await store.stat('tiny')).toBeNull();
      // A changed file is a new object.
      writeFileSync(file, Buffer.concat([bytes, Buffer.from('x')]));
      const third = await putContentAddressed(store, file);
      expect(third.uploaded).toBe(true);
      expect(third.key).not.toBe(first.key);
    });

    it('creates a claim file only if absent', async (ctx) => {
      if (!store.capabilities.conditionalPut) {
        ctx.skip();
        return;
      }
      const p = fresh();
      expect(await store.putIfAbsent(`${p}lock`, 'me')).toBe(true);
      expect(await store.putIfAbsent(`${p}lock`, 'you')).toBe(false);
      expect((await store.get(`${p}lock`)).toString()).toBe('me');
      const results = await Promise.all(
        Array.from({ length: 5 }, (_, i) => store.putIfAbsent(`${p}race`, `w${i}`)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });
  });
}
