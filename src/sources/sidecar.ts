// `.movalytics-source.json` in the destination folder: what each fetched file is (URL, validators, bytes, sha256,
// when), so a second run can ask "changed?" instead of downloading again.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const SIDECAR_FILE = '.movalytics-source.json';

/** One fetched file. `url` is redacted; `unpacked` lists the CSVs a zip put beside it. */
export interface SourceRecord {
  url: string;
  etag?: string;
  googHash?: string;
  lastModified?: string;
  bytes: number;
  sha256: string;
  fetchedAt: string;
  unpacked?: { name: string; bytes: number }[];
}

interface Sidecar {
  files: Record<string, SourceRecord>;
}

/** Reads the sidecar of `dir` (empty when missing or unreadable: then everything is fetched again). */
export async function readSidecar(dir: string): Promise<Sidecar> {
  try {
    const parsed = JSON.parse(await readFile(path.join(dir, SIDECAR_FILE), 'utf8')) as Partial<Sidecar>;
    return { files: parsed.files ?? {} };
  } catch {
    return { files: {} };
  }
}

// One writer per folder at a time within this process, so parallel fetches into one folder do not drop entries.
const locks = new Map<string, Promise<void>>();

/** Records `record` for `name` in `dir`'s sidecar (read, merge, write to a temp file, rename). */
export async function recordSource(dir: string, name: string, record: SourceRecord): Promise<void> {
  const key = path.resolve(dir);
  const previous = locks.get(key) ?? Promise.resolve();
  const next = previous.then(async () => {
    await mkdir(dir, { recursive: true });
    const sidecar = await readSidecar(dir);
    sidecar.files[name] = record;
    const file = path.join(dir, SIDECAR_FILE);
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(sidecar, null, 2) + '\n');
    await rename(tmp, file);
  });
  locks.set(
    key,
    next.catch(() => undefined),
  );
  await next;
}
