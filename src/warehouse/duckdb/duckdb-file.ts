// Sniffs a warehouse path before DuckDB sees it: an existing file must be a DuckDB database ("DUCK" at byte 8).
// Needed because DuckDB 1.5 ATTACHes a *.csv (or *.parquet, *.json) as a throw-away in-memory catalog of views.
import { open, stat } from 'node:fs/promises';
import { EXIT, WarehouseError } from '../../core/errors.js';

/** DuckDB's storage header: an 8-byte checksum, then the magic bytes. */
const MAGIC = Buffer.from('DUCK', 'ascii');
const MAGIC_OFFSET = 8;

/**
 * Refuses (WarehouseError, exit 2) a warehouse path that exists and is not a DuckDB database file. A path that does
 * not exist, or ':memory:', passes: DuckDB creates the database.
 *
 * Why this is needed: DuckDB 1.5 treats `ATTACH 'x.csv'` as "attach a data file" — an in-memory catalog with views
 * over the CSV — so a run "succeeds" into memory and stores nothing. Other non-DuckDB files are refused by DuckDB.
 *
 * A 0-byte file is refused too, with the fix: DuckDB itself will not open it, and deleting a user's file (even an
 * empty one, e.g. from `touch` or `mktemp`) is not ours to do.
 */
export async function assertDuckDbFile(file: string, opts: { settleMs?: number } = {}): Promise<void> {
  if (file === ':memory:') return;
  // A file another run is creating this instant is empty, or has no header yet, for a few milliseconds: a file
  // modified in the last few seconds is looked at again for a while before it is called "not DuckDB" (then DuckDB's
  // own lock says who holds it). A user's stray file is older and is refused at once.
  await whileBeingCreated(
    file,
    () => sniff(file),
    (err) => err instanceof NotDuckDb,
    opts.settleMs,
  );
}

/**
 * Runs `attempt`, and again every 50 ms while it fails with an error `isTransient` accepts, `file` was modified in
 * the last few seconds, and `settleMs` has not passed: a database another process is creating this instant.
 */
export async function whileBeingCreated<T>(
  file: string,
  attempt: () => Promise<T>,
  isTransient: (err: unknown) => boolean,
  settleMs: number = SETTLE_MS,
): Promise<T> {
  const until = Date.now() + settleMs;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (!isTransient(err) || Date.now() >= until || !(await recentlyModified(file))) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** How long a just-modified file that is not (yet) a DuckDB database is given to become one. */
const SETTLE_MS = 3_000;

/** The refusal of an empty or headerless file: the only ones a file being created can show. */
class NotDuckDb extends WarehouseError {
  override readonly name = 'WarehouseError';
}

/** Whether `file` was modified in the last 10 s (or is gone): it may be a database still being created. */
async function recentlyModified(file: string): Promise<boolean> {
  try {
    return Date.now() - (await stat(file)).mtimeMs < 10_000;
  } catch {
    return true; // gone again: look once more (the next look passes a missing path)
  }
}

async function sniff(file: string): Promise<void> {
  let size: number;
  try {
    const s = await stat(file);
    if (s.isDirectory())
      throw new WarehouseError(
        `warehouse ${file} is a folder, not a DuckDB database file — point --warehouse at a file path (e.g. ${file}/movalytics.duckdb)`,
        { exitCode: EXIT.usage },
      );
    size = s.size;
  } catch (err) {
    if (err instanceof WarehouseError) throw err;
    // Missing (DuckDB creates it) or unreadable (DuckDB's open reports it, sorted by toWarehouseError).
    return;
  }
  if (size === 0)
    throw new NotDuckDb(
      `warehouse ${file} is an empty file (0 bytes), not a DuckDB database — delete it or point --warehouse at a new path`,
      { exitCode: EXIT.usage },
    );
  const head = Buffer.alloc(MAGIC_OFFSET + MAGIC.length);
  const fh = await open(file, 'r').catch(() => null);
  if (fh === null) return;
  let bytesRead: number;
  try {
    ({ bytesRead } = await fh.read(head, 0, head.length, 0));
  } finally {
    await fh.close();
  }
  if (bytesRead < head.length || !head.subarray(MAGIC_OFFSET).equals(MAGIC))
    throw new NotDuckDb(
      `warehouse ${file} exists but is not a DuckDB database file (no "DUCK" header) — it would not be written to; point --warehouse at a .duckdb file or a new path`,
      { exitCode: EXIT.usage },
    );
}
