// The MovieLens order of a ratings file, verified while stage.files reads it anyway (for its sha256 and line count).
// The MovieLens README documents ratings.csv as sorted by userId, then movieId within a user; when a file really is
// in that order, rows with the same (userId, movieId) sit next to each other, so its duplicate keys are known from
// one pass over the bytes — and the load need not group 26M keys to find them (on PostgreSQL that GROUP BY was the
// slowest statement of a cold run). A file that breaks the order, or whose first two fields are not plain integers
// on every record line, is reported as unverified, and the load falls back to grouping.
import type { LineSink } from '../../core/line-length.js';

/** What stage.files verified of a ratings file's key order. */
export interface KeyOrder {
  /** Every record's (userId, movieId) is ≥ the previous record's: duplicates are adjacent. */
  sorted: true;
  /** Each key that occurs on two or more adjacent record lines, once ([userId, movieId]). */
  duplicateKeys: [number, number][];
}

/** Above this many duplicate keys the list is not worth carrying in the manifest: the load groups instead. */
export const MAX_DUPLICATE_KEYS = 10_000;

const COMMA = 0x2c;
const CR = 0x0d;
const ZERO = 0x30;
const NINE = 0x39;
/** Nine digits stay exact in a double and far above any MovieLens id. */
const MAX_DIGITS = 9;

/**
 * Reads the lines of a CSV whose first two fields are integer keys (a LineSplitter hands them over) and says at the
 * end whether the keys were in order and which repeat. The first line with content is the header; blank lines (also
 * a lone CR) are not records.
 */
export class KeyOrderScanner implements LineSink {
  private ok = true;
  private headerSeen = false;
  private prevUser = -1;
  private prevMovie = -1;
  /** Whether the previous record's key was already recorded as a duplicate. */
  private inRun = false;
  private readonly dups: [number, number][] = [];
  /**
   * The userId of the line just read when it is a record and the order still holds (null otherwise): a ShardCutter
   * that drives this scanner reads it instead of parsing the field again.
   */
  user: number | null = null;

  /** The verified order, or null when the file broke it (or had too many duplicate keys to list). */
  end(): KeyOrder | null {
    return this.ok ? { sorted: true, duplicateKeys: this.dups } : null;
  }

  /** One line: bytes [from, to) of `b`, without its LF. */
  line(b: Buffer, from: number, to: number): void {
    this.user = null;
    if (!this.ok) return;
    if (to > from && b[to - 1] === CR) to--;
    if (to === from) return; // blank: not a record
    if (!this.headerSeen) {
      this.headerSeen = true;
      return;
    }
    let i = from;
    let user = 0;
    let digits = 0;
    for (; i < to && b[i]! >= ZERO && b[i]! <= NINE; i++, digits++) user = user * 10 + (b[i]! - ZERO);
    if (digits === 0 || digits > MAX_DIGITS || i >= to || b[i] !== COMMA) return this.fail();
    let movie = 0;
    digits = 0;
    for (i++; i < to && b[i]! >= ZERO && b[i]! <= NINE; i++, digits++) movie = movie * 10 + (b[i]! - ZERO);
    if (digits === 0 || digits > MAX_DIGITS || (i < to && b[i] !== COMMA)) return this.fail();
    if (user > this.prevUser || (user === this.prevUser && movie > this.prevMovie)) {
      this.prevUser = user;
      this.prevMovie = movie;
      this.inRun = false;
      this.user = user;
      return;
    }
    if (user !== this.prevUser || movie !== this.prevMovie) return this.fail(); // out of order
    this.user = user;
    if (this.inRun) return;
    this.inRun = true;
    if (this.dups.length >= MAX_DUPLICATE_KEYS) return this.fail();
    this.dups.push([user, movie]);
  }

  private fail(): void {
    this.ok = false;
  }
}
