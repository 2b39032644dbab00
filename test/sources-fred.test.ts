// FRED: fredgraph.csv in both header forms and both missing-value forms, the observations API (JSON → the same
// CSV, the key never printed or stored), unknown series, and files left untouched when nothing changed.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../src/core/errors.js';
import {
  checkFredCsv,
  ExtractError,
  fetchFredSeries,
  observationsToCsv,
  parseSeriesId,
  readSidecar,
  SIDECAR_FILE,
  type SourceEvent,
} from '../src/sources/index.js';
import { haveRealData, realDir, tempDir } from './support/helpers.js';
import { FAST_POLICY, startFred, type TestServer } from './support/sources-servers.js';

const API_KEY = 'abcdef0123456789abcdef0123456789';

const SERIES: Record<string, string> = {
  // today's form, with the month BLS never collected (2025-10) as "."
  CUSR0000SS62031:
    'observation_date,CUSR0000SS62031\n2025-08-01,432.100\n2025-09-01,433.000\n2025-10-01,.\n2025-11-01,434.900\n',
  // the older form, CRLF, an empty missing value
  CPIAUCNS: 'DATE,CPIAUCNS\r\n1913-01-01,9.800\r\n1913-02-01,\r\n1913-03-01,9.800\r\n',
  HTMLPAGE: '<!DOCTYPE html><html><body>Series not found</body></html>',
  WRONGID: 'observation_date,SOMETHINGELSE\n2020-01-01,1.0\n',
  BADROW: 'observation_date,BADROW\n2020-01-01,1.0\n2020-02-01,n/a\n',
};

describe('FRED content checks', () => {
  it('accepts both header forms and both missing-value forms, counting observations', () => {
    expect(checkFredCsv(SERIES.CUSR0000SS62031!, 'CUSR0000SS62031', 'x')).toBe(4);
    expect(checkFredCsv(SERIES.CPIAUCNS!, 'CPIAUCNS', 'x')).toBe(3);
  });

  it.skipIf(!haveRealData('sources-fred'))('accepts the real FRED excerpt', () => {
    const real = readFileSync(join(realDir, 'CUSR0000SS62031.csv'), 'utf8');
    const dataLines = real.split(/\r?\n/).filter((l) => l !== '').length - 1;
    expect(dataLines).toBeGreaterThan(200);
    expect(checkFredCsv(real, 'CUSR0000SS62031', 'x')).toBe(dataLines);
  });

  it('names what is wrong: a web page, another series, a bad row', () => {
    expect(() => checkFredCsv(SERIES.HTMLPAGE!, 'HTMLPAGE', 'HTMLPAGE.csv')).toThrow(
      /HTMLPAGE\.csv: not a FRED series CSV \(the server sent a web page, not a CSV\)/,
    );
    expect(() => checkFredCsv(SERIES.WRONGID!, 'WRONGID', 'w.csv')).toThrow(
      /holds series "SOMETHINGELSE", not WRONGID/,
    );
    expect(() => checkFredCsv(SERIES.BADROW!, 'BADROW', 'b.csv')).toThrow(
      /b\.csv line 3: "2020-02-01,n\/a" is not/,
    );
  });

  it('converts observations JSON to fredgraph CSV with "." for a missing value', () => {
    const json = JSON.stringify({
      observations: [
        { date: '2025-09-01', value: '433.000' },
        { date: '2025-10-01', value: '.' },
        { date: '2025-11-01', value: '' },
      ],
    });
    expect(observationsToCsv(json, 'X', 'x')).toEqual({
      csv: 'observation_date,X\n2025-09-01,433.000\n2025-10-01,.\n2025-11-01,.\n',
      rows: 3,
    });
    expect(() => observationsToCsv('{"observations":[{"date":"2025","value":"1"}]}', 'X', 'x')).toThrow(
      /observation 1/,
    );
  });

  it('upper-cases series ids and rejects malformed ones', () => {
    expect(parseSeriesId('cpiaucns')).toBe('CPIAUCNS');
    expect(() => parseSeriesId('../etc/passwd')).toThrow(
      /--fred "\.\.\/etc\/passwd" is not a FRED series id/,
    );
  });
});

describe('fetchFredSeries against a local FRED', () => {
  const root = tempDir('fred');
  let fred: TestServer;
  beforeAll(async () => {
    fred = await startFred((id) => SERIES[id], API_KEY);
  });
  const fetch = (series: string, dir: string, extra: { apiKey?: string } = {}, events: SourceEvent[] = []) =>
    fetchFredSeries({
      series,
      dir,
      fredUrl: fred.base,
      apiUrl: fred.base,
      policy: FAST_POLICY,
      onEvent: (e) => events.push(e),
      ...extra,
    });

  it('saves fredgraph.csv as <SERIES>.csv byte for byte, in either header form, with a real User-Agent', async () => {
    const dir = join(root, 'graph');
    const a = await fetch('CUSR0000SS62031', dir);
    const b = await fetch('cpiaucns', dir);
    expect(readFileSync(join(dir, 'CUSR0000SS62031.csv'), 'utf8')).toBe(SERIES.CUSR0000SS62031);
    expect(readFileSync(join(dir, 'CPIAUCNS.csv'), 'utf8')).toBe(SERIES.CPIAUCNS);
    expect([a.action, a.observations, b.action, b.observations]).toEqual(['downloaded', 4, 'downloaded', 3]);
    const req = fred.requests.find((r) => r.url === '/graph/fredgraph.csv?id=CPIAUCNS');
    expect(req?.headers['user-agent']).toMatch(/^movalytics\/\d+\.\d+\.\d+ \(\+https:\/\/github\.com\//);
    const sidecar = await readSidecar(dir);
    expect(Object.keys(sidecar.files).sort()).toEqual(['CPIAUCNS.csv', 'CUSR0000SS62031.csv']);
  });

  it('a second run asks with If-None-Match, gets 304 and leaves the file (and its mtime) alone', async () => {
    const dir = join(root, 'graph');
    const file = join(dir, 'CUSR0000SS62031.csv');
    const mtime = statSync(file).mtimeMs;
    const before = fred.requests.length;
    const r = await fetch('CUSR0000SS62031', dir);
    expect(r.action).toBe('unchanged');
    expect(fred.requests[before]!.headers['if-none-match']).toMatch(/^".+"$/);
    expect(statSync(file).mtimeMs).toBe(mtime);
  });

  it('fetches again when the local file was edited', async () => {
    const dir = join(root, 'graph');
    const file = join(dir, 'CUSR0000SS62031.csv');
    writeFileSync(file, 'observation_date,CUSR0000SS62031\n2025-08-01,1.000\n');
    const before = fred.requests.length;
    const r = await fetch('CUSR0000SS62031', dir);
    expect(r.action).toBe('downloaded');
    expect(fred.requests[before]!.headers['if-none-match']).toBeUndefined();
    expect(readFileSync(file, 'utf8')).toBe(SERIES.CUSR0000SS62031);
  });

  it('with an API key uses the observations API and writes the same CSV form; the key is nowhere', async () => {
    const dir = join(root, 'api');
    const r = await fetch('CPIAUCNS', dir, { apiKey: API_KEY });
    expect(r.action).toBe('downloaded');
    expect(readFileSync(join(dir, 'CPIAUCNS.csv'), 'utf8')).toBe(
      'observation_date,CPIAUCNS\n1913-01-01,9.800\n1913-02-01,.\n1913-03-01,9.800\n',
    );
    const req = fred.requests.at(-1)!;
    expect(req.url).toBe(`/fred/series/observations?series_id=CPIAUCNS&api_key=${API_KEY}&file_type=json`);
    const sidecar = readFileSync(join(dir, SIDECAR_FILE), 'utf8');
    expect(sidecar).not.toContain(API_KEY);
    expect(sidecar).toContain('api_key=***');
  });

  it('a rejected API key says to check FRED_API_KEY without printing it (exit 2)', async () => {
    const wrong = 'ffffffffffffffffffffffffffffffff';
    const err = await fetch('CPIAUCNS', join(root, 'badkey'), { apiKey: wrong }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExtractError);
    expect(err).toMatchObject({ exitCode: EXIT.usage, status: 400 });
    expect((err as Error).message).toMatch(
      /the FRED API refused series CPIAUCNS \(HTTP 400: Bad Request\. +The value for variable api_key is not registered\.\) — .*FRED_API_KEY/,
    );
    expect((err as Error).message).not.toContain(wrong);
  });

  it('an unknown series is a 404 naming the id and where to check it, not retried', async () => {
    const before = fred.requests.length;
    const err = await fetch('NOSUCHSERIES', join(root, 'none')).catch((e: unknown) => e);
    expect(err).toMatchObject({ exitCode: EXIT.usage, status: 404 });
    expect((err as Error).message).toMatch(
      /FRED has no series NOSUCHSERIES \(HTTP 404\) — check the id at https:\/\/fred\.stlouisfed\.org\/series\/NOSUCHSERIES/,
    );
    expect(fred.requests.length - before).toBe(1);
  });

  it('a web page instead of a CSV fails and leaves no file behind', async () => {
    const dir = join(root, 'html');
    const err = await fetch('HTMLPAGE', dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExtractError);
    expect((err as Error).message).toMatch(/web page/);
    expect(() => statSync(join(dir, 'HTMLPAGE.csv'))).toThrow();
  });
});
