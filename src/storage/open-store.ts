// openStore: the one opener. A location string picks the backend; the AWS environment fills in what the
// options leave out. The S3 backend (and the AWS SDK behind it) is loaded only when a location is s3://.
import { unreachable } from '../core/unreachable.js';
import { FileStore } from './file-store.js';
import { parseLocation, redactUrl } from './location.js';
import { DEFAULT_STAGING, type Store, type StoreOptions } from './store.js';
import { StorageError } from './storage-errors.js';

/**
 * Opens the store at `location`: a folder path or `file:PATH` (created if missing), or `s3://BUCKET/PREFIX`
 * (the bucket must exist; it is checked now unless `s3.verifyBucket` is false).
 */
export async function openStore(location: string = DEFAULT_STAGING, opts: StoreOptions = {}): Promise<Store> {
  const loc = parseLocation(location, opts.cwd);
  switch (loc.kind) {
    case 'file':
      return new FileStore(loc.root).open();
    case 's3': {
      const env = opts.env ?? process.env;
      const s3 = opts.s3 ?? {};
      const endpoint =
        nonEmpty(s3.endpoint) ?? nonEmpty(env.AWS_ENDPOINT_URL_S3) ?? nonEmpty(env.AWS_ENDPOINT_URL);
      if (endpoint !== undefined) checkEndpoint(endpoint);
      const region =
        nonEmpty(s3.region) ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION) ?? 'us-east-1';
      const { S3Store } = await import('./s3-store.js');
      return new S3Store(loc, { ...s3, endpoint, region }).open(s3.verifyBucket ?? true);
    }
    default:
      return unreachable(loc, 'location');
  }
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s.trim() === '' ? undefined : s.trim();
}

function checkEndpoint(endpoint: string): void {
  if (!isPlainHttpUrl(endpoint))
    throw new StorageError(
      'location',
      `S3 endpoint ${JSON.stringify(redactUrl(endpoint))} is not an http(s) URL without credentials (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL or the endpoint option)`,
    );
}

function isPlainHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}
