// Who holds a DuckDB warehouse file: DuckDB's own lock says only the PID, so an open warehouse leaves a small
// sidecar (<file>.lock.json: pid, host, since, command) that a refused process reads to say who and since when.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';

interface LockInfo {
  pid: number;
  host: string;
  since: string;
  command: string;
}

const sidecar = (file: string): string => `${file}.lock.json`;

/** Records this process as the holder of `file` (best effort: a read-only folder only loses the detail). */
export function writeLockInfo(file: string): void {
  const info: LockInfo = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    command: process.argv
      .slice(2, 3)
      .map((a) => `movalytics ${a}`)
      .join(''),
  };
  try {
    writeFileSync(sidecar(file), JSON.stringify(info) + '\n');
  } catch {
    // the lock itself is DuckDB's; the sidecar is only the description
  }
}

/** Removes the sidecar if it is this process's. */
export function removeLockInfo(file: string): void {
  const info = readLockInfo(file);
  if (info?.pid === process.pid) rmSync(sidecar(file), { force: true });
}

function readLockInfo(file: string): LockInfo | null {
  try {
    return JSON.parse(readFileSync(sidecar(file), 'utf8')) as LockInfo;
  } catch {
    return null;
  }
}

/** "PID 123 on host, `movalytics run`, since …" for the process DuckDB names, or just "PID 123". */
export function describeHolder(file: string, pid: number | null): string | null {
  if (pid === null) return null;
  const info = readLockInfo(file);
  if (info === null || info.pid !== pid) return `PID ${pid}`;
  return `PID ${pid}${info.command ? `, ${info.command}` : ''}, since ${info.since}`;
}
