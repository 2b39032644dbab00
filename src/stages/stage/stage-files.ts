// The stage task: find the input files, check their shape, and copy the changed ones into the staging area
// (content-addressed: raw/<sha256>) with the run's load-package manifest (name, bytes, sha256, lines). Unchanged
// files (same size and mtime as last loaded, or same sha256) are not copied again — that is what makes a re-run cheap.
import { open, readdir, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { InputError, MovalyticsError, fromFsError } from '../../core/errors.js';
import { chunkHasher, type ChunkHasher } from '../../core/sha256-thread.js';
import {
  DEFAULT_MAX_LINE_BYTES,
  LineLengthLimit,
  LineSplitter,
  type LineSink,
} from '../../core/line-length.js';
import {
  CPI_HEADER_RE,
  EXPECTED_HEADERS,
  REQUIRED,
  classifyFile,
  cpiSeriesIgnoredReason,
  type FileRole,
} from '../../sources/input-layout.js';
import { PRIMARY_CPI_SERIES } from '../../model/schema.js';
import { KeyOrderScanner, type KeyOrder } from './key-order.js';
import { ShardCutter, type ShardCut } from './shards.js';
import type { StagingArea } from './staging-area.js';
import { readUnpackListing, unpackZip, type IgnoredEntry } from '../../sources/unzip.js';

/** What the warehouse remembers of a file it loaded. */
export interface FileState {
  fileName: string;
  bytes: number;
  mtimeMs: number;
  sha256: string;
  dataLines: number;
}

export type StageAction = 'load' | 'unchanged' | 'ignored';

/** What stage.files learned about one input file: StagedFile and the manifest's ManifestFile add where it is. */
export interface FileFacts {
  name: string;
  role: FileRole;
  action: StageAction;
  bytes: number;
  mtimeMs: number;
  sha256: string | null;
  /** Non-empty physical lines after the header (null when not read). */
  dataLines: number | null;
  note: string | null;
  /** For CPI: the series id in the header. */
  seriesId?: string;
  /** For a staged ratings file: its (userId, movieId) order as verified while staging, null when it broke it. */
  keyOrder?: KeyOrder | null;
  /** Set when the file ends some lines in CRLF and others in LF alone (a hand-edited file): see stages/load. */
  mixedLineEndings?: true;
  /** For a staged ratings file: its data cut into shards, one per `load.ratings[i]` task. */
  shards?: ShardCut;
}

export interface StagedFile extends FileFacts {
  /** Where the source is. */
  sourcePath: string;
  /** The staged copy (for action 'load'): raw/<sha256> in the staging area, exactly the bytes `sha256` names. */
  stagedPath: string | null;
}

/** The facts of `f` alone, in one key order, optional ones only when set. */
export function fileFacts(f: FileFacts): FileFacts {
  return {
    name: f.name,
    role: f.role,
    action: f.action,
    bytes: f.bytes,
    mtimeMs: f.mtimeMs,
    sha256: f.sha256,
    dataLines: f.dataLines,
    note: f.note,
    ...(f.seriesId === undefined ? {} : { seriesId: f.seriesId }),
    ...(f.keyOrder === undefined ? {} : { keyOrder: f.keyOrder }),
    ...(f.mixedLineEndings === undefined ? {} : { mixedLineEndings: f.mixedLineEndings }),
    ...(f.shards === undefined ? {} : { shards: f.shards }),
  };
}

/** The load package's manifest (runs/<package_id>/manifest.json): what later tasks read instead of memory. */
export interface PackageManifest {
  packageId: string;
  stagedAt: string;
  input: string;
  files: ManifestFile[];
}

export interface ManifestFile extends FileFacts {
  /** Where the file came from (a path, or a URL for extracted sources). */
  source: string;
  /** The staged copy relative to the staging root (raw/<sha256>), for action 'load'. */
  staged: string | null;
}

export interface StageResult {
  files: StagedFile[];
  /** The unpacked archive's folder when the input was a zip (kept by cleanup while it is in use). */
  unpackedDir: string | null;
}

interface Candidate {
  name: string;
  path: string;
  bytes: number;
  mtimeMs: number;
}

async function listCsvFiles(dir: string): Promise<Candidate[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const out: Candidate[] = [];
  for (const e of entries) {
    if (!(e.isFile() || e.isSymbolicLink()) || !e.name.toLowerCase().endsWith('.csv')) continue;
    const p = path.join(dir, e.name);
    const s = await stat(p); // follows symlinks
    if (!s.isFile()) continue;
    out.push({ name: e.name, path: p, bytes: s.size, mtimeMs: s.mtimeMs });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Reads the header (first line, without BOM and line ending) and whether any non-empty line follows it. */
async function readHead(file: string): Promise<{ header: string; hasData: boolean }> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    let text = buf.subarray(0, bytesRead).toString('utf8');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const nl = text.indexOf('\n');
    const header = (nl === -1 ? text : text.slice(0, nl)).replace(/\r$/, '');
    // A header longer than the buffer is no header we accept, so "no newline seen" means "no data" here.
    return { header, hasData: nl !== -1 && /\S/.test(text.slice(nl + 1)) };
  } finally {
    await fh.close();
  }
}

/**
 * Checks one file's header and emptiness; returns the CPI series id for a CPI file. A header-only file is an error,
 * except an incremental ratings drop (ratings_*.csv), which may legitimately hold nothing new.
 */
async function validateShape(c: Candidate, role: FileRole): Promise<string | undefined> {
  if (c.bytes === 0) throw new InputError(`${c.path}: the file is empty — expected a CSV with a header row`);
  if (role === 'ignored') return undefined;
  const { header, hasData } = await readHead(c.path);
  let series: string | undefined;
  if (role === 'cpi') {
    const m = CPI_HEADER_RE.exec(header);
    if (!m)
      throw new InputError(
        `${c.path}: header ${JSON.stringify(header)} is not a FRED series CSV — expected "observation_date,<SERIES>" or "DATE,<SERIES>"`,
      );
    series = m[1];
  } else {
    const expected = EXPECTED_HEADERS[role];
    if (header !== expected) {
      throw new InputError(
        `${c.path}: wrong header ${JSON.stringify(header.slice(0, 120))} — expected ${JSON.stringify(expected.slice(0, 120))}`,
      );
    }
  }
  const incrementalDrop = role === 'ratings' && c.name.toLowerCase() !== 'ratings.csv';
  if (!hasData && !incrementalDrop) throw new InputError(`${c.path}: has a header but no records`);
  return series;
}

/** The read size of digestFile. */
const CHUNK_BYTES = 8 * 1024 * 1024;

/** What one read of a file finds: its sha256, data lines, key order (ratings) and whether its line endings mix. */
export interface FileDigest {
  sha256: string;
  dataLines: number;
  keyOrder?: KeyOrder | null;
  mixedLineEndings?: true;
  shards?: ShardCut;
}

const CR = 0x0d;

/** The lines with content (any byte but a lone CR), and the line breaks by kind. */
class LineCount implements LineSink {
  lines = 0;
  crlf = 0;
  lf = 0;

  line(b: Buffer, from: number, to: number, _at: number, terminated: boolean): void {
    if (to - from > 1 || (to > from && b[from] !== CR)) this.lines++;
    if (!terminated) return;
    if (to > from && b[to - 1] === CR) this.crlf++;
    else this.lf++;
  }
}

/**
 * Streams a file once: its sha256 and the non-empty data lines after the header, whether it ends lines both in CRLF
 * and in LF alone — and, with `keyOrder`, whether its first two fields (a ratings file's userId, movieId) are in
 * order, with the keys that repeat; with `shards`, its data cut into that many shards (see shards.ts).
 */
export async function digestFile(
  src: string,
  opts: {
    keyOrder?: boolean;
    shards?: number;
    lineLimit?: LineLengthLimit;
    /** Writes each chunk read (the staged copy), while the chunk is hashed and split. */
    copyTo?: (chunk: Buffer) => Promise<unknown>;
  } = {},
): Promise<FileDigest> {
  const count = new LineCount();
  const keys = opts.keyOrder === true ? new KeyOrderScanner() : null;
  const fh = await open(src, 'r');
  let hasher: ChunkHasher | null = null;
  let next: Promise<Buffer> | undefined;
  let cutter: ShardCutter | null;
  let sha256: string;
  try {
    const bytes = (await fh.stat()).size;
    // The cutter hands each line to the key scanner and reuses its parse of the userId.
    cutter = opts.shards === undefined ? null : new ShardCutter(bytes, opts.shards, keys);
    const sinks: LineSink[] = [count];
    for (const s of [opts.lineLimit, cutter ?? keys]) if (s != null) sinks.push(s);
    const lines = new LineSplitter(sinks);
    // A large file is hashed on a second thread while this one reads its lines (sha256-thread.ts); the chunks are
    // read into the hasher's buffers.
    hasher = chunkHasher(bytes, CHUNK_BYTES);
    const h = hasher;
    const read = async (): Promise<Buffer> => {
      const buf = h.buffer();
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      return buf.subarray(0, bytesRead);
    };
    // The next chunk is read while this one is split (the read used to leave this thread idle): the full ratings file
    // went from 2.12-2.25 s to 1.23-1.28 s.
    next = read();
    for (;;) {
      const chunk = await next;
      if (chunk.length === 0) break;
      next = read();
      const written = opts.copyTo?.(chunk);
      try {
        lines.push(chunk);
      } catch (err) {
        await written?.catch(() => undefined); // settled before the caller removes the file
        throw err;
      }
      await written; // before the chunk goes to the hasher (a thread's hasher takes its memory)
      await hasher.update(chunk);
    }
    lines.end();
    sha256 = await hasher.digest();
  } finally {
    await next?.catch(() => undefined); // no read left on the file when it closes
    await hasher?.close();
    await fh.close();
  }
  return {
    sha256,
    dataLines: Math.max(0, count.lines - 1),
    ...(keys === null ? {} : { keyOrder: keys.end() }),
    ...(count.crlf > 0 && count.lf > 0 ? { mixedLineEndings: true as const } : {}),
    ...(cutter === null ? {} : { shards: cutter.end() }),
  };
}

/** Writes all of `chunk`: a write may take only part of it (a file-size limit lets the next one fail with EFBIG). */
async function writeAll(out: FileHandle, chunk: Buffer): Promise<void> {
  for (let at = 0; at < chunk.length;) {
    const { bytesWritten } = await out.write(chunk, at, chunk.length - at);
    if (bytesWritten === 0) throw new Error(`a write to the staged copy took no bytes`);
    at += bytesWritten;
  }
}

/**
 * Copies `src` into the staging area and names the copy by the sha256 of the bytes written, so what the manifest
 * records is exactly what the load reads even if the source changes while it is being staged. One read does both:
 * each chunk is written while it is hashed and split (a kernel copy first, then a read of the copy, took 0.47 s
 * more for the full ratings file).
 */
async function stageCopy(
  staging: StagingArea,
  src: string,
  role: FileRole,
  maxLineBytes: number,
  shards: number,
): Promise<FileDigest & { stagedPath: string }> {
  const copyError = (err: unknown, where: string): unknown =>
    fromFsError(err, {
      action: 'copy the input into the staging area',
      path: where,
      role: 'staging',
      flag: '--staging',
    });
  let tmp: string;
  let out: FileHandle;
  try {
    tmp = await staging.tempPath(staging.rawDir);
    out = await open(tmp, 'wx');
  } catch (err) {
    throw copyError(err, src);
  }
  let digest: FileDigest;
  try {
    digest = await digestFile(src, {
      keyOrder: role === 'ratings',
      ...(role === 'ratings' ? { shards } : {}),
      lineLimit: new LineLengthLimit(src, maxLineBytes),
      copyTo: (chunk) =>
        writeAll(out, chunk).catch((err: unknown) => {
          throw copyError(err, tmp);
        }),
    });
    await out.close().catch((err: unknown) => {
      throw copyError(err, tmp);
    });
  } catch (err) {
    await out.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err instanceof MovalyticsError ? err : copyError(err, src);
  }
  try {
    return { ...digest, stagedPath: await staging.publishRaw(tmp, digest.sha256) };
  } catch (err) {
    await rm(tmp, { force: true });
    throw fromFsError(err, {
      action: 'write the staging area',
      path: staging.rawDir,
      role: 'staging',
      flag: '--staging',
    });
  }
}

/**
 * Stages the input. `input` is a folder, or the Kaggle zip (then the FRED CPI file is looked for beside it).
 * Shape errors (missing file, empty file, wrong header, corrupt zip) throw InputError before anything is written
 * to the warehouse.
 */
export async function stageInputs(opts: {
  input: string;
  staging: StagingArea;
  /** The run's load package: its manifest goes to runs/<packageId>/manifest.json. */
  packageId: string;
  previous: ReadonlyMap<string, FileState>;
  verify?: boolean;
  /** The longest input line accepted (default DEFAULT_MAX_LINE_BYTES). */
  maxLineBytes?: number;
  /** Shards per staged ratings file (default 1). */
  shards?: number;
}): Promise<StageResult> {
  const maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const { input, staging, previous } = opts;
  let inputStat;
  try {
    inputStat = await stat(input);
  } catch {
    throw new InputError(
      `input ${input} does not exist — pass --input <folder|zip> with the Kaggle files and ${REQUIRED[3]!.name}`,
    );
  }
  let candidates: Candidate[];
  let unpackedDir: string | null = null;
  let zipIgnored: IgnoredEntry[] = [];
  if (inputStat.isDirectory()) {
    candidates = await listCsvFiles(input);
  } else if (input.toLowerCase().endsWith('.zip')) {
    const unpacked = await staging.unpacked(input, (dest) => unpackZip(input, dest, { maxLineBytes }));
    unpackedDir = unpacked;
    // Entries the layout does not use were not extracted; the manifest still lists them and why.
    zipIgnored = (await readUnpackListing(unpacked)).ignored;
    const beside = (await listCsvFiles(path.dirname(input))).filter(
      (c) => classifyFile(c.name).role === 'cpi',
    );
    candidates = [...(await listCsvFiles(unpacked)), ...beside];
  } else {
    throw new InputError(`input ${input} is neither a folder nor a .zip archive`);
  }

  const classified = candidates.map((c) => ({ c, ...classifyFile(c.name) }));
  for (const req of REQUIRED) {
    const found =
      req.role === 'ratings'
        ? classified.some((x) => x.c.name.toLowerCase() === 'ratings.csv')
        : classified.some((x) => x.role === req.role);
    if (!found)
      throw new InputError(
        `input ${input}: ${req.name} is missing — the folder must hold the Kaggle files and the FRED CPI CSV (see README, "Input layout")`,
      );
  }
  const series = new Map<string, string | undefined>();
  for (const x of classified) series.set(x.c.name, await validateShape(x.c, x.role));

  // FRED files: the header names the series. One file per series we use; a series we do not use is ignored.
  const bySeries = new Map<string, string[]>();
  for (const x of classified) {
    if (x.role !== 'cpi') continue;
    const id = series.get(x.c.name)!;
    const reason = cpiSeriesIgnoredReason(id);
    if (reason !== null) {
      x.role = 'ignored';
      x.reason = reason;
      continue;
    }
    bySeries.set(id, [...(bySeries.get(id) ?? []), x.c.name]);
  }
  for (const [id, names] of bySeries) {
    if (names.length > 1)
      throw new InputError(
        `input ${input}: more than one CPI file for series ${id} (${names.join(', ')}) — keep one`,
      );
  }
  if (!bySeries.has(PRIMARY_CPI_SERIES))
    throw new InputError(
      `input ${input}: ${PRIMARY_CPI_SERIES}.csv is missing — the folder must hold the Kaggle files and the FRED CPI CSV (see README, "Input layout")`,
    );

  const files: StagedFile[] = zipIgnored.map((e) => ({
    name: e.name,
    role: 'ignored',
    action: 'ignored',
    sourcePath: `${input}!${e.name}`,
    stagedPath: null,
    bytes: e.bytes,
    mtimeMs: inputStat.mtimeMs,
    sha256: null,
    dataLines: null,
    note: e.reason,
  }));
  for (const x of classified) {
    const { c, role } = x;
    const base = {
      name: c.name,
      role,
      sourcePath: c.path,
      bytes: c.bytes,
      mtimeMs: c.mtimeMs,
      seriesId: series.get(c.name),
    };
    if (role === 'ignored') {
      files.push({
        ...base,
        action: 'ignored',
        stagedPath: null,
        sha256: null,
        dataLines: null,
        note: x.reason ?? null,
      });
      continue;
    }
    const prev = previous.get(c.name);
    const unchanged = (d: FileDigest, note: string): void => {
      files.push({
        ...base,
        action: 'unchanged',
        stagedPath: null,
        sha256: d.sha256,
        dataLines: d.dataLines,
        note,
      });
    };
    if (prev && !opts.verify && prev.bytes === c.bytes && prev.mtimeMs === c.mtimeMs) {
      unchanged(prev, 'same size and mtime as last loaded');
      continue;
    }
    // Same size and mtime was the cheap test; a changed mtime alone costs a hash, not a copy and a load.
    if (prev !== undefined && prev.bytes === c.bytes) {
      const digest = await digestFile(c.path, { lineLimit: new LineLengthLimit(c.path, maxLineBytes) });
      if (prev.sha256 === digest.sha256) {
        unchanged(digest, 'same sha256 as last loaded');
        continue;
      }
    }
    const staged = await stageCopy(staging, c.path, role, maxLineBytes, opts.shards ?? 1);
    const { sha256, dataLines, keyOrder, mixedLineEndings, shards, stagedPath } = staged;
    files.push({
      ...base,
      action: 'load',
      stagedPath,
      sha256,
      dataLines,
      ...(keyOrder === undefined ? {} : { keyOrder }),
      ...(mixedLineEndings === undefined ? {} : { mixedLineEndings }),
      ...(shards === undefined ? {} : { shards }),
      note: prev ? 'changed since last load' : 'new',
    });
  }
  const manifest: PackageManifest = {
    packageId: opts.packageId,
    stagedAt: new Date().toISOString(),
    input,
    files: files.map((f) => ({
      ...fileFacts(f),
      source: f.sourcePath,
      staged: f.stagedPath === null ? null : path.relative(staging.root, f.stagedPath),
    })),
  };
  await staging.writeManifest(opts.packageId, manifest);
  return { files, unpackedDir };
}
