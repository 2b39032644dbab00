// Fetches a FRED series as <SERIES>.csv: fredgraph.csv by default, or the official observations API (JSON, with
// FRED_API_KEY) converted to the same CSV. Content is checked before it replaces the file on disk.
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../core/errors.js';
import { downloadToFile, hashFile, type CachedValidators } from './download.js';
import { ExtractError } from './errors.js';
import type { FetchAction, SourceListener } from './events.js';
import { DEFAULT_HTTP_POLICY, type HttpPolicy } from './http.js';
import { redactLocation, redactSecrets } from '../core/redact.js';
import { readSidecar, recordSource } from './sidecar.js';

export const DEFAULT_FRED_URL = 'https://fred.stlouisfed.org';
export const DEFAULT_FRED_API_URL = 'https://api.stlouisfed.org';

const SERIES_RE = /^[A-Z0-9][A-Z0-9_]{0,63}$/;

/** A FRED series id, upper-cased; a UsageError names a malformed one. */
export function parseSeriesId(text: string): string {
  const id = text.trim().toUpperCase();
  if (!SERIES_RE.test(id)) {
    throw new UsageError(
      `--fred "${text}" is not a FRED series id — expected letters and digits such as CUSR0000SS62031 or CPIAUCNS`,
    );
  }
  return id;
}

export interface FredFetchOptions {
  series: string;
  /** Local folder that receives <SERIES>.csv and the sidecar. */
  dir: string;
  /** `{fred}`: default https://fred.stlouisfed.org. */
  fredUrl?: string;
  /** With a key, the observations API at `apiUrl` (default https://api.stlouisfed.org) is used instead. */
  apiKey?: string;
  apiUrl?: string;
  policy?: HttpPolicy;
  onEvent?: SourceListener;
}

export interface FredFetchResult {
  /** Absolute path of <SERIES>.csv. */
  file: string;
  action: FetchAction;
  bytes: number;
  sha256: string;
  /** Observations in the file (missing months included). */
  observations: number;
}

const ROW_RE = /^\d{4}-\d{2}-\d{2},(?:\.|-?\d+(?:\.\d+)?|)$/;

/**
 * Checks a fredgraph.csv body: header `observation_date,<id>` or `DATE,<id>` for the requested series, then one
 * `YYYY-MM-DD,<value>` row per observation, a missing value being `.` or empty. Returns the observation count.
 */
export function checkFredCsv(text: string, series: string, where: string): number {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = body.split(/\r?\n/);
  const head = lines[0] ?? '';
  const m = /^(?:observation_date|DATE),(.+)$/.exec(head);
  if (!m) {
    const hint = /^\s*</.test(body)
      ? 'the server sent a web page, not a CSV'
      : `header ${JSON.stringify(head.slice(0, 80))}`;
    throw new ExtractError(
      `${where}: not a FRED series CSV (${hint}) — expected "observation_date,${series}" or "DATE,${series}"; check the series id at https://fred.stlouisfed.org/series/${series}`,
    );
  }
  if (m[1]!.toUpperCase() !== series) {
    throw new ExtractError(`${where}: the file holds series ${JSON.stringify(m[1])}, not ${series}`);
  }
  let rows = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    if (!ROW_RE.test(line)) {
      throw new ExtractError(
        `${where} line ${i + 1}: ${JSON.stringify(line.slice(0, 80))} is not "YYYY-MM-DD,<number, . or empty>"`,
      );
    }
    rows++;
  }
  if (rows === 0) throw new ExtractError(`${where}: series ${series} has no observations`);
  return rows;
}

/** Converts an observations API answer to fredgraph's CSV: `observation_date,<SERIES>`, `.` for a missing value. */
export function observationsToCsv(
  json: string,
  series: string,
  where: string,
): { csv: string; rows: number } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new ExtractError(`${where}: the FRED API answer is not JSON — check MOVALYTICS_FRED_API_URL`);
  }
  const obs = (parsed as { observations?: unknown }).observations;
  if (!Array.isArray(obs)) {
    throw new ExtractError(`${where}: the FRED API answer has no "observations" list for series ${series}`);
  }
  const lines = [`observation_date,${series}`];
  for (const [i, o] of obs.entries()) {
    const { date, value } = (o ?? {}) as { date?: unknown; value?: unknown };
    const v = value === '' || value === null || value === undefined ? '.' : value;
    if (
      typeof date !== 'string' ||
      !/^\d{4}-\d{2}-\d{2}$/.test(date) ||
      typeof v !== 'string' ||
      !/^(?:\.|-?\d+(?:\.\d+)?)$/.test(v)
    ) {
      throw new ExtractError(
        `${where}: observation ${i + 1} (date ${JSON.stringify(date)}, value ${JSON.stringify(value)}) is not {"date": "YYYY-MM-DD", "value": "<number or .>"}`,
      );
    }
    lines.push(`${date},${v}`);
  }
  if (obs.length === 0) throw new ExtractError(`${where}: series ${series} has no observations`);
  return { csv: lines.join('\n') + '\n', rows: obs.length };
}

function explainFred(series: string, api: boolean, secrets: readonly string[]) {
  return (status: number, body: string): string => {
    let reason = '';
    try {
      const msg = (JSON.parse(body) as { error_message?: unknown }).error_message;
      if (typeof msg === 'string') reason = `: ${redactSecrets(msg, secrets).slice(0, 200)}`;
    } catch {
      // fredgraph answers errors with HTML: status alone
    }
    const check = `check the id at https://fred.stlouisfed.org/series/${series}`;
    if (api && (status === 400 || status === 401 || status === 403)) {
      return `the FRED API refused series ${series} (HTTP ${status}${reason}) — ${check}, and FRED_API_KEY (from the environment; get one at https://fredaccount.stlouisfed.org/apikeys), or unset FRED_API_KEY to use fredgraph.csv`;
    }
    if (status === 404 || status === 400)
      return `FRED has no series ${series} (HTTP ${status}${reason}) — ${check}`;
    return `FRED answered HTTP ${status} for series ${series}${reason} — ${check}`;
  };
}

async function sha256IfPresent(file: string): Promise<string | null> {
  try {
    return (await hashFile(file)).sha256;
  } catch {
    return null;
  }
}

/**
 * Downloads one FRED series into `dir` as <SERIES>.csv. The series is checked (header, dates, values) before it
 * replaces the file; an identical file is left untouched (its mtime too), so the stage sees it as unchanged.
 */
export async function fetchFredSeries(o: FredFetchOptions): Promise<FredFetchResult> {
  const started = Date.now();
  const series = parseSeriesId(o.series);
  const name = `${series}.csv`;
  await mkdir(o.dir, { recursive: true });
  const dest = path.resolve(o.dir, name);
  const api = o.apiKey !== undefined && o.apiKey !== '';
  const secrets = api ? [o.apiKey!] : [];
  const url = api
    ? `${(o.apiUrl ?? DEFAULT_FRED_API_URL).replace(/\/+$/, '')}/fred/series/observations?series_id=${encodeURIComponent(series)}&api_key=${encodeURIComponent(o.apiKey!)}&file_type=json`
    : `${(o.fredUrl ?? DEFAULT_FRED_URL).replace(/\/+$/, '')}/graph/fredgraph.csv?id=${encodeURIComponent(series)}`;
  const shownUrl = redactLocation(url);
  const previous = (await readSidecar(o.dir)).files[name];
  const current = await sha256IfPresent(dest);
  const cached: CachedValidators | undefined =
    previous !== undefined && previous.url === shownUrl && current === previous.sha256
      ? {
          ...(previous.etag !== undefined ? { etag: previous.etag } : {}),
          ...(previous.lastModified !== undefined ? { lastModified: previous.lastModified } : {}),
        }
      : undefined;
  const download = path.resolve(o.dir, `.${name}.download`);
  const result = await downloadToFile({
    request: { url, secrets, headers: { accept: api ? 'application/json' : 'text/csv' } },
    dest: download,
    file: name,
    policy: o.policy ?? DEFAULT_HTTP_POLICY,
    explain: explainFred(series, api, secrets),
    ...(o.onEvent ? { onEvent: o.onEvent } : {}),
    ...(cached ? { cached } : {}),
  });
  const emitEnd = (action: FetchAction, bytes: number): void =>
    o.onEvent?.({ type: 'file.end', source: 'fred', file: name, action, bytes, ms: Date.now() - started });

  if (result.status === 'not-modified' && previous !== undefined) {
    const observations = checkFredCsv(await readFile(dest, 'utf8'), series, name);
    emitEnd('unchanged', previous.bytes);
    return { file: dest, action: 'unchanged', bytes: previous.bytes, sha256: previous.sha256, observations };
  }
  let csv: string;
  let observations: number;
  try {
    const text = await readFile(download, 'utf8');
    if (api) ({ csv, rows: observations } = observationsToCsv(text, series, `${name} (${shownUrl})`));
    else {
      observations = checkFredCsv(text, series, `${name} (${shownUrl})`);
      csv = text;
    }
  } finally {
    await rm(download, { force: true });
  }
  const bytes = Buffer.byteLength(csv);
  const tmp = `${dest}.${process.pid}.tmp`;
  await writeFile(tmp, csv);
  const sha256 = (await hashFile(tmp)).sha256;
  const action: FetchAction = sha256 === current ? 'unchanged' : 'downloaded';
  if (action === 'unchanged') await rm(tmp, { force: true });
  else await rename(tmp, dest);
  await recordSource(o.dir, name, {
    url: shownUrl,
    bytes,
    sha256,
    fetchedAt: new Date().toISOString(),
    ...(result.etag !== undefined ? { etag: result.etag } : {}),
    ...(result.lastModified !== undefined ? { lastModified: result.lastModified } : {}),
  });
  emitEnd(action, bytes);
  return { file: dest, action, bytes, sha256, observations };
}
