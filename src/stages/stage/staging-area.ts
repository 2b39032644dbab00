// The staging area: content-addressed raw copies, unpacked archives, and one load package per run. Every write goes
// to a private temporary name and is renamed into place, so runs that share a staging folder — even runs into
// different warehouses, at the same moment — never see each other's half-written files.
//
// The staging location is a local folder or an object store (`s3://…`, through src/storage). For a store, a local
// folder mirrors what this machine wrote or read (engines read local files): raw files and package files are
// written there, then put to the store; a task on another machine fetches what its mirror lacks from the store.
//
//   raw/<sha256>                      a staged input, named by the sha256 of its bytes (never copied twice)
//   unpacked/<fingerprint>/           the CSVs of one zip archive (by path, size and mtime), reused while it is unchanged
//   runs/<package>/manifest.json      what the run staged: name, role, bytes, sha256, lines, source, action
//   runs/<package>/clean/…            files the clean task hands to the load task
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { openStore, putContentAddressed, isNotFound, type Store } from '../../storage/index.js';

/** Bytes [start, end) of a file. */
export interface ByteSpan {
  start: number;
  end: number;
}

/** How long an unreferenced or unfinished item must be left alone before cleanup removes it (a run may still use it). */
const GRACE_MS = 60 * 60 * 1000;

/** A fresh, sortable, globally unique package id: UTC time, then random hex (two runs never collide). */
export function newPackageId(now: Date = new Date()): string {
  const t = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${t}-${randomBytes(4).toString('hex')}`;
}

function tmpName(): string {
  return `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
}

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** Whether a staging location names an object store rather than a local folder. */
export function isRemoteStaging(location: string): boolean {
  return /^s3:\/\//i.test(location);
}

export class StagingArea {
  /**
   * `root` is the local folder (the staging folder itself, or the local mirror of `remote`); `remote` the object
   * store staging lives in, or null for a local staging folder.
   */
  constructor(
    readonly root: string,
    readonly remote: Store | null = null,
  ) {}

  /** Opens the staging location: a folder path, or `s3://BUCKET/PREFIX` mirrored in a local cache folder. */
  static async open(location: string): Promise<StagingArea> {
    if (!isRemoteStaging(location)) return new StagingArea(location);
    const remote = await openStore(location);
    const cacheBase = process.env.MOVALYTICS_CACHE_DIR ?? path.join(tmpdir(), 'movalytics-cache');
    const id = createHash('sha256').update(remote.url).digest('hex').slice(0, 16);
    return new StagingArea(path.join(cacheBase, id), remote);
  }

  async close(): Promise<void> {
    await this.remote?.close();
  }

  /** Where `key` (relative to the staging root) lives on this machine, whether it is there or not. */
  private pathOf(key: string): string {
    return path.join(this.root, ...key.split('/'));
  }

  /** The local path of `key`, fetched from the store when this machine lacks it. */
  async localFile(key: string): Promise<string> {
    const local = this.pathOf(key);
    if (this.remote === null || (await this.localCopy(key)) !== null) return local;
    await this.remote.getFile(key, local);
    return local;
  }

  /** The local path of `key` when this machine has it (never fetched), or null. */
  async localCopy(key: string): Promise<string | null> {
    const local = this.pathOf(key);
    return stat(local).then(
      () => local,
      () => null,
    );
  }

  /**
   * Writes bytes [0, head) and then [start, end) of `key` to the new local file `dest`: a shard of a staged CSV with
   * its header. Read from this machine's copy when it has one, else by ranged GETs from the store (never the whole
   * object).
   */
  async writeRanges(key: string, ranges: readonly ByteSpan[], dest: string): Promise<void> {
    const local = this.pathOf(key);
    const haveLocal = this.remote === null || (await this.localCopy(key)) !== null;
    await mkdir(path.dirname(dest), { recursive: true });
    const out = createWriteStream(dest);
    try {
      for (const r of ranges) {
        if (r.end <= r.start) continue;
        const src = haveLocal
          ? createReadStream(local, { start: r.start, end: r.end - 1, highWaterMark: 1 << 20 })
          : await this.remote.read(key, { start: r.start, end: r.end - 1 });
        await pipeline(src, out, { end: false });
      }
    } finally {
      await new Promise<void>((resolve, reject) =>
        out.end((err?: Error | null) => (err ? reject(err) : resolve())),
      );
    }
  }

  /** Writes a small text object (a manifest, a task's output) locally and, for a store, to the store. */
  async putText(key: string, text: string): Promise<void> {
    const file = this.pathOf(key);
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = path.join(path.dirname(file), tmpName());
    await writeFile(tmp, text);
    await rename(tmp, file);
    await this.remote?.put(key, text);
  }

  /** A small text object, or null when it does not exist; the store is the authority when there is one. */
  async getText(key: string): Promise<string | null> {
    if (this.remote !== null) {
      try {
        return (await this.remote.get(key)).toString('utf8');
      } catch (err) {
        if (isNotFound(err)) return null;
        throw err;
      }
    }
    try {
      return await readFile(this.pathOf(key), 'utf8');
    } catch (err) {
      // Not there — also when a part of the path is a file (nothing can be under it); writing there says why.
      if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR') return null;
      throw err;
    }
  }

  /** Puts a local file of this staging area to the store under its key (no-op for a local staging folder). */
  async pushFile(key: string): Promise<void> {
    if (this.remote === null) return;
    await this.remote.putFile(key, this.pathOf(key));
  }

  get rawDir(): string {
    return path.join(this.root, 'raw');
  }

  packageDir(packageId: string): string {
    return path.join(this.root, 'runs', packageId);
  }

  cleanDir(packageId: string): string {
    return path.join(this.packageDir(packageId), 'clean');
  }

  /** A private temporary path inside `dir` (same file system, so a rename publishes it atomically). */
  async tempPath(dir: string): Promise<string> {
    await mkdir(dir, { recursive: true });
    return path.join(dir, tmpName());
  }

  /**
   * Publishes a finished temporary file as raw/<sha256>. When the object exists already (the same bytes were staged
   * before, by this or another run) the temporary copy is dropped: equal names mean equal bytes.
   */
  async publishRaw(tmp: string, sha256: string): Promise<string> {
    const dest = path.join(this.rawDir, sha256);
    try {
      await stat(dest);
      await rm(tmp, { force: true });
    } catch {
      await rename(tmp, dest);
    }
    // To the store under the same name; skipped when it is there already (the bytes are checked on the way up).
    if (this.remote !== null) await putContentAddressed(this.remote, dest, { sha256 });
    return dest;
  }

  /**
   * The folder holding the unpacked archive `zipPath`, unpacking it with `unpack(dest)` only when no run has done so
   * for this path, size and mtime. Two runs unpacking at once each use a private folder; the first rename wins.
   */
  async unpacked(zipPath: string, unpack: (dest: string) => Promise<void>): Promise<string> {
    const s = await stat(zipPath);
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([path.resolve(zipPath), s.size, s.mtimeMs]))
      .digest('hex')
      .slice(0, 24);
    const base = path.join(this.root, 'unpacked');
    const dest = path.join(base, fingerprint);
    const done = path.join(dest, '.complete');
    try {
      await stat(done);
      return dest;
    } catch {
      // not unpacked yet
    }
    const tmp = await this.tempPath(base);
    try {
      await unpack(tmp);
      await writeFile(path.join(tmp, '.complete'), `${zipPath}\n`);
      try {
        await rename(tmp, dest);
      } catch (err) {
        // Another run published the same archive first (or a stale, incomplete folder is in the way).
        if (errno(err) !== 'ENOTEMPTY' && errno(err) !== 'EEXIST') throw err;
        try {
          await stat(done);
        } catch {
          await rm(dest, { recursive: true, force: true });
          await rename(tmp, dest);
          return dest;
        }
        await rm(tmp, { recursive: true, force: true });
      }
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw err;
    }
    return dest;
  }

  /** Writes the package's manifest (atomically). */
  async writeManifest(packageId: string, manifest: unknown): Promise<void> {
    await this.putText(`runs/${packageId}/manifest.json`, JSON.stringify(manifest, null, 2) + '\n');
  }

  /**
   * Removes what no run needs any more: load packages not in `keepPackages` and older than the grace period,
   * temporary leftovers of killed runs, unpacked archives not in `keepUnpacked`, and raw objects that no remaining
   * manifest nor `keepRaw` names. Best effort: a file another process removed first is fine.
   */
  async collectGarbage(opts: {
    keepPackages: ReadonlySet<string>;
    keepRaw: ReadonlySet<string>;
    keepUnpacked?: ReadonlySet<string>;
  }): Promise<void> {
    const now = Date.now();
    const old = async (p: string): Promise<boolean> => {
      try {
        return now - (await stat(p)).mtimeMs > GRACE_MS;
      } catch {
        return false;
      }
    };
    const runsDir = path.join(this.root, 'runs');
    const referenced = new Set(opts.keepRaw);
    for (const name of await listNames(runsDir)) {
      const dir = path.join(runsDir, name);
      if (!opts.keepPackages.has(name) && (await old(dir))) {
        await rm(dir, { recursive: true, force: true });
        continue;
      }
      try {
        const m = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as {
          files?: { sha256?: string | null }[];
        };
        for (const f of m.files ?? []) if (f.sha256) referenced.add(f.sha256);
      } catch {
        // a package without a manifest (still staging, or killed) references nothing yet
      }
    }
    for (const name of await listNames(this.rawDir)) {
      const p = path.join(this.rawDir, name);
      if (!referenced.has(name) && (await old(p))) await rm(p, { force: true });
    }
    for (const name of await listNames(path.join(this.root, 'unpacked'))) {
      const p = path.join(this.root, 'unpacked', name);
      if (!opts.keepUnpacked?.has(p) && (await old(p))) await rm(p, { recursive: true, force: true });
    }
  }
}

async function listNames(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}
