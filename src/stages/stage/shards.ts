// The shards of a ratings file: byte ranges of its data lines that the mapped load tasks (`load.ratings[i]`) read one
// each. Cut while stage.files streams the file anyway (one pass), at line boundaries, and only where the first field
// (the userId) changes: in a file in the verified MovieLens order no (userId, movieId) key then crosses a shard, so
// adjacent duplicates stay inside one shard. A file holding a quote character is one shard: a quoted field may hold
// a line break, and a cut at a byte offset could split it.
import type { LineSink } from '../../core/line-length.js';
import type { KeyOrderScanner } from './key-order.js';

/** One shard: the data bytes [start, end) of a staged file (the header is not in any shard). */
export interface Shard {
  index: number;
  start: number;
  end: number;
  /** The 1-based physical line of the shard's first byte (the header is line 1). */
  firstLine: number;
  /** Non-empty lines in the range. */
  dataLines: number;
  /** The first and last userId in the range (null when not a plain integer, or no data line). */
  firstUser: number | null;
  lastUser: number | null;
}

/** The header line's bytes plus the shards. */
export interface ShardCut {
  /** Bytes [0, headerBytes) are the header line with its line break (every shard's part starts with them). */
  headerBytes: number;
  shards: Shard[];
}

const CR = 0x0d;
const COMMA = 0x2c;
const QUOTE = 0x22;

/** The userId of a record line, or null when its first field is not a plain integer of at most 9 digits. */
function userOf(b: Buffer, from: number, to: number): number | null {
  let n = 0;
  let i = from;
  for (; i < to && b[i]! >= 0x30 && b[i]! <= 0x39; i++) n = n * 10 + (b[i]! - 0x30);
  return i === from || i - from > 9 || (i < to && b[i] !== COMMA) ? null : n;
}

/** Bytes [from, to) of `b` as the first field's text (for lines whose userId is not an integer). */
function firstField(b: Buffer, from: number, to: number): string {
  const comma = b.indexOf(COMMA, from);
  return b.toString('latin1', from, comma === -1 || comma > to ? to : comma);
}

/**
 * Cuts a file of `bytes` bytes into at most `count` shards of about equal size, from its lines (a LineSplitter hands
 * them over). A shard may come out larger than its share (it ends only where the userId changes) and fewer shards
 * than asked come out of a small file; no shard is empty unless the file has no data.
 */
export class ShardCutter implements LineSink {
  private readonly targets: number[];
  private lineCount = 0; // physical lines completed
  private headerBytes = -1;
  private quoted = false;
  private readonly shards: Shard[] = [];
  private current: Shard | null = null;
  private prevFirst: string | number | null = null;
  /** The bytes read so far: where the last shard ends (the file may have changed size since `bytes` was taken). */
  private seen = 0;

  /**
   * `bytes`: the file's size when it was opened, to aim the cuts at. `keys`: the file's key-order scanner, which this
   * cutter then hands every line first, to take the userId it parsed (each parse of 26M lines costs ~0.4 s).
   */
  constructor(
    bytes: number,
    count: number,
    private readonly keys: KeyOrderScanner | null = null,
  ) {
    this.targets = [];
    for (let k = 1; k < count; k++) this.targets.push(Math.round((k * bytes) / count));
  }

  /** A quote anywhere makes the file one shard (see the top of this file). */
  chunk(c: Buffer): void {
    if (!this.quoted && c.includes(QUOTE)) this.quoted = true;
  }

  /** The cut, once every line was read. */
  end(): ShardCut {
    const headerBytes = Math.max(0, this.headerBytes);
    if (this.current !== null) this.current.end = this.seen;
    if (this.quoted || this.shards.length === 0) {
      const all = this.shards;
      return {
        headerBytes,
        shards: [
          {
            index: 0,
            start: headerBytes,
            end: this.seen,
            firstLine: 2,
            dataLines: all.reduce((a, s) => a + s.dataLines, 0),
            firstUser: all[0]?.firstUser ?? null,
            lastUser: all.at(-1)?.lastUser ?? null,
          },
        ],
      };
    }
    return { headerBytes, shards: this.shards };
  }

  /** One line: bytes [from, to) of `b` without its LF, starting at file offset `at`. */
  line(b: Buffer, from: number, to: number, at: number, terminated: boolean): void {
    this.keys?.line(b, from, to);
    this.lineCount++;
    this.seen = at + (to - from) + (terminated ? 1 : 0); // the offset after the line and its LF
    if (this.headerBytes < 0) {
      this.headerBytes = this.seen;
      return;
    }
    const contentTo = to > from && b[to - 1] === CR ? to - 1 : to;
    if (contentTo === from) return; // blank: not a record, never a cut
    const user = this.keys?.user ?? userOf(b, from, contentTo);
    const first = user ?? firstField(b, from, contentTo);
    const cur = this.current;
    if (cur === null || (at >= (this.targets[0] ?? Infinity) && first !== this.prevFirst)) {
      while (this.targets.length > 0 && at >= this.targets[0]!) this.targets.shift();
      if (cur !== null) cur.end = at;
      // A shard starts where its first record does, except the first, which starts right after the header.
      this.current = {
        index: this.shards.length,
        start: cur === null ? this.headerBytes : at,
        end: this.seen, // until the next shard starts, or end() sets it
        firstLine: cur === null ? 2 : this.lineCount,
        dataLines: 0,
        firstUser: user,
        lastUser: user,
      };
      this.shards.push(this.current);
    }
    const s = this.current!;
    s.dataLines++;
    s.lastUser = user;
    if (user === null) s.firstUser = null;
    this.prevFirst = first;
  }
}

/** The keys of `keys` ([userId, movieId]) whose user falls in the shard's user range. */
export function keysOfShard(shard: Shard, keys: readonly (readonly [number, number])[]): [number, number][] {
  const lo = shard.firstUser;
  const hi = shard.lastUser;
  if (lo === null || hi === null) return [];
  return keys.filter(([u]) => u >= lo && u <= hi).map(([u, m]) => [u, m]);
}
