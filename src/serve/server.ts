// The `serve` HTTP server (hono on node:http): a JSON API over the warehouse, read-only, and the pages that draw it.
// GET/HEAD only; every request passes the token check when a token is set; responses from a DuckDB file are cached
// by the file's version, and served stale (marked) while a run holds the file. docs/serve.md, docs/api.md.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { computeRunDiff } from '../diff/index.js';
import { EXIT, MovalyticsError, UsageError, WarehouseError, messageOf } from '../core/errors.js';
import {
  DrillDownNotFound,
  QUESTIONS,
  computeAnswers,
  drillQ2,
  drillQ3,
  drillQ4,
  renderAnswers,
  type AnswerParamsInput,
  type AnswerSelection,
} from '../stages/answers/index.js';
import { WarehouseLockedError, type Warehouse } from '../warehouse/warehouse.js';
import { readMovieLineage } from './lineage.js';
import { PAGE_ROUTES, STATIC_FILES, pageHtml } from './pages.js';
import { findTask, planPipeline } from '../pipeline/tasks/index.js';
import { readRunChecks } from '../report/model.js';
import { getRun, listRuns, runLogs } from '../pipeline/run-history.js';
import { latestCheckedRun, readQuarantine, readRunPage, readStatus } from './queries.js';
import type { WarehouseAccess } from './warehouse-access.js';

export interface ServeAppOptions {
  access: WarehouseAccess;
  /** Answer parameters from the config file (the CLI's defaults): the API's defaults too, so numbers match. */
  answerDefaults?: AnswerParamsInput;
  /** When set, every request must carry it (Authorization: Bearer, the cookie, or ?token= on a page). */
  token?: string | null;
  /** The staging location (for lineage to read the staged raw files); null: lineage shows the model only. */
  staging?: string | null;
  /** Where unexpected errors are written (default stderr); never a token or a password. */
  log?: (line: string) => void;
}

const COOKIE = 'movalytics_token';
const CACHE_LIMIT = 256;

/** A client mistake: status 400 (or 404) with a one-line message. */
class HttpError extends Error {
  constructor(
    readonly status: 400 | 404 | 503,
    message: string,
  ) {
    super(message);
  }
}

/** Constant-time comparison of two secrets of any length (compares their SHA-256). */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

function cookieToken(header: string | undefined): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return decodeURIComponent(v.join('='));
  }
  return null;
}

/** An integer query/path parameter, or a 400 naming it. */
function intParam(
  name: string,
  text: string | undefined,
  opts: { min?: number; max?: number } = {},
): number | null {
  if (text === undefined || text === '') return null;
  if (!/^\d{1,9}$/.test(text))
    throw new HttpError(400, `parameter ${name} ${JSON.stringify(text)} is not a whole number`);
  const n = Number(text);
  if (opts.min !== undefined && n < opts.min)
    throw new HttpError(400, `parameter ${name} ${JSON.stringify(text)} must be at least ${opts.min}`);
  if (opts.max !== undefined && n > opts.max)
    throw new HttpError(400, `parameter ${name} ${JSON.stringify(text)} must be at most ${opts.max}`);
  return n;
}

const ANSWER_QUERY = ['top', 'quantile', 'minVotes', 'alpha', 'cpiBase', 'cpiSplice'] as const;
const NUMERIC = new Set(['top', 'quantile', 'minVotes', 'alpha']);

/** The answer parameters of a query string (names as in the JSON's `params`); blank means "default". */
export function answerParamsFromQuery(query: Record<string, string>): AnswerParamsInput {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(query)) {
    if (!(ANSWER_QUERY as readonly string[]).includes(k))
      throw new HttpError(400, `unknown parameter ${JSON.stringify(k)}: use ${ANSWER_QUERY.join(', ')}`);
    if (v.trim() === '') continue;
    if (NUMERIC.has(k)) {
      const n = Number(v);
      if (!Number.isFinite(n))
        throw new HttpError(400, `parameter ${k} ${JSON.stringify(v)} is not a number`);
      out[k] = n;
    } else out[k] = v;
  }
  return out;
}

function onlyParams(query: Record<string, string>, allowed: readonly string[]): void {
  for (const k of Object.keys(query))
    if (!allowed.includes(k))
      throw new HttpError(
        400,
        `unknown parameter ${JSON.stringify(k)}${allowed.length ? `: use ${allowed.join(', ')}` : ''}`,
      );
}

/** A 404 unless run `id` is in the run history (a run named in a path or a query is a resource, not a filter). */
async function requireRun(wh: Warehouse, id: number): Promise<void> {
  if ((await getRun(wh, String(id))) === null) throw new HttpError(404, `run ${id} not found`);
}

interface Cached {
  version: string | null;
  body: string;
}

/** Whether a host name (no brackets, no port) is this machine's loopback: localhost, 127.x.x.x or ::1. */
export function isLoopbackName(name: string): boolean {
  const h = name.toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(?:\.\d{1,3}){3}$/.test(h);
}

/** Whether a Host header names this machine's loopback (localhost, 127.x.x.x or [::1], any port). */
export function loopbackHost(host: string | undefined): boolean {
  if (host === undefined) return false;
  return isLoopbackName(host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, ''));
}

/** Builds the app (exported for tests that want it without a socket; `startServer` listens). */
export function createServeApp(opts: ServeAppOptions): Hono {
  const { access } = opts;
  const token = opts.token ?? null;
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const cache = new Map<string, Cached>();
  const app = new Hono();

  app.use('*', async (c, next) => {
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Frame-Options', 'DENY');
    c.header(
      'Content-Security-Policy',
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    );
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      c.header('Allow', 'GET, HEAD');
      return c.json({ error: `method ${c.req.method} not allowed: the server is read-only` }, 405);
    }
    if (token === null && !loopbackHost(c.req.header('host'))) {
      // No token means loopback only; a page on another site that resolves its own name to 127.0.0.1 (DNS
      // rebinding) still sends its own name as Host, and is refused here.
      return c.json(
        { error: 'this server answers only to localhost / 127.0.0.1 without a token: use that address' },
        403,
      );
    }
    if (token !== null) {
      const auth = c.req.header('authorization');
      const bearer = auth?.startsWith('Bearer ') ? auth.slice(7) : null;
      const given = bearer ?? cookieToken(c.req.header('cookie'));
      const fromQuery = c.req.query('token');
      if (given !== null && sameSecret(given, token)) return next();
      if (fromQuery !== undefined && sameSecret(fromQuery, token) && !c.req.path.startsWith('/api/')) {
        // A link with ?token= opens the UI once: the cookie carries it from then on, the URL loses it.
        const url = new URL(c.req.url);
        url.searchParams.delete('token');
        c.header('Set-Cookie', `${COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`);
        return c.redirect(`${url.pathname}${url.search}`, 303);
      }
      c.header('WWW-Authenticate', 'Bearer realm="movalytics"');
      return c.json(
        { error: 'a token is required: send Authorization: Bearer <token>, or open the page with ?token=' },
        401,
      );
    }
    return next();
  });

  /** Runs a read, cached by the warehouse version; while a run holds the warehouse, the last answer, marked stale. */
  async function cachedRead(
    c: Context,
    compute: (wh: Warehouse) => Promise<unknown>,
    text = false,
  ): Promise<Response> {
    const url = new URL(c.req.url);
    url.searchParams.delete('token');
    url.searchParams.sort();
    const key = `${url.pathname}?${url.searchParams.toString()}`;
    const version = await access.version();
    const hit = cache.get(key);
    if (hit !== undefined && version !== null && hit.version === version) return send(c, hit.body);
    if (!access.exists())
      throw new HttpError(503, `warehouse ${access.displayName} not found: run \`movalytics run\` first`);
    try {
      const value = await access.read(compute);
      const body = text ? (value as string) : JSON.stringify(value);
      cache.delete(key);
      cache.set(key, { version, body });
      if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value!);
      return send(c, body);
    } catch (err) {
      if (err instanceof WarehouseLockedError) {
        const busy = err.holder ?? 'another process';
        c.header('X-Movalytics-Busy', busy.replace(/[^\x20-\x7e]/g, '?'));
        if (hit !== undefined) {
          c.header('X-Movalytics-Stale', '1');
          return send(c, hit.body);
        }
        throw new HttpError(503, err.message);
      }
      throw err;
    }
  }

  function send(c: Context, body: string): Response {
    c.header('Cache-Control', 'no-store');
    return c.body(body, 200, { 'Content-Type': 'application/json; charset=utf-8' });
  }

  app.onError((err, c) => {
    if (err instanceof HttpError) return c.json({ error: err.message }, err.status);
    if (err instanceof UsageError) return c.json({ error: err.message }, 400);
    if (err instanceof WarehouseError && err.exitCode === EXIT.usage)
      return c.json({ error: err.message }, 503);
    if (err instanceof MovalyticsError) {
      log(`movalytics serve: ${c.req.method} ${c.req.path}: ${err.message}`);
      return c.json({ error: err.message }, 500);
    }
    log(
      `movalytics serve: internal error on ${c.req.method} ${c.req.path} (a bug — please report it): ${err.stack ?? messageOf(err)}`,
    );
    return c.json({ error: 'internal error (logged by the server)' }, 500);
  });

  app.get('/api/status', (c) => {
    onlyParams(c.req.query(), []);
    return cachedRead(c, (wh) => readStatus(wh));
  });

  const answers = async (c: Context, which: AnswerSelection): Promise<Response> => {
    const input = { ...opts.answerDefaults, ...answerParamsFromQuery(c.req.query()) };
    return cachedRead(c, async (wh) => renderAnswers(await computeAnswers(wh, input), 'json', which), true);
  };
  app.get('/api/answers', (c) => answers(c, 'all'));
  app.get('/api/answers/:question', (c) => {
    const q = c.req.param('question');
    if (!(QUESTIONS as readonly string[]).includes(q))
      throw new HttpError(404, `unknown question ${JSON.stringify(q)}: use one of ${QUESTIONS.join(', ')}`);
    return answers(c, q as AnswerSelection);
  });

  app.get('/api/runs', (c) => {
    onlyParams(c.req.query(), ['limit']);
    const limit = intParam('limit', c.req.query('limit'), { min: 1, max: 10_000 }) ?? 200;
    return cachedRead(c, async (wh) => ({ runs: await listRuns(wh, { limit }) }));
  });
  app.get('/api/runs/:id', (c) => {
    onlyParams(c.req.query(), []);
    const id = intParam('run id', c.req.param('id'))!;
    return cachedRead(c, async (wh) => {
      const detail = await readRunPage(wh, id);
      if (detail === null) throw new HttpError(404, `run ${id} not found`);
      return detail;
    });
  });
  app.get('/api/runs/:id/logs', (c) => {
    onlyParams(c.req.query(), ['task']);
    const id = intParam('run id', c.req.param('id'))!;
    const task = c.req.query('task');
    const tasks = planPipeline({ extract: true }).order;
    // A mapped task's instance (load.ratings[3]) is a task of its own in the history.
    if (task !== undefined && task !== '' && !tasks.includes(task) && findTask(task) === undefined)
      throw new HttpError(400, `unknown task ${JSON.stringify(task)}: use one of ${tasks.join(', ')}`);
    return cachedRead(c, async (wh) => {
      await requireRun(wh, id);
      return { runId: id, lines: await runLogs(wh, id, task === '' ? undefined : task) };
    });
  });
  app.get('/api/checks', (c) => {
    onlyParams(c.req.query(), ['run']);
    const run = intParam('run', c.req.query('run'));
    return cachedRead(c, async (wh) => {
      if (run !== null) await requireRun(wh, run);
      const runId = run ?? (await latestCheckedRun(wh));
      return { runId, checks: runId === null ? [] : await readRunChecks(wh, runId) };
    });
  });
  app.get('/api/quarantine', (c) => {
    const q = c.req.query();
    onlyParams(q, ['run', 'file', 'reason', 'page', 'pageSize']);
    const filter = {
      runId: intParam('run', q.run),
      file: q.file === undefined || q.file === '' ? null : q.file,
      reason: q.reason === undefined || q.reason === '' ? null : q.reason,
      page: intParam('page', q.page, { min: 1, max: 1_000_000 }) ?? 1,
      pageSize: intParam('pageSize', q.pageSize, { min: 1, max: 500 }) ?? 50,
    };
    return cachedRead(c, async (wh) => {
      if (filter.runId !== null) await requireRun(wh, filter.runId);
      return readQuarantine(wh, filter);
    });
  });
  app.get('/api/diff', (c) => {
    const q = c.req.query();
    onlyParams(q, ['a', 'b']);
    const a = q.a === '' ? undefined : q.a;
    const b = q.b === '' ? undefined : q.b;
    return cachedRead(c, async (wh) => {
      // A run id that is well formed but not there is a missing resource (404); a malformed one the diff's 400.
      for (const ref of [a, b])
        if (ref !== undefined && /^\d{1,9}$/.test(ref)) await requireRun(wh, Number(ref));
      return computeRunDiff(wh, a, b);
    });
  });
  app.get('/api/lineage/movie/:id', (c) => {
    onlyParams(c.req.query(), []);
    const id = intParam('movie id', c.req.param('id'))!;
    return cachedRead(c, async (wh) => {
      const lineage = await readMovieLineage(wh, id, opts.staging ?? null);
      if (lineage === null) throw new HttpError(404, `movie ${id} is not in the model`);
      return lineage;
    });
  });
  // Drill-downs behind the Q2–Q4 figures; without a selection, what can be drilled. An unknown genre is a 404.
  const drill = (c: Context, read: (wh: Warehouse) => Promise<unknown>): Promise<Response> =>
    cachedRead(c, async (wh) => {
      try {
        return await read(wh);
      } catch (err) {
        if (err instanceof DrillDownNotFound) throw new HttpError(404, err.message);
        throw err;
      }
    });
  const textParam = (v: string | undefined): string | null => (v === undefined || v === '' ? null : v);
  app.get('/api/lineage/q2', (c) => {
    onlyParams(c.req.query(), ['genre']);
    const genre = textParam(c.req.query('genre'));
    return drill(c, (wh) => drillQ2(wh, genre));
  });
  app.get('/api/lineage/q3', (c) => {
    onlyParams(c.req.query(), ['month', 'quarter']);
    const month = intParam('month', c.req.query('month'), { min: 1, max: 12 });
    const quarter = intParam('quarter', c.req.query('quarter'), { min: 1, max: 4 });
    if (month !== null && quarter !== null) throw new HttpError(400, 'give month or quarter, not both');
    const pick = month !== null ? { month } : quarter !== null ? { quarter } : null;
    return drill(c, (wh) => drillQ3(wh, pick));
  });
  app.get('/api/lineage/q4', (c) => {
    onlyParams(c.req.query(), ['genre', 'cpiBase', 'cpiSplice']);
    const { genre, ...rest } = c.req.query();
    const params = { ...opts.answerDefaults, ...answerParamsFromQuery(rest) };
    return drill(c, (wh) => drillQ4(wh, textParam(genre), params));
  });
  app.get('/api/*', (c) => c.json({ error: `no API endpoint ${c.req.path} (see docs/api.md)` }, 404));

  app.get('/static/:name', (c) => {
    const file = STATIC_FILES.get(c.req.param('name'));
    if (file === undefined) return c.json({ error: 'not found' }, 404);
    c.header('Cache-Control', 'no-cache');
    return c.body(file.body(), 200, { 'Content-Type': file.type });
  });
  for (const route of PAGE_ROUTES)
    app.get(route, (c) => {
      c.header('Cache-Control', 'no-store');
      return c.html(pageHtml());
    });
  app.notFound((c) => c.json({ error: `not found: ${c.req.path}` }, 404));
  return app;
}

export interface RunningServer {
  /** http://host:port/ as bound (the port is the real one when 0 was asked for). */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Listens on `host:port` and serves the app. Rejects when the port cannot be bound (a UsageError naming it). */
export async function startServer(
  opts: ServeAppOptions & { host: string; port: number },
): Promise<RunningServer> {
  const app = createServeApp(opts);
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: opts.host, port: opts.port });
    s.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE' || err.code === 'EACCES' || err.code === 'EADDRNOTAVAIL'
          ? new UsageError(
              `cannot listen on ${opts.host}:${opts.port}: ${err.code === 'EADDRINUSE' ? 'the port is in use' : err.code === 'EACCES' ? 'permission denied' : 'no such address on this machine'} — choose another --port or --host`,
            )
          : err,
      ),
    );
    s.once('listening', () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${host}:${port}/`,
    port,
    close: async () => {
      await new Promise<void>((resolve) => {
        (server as import('node:http').Server).closeAllConnections?.();
        server.close(() => resolve());
      });
      await opts.access.close();
    },
  };
}
