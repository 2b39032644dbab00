// Kaggle: the credential order of the official client, and downloads from a local Kaggle API that redirects to a
// separate storage host (Authorization must not follow), with status messages, resume, skip and zip-slip.
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT, InputError } from '../src/core/errors.js';
import { generateDataset, KAGGLE_FILES as ALL_KAGGLE_FILES, ZIP_FILE } from '../src/generate/index.js';
import { classifyFile } from '../src/sources/input-layout.js';

/** The archive's CSVs the layout uses: the unpack extracts only these (the others are listed as ignored). */
const KAGGLE_FILES = ALL_KAGGLE_FILES.filter((f) => classifyFile(f).role !== 'ignored');
import {
  ExtractError,
  fetchKaggleDataset,
  parseKaggleRef,
  readSidecar,
  resolveKaggleCredentials,
  SIDECAR_FILE,
  type KaggleCredentials,
  type SourceEvent,
} from '../src/sources/index.js';
import { tempDir } from './support/helpers.js';
import {
  buildZipSlip,
  FAST_POLICY,
  sha256hex,
  startBlobServer,
  startKaggleApi,
  type BlobBehaviour,
  type TestServer,
} from './support/sources-servers.js';

function home(files: Record<string, string>): string {
  const dir = tempDir('kaggle-home');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const basicOf = (u: string, k: string): string => `Basic ${Buffer.from(`${u}:${k}`).toString('base64')}`;

describe('Kaggle credentials, in the official client order', () => {
  it('KAGGLE_API_TOKEN as a value is a Bearer token and wins over everything else', () => {
    const h = home({
      '.kaggle/access_token': 'file-token',
      '.kaggle/kaggle.json': '{"username":"u","key":"k"}',
    });
    const c = resolveKaggleCredentials(
      { KAGGLE_API_TOKEN: 'env-token', KAGGLE_USERNAME: 'u', KAGGLE_KEY: 'k' },
      h,
    );
    expect(c.authorization).toEqual({
      value: 'Bearer env-token',
      source: 'KAGGLE_API_TOKEN from the environment',
    });
  });

  it('KAGGLE_API_TOKEN naming a file reads the token from it', () => {
    const h = home({ 'tokens/kaggle.txt': 'token-in-file\n' });
    const c = resolveKaggleCredentials({ KAGGLE_API_TOKEN: join(h, 'tokens/kaggle.txt') }, h);
    expect(c.authorization.value).toBe('Bearer token-in-file');
    expect(c.authorization.source).toBe('the token file ~/tokens/kaggle.txt named by KAGGLE_API_TOKEN');
  });

  it('~/.kaggle/access_token comes next, before a username and key', () => {
    const h = home({ '.kaggle/access_token': 'access-token\n' });
    const c = resolveKaggleCredentials({ KAGGLE_USERNAME: 'u', KAGGLE_KEY: 'k' }, h);
    expect(c.authorization).toEqual({ value: 'Bearer access-token', source: '~/.kaggle/access_token' });
  });

  it('KAGGLE_USERNAME + KAGGLE_KEY are HTTP Basic, before kaggle.json', () => {
    const h = home({ '.kaggle/kaggle.json': '{"username":"file-user","key":"file-key"}' });
    const c = resolveKaggleCredentials({ KAGGLE_USERNAME: 'env-user', KAGGLE_KEY: 'env-key' }, h);
    expect(c.authorization).toEqual({
      value: basicOf('env-user', 'env-key'),
      source: 'KAGGLE_USERNAME/KAGGLE_KEY from the environment',
    });
  });

  it('kaggle.json: $KAGGLE_CONFIG_DIR first, then ~/.kaggle, then ~/.config/kaggle', () => {
    const h = home({
      'cfg/kaggle.json': '{"username":"cfg","key":"k1"}',
      '.kaggle/kaggle.json': '{"username":"dot","key":"k2"}',
      '.config/kaggle/kaggle.json': '{"username":"xdg","key":"k3"}',
    });
    expect(resolveKaggleCredentials({ KAGGLE_CONFIG_DIR: join(h, 'cfg') }, h).authorization).toEqual({
      value: basicOf('cfg', 'k1'),
      source: '~/cfg/kaggle.json',
    });
    expect(resolveKaggleCredentials({}, h).authorization).toEqual({
      value: basicOf('dot', 'k2'),
      source: '~/.kaggle/kaggle.json',
    });
    const xdg = home({ '.config/kaggle/kaggle.json': '{"username":"xdg","key":"k3"}' });
    expect(resolveKaggleCredentials({}, xdg).authorization.source).toBe('~/.config/kaggle/kaggle.json');
  });

  it('says where to put credentials when there are none, and names a broken file without its content', () => {
    expect(() => resolveKaggleCredentials({}, home({}))).toThrow(
      /no Kaggle credentials found — create an API token .* KAGGLE_API_TOKEN or ~\/\.kaggle\/access_token/,
    );
    const broken = home({ '.kaggle/kaggle.json': '{"username":"u","key":"sekrit-but-broken"' });
    const err = (() => {
      try {
        resolveKaggleCredentials({}, broken);
      } catch (e) {
        return e as ExtractError;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(ExtractError);
    expect(err?.exitCode).toBe(EXIT.usage);
    expect(err?.message).toMatch(/~\/\.kaggle\/kaggle\.json is not valid JSON/);
    expect(err?.message).not.toContain('sekrit');
    expect(() => resolveKaggleCredentials({ KAGGLE_USERNAME: 'u' }, home({}))).toThrow(
      /KAGGLE_USERNAME is set but KAGGLE_KEY is not/,
    );
  });
});

describe('parseKaggleRef', () => {
  it('reads OWNER/SLUG and OWNER/SLUG@VERSION, and rejects anything else by name', () => {
    expect(parseKaggleRef('rounakbanik/the-movies-dataset')).toEqual({
      owner: 'rounakbanik',
      slug: 'the-movies-dataset',
    });
    expect(parseKaggleRef('a/b@7')).toEqual({ owner: 'a', slug: 'b', version: 7 });
    for (const bad of ['the-movies-dataset', 'a/b/c', '../x/y', 'a/b@v2'])
      expect(() => parseKaggleRef(bad)).toThrow(
        new RegExp(`--kaggle "${bad.replace(/[.]/g, '\\.')}" is not a dataset name`),
      );
  });
});

describe('fetchKaggleDataset against a local Kaggle', () => {
  const root = tempDir('kaggle');
  let zip: Buffer;
  let served: () => Buffer;
  let behaviour: BlobBehaviour = {};
  const auth = 'Bearer good-token';
  let storage: TestServer;
  let api: TestServer;
  const credentials = (
    value: string,
    source = 'KAGGLE_API_TOKEN from the environment',
  ): KaggleCredentials => ({
    scheme: 'bearer',
    authorization: { value, source },
    secrets: [value.replace(/^Bearer /, '')],
  });

  beforeAll(async () => {
    const g = await generateDataset({
      out: join(root, 'gen'),
      movies: 100,
      ratings: 3000,
      seed: 3,
      zip: true,
    });
    zip = readFileSync(join(g.dir, ZIP_FILE));
    served = () => zip;
    storage = await startBlobServer(
      () => served(),
      () => behaviour,
    );
    api = await startKaggleApi(
      () => storage.base,
      () => auth,
    );
  });

  async function fetchInto(
    dir: string,
    slug = 'the-movies-dataset',
    token = 'Bearer good-token',
    events: SourceEvent[] = [],
  ) {
    return fetchKaggleDataset({
      dataset: { owner: 'rounakbanik', slug },
      dir,
      credentials: credentials(token),
      apiBase: `${api.base}/api/v1`,
      policy: FAST_POLICY,
      onEvent: (e) => events.push(e),
      progressIntervalMs: 0,
    });
  }

  it('downloads through the redirect without sending Authorization to the storage host, then unpacks', async () => {
    behaviour = {};
    const dir = join(root, 'first');
    const apiBefore = api.requests.length;
    const storageBefore = storage.requests.length;
    const r = await fetchInto(dir);
    expect(api.requests[apiBefore]!.headers.authorization).toBe('Bearer good-token');
    const toStorage = storage.requests.slice(storageBefore);
    expect(toStorage).toHaveLength(1);
    expect(toStorage[0]!.headers.authorization).toBeUndefined();
    expect(toStorage[0]!.headers['user-agent']).toMatch(/^movalytics\/\d+\.\d+\.\d+ \(\+https:\/\//);
    expect(r.action).toBe('downloaded');
    expect(r.sha256).toBe(sha256hex(zip));
    expect([...r.files].sort()).toEqual([...KAGGLE_FILES].sort());
    for (const f of KAGGLE_FILES) {
      expect(readFileSync(join(dir, f)).equals(readFileSync(join(root, 'gen', f)))).toBe(true);
    }
    const rec = (await readSidecar(dir)).files['the-movies-dataset.zip'];
    expect(rec).toMatchObject({ bytes: zip.length, sha256: sha256hex(zip) });
    expect(rec?.etag).toMatch(/^".+"$/);
    expect(rec?.googHash).toMatch(/md5=/);
    expect(rec?.url).toBe(`${api.base}/api/v1/datasets/download/rounakbanik/the-movies-dataset`);
    // No signed storage URL and no token in the sidecar.
    const sidecar = readFileSync(join(dir, SIDECAR_FILE), 'utf8');
    expect(sidecar).not.toContain('deadbeef');
    expect(sidecar).not.toContain('good-token');
  });

  it('a second run downloads nothing and leaves the files untouched', async () => {
    behaviour = {};
    const dir = join(root, 'first');
    const mtimes = KAGGLE_FILES.map((f) => statSync(join(dir, f)).mtimeMs);
    const before = storage.requests.length;
    const events: SourceEvent[] = [];
    const r = await fetchInto(dir, undefined, undefined, events);
    expect(r.action).toBe('unchanged');
    const asked = storage.requests.slice(before);
    expect(asked).toHaveLength(1);
    expect(asked[0]!.headers['if-none-match']).toMatch(/^".+"$/);
    expect(events.some((e) => e.type === 'download.progress')).toBe(false);
    expect(events).toContainEqual(expect.objectContaining({ type: 'unpack.end', skipped: true }));
    expect(KAGGLE_FILES.map((f) => statSync(join(dir, f)).mtimeMs)).toEqual(mtimes);
  });

  it('downloads again when the zip on disk was damaged, even though the server would answer 304', async () => {
    behaviour = {};
    const dir = join(root, 'first');
    writeFileSync(join(dir, 'the-movies-dataset.zip'), Buffer.alloc(zip.length, 0));
    const r = await fetchInto(dir);
    expect(r.action).toBe('downloaded');
    expect(readFileSync(join(dir, 'the-movies-dataset.zip')).equals(zip)).toBe(true);
  });

  it('resumes an interrupted download with Range and ends with the right zip', async () => {
    const dir = join(root, 'resume');
    behaviour = { dropAfter: 20_000, partFile: join(dir, 'the-movies-dataset.zip.part') };
    const before = storage.requests.length;
    const events: SourceEvent[] = [];
    await fetchInto(dir, undefined, undefined, events);
    const asked = storage.requests.slice(before);
    expect(asked.map((q) => q.headers.range)).toEqual([undefined, 'bytes=20000-']);
    expect(asked.every((q) => q.headers.authorization === undefined)).toBe(true);
    expect(readFileSync(join(dir, 'the-movies-dataset.zip')).equals(zip)).toBe(true);
    expect(events.filter((e) => e.type === 'download.retry')).toHaveLength(1);
  });

  it.each([
    [
      401,
      'unauthorized',
      /Kaggle rejected the credentials for dataset rounakbanik\/unauthorized \(HTTP 401; credentials used: KAGGLE_API_TOKEN from the environment\) — create an API token/,
    ],
    [
      403,
      'forbidden',
      /Kaggle refused access to dataset rounakbanik\/forbidden \(HTTP 403; credentials used: KAGGLE_API_TOKEN from the environment\) — open https:\/\/www\.kaggle\.com\/datasets\/rounakbanik\/forbidden and accept its rules/,
    ],
    [
      404,
      'missing',
      /Kaggle dataset rounakbanik\/missing was not found \(HTTP 404; credentials used: KAGGLE_API_TOKEN from the environment\) — check OWNER\/SLUG/,
    ],
  ])(
    'HTTP %i is not retried, names the credential source but not the secret, exit 2',
    async (status, slug, message) => {
      const before = api.requests.length;
      const err = await fetchInto(join(root, `status-${status}`), slug).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ExtractError);
      expect(err).toMatchObject({ status, exitCode: EXIT.usage, retryable: false, code: 'extract' });
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).not.toContain('good-token');
      expect(api.requests.length - before).toBe(1);
    },
  );

  it('a wrong token is a 401 that says which credential was used', async () => {
    const err = await fetchInto(join(root, 'wrong'), undefined, 'Bearer wrong-token').catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ status: 401, exitCode: EXIT.usage });
    expect((err as Error).message).not.toContain('wrong-token');
  });

  it('a refusal by the storage host (an expired link) is retryable, exit 1, and not blamed on the credentials', async () => {
    behaviour = { failFirst: [403] };
    const before = storage.requests.length;
    const err = await fetchInto(join(root, 'expired')).catch((e: unknown) => e);
    behaviour = {};
    expect(err).toMatchObject({ status: 403, retryable: true, exitCode: EXIT.taskFailed });
    expect((err as Error).message).toMatch(
      /the download link Kaggle gave for dataset .* was refused by the storage host \(HTTP 403\) — run again/,
    );
    expect(storage.requests.length - before).toBe(1);
  });

  it('a corrupt transfer (MD5 differs from x-goog-hash) fails and leaves no zip or partial file', async () => {
    behaviour = { wrongMd5: true };
    const dir = join(root, 'md5');
    const err = await fetchInto(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExtractError);
    expect(err).toMatchObject({ retryable: true, exitCode: EXIT.taskFailed });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a zip-slip archive and writes nothing outside (or inside) the folder', async () => {
    behaviour = {};
    const evil = await buildZipSlip();
    served = () => evil;
    try {
      const parent = join(root, 'slip');
      const dir = join(parent, 'in');
      const err = await fetchInto(dir, 'slippery').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).exitCode).toBe(EXIT.usage);
      expect((err as Error).message).toMatch(/slippery\.zip/);
      expect(existsSync(join(parent, 'evil.csv'))).toBe(false);
      expect(readdirSync(dir).filter((f) => f.endsWith('.csv'))).toEqual([]);
      expect(readdirSync(dir).filter((f) => f.startsWith('.unpack'))).toEqual([]);
    } finally {
      served = () => zip;
    }
  });
});
