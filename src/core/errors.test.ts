// Tests of the file-system error classifier: which errno codes are the user's (exit 2), which the machine's (exit 1),
// and that anything else is left alone as a bug.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  EXIT,
  EnvironmentError,
  InputError,
  fromFsError,
  type FsErrorContext,
} from './errors.js';

function errno(code: string, extra: Partial<NodeJS.ErrnoException> = {}): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: failed`), { code, path: '/data/stg/raw/ratings.csv', ...extra });
}

const staging: FsErrorContext = { action: 'write', role: 'staging', flag: '--staging' };
const input: FsErrorContext = { action: 'read', role: 'input', flag: '--input' };
const config: FsErrorContext = { action: 'read the config file', role: 'config' };

describe('fromFsError', () => {
  it.each([
    [
      'ENOSPC',
      staging,
      EnvironmentError,
      EXIT.taskFailed,
      /the disk is full .* — free space on it, or point --staging at another folder/,
    ],
    ['EFBIG', staging, EnvironmentError, EXIT.taskFailed, /ulimit -f/],
    [
      'EROFS',
      staging,
      EnvironmentError,
      EXIT.taskFailed,
      /read-only \(EROFS\) — point --staging at another folder on a writable disk/,
    ],
    [
      'EACCES',
      staging,
      EnvironmentError,
      EXIT.taskFailed,
      /permission denied \(EACCES\) — give this user write access/,
    ],
    [
      'EPERM',
      input,
      InputError,
      EXIT.usage,
      /permission denied \(EPERM\) — give this user read access to it, or point --input/,
    ],
    [
      'ENOTDIR',
      staging,
      InputError,
      EXIT.usage,
      /a file where a folder is expected \(ENOTDIR\) — point --staging at a folder/,
    ],
    ['EISDIR', config, ConfigError, EXIT.usage, /it is a folder where a file is expected \(EISDIR\)/],
    ['ENOSPC', input, EnvironmentError, EXIT.taskFailed, /disk is full/],
  ] as const)('%s while %s', (code, ctx, cls, exit, message) => {
    const e = fromFsError(errno(code), ctx);
    expect(e).toBeInstanceOf(cls);
    expect((e as EnvironmentError).exitCode).toBe(exit);
    expect((e as Error).message).toMatch(/^cannot \w.* \/data\/stg\/raw\/ratings\.csv: /);
    expect((e as Error).message).toMatch(message);
    expect((e as Error).message).not.toMatch(/\n/);
  });

  it('leaves other errors alone (they are bugs)', () => {
    const e = errno('EBADF');
    expect(fromFsError(e, staging)).toBe(e);
    const plain = new Error('x');
    expect(fromFsError(plain, staging)).toBe(plain);
  });

  const dir = mkdtempSync(join(tmpdir(), 'movalytics-errors-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names the destination of a copy that fills the disk, the source of one it cannot read', () => {
    const full = errno('ENOSPC', { syscall: 'copyfile', path: '/in/a.csv' });
    Object.assign(full, { dest: '/stg/a.csv.part' });
    expect((fromFsError(full, staging) as Error).message).toMatch(/^cannot write \/stg\/a\.csv\.part: /);
    const denied = errno('EACCES', { syscall: 'copyfile', path: '/in/a.csv' });
    Object.assign(denied, { dest: '/stg/a.csv.part' });
    expect((fromFsError(denied, staging) as Error).message).toMatch(/^cannot write \/in\/a\.csv: /);
  });

  it('sorts a real mkdir under a regular file as ENOTDIR (exit 2)', async () => {
    mkdirSync(join(dir, 'd'));
    writeFileSync(join(dir, 'd', 'file'), 'x');
    const err = await mkdir(join(dir, 'd', 'file', 'sub', 'deeper'), { recursive: true }).catch(
      (e: unknown) => e,
    );
    const e = fromFsError(err, { action: 'create the folder', role: 'staging', flag: '--staging' });
    expect(e).toBeInstanceOf(InputError);
    expect((e as Error).message).toMatch(/\(ENOTDIR\) — point --staging at a folder$/);
  });
});
