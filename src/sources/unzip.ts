// Unpacks the Kaggle zip into the staging area with yauzl (streaming; no entry is held in memory). Only the entries
// the input layout uses are extracted, after checking that they fit on the staging disk; a failed unpack leaves nothing.
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rm, statfs, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type yauzl from 'yauzl';
import { EnvironmentError, InputError, fromFsError, messageOf } from '../core/errors.js';
import { formatBytes } from '../core/format.js';
import { LineLengthLimit } from '../core/line-length.js';
import { classifyFile } from './input-layout.js';

/** An entry of the zip that was not extracted, and why (the stage lists it in the manifest as ignored). */
export interface IgnoredEntry {
  name: string;
  /** Uncompressed size as the zip declares it. */
  bytes: number;
  reason: string;
}

export interface UnpackResult {
  /** Names of the extracted files in `dest`. */
  extracted: string[];
  ignored: IgnoredEntry[];
}

export interface UnpackOptions {
  /** Free bytes on the staging disk; injectable for tests. Default: statfs of `dest`. */
  freeBytes?: (dir: string) => Promise<number>;
  /** The longest line an extracted CSV may have (default DEFAULT_MAX_LINE_BYTES): a longer one stops the unpack. */
  maxLineBytes?: number;
}

async function statfsFree(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

async function openZip(file: string): Promise<yauzl.ZipFile> {
  // Loaded here, not at start-up: most runs read CSVs, and every run imports this module.
  const { open } = (await import('yauzl')).default;
  return new Promise((resolve, reject) =>
    // autoClose off: the central directory is read in full before any entry is opened.
    open(file, { lazyEntries: true, autoClose: false }, (err, zip) => (err ? reject(err) : resolve(zip))),
  );
}

/** Reads every entry of the central directory. yauzl rejects unsafe names here (see unsafeEntry). */
function listEntries(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: yauzl.Entry[] = [];
    zip.on('error', reject);
    zip.on('end', () => resolve(entries));
    zip.on('entry', (entry: yauzl.Entry) => {
      entries.push(entry);
      zip.readEntry();
    });
    zip.readEntry();
  });
}

function openEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) =>
    zip.openReadStream(entry, (err, stream) => (err ? reject(err) : resolve(stream))),
  );
}

/** A hostile archive: a refusal that names the defect rather than asking for a fresh download. */
class HostileZip extends Error {}

/**
 * yauzl refuses an entry name that is absolute, climbs out with "..", or holds a backslash (yauzl 3 messages:
 * "absolute path: x", "invalid relative path: x", "invalid characters in fileName: x"). Returns the name, or null.
 */
function unsafeEntry(err: unknown): string | null {
  const m = /^(?:absolute path|invalid relative path|invalid characters in fileName): (.*)$/s.exec(
    messageOf(err),
  );
  return m ? m[1]! : null;
}

/** yauzl's check that an entry inflates to exactly its declared size (a zip bomb lies in its header). */
function sizeMismatch(err: unknown): boolean {
  return /^(?:too many|not enough) bytes in the stream/.test(messageOf(err));
}

/** The listing unpackZip leaves in its folder: what was extracted and what was left in the archive, and why. */
export const LISTING_FILE = '.listing.json';

/** Reads the listing of a folder unpackZip filled (the stage lists the ignored entries in its manifest). */
export async function readUnpackListing(dest: string): Promise<UnpackResult> {
  return JSON.parse(await readFile(path.join(dest, LISTING_FILE), 'utf8')) as UnpackResult;
}

/**
 * Unpacks the .csv entries of `zipPath` that the input layout uses into `dest` (created, or emptied), and writes
 * LISTING_FILE there; the other entries are listed as ignored. Refuses, before writing anything, an archive that does
 * not fit on the staging disk or names an unsafe path; on any failure `dest` is removed.
 */
export async function unpackZip(zipPath: string, dest: string, opts: UnpackOptions = {}): Promise<void> {
  const stagingError = (err: unknown, action: string): unknown =>
    fromFsError(err, { action, path: dest, role: 'staging', flag: '--staging' });
  try {
    await rm(dest, { recursive: true, force: true });
    await mkdir(dest, { recursive: true });
  } catch (err) {
    throw stagingError(err, 'create the staging folder');
  }
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(zipPath);
  } catch (err) {
    await rm(dest, { recursive: true, force: true });
    throw new InputError(
      `${zipPath} is not a readable zip archive (${messageOf(err)}) — download it again`,
      err,
    );
  }
  try {
    const result = await extract(zip, zipPath, dest, opts);
    await writeFile(path.join(dest, LISTING_FILE), JSON.stringify(result, null, 2) + '\n');
  } catch (err) {
    // Whatever went wrong, no half-unpacked archive stays behind in staging.
    await rm(dest, { recursive: true, force: true });
    if (err instanceof HostileZip) throw new InputError(err.message, err);
    if (err instanceof InputError || err instanceof EnvironmentError) throw err;
    const unsafe = unsafeEntry(err);
    if (unsafe !== null)
      throw new InputError(
        `${zipPath}: unsafe entry path ${unsafe} — the archive is not a Kaggle download; refusing it`,
        err,
      );
    if (sizeMismatch(err))
      throw new InputError(
        `${zipPath}: an entry does not inflate to the size its header declares (${messageOf(err)}) — the archive is damaged or hostile; refusing it, nothing was kept`,
        err,
      );
    const sorted = stagingError(err, 'unpack the zip into');
    if (sorted !== err) throw sorted;
    throw new InputError(`${zipPath} is a corrupt zip archive (${messageOf(err)}) — download it again`, err);
  } finally {
    try {
      zip.close();
    } catch {
      // yauzl closes the file itself after some errors; a second close has nothing to release.
    }
  }
}

async function extract(
  zip: yauzl.ZipFile,
  zipPath: string,
  dest: string,
  opts: UnpackOptions,
): Promise<UnpackResult> {
  const entries = await listEntries(zip);
  const wanted: yauzl.Entry[] = [];
  const ignored: IgnoredEntry[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    if (entry.fileName.endsWith('/')) continue;
    const name = path.basename(entry.fileName);
    if (!name.toLowerCase().endsWith('.csv')) {
      ignored.push({ name, bytes: entry.uncompressedSize, reason: 'not a .csv file' });
      continue;
    }
    const { role, reason } = classifyFile(name);
    if (role === 'ignored') {
      ignored.push({ name, bytes: entry.uncompressedSize, reason: reason ?? 'not used' });
      continue;
    }
    // Entries in different folders of the zip would land on one file in staging.
    if (seen.has(name.toLowerCase()))
      throw new HostileZip(
        `${zipPath}: holds ${name} twice — keep one (the Kaggle download has each file once)`,
      );
    seen.add(name.toLowerCase());
    wanted.push(entry);
  }
  const needed = wanted.reduce((sum, e) => sum + e.uncompressedSize, 0);
  const free = await (opts.freeBytes ?? statfsFree)(dest);
  if (needed > free)
    throw new EnvironmentError(
      `${zipPath} unpacks to ${formatBytes(needed)} but the staging disk at ${dest} has ${formatBytes(free)} free — free space or point --staging at a larger disk (nothing was unpacked)`,
    );
  const extracted: string[] = [];
  for (const entry of wanted) {
    const name = path.basename(entry.fileName);
    const stream = await openEntry(zip, entry);
    const limit = new LineLengthLimit(`${zipPath}!${name}`, opts.maxLineBytes);
    const guard = new Transform({
      transform(chunk: Buffer, _enc, done) {
        try {
          limit.push(chunk);
          done(null, chunk);
        } catch (err) {
          done(err as Error);
        }
      },
    });
    await pipeline(stream, guard, createWriteStream(path.join(dest, name)));
    extracted.push(name);
  }
  return { extracted, ignored };
}
