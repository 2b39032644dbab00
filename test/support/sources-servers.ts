// Real HTTP servers on 127.0.0.1 that behave like Kaggle (API + a separate storage host) and FRED (fredgraph.csv and
// the observations API), with switches for the failures the sources must survive. Shared by test/sources*.test.ts.
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll } from 'vitest';
import yazl from 'yazl';
import { DEFAULT_HTTP_POLICY, type HttpPolicy } from '../../src/sources/index.js';

/** Fast numbers for tests: retries happen, but without real waiting. */
export const FAST_POLICY: HttpPolicy = {
  ...DEFAULT_HTTP_POLICY,
  connectTimeoutMs: 2_000,
  idleTimeoutMs: 2_000,
  retries: 3,
  backoffBaseMs: 5,
  backoffMaxMs: 20,
  retryAfterMaxMs: 50,
};

export interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

export interface TestServer {
  /** http://127.0.0.1:<port> */
  base: string;
  requests: Recorded[];
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

/** Starts a server on 127.0.0.1 (port 0), recording every request; closed after the test file. */
export async function startServer(handler: Handler): Promise<TestServer> {
  const requests: Recorded[] = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    handler(req, res, requests.length);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  afterAll(close);
  return { base: `http://127.0.0.1:${port}`, requests, close };
}

export function md5b64(b: Buffer): string {
  return createHash('md5').update(b).digest('base64');
}
export function sha256hex(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** How the storage host misbehaves, per request number (1-based) or always. */
export interface BlobBehaviour {
  /** Destroy the socket after this many body bytes, on the first full-body request only. */
  dropAfter?: number;
  /**
   * The client's partial file: the cut waits until it holds `dropAfter` bytes (at most 10 s), so the resume point is
   * known exactly instead of depending on how fast the client drained its socket.
   */
  partFile?: string;
  /** Answer every Range request with the whole object (200). */
  ignoreRange?: boolean;
  /** Announce this MD5 instead of the real one. */
  wrongMd5?: boolean;
  /** Status codes for the first requests under this behaviour, e.g. [500] or [429]; then normal service. */
  failFirst?: number[];
  retryAfter?: string;
}

/** A storage host serving `body` at any path, with ETag, x-goog-hash, Range/206 and If-None-Match/304. */
export async function startBlobServer(
  body: () => Buffer,
  behaviour: () => BlobBehaviour,
): Promise<TestServer> {
  let dropped = false;
  let current: BlobBehaviour | undefined;
  let n = 0;
  return startServer((req, res) => {
    const b = behaviour();
    // Request numbers (for failFirst and the one-time drop) count from when the behaviour was last set.
    if (b !== current) {
      current = b;
      n = 0;
      dropped = false;
    }
    n++;
    const data = body();
    const fail = b.failFirst?.[n - 1];
    if (fail !== undefined) {
      res.writeHead(fail, b.retryAfter !== undefined ? { 'retry-after': b.retryAfter } : {});
      res.end('try later');
      return;
    }
    const etag = `"${sha256hex(data).slice(0, 16)}"`;
    const md5 = b.wrongMd5 ? md5b64(Buffer.from('something else')) : md5b64(data);
    const common = { etag, 'x-goog-hash': `crc32c=AAAAAA==, md5=${md5}`, 'accept-ranges': 'bytes' };
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, common);
      res.end();
      return;
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const ifRange = req.headers['if-range'];
    if (range && !b.ignoreRange && (ifRange === undefined || ifRange === etag)) {
      const start = Number(range[1]);
      if (start >= data.length) {
        res.writeHead(416, { 'content-range': `bytes */${data.length}` });
        res.end();
        return;
      }
      res.writeHead(206, {
        ...common,
        'content-length': data.length - start,
        'content-range': `bytes ${start}-${data.length - 1}/${data.length}`,
      });
      res.end(data.subarray(start));
      return;
    }
    res.writeHead(200, { ...common, 'content-length': data.length, 'content-type': 'application/zip' });
    if (b.dropAfter !== undefined && !dropped) {
      dropped = true;
      const cut = b.dropAfter;
      res.write(data.subarray(0, cut), () => {
        const deadline = Date.now() + 10_000;
        const poll = setInterval(() => {
          let have = 0;
          try {
            have = b.partFile === undefined ? cut : statSync(b.partFile).size;
          } catch {
            // not created yet
          }
          if (have >= cut || Date.now() > deadline) {
            clearInterval(poll);
            res.socket?.destroy();
          }
        }, 10);
      });
      return;
    }
    res.end(data);
  });
}

/**
 * A Kaggle API host: checks the Authorization header against `expectedAuth`, answers 401/403/404 for the
 * datasets named so, and redirects everything else to `storage` (another port: another origin).
 */
export async function startKaggleApi(
  storageBase: () => string,
  expectedAuth: () => string,
): Promise<TestServer> {
  return startServer((req, res) => {
    const m = /^\/api\/v1\/datasets\/download\/([^/]+)\/([^/?]+)(\?.*)?$/.exec(req.url ?? '');
    if (!m) {
      res.writeHead(400);
      res.end();
      return;
    }
    if (req.headers.authorization !== expectedAuth() || m[2] === 'unauthorized') {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"code":401,"message":"Unauthenticated"}');
      return;
    }
    if (m[2] === 'forbidden') {
      res.writeHead(403);
      res.end('{"code":403,"message":"Permission denied"}');
      return;
    }
    if (m[2] === 'missing') {
      res.writeHead(404);
      res.end('{"code":404,"message":"Not found"}');
      return;
    }
    res.writeHead(302, {
      location: `${storageBase()}/kaggle-data-sets/${m[1]}/${m[2]}.zip?X-Goog-Signature=deadbeef${m[3] ? '&v=1' : ''}`,
    });
    res.end();
  });
}

/** Builds a zip in memory from name → content pairs (yazl; entries at the top level, like Kaggle's). */
export async function buildZip(entries: Record<string, string | Buffer>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  const mtime = new Date(Date.UTC(2020, 0, 1));
  for (const [name, content] of Object.entries(entries)) {
    zip.addBuffer(Buffer.isBuffer(content) ? content : Buffer.from(content), name, { mtime });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

/**
 * A zip whose entry climbs out of the folder (`../evil.csv`). yazl refuses such names, so the archive is built with a
 * same-length placeholder and the name patched in both the local and the central header.
 */
export async function buildZipSlip(): Promise<Buffer> {
  const zip = await buildZip({
    'links.csv': 'movieId,imdbId,tmdbId\n1,0114709,862\n',
    'xx/evil.csv': 'pwned\n',
  });
  const from = Buffer.from('xx/evil.csv');
  const to = Buffer.from('../evil.csv');
  let at = zip.indexOf(from);
  let patched = 0;
  while (at !== -1) {
    to.copy(zip, at);
    patched++;
    at = zip.indexOf(from, at + 1);
  }
  if (patched !== 2) throw new Error(`zip-slip fixture: patched ${patched} names, expected 2`);
  return zip;
}

/** FRED: fredgraph.csv from `csv(series)` (404 when undefined), and the observations API checking `apiKey`. */
export async function startFred(
  csv: (series: string) => string | undefined,
  apiKey: string,
): Promise<TestServer> {
  return startServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/graph/fredgraph.csv') {
      const text = csv(url.searchParams.get('id') ?? '');
      if (text === undefined) {
        res.writeHead(404, { 'content-type': 'text/html' });
        res.end('<html>Not found</html>');
        return;
      }
      const etag = `"${sha256hex(Buffer.from(text)).slice(0, 16)}"`;
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, { etag });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/csv', etag });
      res.end(text);
      return;
    }
    if (url.pathname === '/fred/series/observations') {
      if (url.searchParams.get('api_key') !== apiKey) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            error_code: 400,
            error_message: 'Bad Request.  The value for variable api_key is not registered.',
          }),
        );
        return;
      }
      const series = url.searchParams.get('series_id') ?? '';
      const text = csv(series);
      if (text === undefined || url.searchParams.get('file_type') !== 'json') {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ error_code: 400, error_message: 'Bad Request.  The series does not exist.' }),
        );
        return;
      }
      const observations = text
        .trim()
        .split(/\r?\n/)
        .slice(1)
        .map((l) => {
          const [date, value] = l.split(',');
          return { realtime_start: '2026-11-29', realtime_end: '2026-11-29', date, value };
        });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ count: observations.length, observations }));
      return;
    }
    res.writeHead(404);
    res.end();
  });
}
