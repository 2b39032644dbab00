// The file: store, a local folder. Every write goes to a temp name in the target's folder and is renamed into
// place, so a reader or a crash never leaves half an object under its key.
import { constants } from 'node:fs';
import {
  copyFile,
  link,
  mkdir,
  open,
  readFile,
  readdir,
  rename,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { messageOf } from '../core/errors.js';
import { tempNameFor } from './atomic-file.js';
import { TEMP_MARKER, validateKey, validatePrefix } from './keys.js';
import { localFileSize, verifyFile } from './local-file.js';
import type { ByteRange, ObjectInfo, PutFileOptions, Store, StoreCapabilities } from './store.js';
import { StorageError } from './storage-errors.js';

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

export class FileStore implements Store {
  readonly kind = 'file' as const;
  readonly url: string;
  readonly capabilities: StoreCapabilities = { metadata: false, conditionalPut: true };

  constructor(readonly root: string) {
    this.url = pathToFileURL(root).href;
  }

  /** Creates the root folder; fails with one line when it cannot. */
  async open(): Promise<this> {
    try {
      await mkdir(this.root, { recursive: true });
    } catch (err) {
      throw this.fail('create the staging folder', null, err);
    }
    return this;
  }

  localPath(key: string): string {
    return path.join(this.root, ...validateKey(key).split('/'));
  }

  async put(key: string, body: string | Uint8Array): Promise<void> {
    const target = this.localPath(key);
    await this.atomically(key, target, (tmp) => writeFile(tmp, body, { flag: 'wx' }));
  }

  async putFile(key: string, file: string, opts: PutFileOptions = {}): Promise<void> {
    const target = this.localPath(key);
    const total = await localFileSize(file);
    opts.signal?.throwIfAborted();
    // FICLONE: a reflink (instant, no extra space) on btrfs/XFS/APFS, else the kernel's copy_file_range.
    await this.atomically(key, target, async (tmp) => {
      await copyFile(file, tmp, constants.COPYFILE_FICLONE | constants.COPYFILE_EXCL);
      // The copy, not the source, is what readers get: check the copy's bytes.
      if (opts.sha256 !== undefined) await verifyFile(tmp, file, opts.sha256);
    });
    opts.onProgress?.(total, total);
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await readFile(this.localPath(key));
    } catch (err) {
      throw this.fail('read', key, err);
    }
  }

  async getFile(key: string, file: string, opts: { signal?: AbortSignal } = {}): Promise<void> {
    const src = this.localPath(key);
    try {
      await mkdir(path.dirname(file), { recursive: true });
    } catch (err) {
      const message = `cannot write ${file} (copy of ${this.url}/${key}): ${errno(err)}`;
      throw new StorageError('failed', message, { cause: err });
    }
    const tmp = tempNameFor(file);
    try {
      opts.signal?.throwIfAborted();
      await copyFile(src, tmp, constants.COPYFILE_FICLONE | constants.COPYFILE_EXCL);
      opts.signal?.throwIfAborted();
      await rename(tmp, file);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw this.fail('download', key, err);
    }
  }

  async read(key: string, range?: ByteRange): Promise<NodeJS.ReadableStream> {
    checkRange(range);
    // open() first so a missing key fails here, not later as a stream error.
    try {
      const fh = await open(this.localPath(key), 'r');
      return fh.createReadStream({ start: range?.start, end: range?.end, autoClose: true });
    } catch (err) {
      throw this.fail('read', key, err);
    }
  }

  async stat(key: string): Promise<ObjectInfo | null> {
    try {
      const s = await stat(this.localPath(key));
      if (!s.isFile()) return null;
      return { key, bytes: s.size, etag: null, modifiedAt: s.mtime };
    } catch (err) {
      if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR') return null;
      throw this.fail('stat', key, err);
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    validatePrefix(prefix);
    // Walk only the deepest folder the prefix names, then filter by the rest.
    const dirKey = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const out: ObjectInfo[] = [];
    const walk = async (relDir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(path.join(this.root, ...relDir.split('/').filter(Boolean)), {
          withFileTypes: true,
        });
      } catch (err) {
        if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR') return;
        throw this.fail('list', relDir, err);
      }
      for (const e of entries) {
        if (e.name.includes(TEMP_MARKER)) continue;
        const key = relDir === '' ? e.name : `${relDir}/${e.name}`;
        if (e.isDirectory()) {
          if (prefix.startsWith(`${key}/`) || key.startsWith(prefix) || `${key}/`.startsWith(prefix))
            await walk(key);
        } else if (e.isFile() && key.startsWith(prefix)) {
          const info = await this.stat(key);
          if (info) out.push(info);
        }
      }
    };
    await walk(dirKey);
    return out.sort((a, b) => compareKeys(a.key, b.key));
  }

  async delete(key: string): Promise<void> {
    try {
      await unlink(this.localPath(key));
    } catch (err) {
      if (errno(err) !== 'ENOENT') throw this.fail('delete', key, err);
    }
  }

  async putIfAbsent(key: string, body: string | Uint8Array): Promise<boolean> {
    const target = this.localPath(key);
    await this.mkdirFor(key, target);
    const tmp = tempNameFor(target);
    try {
      await writeFile(tmp, body, { flag: 'wx' });
      // link() fails with EEXIST instead of replacing: an atomic create-if-absent of a complete file.
      await link(tmp, target);
      return true;
    } catch (err) {
      if (errno(err) === 'EEXIST') return false;
      throw this.fail('create', key, err);
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }

  async close(): Promise<void> {}

  private async mkdirFor(key: string, target: string): Promise<void> {
    try {
      await mkdir(path.dirname(target), { recursive: true });
    } catch (err) {
      throw this.fail('create a folder for', key, err);
    }
  }

  private async atomically(
    key: string,
    target: string,
    write: (tmp: string) => Promise<unknown>,
  ): Promise<void> {
    await this.mkdirFor(key, target);
    const tmp = tempNameFor(target);
    try {
      await write(tmp);
      await rename(tmp, target);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw this.fail('write', key, err);
    }
  }

  private fail(op: string, key: string | null, err: unknown): StorageError {
    if (err instanceof StorageError) return err;
    const where = key === null ? this.url : `${this.url}/${key}`;
    const code = errno(err);
    if (code === 'ENOENT' && key !== null)
      return new StorageError('not-found', `${where} does not exist`, { cause: err });
    if ((err as Error | undefined)?.name === 'AbortError')
      return new StorageError('aborted', `${op} ${where} was aborted`, { cause: err });
    const hint =
      code === 'ENOSPC'
        ? ' — the disk is full: free space or choose another --staging folder'
        : code === 'EACCES' || code === 'EPERM'
          ? ' — no permission: choose a writable --staging folder'
          : '';
    const message = `cannot ${op} ${where}: ${code ?? messageOf(err)}${hint}`;
    return new StorageError('failed', message, { cause: err });
  }
}

/** Byte-wise (UTF-8) key order, the order S3 lists in. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

export function checkRange(range: ByteRange | undefined): void {
  if (range === undefined) return;
  const ok =
    Number.isSafeInteger(range.start) &&
    range.start >= 0 &&
    (range.end === undefined || (Number.isSafeInteger(range.end) && range.end >= range.start));
  if (!ok)
    throw new StorageError(
      'failed',
      `byte range ${JSON.stringify(range)} is invalid: start and end are whole numbers, 0 ≤ start ≤ end (inclusive)`,
    );
}
