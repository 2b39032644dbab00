// Parses a staging location — a folder path, `file:PATH` or `s3://BUCKET/PREFIX` — and redacts URLs for printing.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { StorageError } from './storage-errors.js';

export type Location = { kind: 'file'; root: string } | { kind: 's3'; bucket: string; prefix: string };

const HINT =
  'use a folder path, file:PATH or s3://BUCKET/PREFIX (credentials go in the AWS environment, not the URL)';
// S3 bucket naming rules (3–63 chars, lower case, digits, dots, hyphens), loosely: the server has the last word.
const BUCKET_RE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Splits a location string into a backend and its address; throws StorageError 'location' when unusable. */
export function parseLocation(location: string, cwd: string = process.cwd()): Location {
  const loc = location.trim();
  if (loc === '') throw new StorageError('location', `staging location is empty: ${HINT}`);
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]+):/.exec(loc)?.[1]?.toLowerCase();
  // One letter before ':' is a Windows drive, not a scheme.
  if (scheme === undefined) return { kind: 'file', root: path.resolve(cwd, loc) };
  if (scheme === 'file') {
    const root = loc.startsWith('file://') ? fileURLToPath(loc) : loc.slice('file:'.length);
    if (root === '') throw new StorageError('location', `staging location "file:" has no path: ${HINT}`);
    return { kind: 'file', root: path.resolve(cwd, root) };
  }
  if (scheme === 's3') {
    const m = /^s3:\/\/([^/?#]*)(\/[^?#]*)?$/i.exec(loc);
    const bucket = m?.[1] ?? '';
    if (bucket.includes('@'))
      throw new StorageError('location', `staging location ${redactUrl(loc)} carries credentials: ${HINT}`);
    if (m === null || !BUCKET_RE.test(bucket))
      throw new StorageError(
        'location',
        `staging location ${JSON.stringify(redactUrl(loc))} is not s3://BUCKET/PREFIX with a valid bucket name: ${HINT}`,
      );
    const rawPrefix = (m[2] ?? '').replace(/^\/+/, '');
    const prefix = rawPrefix === '' || rawPrefix.endsWith('/') ? rawPrefix : `${rawPrefix}/`;
    const segments = prefix.split('/').slice(0, -1);
    if (segments.some((s) => s === '' || s === '.' || s === '..'))
      throw new StorageError(
        'location',
        `staging location ${JSON.stringify(loc)} has an empty, '.' or '..' segment in its prefix: ${HINT}`,
      );
    return { kind: 's3', bucket, prefix };
  }
  throw new StorageError('location', `staging location scheme "${scheme}:" is not supported: ${HINT}`);
}

/** A URL without user, password, query or fragment (query strings can carry presigned credentials). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.protocol === 's3:') return `s3://${u.hostname}${u.pathname}`;
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    // Not a URL: cut anything that looks like user info or a query.
    return url.replace(/\/\/[^/@]*@/, '//').replace(/[?#].*$/, '');
  }
}
