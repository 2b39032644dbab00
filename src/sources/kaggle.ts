// Fetches a Kaggle dataset: GET {api}/datasets/download/{owner}/{slug} with the user's credentials, the redirect to
// the storage host followed without them, the zip kept as <slug>.zip and its CSVs unpacked beside it.
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../core/errors.js';
import { unpackZip } from './unzip.js';
import { downloadToFile, hashFile, sizeOf, type CachedValidators } from './download.js';
import type { FetchAction, SourceListener } from './events.js';
import { DEFAULT_HTTP_POLICY, type HttpPolicy } from './http.js';
import { KAGGLE_CREDENTIAL_HELP, type KaggleCredentials } from './kaggle-credentials.js';
import { redactLocation } from '../core/redact.js';
import { readSidecar, recordSource, type SourceRecord } from './sidecar.js';

export const DEFAULT_KAGGLE_API = 'https://www.kaggle.com/api/v1';

export interface KaggleDatasetRef {
  owner: string;
  slug: string;
  version?: number;
}

const NAME = '[A-Za-z0-9][A-Za-z0-9._-]*';
const REF_RE = new RegExp(`^(${NAME})/(${NAME})(?:@(\\d+))?$`);

/** Parses `OWNER/SLUG[@VERSION]`; a UsageError names the value and the expected form. */
export function parseKaggleRef(text: string): KaggleDatasetRef {
  const m = REF_RE.exec(text.trim());
  if (!m) {
    throw new UsageError(
      `--kaggle "${text}" is not a dataset name — expected OWNER/SLUG or OWNER/SLUG@VERSION, as in https://www.kaggle.com/datasets/OWNER/SLUG`,
    );
  }
  const version = m[3] === undefined ? undefined : Number(m[3]);
  return { owner: m[1]!, slug: m[2]!, ...(version !== undefined ? { version } : {}) };
}

export function formatKaggleRef(ref: KaggleDatasetRef): string {
  return `${ref.owner}/${ref.slug}${ref.version !== undefined ? `@${ref.version}` : ''}`;
}

/** The download URL of a dataset (version optional). */
export function kaggleDownloadUrl(ref: KaggleDatasetRef, apiBase: string = DEFAULT_KAGGLE_API): string {
  const base = apiBase.replace(/\/+$/, '');
  const url = `${base}/datasets/download/${encodeURIComponent(ref.owner)}/${encodeURIComponent(ref.slug)}`;
  return ref.version !== undefined ? `${url}?datasetVersionNumber=${ref.version}` : url;
}

export interface KaggleFetchOptions {
  dataset: KaggleDatasetRef;
  /** Local folder that receives <slug>.zip, its CSVs and the sidecar. */
  dir: string;
  credentials: KaggleCredentials;
  /** `{api}`: default https://www.kaggle.com/api/v1. */
  apiBase?: string;
  policy?: HttpPolicy;
  onEvent?: SourceListener;
  progressIntervalMs?: number;
}

export interface KaggleFetchResult {
  /** Absolute path of the zip. */
  zip: string;
  action: FetchAction;
  bytes: number;
  sha256: string;
  /** The CSV names now in `dir` from this dataset. */
  files: string[];
}

/** Kaggle's statuses in words: which credential was used, where to get one, or which name to check. */
function explainKaggle(ref: KaggleDatasetRef, credentials: KaggleCredentials) {
  const name = formatKaggleRef(ref);
  const used = `credentials used: ${credentials.authorization.source}`;
  return (status: number, _body: string, redirected: boolean): string => {
    // The API accepted the credentials and sent us on; a refusal there is the storage link, not the account.
    if (redirected) {
      return `the download link Kaggle gave for dataset ${name} was refused by the storage host (HTTP ${status}) — run again for a fresh link`;
    }
    switch (status) {
      case 401:
        return `Kaggle rejected the credentials for dataset ${name} (HTTP 401; ${used}) — ${KAGGLE_CREDENTIAL_HELP}`;
      case 403:
        return `Kaggle refused access to dataset ${name} (HTTP 403; ${used}) — open https://www.kaggle.com/datasets/${ref.owner}/${ref.slug} and accept its rules, or use a token of an account that can read it`;
      case 404:
        return `Kaggle dataset ${name} was not found (HTTP 404; ${used}) — check OWNER/SLUG against the dataset's URL https://www.kaggle.com/datasets/OWNER/SLUG${ref.version !== undefined ? ' and that the version exists' : ''}`;
      default:
        return `Kaggle answered HTTP ${status} for dataset ${name} (${used}) — check the dataset name and try again`;
    }
  };
}

/** The validators of the zip on disk, when it is still exactly what the sidecar recorded for the same URL. */
async function cachedIfIntact(
  file: string,
  url: string,
  rec: SourceRecord | undefined,
): Promise<CachedValidators | undefined> {
  if (rec === undefined || rec.url !== url || (await sizeOf(file)) !== rec.bytes) return undefined;
  if ((await hashFile(file)).sha256 !== rec.sha256) return undefined;
  return {
    bytes: rec.bytes,
    ...(rec.etag !== undefined ? { etag: rec.etag } : {}),
    ...(rec.lastModified !== undefined ? { lastModified: rec.lastModified } : {}),
    ...(rec.googHash !== undefined ? { googHash: rec.googHash } : {}),
  };
}

async function unpackedIntact(dir: string, rec: SourceRecord | undefined): Promise<boolean> {
  if (rec?.unpacked === undefined || rec.unpacked.length === 0) return false;
  for (const f of rec.unpacked) if ((await sizeOf(path.join(dir, f.name))) !== f.bytes) return false;
  return true;
}

/**
 * Unpacks the zip through the stage's zip path (same safety rules) into a scratch folder inside `dir`, then moves the
 * CSVs into `dir`. Nothing outside `dir` is written, whatever the archive holds.
 */
async function unpackInto(zip: string, dir: string): Promise<{ name: string; bytes: number }[]> {
  const scratch = path.join(dir, `.unpack-${path.basename(zip, '.zip')}-${process.pid}`);
  try {
    await unpackZip(zip, scratch);
    const out: { name: string; bytes: number }[] = [];
    for (const e of await readdir(scratch, { withFileTypes: true })) {
      if (!e.isFile() || !e.name.toLowerCase().endsWith('.csv')) continue;
      await rename(path.join(scratch, e.name), path.join(dir, e.name));
      out.push({ name: e.name, bytes: (await sizeOf(path.join(dir, e.name))) ?? 0 });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : 1));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Downloads a Kaggle dataset into `dir` as <slug>.zip and unpacks its CSVs there. When the zip on disk is intact and
 * the server reports the same object (304, or the same size and MD5), nothing is downloaded or rewritten.
 */
export async function fetchKaggleDataset(o: KaggleFetchOptions): Promise<KaggleFetchResult> {
  const started = Date.now();
  const emit = o.onEvent ?? ((): void => undefined);
  await mkdir(o.dir, { recursive: true });
  const url = kaggleDownloadUrl(o.dataset, o.apiBase);
  const shownUrl = redactLocation(url);
  const zipName = `${o.dataset.slug}.zip`;
  const zip = path.resolve(o.dir, zipName);
  const sidecar = await readSidecar(o.dir);
  const previous = sidecar.files[zipName];
  const cached = await cachedIfIntact(zip, shownUrl, previous);
  const result = await downloadToFile({
    request: {
      url,
      authorization: o.credentials.authorization,
      secrets: o.credentials.secrets,
    },
    dest: zip,
    file: zipName,
    policy: o.policy ?? DEFAULT_HTTP_POLICY,
    explain: explainKaggle(o.dataset, o.credentials),
    ...(o.onEvent ? { onEvent: o.onEvent } : {}),
    ...(o.progressIntervalMs !== undefined ? { progressIntervalMs: o.progressIntervalMs } : {}),
    ...(cached ? { cached } : {}),
  });
  // The same bytes as last time (a 304, or a server that sent them again): the unpacked CSVs can stay.
  const sameZip =
    result.status === 'not-modified' || (previous !== undefined && previous.sha256 === result.sha256);
  const record: SourceRecord =
    result.status === 'not-modified' && previous !== undefined
      ? previous
      : {
          url: shownUrl,
          bytes: result.bytes,
          sha256: result.sha256,
          fetchedAt: new Date().toISOString(),
          ...(result.etag !== undefined ? { etag: result.etag } : {}),
          ...(result.googHash !== undefined ? { googHash: result.googHash } : {}),
          ...(result.lastModified !== undefined ? { lastModified: result.lastModified } : {}),
        };
  const action: FetchAction = result.status === 'not-modified' ? 'unchanged' : 'downloaded';
  emit({
    type: 'file.end',
    source: 'kaggle',
    file: zipName,
    action,
    bytes: record.bytes,
    ms: Date.now() - started,
  });

  let unpacked: { name: string; bytes: number }[];
  if (sameZip && (await unpackedIntact(o.dir, previous))) {
    unpacked = previous!.unpacked!;
    emit({ type: 'unpack.end', file: zipName, files: unpacked.map((f) => f.name), skipped: true });
  } else {
    unpacked = await unpackInto(zip, o.dir);
    emit({ type: 'unpack.end', file: zipName, files: unpacked.map((f) => f.name), skipped: false });
  }
  await recordSource(o.dir, zipName, { ...record, unpacked });
  return { zip, action, bytes: record.bytes, sha256: record.sha256, files: unpacked.map((f) => f.name) };
}
