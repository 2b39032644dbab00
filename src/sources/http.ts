// The one HTTP policy of the sources: connect and idle timeouts, retries with exponential backoff and jitter on
// network errors, 429 (Retry-After) and 5xx, redirects followed by hand with Authorization kept to its origin.
// Built on node:http(s) rather than fetch: bytes arrive exactly as sent (no transparent gunzip, so size and MD5
// checks hold), the connect and idle timeouts are socket-level without the undici package, and redirects are ours.
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { EXIT } from '../core/errors.js';
import { ExtractError } from './errors.js';
import { redactLocation, redactSecrets } from '../core/redact.js';

const require = createRequire(import.meta.url);
const pkg = require('../../package.json') as { version: string };

/** Where the project lives, for the User-Agent (servers such as FRED ask for a contact). */
export const PROJECT_URL = 'https://github.com/movalytics/movalytics';
export const USER_AGENT = `movalytics/${pkg.version} (+${PROJECT_URL})`;

/** Timeouts, retries and backoff; every number is configurable so tests run fast. */
export interface HttpPolicy {
  /** Time allowed to open the TCP (and TLS) connection. */
  connectTimeoutMs: number;
  /** Longest silence allowed while waiting for headers or body bytes. */
  idleTimeoutMs: number;
  /** Attempts after the first one, for network errors, 429 and 5xx. */
  retries: number;
  /** First backoff delay; doubles per attempt, with jitter, up to `backoffMaxMs`. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Cap on a server's Retry-After. */
  retryAfterMaxMs: number;
  maxRedirects: number;
  userAgent: string;
}

export const DEFAULT_HTTP_POLICY: HttpPolicy = {
  connectTimeoutMs: 15_000,
  idleTimeoutMs: 60_000,
  retries: 5,
  backoffBaseMs: 1_000,
  backoffMaxMs: 60_000,
  retryAfterMaxMs: 300_000,
  maxRedirects: 5,
  userAgent: USER_AGENT,
};

/** An Authorization header value and where it came from (the `source` is printed, the value never). */
export interface Authorization {
  value: string;
  source: string;
}

export interface HttpRequest {
  url: string;
  /** Headers sent on every hop (never credentials). */
  headers?: Record<string, string>;
  /** Sent to the request's own origin only: a redirect to another host, port or scheme drops it. */
  authorization?: Authorization;
  /** Values to scrub from any message (API keys in the query, tokens). */
  secrets?: readonly string[];
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** Unread body; the caller consumes or destroys it. */
  body: IncomingMessage;
  /** The URL that answered, after redirects. */
  url: string;
}

/** A failure worth another attempt; `retryAfterMs` when the server said when. */
export class TransientError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'TransientError';
  }
}

/**
 * Explains a final (non-retried) HTTP status for the user: what failed and what to do. `bodyText` is at most 4 KB of
 * the error body, for APIs that put the reason there; `redirected` when a host the request was redirected to answered.
 */
export type StatusExplainer = (status: number, bodyText: string, redirected: boolean) => string;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

/** Whether a thrown error is a network problem worth retrying (a reset, a refused connection, a timeout). */
export function isNetworkError(err: unknown): boolean {
  if (err instanceof TransientError) return true;
  if (!(err instanceof Error)) return false;
  const code = (err as NodeJS.ErrnoException).code;
  return (code !== undefined && NETWORK_CODES.has(code)) || err.message === 'aborted';
}

/**
 * Milliseconds a Retry-After header asks for (delta-seconds or an HTTP date), capped at `maxMs`; undefined when the
 * header is absent or unreadable.
 */
export function parseRetryAfter(
  value: string | undefined,
  maxMs: number,
  now = Date.now(),
): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  let ms: number;
  if (/^\d+$/.test(v)) ms = Number(v) * 1000;
  else {
    const at = Date.parse(v);
    if (Number.isNaN(at)) return undefined;
    ms = at - now;
  }
  return Math.min(Math.max(0, ms), maxMs);
}

/** Backoff before attempt `attempt` (1-based): base·2^(attempt-1), capped, with jitter in [50%, 100%]. */
export function backoffMs(policy: HttpPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.backoffMaxMs, policy.backoffBaseMs * 2 ** (attempt - 1));
  return Math.round(ceiling * (0.5 + random() / 2));
}

function sameOrigin(a: URL, b: URL): boolean {
  return a.protocol === b.protocol && a.host === b.host;
}

/** A header value as one string (repeated headers joined). */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** Sends one GET and resolves with the response headers (body unread), applying the connect and idle timeouts. */
function getOnce(url: URL, headers: Record<string, string>, policy: HttpPolicy): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const lib = url.protocol === 'https:' ? https : http;
    // agent: false — one connection per request, so no pooled socket outlives the download or crosses hosts.
    const req = lib.request(url, { method: 'GET', headers, agent: false });
    let connectTimer: NodeJS.Timeout | undefined;
    req.on('socket', (socket: Socket) => {
      if (socket.connecting) {
        connectTimer = setTimeout(
          () => req.destroy(new TransientError(`no connection within ${policy.connectTimeoutMs} ms`)),
          policy.connectTimeoutMs,
        );
        socket.once('connect', () => clearTimeout(connectTimer));
      }
      // The idle timer covers waiting for the headers and every gap between body chunks.
      socket.setTimeout(policy.idleTimeoutMs, () => {
        req.destroy(new TransientError(`no data for ${policy.idleTimeoutMs} ms`));
      });
    });
    req.once('error', (err) => {
      clearTimeout(connectTimer);
      reject(err);
    });
    req.once('response', (res) => {
      clearTimeout(connectTimer);
      // A destroyed request (idle timeout) must fail the body stream too, with the same reason.
      req.once('error', (err) => res.destroy(err));
      resolve(res);
    });
    req.end();
  });
}

/** Reads at most 4 KB of an error body as text, then drops the rest. */
async function readErrorBody(res: IncomingMessage): Promise<string> {
  let text = '';
  try {
    for await (const chunk of res) {
      text += String(chunk);
      if (text.length >= 4096) break;
    }
  } catch {
    // the reason is optional
  } finally {
    res.destroy();
  }
  return text.slice(0, 4096);
}

/**
 * One request, redirects followed, without retries. Returns 2xx and 304 responses; throws TransientError for 429
 * and 5xx, and ExtractError (exit 2, not retryable) for any other status, worded by `explain`.
 */
export async function requestOnce(
  req: HttpRequest,
  policy: HttpPolicy,
  explain: StatusExplainer,
): Promise<HttpResponse> {
  const origin = new URL(req.url);
  let url = origin;
  const secrets = [...(req.secrets ?? []), ...(req.authorization ? [req.authorization.value] : [])];
  for (let hop = 0; ; hop++) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ExtractError(`${redactLocation(url.toString())}: only http and https URLs can be fetched`);
    }
    const headers: Record<string, string> = { 'user-agent': policy.userAgent, ...req.headers };
    // Credentials go to the origin they were issued for, never to the storage host a redirect names.
    if (req.authorization && sameOrigin(url, origin)) headers.authorization = req.authorization.value;
    const res = await getOnce(url, headers, policy);
    const status = res.statusCode ?? 0;
    const location = headerValue(res.headers, 'location');
    if (REDIRECTS.has(status) && location !== undefined) {
      res.resume();
      if (hop >= policy.maxRedirects) {
        throw new ExtractError(
          `${redactLocation(req.url)}: more than ${policy.maxRedirects} redirects — the server is misconfigured`,
          { retryable: true, exitCode: EXIT.taskFailed, status },
        );
      }
      url = new URL(location, url);
      continue;
    }
    if ((status >= 200 && status < 300) || status === 304) {
      return { status, headers: res.headers, body: res, url: url.toString() };
    }
    if (status === 429 || status >= 500) {
      res.resume();
      const retryAfter = parseRetryAfter(headerValue(res.headers, 'retry-after'), policy.retryAfterMaxMs);
      throw new TransientError(`HTTP ${status} from ${redactLocation(url.toString())}`, retryAfter);
    }
    const body = await readErrorBody(res);
    // A host we were redirected to (a signed storage link) refusing is no fault of the user's credentials or names:
    // a later attempt gets a fresh link.
    const redirected = hop > 0;
    throw new ExtractError(redactSecrets(explain(status, body, redirected), secrets), {
      status,
      retryable: redirected,
      exitCode: redirected ? EXIT.taskFailed : EXIT.usage,
    });
  }
}

/** What a retry loop reports before it waits. */
export interface RetryInfo {
  attempt: number;
  delayMs: number;
  reason: string;
}

/**
 * Runs `attempt` until it succeeds, retrying network errors and TransientErrors with backoff (or the server's
 * Retry-After). Anything else is thrown at once. When the retries run out: ExtractError, retryable, exit 1.
 */
export async function withRetries<T>(
  policy: HttpPolicy,
  what: string,
  attempt: (n: number) => Promise<T>,
  onRetry?: (info: RetryInfo) => void,
  secrets: readonly string[] = [],
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      if (!isNetworkError(err)) throw err;
      const reason = redactSecrets(
        err instanceof TransientError
          ? err.message
          : `${(err as NodeJS.ErrnoException).code ?? 'network error'}: ${(err as Error).message}`,
        secrets,
      );
      if (n > policy.retries) {
        throw new ExtractError(
          `${what}: gave up after ${n} attempt(s) — last error: ${reason}; check the network and try again`,
          { retryable: true, exitCode: EXIT.taskFailed, cause: err },
        );
      }
      const delayMs =
        err instanceof TransientError && err.retryAfterMs !== undefined
          ? err.retryAfterMs
          : backoffMs(policy, n);
      onRetry?.({ attempt: n, delayMs, reason });
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
}
