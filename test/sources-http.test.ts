// The sources' HTTP policy against real servers on 127.0.0.1: retries on 500, 429 (Retry-After) and dropped
// connections, resume with Range, restart when Range is ignored, MD5 checks, idle timeouts, redaction.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../src/core/errors.js';
import {
  backoffMs,
  downloadToFile,
  ExtractError,
  parseRetryAfter,
  redactLocation,
  redactSecrets,
  type SourceEvent,
} from '../src/sources/index.js';
import { tempDir } from './support/helpers.js';
import {
  FAST_POLICY,
  sha256hex,
  startBlobServer,
  startServer,
  type BlobBehaviour,
} from './support/sources-servers.js';

const explain = (status: number): string => `HTTP ${status} (test)`;

/** Deterministic, incompressible-looking bytes. */
function payload(n: number): Buffer {
  const b = Buffer.alloc(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    b[i] = x >>> 16;
  }
  return b;
}

async function blob(behaviour: BlobBehaviour, size = 300_000) {
  const data = payload(size);
  const server = await startBlobServer(
    () => data,
    () => behaviour,
  );
  return { data, server };
}

async function fetchTo(url: string, dir: string, events: SourceEvent[] = []) {
  return downloadToFile({
    request: { url },
    dest: join(dir, 'out.bin'),
    file: 'out.bin',
    policy: FAST_POLICY,
    explain,
    onEvent: (e) => events.push(e),
    progressIntervalMs: 0,
  });
}

describe('Retry-After and backoff', () => {
  it('reads delta-seconds and HTTP dates, capped, and ignores junk', () => {
    const now = Date.parse('2026-11-29T12:00:00Z');
    expect(parseRetryAfter('3', 60_000, now)).toBe(3000);
    expect(parseRetryAfter('3', 1_000, now)).toBe(1000);
    expect(parseRetryAfter('Sun, 29 Nov 2026 12:00:10 GMT', 60_000, now)).toBe(10_000);
    expect(parseRetryAfter('Sun, 29 Nov 2026 11:00:00 GMT', 60_000, now)).toBe(0);
    expect(parseRetryAfter('soon', 60_000, now)).toBeUndefined();
    expect(parseRetryAfter(undefined, 60_000, now)).toBeUndefined();
  });

  it('doubles per attempt up to the cap, with jitter between half and all of it', () => {
    const p = { ...FAST_POLICY, backoffBaseMs: 100, backoffMaxMs: 1000 };
    expect(backoffMs(p, 1, () => 0.999999)).toBe(100);
    expect(backoffMs(p, 1, () => 0)).toBe(50);
    expect(backoffMs(p, 3, () => 0.999999)).toBe(400);
    expect(backoffMs(p, 10, () => 0.999999)).toBe(1000);
  });
});

describe('redaction', () => {
  it('hides passwords and secret query values in URLs, and known secrets in text', () => {
    expect(redactLocation('https://u:pw@h.example/x?series_id=A&api_key=abc123')).toBe(
      'https://u:***@h.example/x?series_id=A&api_key=***',
    );
    expect(redactLocation('https://storage.example/b.zip?X-Goog-Signature=f00&X-Goog-Credential=me')).toBe(
      'https://storage.example/b.zip?X-Goog-Signature=***&X-Goog-Credential=***',
    );
    expect(redactSecrets('token s3cret-value failed', ['s3cret-value'])).toBe('token *** failed');
  });
});

describe('downloadToFile', () => {
  it('retries a 500 and then gets the file', async () => {
    const dir = tempDir('http-500');
    const { data, server } = await blob({ failFirst: [500, 503] });
    const events: SourceEvent[] = [];
    const r = await fetchTo(`${server.base}/a.bin`, dir, events);
    expect(readFileSync(join(dir, 'out.bin')).equals(data)).toBe(true);
    expect(r.bytes).toBe(data.length);
    expect(
      events.filter((e) => e.type === 'download.retry').map((e) => e.type === 'download.retry' && e.reason),
    ).toEqual([expect.stringMatching(/HTTP 500/), expect.stringMatching(/HTTP 503/)]);
    expect(server.requests).toHaveLength(3);
  });

  it('honours Retry-After on 429 (capped by the policy)', async () => {
    const dir = tempDir('http-429');
    const { data, server } = await blob({ failFirst: [429], retryAfter: '120' });
    const events: SourceEvent[] = [];
    await fetchTo(`${server.base}/a.bin`, dir, events);
    expect(readFileSync(join(dir, 'out.bin')).equals(data)).toBe(true);
    const retries = events.flatMap((e) => (e.type === 'download.retry' ? [e] : []));
    expect(retries.map((e) => [e.reason, e.delayMs])).toEqual([
      [`HTTP 429 from ${server.base}/a.bin`, FAST_POLICY.retryAfterMaxMs],
    ]);
  });

  it('gives up after the configured retries with a retryable error (exit 1)', async () => {
    const dir = tempDir('http-giveup');
    const { server } = await blob({ failFirst: [500, 500, 500, 500, 500, 500] });
    const err = await fetchTo(`${server.base}/a.bin`, dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExtractError);
    expect(err).toMatchObject({ retryable: true, exitCode: EXIT.taskFailed, code: 'extract' });
    expect((err as Error).message).toMatch(/gave up after 4 attempt\(s\).*HTTP 500/);
    expect(server.requests).toHaveLength(FAST_POLICY.retries + 1);
    expect(existsSync(join(dir, 'out.bin'))).toBe(false);
  });

  it('resumes with Range after the server drops the connection mid-body', async () => {
    const dir = tempDir('http-resume');
    const { data, server } = await blob({ dropAfter: 100_000, partFile: join(dir, 'out.bin.part') });
    const events: SourceEvent[] = [];
    const r = await fetchTo(`${server.base}/a.bin`, dir, events);
    expect(readFileSync(join(dir, 'out.bin')).equals(data)).toBe(true);
    expect(r.bytes).toBe(data.length);
    const second = server.requests[1]!;
    const from = Number(/^bytes=(\d+)-$/.exec(second.headers.range ?? '')?.[1]);
    // Every byte received before the cut was kept: the resume asks for exactly the rest.
    expect(from).toBe(100_000);
    // If-Range carries the ETag of the first answer, so a changed object comes back whole instead of as a tail.
    expect(second.headers['if-range']).toBe(`"${sha256hex(data).slice(0, 16)}"`);
    expect(events).toContainEqual(expect.objectContaining({ type: 'download.start', resumeFrom: from }));
    expect(readdirSync(dir)).toEqual(['out.bin']);
  });

  it('starts over when the server ignores Range (200), and the file is still right', async () => {
    const dir = tempDir('http-norange');
    const { data, server } = await blob({
      dropAfter: 100_000,
      ignoreRange: true,
      partFile: join(dir, 'out.bin.part'),
    });
    const events: SourceEvent[] = [];
    await fetchTo(`${server.base}/a.bin`, dir, events);
    expect(server.requests[1]!.headers.range).toMatch(/^bytes=\d+-$/);
    expect(events.some((e) => e.type === 'download.restart')).toBe(true);
    expect(readFileSync(join(dir, 'out.bin')).equals(data)).toBe(true);
  });

  it('starts over when a leftover partial file is already whole (416 to the Range request)', async () => {
    const dir = tempDir('http-416');
    const { data, server } = await blob({});
    writeFileSync(join(dir, 'out.bin.part'), data);
    writeFileSync(join(dir, 'out.bin.part.json'), JSON.stringify({ total: data.length }));
    const events: SourceEvent[] = [];
    await fetchTo(`${server.base}/a.bin`, dir, events);
    expect(server.requests.map((q) => q.headers.range)).toEqual([`bytes=${data.length}-`, undefined]);
    expect(readFileSync(join(dir, 'out.bin')).equals(data)).toBe(true);
    expect(readdirSync(dir)).toEqual(['out.bin']);
  });

  it('fails on an MD5 that does not match x-goog-hash, leaving no file under the final name and no partial file', async () => {
    const dir = tempDir('http-md5');
    const { server } = await blob({ wrongMd5: true });
    const err = await fetchTo(`${server.base}/a.bin`, dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExtractError);
    expect((err as Error).message).toMatch(
      /corrupt download \(MD5 .* does not match the server's x-goog-hash/,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('retries after an idle timeout (headers sent, then silence)', async () => {
    const dir = tempDir('http-idle');
    const data = payload(1000);
    const server = await startServer((_req, res, n) => {
      res.writeHead(200, { 'content-length': data.length });
      if (n === 1)
        res.write(data.subarray(0, 10)); // then nothing: the client must time out
      else res.end(data);
    });
    const events: SourceEvent[] = [];
    await downloadToFile({
      request: { url: `${server.base}/slow` },
      dest: join(dir, 'out.bin'),
      file: 'out.bin',
      policy: { ...FAST_POLICY, idleTimeoutMs: 300 },
      explain,
      onEvent: (e) => events.push(e),
    });
    expect(readFileSync(join(dir, 'out.bin')).equals(data)).toBe(true);
    const retries = events.flatMap((e) => (e.type === 'download.retry' ? [e.reason] : []));
    expect(retries).toEqual(['no data for 300 ms']);
  });

  it('does not retry a 404 and words it with the explainer (exit 2)', async () => {
    const dir = tempDir('http-404');
    const server = await startServer((_req, res) => {
      res.writeHead(404);
      res.end();
    });
    const err = await fetchTo(`${server.base}/nope`, dir).catch((e: unknown) => e);
    expect(err).toMatchObject({
      message: 'HTTP 404 (test)',
      exitCode: EXIT.usage,
      retryable: false,
      status: 404,
    });
    expect(server.requests).toHaveLength(1);
  });

  it('treats a refused connection as a network error and gives up after the retries', async () => {
    const dir = tempDir('http-refused');
    const server = await startServer(() => undefined);
    const base = server.base;
    await server.close();
    const err = await fetchTo(`${base}/x`, dir).catch((e: unknown) => e);
    expect(err).toMatchObject({ retryable: true, exitCode: EXIT.taskFailed });
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
  });
});
