// The Store interface: put/get/stat/list of objects under one location, a local folder or an S3 prefix. The
// pipeline writes and reads load packages only through it, so it never names a backend.

/** What a store knows about one object. */
export interface ObjectInfo {
  /** The key relative to the store's location. */
  key: string;
  bytes: number;
  /** S3's ETag without quotes; null for a folder. */
  etag: string | null;
  modifiedAt: Date | null;
  /** User metadata, from stat() on stores that keep it (never from list()). */
  metadata?: Record<string, string>;
}

/** What differs between backends, as data (callers branch on this, never on `kind`). */
export interface StoreCapabilities {
  /** put/putFile keep `metadata` and stat() returns it (S3); a folder drops it. */
  metadata: boolean;
  /** putIfAbsent is atomic across processes and machines. */
  conditionalPut: boolean;
}

/** An inclusive byte range, like HTTP Range and fs.createReadStream: `end` omitted means to the end. */
export interface ByteRange {
  start: number;
  end?: number;
}

export interface PutFileOptions {
  metadata?: Record<string, string>;
  /** The file's expected sha256 (hex): the bytes written are checked on the way, and a mismatch stores nothing. */
  sha256?: string;
  onProgress?: (bytes: number, total: number) => void;
  signal?: AbortSignal;
}

export interface Store {
  readonly kind: 'file' | 's3';
  /** Canonical and redacted (no credentials): safe to print and to record in a manifest. */
  readonly url: string;
  readonly capabilities: StoreCapabilities;
  /** A local path for `key` when the store is a local folder (engines read it in place), else null. */
  localPath(key: string): string | null;
  put(key: string, body: string | Uint8Array, opts?: { metadata?: Record<string, string> }): Promise<void>;
  /** Uploads/copies a local file atomically (readers never see a partial object); multipart for large files on S3. */
  putFile(key: string, file: string, opts?: PutFileOptions): Promise<void>;
  /** The whole object in memory: for manifests and small files. Throws StorageError 'not-found'. */
  get(key: string): Promise<Buffer>;
  /** Downloads to a local file atomically (temp file in the same folder + rename). */
  getFile(key: string, file: string, opts?: { signal?: AbortSignal }): Promise<void>;
  /** A readable stream of the object, or of an inclusive byte range of it. Throws StorageError 'not-found'. */
  read(key: string, range?: ByteRange): Promise<NodeJS.ReadableStream>;
  /** null when the object does not exist. */
  stat(key: string): Promise<ObjectInfo | null>;
  /** Every object whose key starts with `prefix` (all pages), sorted by key. */
  list(prefix: string): Promise<ObjectInfo[]>;
  /** Removes the object; removing a missing object is not an error. */
  delete(key: string): Promise<void>;
  /** Creates the key only if it does not exist (lock/claim files); false when it already existed. */
  putIfAbsent(key: string, body: string | Uint8Array): Promise<boolean>;
  close(): Promise<void>;
}

/** Settings for an s3:// store. Unset fields come from the standard AWS environment, then the defaults. */
export interface S3StoreOptions {
  /** Default: AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL, then AWS itself. */
  endpoint?: string;
  /** Default: AWS_REGION, then AWS_DEFAULT_REGION, then us-east-1. */
  region?: string;
  /** Path-style URLs (http://host/bucket/key). Default: true when a custom endpoint is set. */
  forcePathStyle?: boolean;
  /** Explicit credentials; default: the standard AWS chain (env, shared config/credentials files, SSO, IMDS). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Default 5 000 ms. */
  connectionTimeoutMs?: number;
  /** Per request, without a byte moving; default 60 000 ms. */
  requestTimeoutMs?: number;
  /** Attempts per request including the first (the SDK's retry with backoff); default 3. */
  maxAttempts?: number;
  /** Multipart part size; default and maximum sensible 10 MiB (fauxqs' body limit is 11 MiB); at least 5 MiB. */
  partSizeBytes?: number;
  /** Parts in flight per upload; default 4. */
  queueSize?: number;
  /** Keys per ListObjectsV2 page; default the server's (1000). */
  listPageSize?: number;
  /** Whether the server honours `If-None-Match: *` on PUT (AWS, Ceph, MinIO do; fauxqs does not). Default true. */
  conditionalPut?: boolean;
  /** Check the bucket with HeadBucket when opening, so a wrong bucket fails at once; default true. */
  verifyBucket?: boolean;
}

export interface StoreOptions {
  /** Folder relative paths resolve against; default process.cwd(). */
  cwd?: string;
  /** Environment to read AWS_* settings from; default process.env. */
  env?: NodeJS.ProcessEnv;
  s3?: S3StoreOptions;
}

/** The default staging location when none is configured. */
export const DEFAULT_STAGING = './.movalytics/staging';
