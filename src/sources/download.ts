// Streams one HTTP resource to a local file: progress events, resume with Range (206) or start over (200), size and
// x-goog-hash MD5 verification, and an atomic rename so a file under its final name is always complete.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { EXIT } from '../core/errors.js';
import { ExtractError } from './errors.js';
import type { SourceListener } from './events.js';
import {
  headerValue,
  requestOnce,
  TransientError,
  withRetries,
  type HttpPolicy,
  type HttpRequest,
  type StatusExplainer,
} from './http.js';
import { redactLocation } from '../core/redact.js';

/**
 * What is known of the copy already on disk: validators sent as If-None-Match / If-Modified-Since, and the size and
 * x-goog-hash that let a 200 from a server ignoring them be recognised as the same object and cut short.
 */
export interface CachedValidators {
  etag?: string;
  lastModified?: string;
  googHash?: string;
  bytes?: number;
}

export interface DownloadOptions {
  request: HttpRequest;
  /** Final path; the transfer goes to `<dest>.part` (and `<dest>.part.json`) until verified. */
  dest: string;
  /** Name shown in events and messages. */
  file: string;
  policy: HttpPolicy;
  explain: StatusExplainer;
  onEvent?: SourceListener;
  /** Least time between two progress events (default 500 ms). */
  progressIntervalMs?: number;
  cached?: CachedValidators;
}

export interface DownloadResult {
  /** `not-modified` when the server answered 304 to the cached validators: `dest` was not touched. */
  status: 'downloaded' | 'not-modified';
  bytes: number;
  sha256: string;
  etag?: string;
  googHash?: string;
  lastModified?: string;
}

/** What the partial file was started from, so a resume asks for the same object (If-Range). */
interface PartMeta {
  etag?: string;
  googHash?: string;
  lastModified?: string;
  total: number | null;
}

/** sha256 and MD5 of a file, in one read. */
export async function hashFile(file: string): Promise<{ bytes: number; sha256: string; md5: string }> {
  const sha = createHash('sha256');
  const md5 = createHash('md5');
  let bytes = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    sha.update(chunk);
    md5.update(chunk);
    bytes += chunk.length;
  }
  return { bytes, sha256: sha.digest('hex'), md5: md5.digest('base64') };
}

/** The base64 MD5 in an `x-goog-hash` header (`crc32c=…, md5=…`), if any. */
export function googMd5(googHash: string | undefined): string | undefined {
  if (googHash === undefined) return undefined;
  for (const part of googHash.split(',')) {
    const m = /^\s*md5=(\S+)\s*$/.exec(part);
    if (m) return m[1];
  }
  return undefined;
}

/** A file's size, or null when it cannot be read. */
export async function sizeOf(file: string): Promise<number | null> {
  try {
    return (await stat(file)).size;
  } catch {
    return null;
  }
}

async function readPartMeta(file: string): Promise<PartMeta | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as PartMeta;
  } catch {
    return null;
  }
}

/**
 * Streams `body` into `file`, reporting progress. Unlike pipeline(), a body cut off mid-way still flushes every byte
 * received before the error is rethrown, so the next attempt resumes from all of them.
 */
async function writeBody(
  body: AsyncIterable<Buffer>,
  file: string,
  append: boolean,
  progress: (bytesThisAttempt: number, done: boolean) => void,
): Promise<void> {
  const out = createWriteStream(file, { flags: append ? 'a' : 'w' });
  let failure: Error | undefined;
  let received = 0;
  try {
    for await (const chunk of body) {
      received += chunk.length;
      progress(received, false);
      if (!out.write(chunk)) await once(out, 'drain');
    }
  } catch (err) {
    failure = err instanceof Error ? err : new Error(String(err));
  }
  await new Promise<void>((resolve, reject) => {
    out.once('error', reject);
    out.end(resolve);
  });
  if (failure !== undefined) throw failure;
  progress(received, true);
}

function parseContentRange(v: string | undefined): { start: number; total: number | null } | null {
  const m = v === undefined ? null : /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(v.trim());
  if (!m) return null;
  return { start: Number(m[1]), total: m[2] === '*' ? null : Number(m[2]) };
}

function contentLength(v: string | undefined): number | null {
  return v !== undefined && /^\d+$/.test(v.trim()) ? Number(v) : null;
}

/**
 * Downloads `request.url` to `dest` with the retry policy. A transfer cut off mid-body resumes from the bytes on
 * disk when the server answers Range with 206 and starts over when it answers 200. The finished file must have the
 * announced size and, when `x-goog-hash` carries one, the MD5; otherwise the partial file is removed and an
 * ExtractError thrown. `dest` itself only ever appears complete (rename after verification).
 */
export async function downloadToFile(o: DownloadOptions): Promise<DownloadResult> {
  const part = `${o.dest}.part`;
  const metaFile = `${o.dest}.part.json`;
  const emit = o.onEvent ?? ((): void => undefined);
  const secrets = [
    ...(o.request.secrets ?? []),
    ...(o.request.authorization ? [o.request.authorization.value] : []),
  ];
  const what = `${o.file} (${redactLocation(o.request.url)})`;
  /** Drops the partial file and what it was started from: the next attempt starts over. */
  const discardPart = async (): Promise<void> => {
    await rm(part, { force: true });
    await rm(metaFile, { force: true });
  };

  const attempt = async (): Promise<DownloadResult> => {
    let meta = await readPartMeta(metaFile);
    let have = meta === null ? 0 : ((await sizeOf(part)) ?? 0);
    if (meta === null) await rm(part, { force: true });
    const headers: Record<string, string> = { ...o.request.headers };
    if (have > 0) {
      headers.range = `bytes=${have}-`;
      // If the object changed since the partial file began, the server sends all of it (200) instead of a tail.
      if (meta?.etag !== undefined) headers['if-range'] = meta.etag;
    } else {
      if (o.cached?.etag !== undefined) headers['if-none-match'] = o.cached.etag;
      if (o.cached?.lastModified !== undefined) headers['if-modified-since'] = o.cached.lastModified;
    }
    let res;
    try {
      res = await requestOnce({ ...o.request, headers }, o.policy, o.explain);
    } catch (err) {
      // 416: the resume point is past the end (the partial file is whole, or the object shrank) — start over.
      if (have > 0 && err instanceof ExtractError && err.status === 416) {
        await discardPart();
        throw new TransientError('the server refused the resume point (HTTP 416); starting over');
      }
      throw err;
    }
    const etag = headerValue(res.headers, 'etag');
    const lastModified = headerValue(res.headers, 'last-modified');
    const googHash = headerValue(res.headers, 'x-goog-hash');
    if (res.status === 304) {
      res.body.resume();
      if (have === 0) {
        return { status: 'not-modified', bytes: 0, sha256: '' };
      }
    }
    const sameAsCached =
      res.status === 200 &&
      have === 0 &&
      o.cached?.bytes !== undefined &&
      googMd5(o.cached.googHash) !== undefined &&
      googMd5(googHash) === googMd5(o.cached.googHash) &&
      contentLength(headerValue(res.headers, 'content-length')) === o.cached.bytes;
    if (sameAsCached) {
      res.body.destroy();
      return { status: 'not-modified', bytes: 0, sha256: '' };
    }
    let append = false;
    let total: number | null;
    if (res.status === 206 && have > 0) {
      const range = parseContentRange(headerValue(res.headers, 'content-range'));
      if (range === null || range.start !== have) {
        res.body.destroy();
        await discardPart();
        throw new TransientError(`unexpected Content-Range for a resume at byte ${have}; starting over`);
      }
      append = true;
      total = range.total ?? meta?.total ?? null;
      meta = {
        ...meta,
        total,
        ...(googHash !== undefined && meta?.googHash === undefined ? { googHash } : {}),
      };
    } else if (res.status === 200) {
      if (have > 0) {
        emit({
          type: 'download.restart',
          file: o.file,
          reason: 'the server ignored the Range request (200)',
        });
        have = 0;
      }
      total = contentLength(headerValue(res.headers, 'content-length'));
      // Unset validators stay out of the JSON written below.
      meta = { total, etag, googHash, lastModified };
    } else {
      res.body.destroy();
      throw new ExtractError(`${what}: unexpected HTTP ${res.status} — expected 200 or 206`, {
        status: res.status,
        retryable: true,
        exitCode: EXIT.taskFailed,
      });
    }
    await writeFile(metaFile, JSON.stringify(meta));
    emit({
      type: 'download.start',
      file: o.file,
      url: redactLocation(res.url),
      total,
      resumeFrom: append ? have : 0,
    });
    const started = Date.now();
    const interval = o.progressIntervalMs ?? 500;
    let lastReport = 0;
    const resumedAt = append ? have : 0;
    // A cut connection rejects here with a network error: the loop retries and the next attempt resumes.
    await writeBody(res.body, part, append, (received, done) => {
      const now = Date.now();
      if (!done && now - lastReport < interval) return;
      lastReport = now;
      const bytes = resumedAt + received;
      const bytesPerSec = received / Math.max(0.001, (now - started) / 1000);
      const etaSec = total !== null && bytesPerSec > 0 ? Math.max(0, (total - bytes) / bytesPerSec) : null;
      emit({ type: 'download.progress', file: o.file, bytes, total, bytesPerSec, etaSec });
    });
    const size = (await sizeOf(part)) ?? 0;
    if (total !== null && size < total) {
      throw new TransientError(`the connection closed after ${size} of ${total} bytes`);
    }
    const digest = await hashFile(part);
    const expectedMd5 = googMd5(meta.googHash);
    const problem =
      total !== null && size !== total
        ? `${size} bytes arrived but the server announced ${total}`
        : expectedMd5 !== undefined && expectedMd5 !== digest.md5
          ? `MD5 ${digest.md5} does not match the server's x-goog-hash md5=${expectedMd5}`
          : null;
    if (problem !== null) {
      await discardPart();
      const message = `${what}: corrupt download (${problem}) — the partial file was removed; run again`;
      throw new ExtractError(message, { retryable: true, exitCode: EXIT.taskFailed });
    }
    await rename(part, o.dest);
    await rm(metaFile, { force: true });
    return {
      status: 'downloaded',
      bytes: digest.bytes,
      sha256: digest.sha256,
      ...(meta.etag !== undefined ? { etag: meta.etag } : {}),
      ...(meta.googHash !== undefined ? { googHash: meta.googHash } : {}),
      ...(meta.lastModified !== undefined ? { lastModified: meta.lastModified } : {}),
    };
  };

  return withRetries(
    o.policy,
    what,
    attempt,
    (info) => emit({ type: 'download.retry', file: o.file, ...info }),
    secrets,
  );
}
