// Unit tests for location parsing and redaction: pure, no I/O.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseLocation, redactUrl } from './location.js';
import { StorageError } from './storage-errors.js';

function reject(location: string): StorageError {
  try {
    parseLocation(location, '/base');
  } catch (err) {
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).reason).toBe('location');
    expect((err as StorageError).exitCode).toBe(2);
    return err as StorageError;
  }
  throw new Error(`${location} was accepted`);
}

describe('parseLocation', () => {
  it('reads folders, file: paths and file:// URLs', () => {
    expect(parseLocation('./.movalytics/staging', '/base')).toEqual({
      kind: 'file',
      root: path.resolve('/base/.movalytics/staging'),
    });
    expect(parseLocation('/abs/dir', '/base')).toEqual({ kind: 'file', root: '/abs/dir' });
    expect(parseLocation('file:rel/dir', '/base')).toEqual({ kind: 'file', root: '/base/rel/dir' });
    expect(parseLocation('file:///abs/x%20y', '/base')).toEqual({ kind: 'file', root: '/abs/x y' });
  });

  it('reads s3://BUCKET/PREFIX and normalises the prefix to end in /', () => {
    expect(parseLocation('s3://my-bucket')).toEqual({ kind: 's3', bucket: 'my-bucket', prefix: '' });
    expect(parseLocation('s3://my-bucket/')).toEqual({ kind: 's3', bucket: 'my-bucket', prefix: '' });
    expect(parseLocation('s3://my.bucket/a/b')).toEqual({ kind: 's3', bucket: 'my.bucket', prefix: 'a/b/' });
    expect(parseLocation('S3://my-bucket/a/')).toEqual({ kind: 's3', bucket: 'my-bucket', prefix: 'a/' });
  });

  it('refuses what it cannot use, in one line, without echoing credentials', () => {
    expect(reject('').message).toContain('empty');
    expect(reject('gs://bucket/x').message).toContain('"gs:"');
    expect(reject('s3://Bad_Bucket/x').message).toContain('valid bucket name');
    expect(reject('s3://b/x').message).toContain('valid bucket name');
    expect(reject('s3://bucket/a//b').message).toContain("'..'");
    expect(reject('s3://bucket/a/../b').message).toContain("'..'");
    expect(reject('file:').message).toContain('no path');
    const e = reject('s3://AKIAXXXX:hunter2@bucket/x');
    expect(e.message).not.toMatch(/hunter2|AKIAXXXX/);
    for (const e2 of [reject('s3://bucket/x?X-Amz-Credential=AKIAYYY'), reject('s3://bucket/x#frag')])
      expect(e2.message).not.toContain('AKIAYYY');
  });
});

describe('redactUrl', () => {
  it('drops user info, queries and fragments', () => {
    expect(redactUrl('http://u:p@127.0.0.1:9000/path?X-Amz-Signature=abc#f')).toBe(
      'http://127.0.0.1:9000/path',
    );
    expect(redactUrl('https://s3.amazonaws.com/')).toBe('https://s3.amazonaws.com');
    expect(redactUrl('s3://KEY:SECRET@bucket/prefix/')).toBe('s3://bucket/prefix/');
    expect(redactUrl('not a url//user:pw@host?q')).toBe('not a url//host');
  });
});
