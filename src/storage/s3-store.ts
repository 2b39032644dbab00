// The s3:// store on AWS SDK v3: any S3-protocol server (AWS, Ceph radosgw, MinIO, fauxqs) under one bucket and
// prefix. Files go up through lib-storage's Upload (multipart, parts in parallel); every SDK error is sorted once,
// here, into a StorageError naming the bucket and endpoint, never a credential.
import { setMaxListeners } from 'node:events';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  paginateListObjectsV2,
  type GetObjectCommandOutput,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { writeStreamAtomically } from './atomic-file.js';
import { checkRange, compareKeys } from './file-store.js';
import { validateKey, validatePrefix } from './keys.js';
import { redactUrl } from './location.js';
import { localFileSize, verifyingStream } from './local-file.js';
import type {
  ByteRange,
  ObjectInfo,
  PutFileOptions,
  S3StoreOptions,
  Store,
  StoreCapabilities,
} from './store.js';

// Every process that builds an S3 client would print the SDK's notice that its releases after January 2027 need
// Node 22. The SDK is pinned (package.json) and the README says which Node versions are supported, so to a user the
// notice is noise; set the variable to "false" to see it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import { StorageError, type StorageErrorReason } from './storage-errors.js';

const MiB = 1024 * 1024;
/** S3's limits: parts of at least 5 MiB (but the last), at most 10 000 parts. */
const MIN_PART = 5 * MiB;
const MAX_PARTS = 10_000;

export interface S3Target {
  bucket: string;
  /** '' or ending in '/'. */
  prefix: string;
}

interface SdkError {
  name?: string;
  code?: string;
  errors?: unknown[];
  $metadata?: { httpStatusCode?: number; attempts?: number };
}

const CREDENTIAL_ERRORS = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'AccessDenied',
  'Forbidden',
  'InvalidToken',
  'ExpiredToken',
  'TokenRefreshRequired',
  'CredentialsProviderError',
]);
const TRANSIENT_NAMES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeTooSkewed',
  'SlowDown',
  'ServiceUnavailable',
  'InternalError',
  'NetworkingError',
]);
const TRANSIENT_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
]);

/** The errno of a network failure, looking inside the AggregateError Node raises when every address failed. */
function errnoOf(err: SdkError): string | undefined {
  if (typeof err.code === 'string' && /^E[A-Z]+$/.test(err.code)) return err.code;
  const inner = err.errors?.[0] as SdkError | undefined;
  return inner && typeof inner.code === 'string' ? inner.code : undefined;
}

/** Sorts an SDK error: what it means for the caller. `op` says whether a 404 means the bucket or the key. */
export function classifyS3Error(err: unknown, op: 'bucket' | 'object'): StorageErrorReason {
  const e = (err ?? {}) as SdkError;
  const name = e.name ?? '';
  const status = e.$metadata?.httpStatusCode;
  if (name === 'AbortError') return 'aborted';
  if (name === 'NoSuchBucket') return 'no-bucket';
  if (name === 'NoSuchKey') return 'not-found';
  if (name === 'NotFound' || (status === 404 && name !== 'NoSuchUpload'))
    return op === 'bucket' ? 'no-bucket' : 'not-found';
  if (CREDENTIAL_ERRORS.has(name) || status === 403) return 'credentials';
  if (TRANSIENT_NAMES.has(name) || (status !== undefined && status >= 500)) return 'unavailable';
  const errno = errnoOf(e);
  if (errno !== undefined && TRANSIENT_ERRNO.has(errno)) return 'unavailable';
  return 'failed';
}

export class S3Store implements Store {
  readonly kind = 's3' as const;
  readonly url: string;
  /** The endpoint, redacted: for messages. */
  readonly endpoint: string;
  readonly capabilities: StoreCapabilities;
  private readonly client: S3Client;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly listPageSize: number | undefined;

  constructor(
    private readonly target: S3Target,
    opts: S3StoreOptions & { region: string },
  ) {
    this.url = `s3://${target.bucket}/${target.prefix}`;
    this.endpoint = opts.endpoint ? redactUrl(opts.endpoint) : `https://s3.${opts.region}.amazonaws.com`;
    this.capabilities = { metadata: true, conditionalPut: opts.conditionalPut ?? true };
    this.partSize = Math.max(MIN_PART, opts.partSizeBytes ?? 10 * MiB);
    this.queueSize = Math.max(1, opts.queueSize ?? 4);
    this.listPageSize = opts.listPageSize;
    this.client = new S3Client({
      region: opts.region,
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      forcePathStyle: opts.forcePathStyle ?? opts.endpoint !== undefined,
      ...(opts.credentials ? { credentials: opts.credentials } : {}),
      maxAttempts: opts.maxAttempts ?? 3,
      // With the defaults a stream body goes out aws-chunked with a trailing CRC32, which Ceph refuses (411).
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: {
        connectionTimeout: opts.connectionTimeoutMs ?? 5_000,
        requestTimeout: opts.requestTimeoutMs ?? 60_000,
        // Without it a request timeout only logs a warning and a stuck server hangs the caller.
        throwOnRequestTimeout: true,
      },
    });
  }

  /** Checks that the bucket exists and the credentials work, so a wrong setting fails before any work. */
  async open(verifyBucket = true): Promise<this> {
    if (verifyBucket) {
      try {
        await this.probe();
      } catch (err) {
        this.client.destroy();
        throw this.fail('open', null, err, 'bucket');
      }
    }
    return this;
  }

  /**
   * A one-key listing: unlike HeadBucket, its error replies have a body, so a wrong key id
   * (InvalidAccessKeyId) and a wrong secret (SignatureDoesNotMatch) can be told apart.
   */
  private async probe(): Promise<void> {
    await this.client.send(
      new ListObjectsV2Command({ Bucket: this.target.bucket, Prefix: this.target.prefix, MaxKeys: 1 }),
    );
  }

  /** A HEAD refused with 403 says only "Forbidden": ask again with a request whose reply says why. */
  private async explainForbidden(err: unknown): Promise<unknown> {
    if (classifyS3Error(err, 'object') !== 'credentials') return err;
    try {
      await this.probe();
      return err;
    } catch (probeErr) {
      return classifyS3Error(probeErr, 'bucket') === 'credentials' ? probeErr : err;
    }
  }

  localPath(key: string): null {
    validateKey(key);
    return null;
  }

  async put(
    key: string,
    body: string | Uint8Array,
    opts: { metadata?: Record<string, string> } = {},
  ): Promise<void> {
    try {
      await this.putObject(key, body, { Metadata: opts.metadata });
    } catch (err) {
      throw this.fail('put', key, err);
    }
  }

  /** One PUT of a whole body (validated key). */
  private async putObject(
    key: string,
    body: string | Uint8Array,
    extra: Partial<PutObjectCommandInput>,
  ): Promise<void> {
    const Key = this.objectKey(key);
    // Explicit ContentLength, or an empty body goes out without Content-Length and the SDK warns on every call.
    const input = { Bucket: this.target.bucket, Key, Body: body, ContentLength: Buffer.byteLength(body) };
    await this.client.send(new PutObjectCommand({ ...input, ...extra }));
  }

  async putFile(key: string, file: string, opts: PutFileOptions = {}): Promise<void> {
    const Key = this.objectKey(key);
    const total = await localFileSize(file);
    opts.signal?.throwIfAborted();
    // A bigger part only when 10 000 parts of the configured size would not hold the file.
    const partSize = Math.max(this.partSize, Math.ceil(total / MAX_PARTS));
    const abortController = new AbortController();
    // The SDK adds a listener to this upload's own signal for every part request in flight, retries included, so a
    // large file on a struggling server passes Node's default of 10 and prints a (false) leak warning.
    setMaxListeners(0, abortController.signal);
    const onAbort = (): void => abortController.abort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const source = createReadStream(file);
    // With a sha256 the bytes are hashed as they go up; a mismatch fails the stream before the upload completes.
    const body = opts.sha256 === undefined ? source : source.pipe(verifyingStream(file, opts.sha256));
    if (body !== source) source.once('error', (err) => body.destroy(err));
    // Multipart: the object appears only at CompleteMultipartUpload, so readers never see a part of it.
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.target.bucket, Key, Body: body, Metadata: opts.metadata },
      partSize,
      queueSize: this.queueSize,
      leavePartsOnError: false,
      abortController,
    });
    if (opts.onProgress) {
      const report = opts.onProgress;
      upload.on('httpUploadProgress', (p) => report(p.loaded ?? 0, total));
    }
    try {
      await upload.done();
    } catch (err) {
      throw this.fail('upload', key, err);
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  async get(key: string): Promise<Buffer> {
    const out = await this.getObject('get', key);
    try {
      const bytes = await out.Body!.transformToByteArray();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (err) {
      throw this.fail('get', key, err);
    }
  }

  async getFile(key: string, file: string, opts: { signal?: AbortSignal } = {}): Promise<void> {
    const out = await this.getObject('download', key, undefined, opts.signal);
    try {
      await writeStreamAtomically(file, asReadable(out), opts.signal);
    } catch (err) {
      // A file-system error (it has a path) is about the local side, not the server.
      const local = err as NodeJS.ErrnoException;
      if (typeof local.path === 'string') {
        const message = `cannot write ${local.path} (download of ${this.url}${key}): ${local.code}`;
        throw new StorageError('failed', message, { cause: err });
      }
      throw this.fail('download', key, err);
    }
  }

  async read(key: string, range?: ByteRange): Promise<NodeJS.ReadableStream> {
    checkRange(range);
    try {
      return asReadable(await this.getObject('read', key, range));
    } catch (err) {
      // A range that starts past the end reads nothing, as it does from a file.
      if ((err as StorageError).cause && (err as { cause: SdkError }).cause.$metadata?.httpStatusCode === 416)
        return Readable.from([]);
      throw err;
    }
  }

  async stat(key: string): Promise<ObjectInfo | null> {
    const Key = this.objectKey(key);
    try {
      const h = await this.client.send(new HeadObjectCommand({ Bucket: this.target.bucket, Key }));
      return {
        key,
        bytes: h.ContentLength ?? 0,
        etag: unquote(h.ETag),
        modifiedAt: h.LastModified ?? null,
        metadata: h.Metadata ?? {},
      };
    } catch (err) {
      if (classifyS3Error(err, 'object') === 'not-found') return null;
      throw this.fail('stat', key, await this.explainForbidden(err));
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    validatePrefix(prefix);
    const out: ObjectInfo[] = [];
    const cut = this.target.prefix.length;
    try {
      const pages = paginateListObjectsV2(
        { client: this.client, ...(this.listPageSize ? { pageSize: this.listPageSize } : {}) },
        { Bucket: this.target.bucket, Prefix: this.target.prefix + prefix },
      );
      for await (const page of pages)
        for (const o of page.Contents ?? [])
          if (o.Key !== undefined)
            out.push({
              key: o.Key.slice(cut),
              bytes: o.Size ?? 0,
              etag: unquote(o.ETag),
              modifiedAt: o.LastModified ?? null,
            });
    } catch (err) {
      throw this.fail('list', prefix, err, 'bucket');
    }
    return out.sort((a, b) => compareKeys(a.key, b.key));
  }

  async delete(key: string): Promise<void> {
    const Key = this.objectKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.target.bucket, Key }));
    } catch (err) {
      if (classifyS3Error(err, 'object') !== 'not-found') throw this.fail('delete', key, err);
    }
  }

  async putIfAbsent(key: string, body: string | Uint8Array): Promise<boolean> {
    if (!this.capabilities.conditionalPut)
      throw new StorageError(
        'failed',
        `cannot create ${this.url}${key} only-if-absent: the server at ${this.endpoint} does not honour If-None-Match (conditionalPut: false)`,
      );
    try {
      await this.putObject(key, body, { IfNoneMatch: '*' });
      return true;
    } catch (err) {
      const e = err as SdkError;
      // 412: the key exists. 409: a concurrent conditional write to the same key is in flight — it wins.
      if (e.$metadata?.httpStatusCode === 412 || e.name === 'PreconditionFailed') return false;
      if (e.$metadata?.httpStatusCode === 409 && e.name === 'ConditionalRequestConflict') return false;
      throw this.fail('create', key, err);
    }
  }

  close(): Promise<void> {
    this.client.destroy();
    return Promise.resolve();
  }

  private objectKey(key: string): string {
    return this.target.prefix + validateKey(key);
  }

  private async getObject(
    op: string,
    key: string,
    range?: ByteRange,
    signal?: AbortSignal,
  ): Promise<GetObjectCommandOutput> {
    const Key = this.objectKey(key);
    const Range = range ? `bytes=${range.start}-${range.end ?? ''}` : undefined;
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.target.bucket, Key, Range }),
        signal ? { abortSignal: signal } : {},
      );
      if (!out.Body) throw new Error('GetObject returned no body');
      return out;
    } catch (err) {
      throw this.fail(op, key, err);
    }
  }

  /** One line: what failed, where (bucket + endpoint), and the fix. Never a credential or a server message. */
  private fail(
    op: string,
    key: string | null,
    err: unknown,
    scope: 'bucket' | 'object' = 'object',
  ): StorageError {
    if (err instanceof StorageError) return err;
    const reason = classifyS3Error(err, key === null ? 'bucket' : scope);
    const e = (err ?? {}) as SdkError;
    const name = e.name && e.name !== 'Error' ? e.name : (errnoOf(e) ?? 'Error');
    const status = e.$metadata?.httpStatusCode;
    const bucket = `bucket "${this.target.bucket}" at ${this.endpoint}`;
    const what = key === null ? this.url : `${this.url}${key}`;
    const error = (message: string): StorageError => new StorageError(reason, message, { cause: err });
    switch (reason) {
      case 'no-bucket':
        return error(`S3 ${bucket} does not exist — create it or fix the staging URL`);
      case 'not-found':
        return error(`${what} does not exist (S3 endpoint ${this.endpoint})`);
      case 'credentials': {
        const fix =
          name === 'SignatureDoesNotMatch'
            ? 'the secret access key does not match the key id — check AWS_SECRET_ACCESS_KEY or the AWS profile'
            : name === 'InvalidAccessKeyId'
              ? 'the server does not know the access key id — check AWS_ACCESS_KEY_ID or the AWS profile'
              : name === 'CredentialsProviderError'
                ? 'no credentials found — set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE'
                : 'the credentials are not allowed to do this — check the key and its permissions';
        return error(`S3 ${op} refused for ${bucket} (${name}): ${fix}`);
      }
      case 'unavailable': {
        const attempts = e.$metadata?.attempts;
        const detail = `${name}${status ? ` HTTP ${status}` : ''}${attempts ? ` after ${attempts} attempt${attempts > 1 ? 's' : ''}` : ''}`;
        return error(
          `S3 endpoint ${this.endpoint} is unavailable for bucket "${this.target.bucket}" (${op}: ${detail}) — is the server running and reachable? (retryable)`,
        );
      }
      case 'aborted':
        return error(`S3 ${op} of ${what} was aborted`);
      default:
        return error(
          `S3 ${op} of ${what} failed at ${this.endpoint}: ${name}${status ? ` (HTTP ${status})` : ''}`,
        );
    }
  }
}

function unquote(etag: string | undefined): string | null {
  return etag ? etag.replace(/^"|"$/g, '') : null;
}

function asReadable(out: GetObjectCommandOutput): Readable {
  const body = out.Body;
  if (body instanceof Readable) return body;
  // Off Node (browsers, fetch handler) the body is a web stream.
  return Readable.fromWeb(body!.transformToWebStream() as Parameters<typeof Readable.fromWeb>[0]);
}
