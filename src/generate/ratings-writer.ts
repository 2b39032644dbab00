// Streams a MovieLens-style ratings file (userId,movieId,rating,timestamp; CRLF; sorted by user then movie) with
// heavy-tailed user activity and Zipf-like movie popularity, straight into a reusable byte buffer.
import { ByteWriter } from './byte-writer.js';
import { AliasTable, Rng } from './prng.js';

/** A rating the caller asked to remember (by row number), for spot checks in truth.json. */
export interface RatingSample {
  userId: number;
  movieId: number;
  rating: string;
  timestamp: number;
  /** Index into the rated-movie list. */
  movie: number;
}

export interface RatingsSpec {
  path: string;
  rows: number;
  users: number;
  /** MovieLens movieIds that may be rated, ascending. */
  movieIds: readonly number[];
  /** 1 where the movie reaches a metadata row through its link. */
  mapped: Uint8Array;
  /** Indexes (into movieIds) to make popular, so unmapped ratings surely occur. */
  boosted: readonly number[];
  rng: Rng;
  /** Row numbers (0-based) to report back. */
  sampleRows: readonly number[];
  onProgress?: (message: string) => void;
}

export interface RatingsResult {
  rows: number;
  users: number;
  bytes: number;
  mappedRows: number;
  distinctMovies: number;
  minTimestamp: number;
  maxTimestamp: number;
  samples: RatingSample[];
  /** The first rating of a movie whose link reaches no metadata row. */
  firstUnmapped: RatingSample | null;
}

const HEADER = 'userId,movieId,rating,timestamp\r\n';
const RATING_TEXT = ['0.5', '1.0', '1.5', '2.0', '2.5', '3.0', '3.5', '4.0', '4.5', '5.0'];
const RATING_BYTES = Buffer.from(RATING_TEXT.join(''), 'ascii');
/** MovieLens offered half stars only from February 2003; earlier ratings are whole stars. */
const HALF_STARS_FROM = 1_045_526_400;
const FIRST_TS = 789_652_009; // 1995-01-09, the first rating in the real file
const LAST_TS = 1_501_829_500; // 2017-08-04, the end of the real file
const NORMAL_TABLE_BITS = 12;

/** Writes the ratings file; exactly `rows` rows, each user ≥ 1 row, one row per (user, movie). */
export function writeRatings(spec: RatingsSpec): RatingsResult {
  const { rng, movieIds, mapped } = spec;
  const movieCount = movieIds.length;
  const counts = userCounts(rng, spec.rows, spec.users, Math.max(1, movieCount - 1));

  // Popularity: Zipf-like over a random permutation of movies, with a few boosted ranks.
  const ranks = rng.shuffle(Array.from({ length: movieCount }, (_, i) => i));
  for (let b = 0; b < spec.boosted.length; b++) {
    const target = spec.boosted[b]!;
    const at = ranks.indexOf(target);
    const swapWith = 5 + b * 7;
    if (at >= 0 && swapWith < movieCount) [ranks[at], ranks[swapWith]] = [ranks[swapWith]!, ranks[at]!];
  }
  const weights = new Float64Array(movieCount);
  for (let r = 0; r < movieCount; r++) weights[ranks[r]!] = Math.pow(r + 20, -1.05);
  const alias = new AliasTable(weights);
  const quality = new Float32Array(movieCount);
  for (let i = 0; i < movieCount; i++) quality[i] = 3.45 + rng.normal() * 0.45;

  // Pre-rendered movieIds: one byte array plus offsets, so a row costs no string allocation.
  const idText = movieIds.map((id) => String(id));
  const idBytes = Buffer.from(idText.join(''), 'ascii');
  const idStart = new Int32Array(movieCount + 1);
  for (let i = 0; i < movieCount; i++) idStart[i + 1] = idStart[i]! + idText[i]!.length;

  const normals = new Float64Array(1 << NORMAL_TABLE_BITS);
  for (let i = 0; i < normals.length; i++) normals[i] = rng.normal();

  const out = new ByteWriter(spec.path);
  out.str(HEADER);
  const stamp = new Int32Array(movieCount).fill(-1);
  const seen = new Uint8Array(movieCount);
  const picks = new Int32Array(movieCount);
  const keys = new Float64Array(movieCount);
  const order = new Int32Array(movieCount);
  const sampleRows = [...spec.sampleRows].sort((a, b) => a - b);
  let nextSample = 0;
  const samples: RatingSample[] = [];
  let firstUnmapped: RatingSample | null = null;
  let row = 0;
  let mappedRows = 0;
  let distinct = 0;
  let minTs = Infinity;
  let maxTs = -Infinity;
  const progressEvery = Math.max(1, Math.floor(spec.users / 10));

  for (let u = 0; u < spec.users; u++) {
    const userId = u + 1;
    const k = counts[u]!;
    // Draw k distinct movies by popularity: rejection for light users, Efraimidis–Spirakis for heavy ones
    // (where rejection would keep redrawing the popular movies already taken).
    if (k * 8 <= movieCount) {
      let n = 0;
      while (n < k) {
        const m = alias.sample(rng);
        if (stamp[m] !== u) {
          stamp[m] = u;
          picks[n++] = m;
        }
      }
    } else {
      for (let i = 0; i < movieCount; i++) {
        keys[i] = -Math.log(1 - rng.next()) / weights[i]!;
        order[i] = i;
      }
      const sorted = Array.from(order).sort((a, b) => keys[a]! - keys[b]!);
      for (let i = 0; i < k; i++) picks[i] = sorted[i]!;
    }
    const chosen = picks.subarray(0, k).sort();

    const bias = rng.normal() * 0.35;
    const start = FIRST_TS + Math.floor(Math.pow(rng.next(), 0.8) * (LAST_TS - FIRST_TS - 86_400));
    const span = Math.min(LAST_TS - start, Math.floor(Math.exp(rng.normal() * 2 + 13)));

    out.reserve(16);
    const userStart = out.pos;
    out.uint(userId);
    const userEnd = out.pos;
    out.pos = userStart; // the user's digits are copied from here for each row
    const userDigits = Buffer.from(out.buf.subarray(userStart, userEnd));

    for (let i = 0; i < k; i++) {
      const m = chosen[i]!;
      const ts = start + Math.floor(rng.next() * span);
      const noise = normals[rng.nextU32() >>> (32 - NORMAL_TABLE_BITS)]!;
      const x = quality[m]! + bias + noise * 0.85;
      let level: number; // 1..10 half-stars
      if (ts < HALF_STARS_FROM) level = 2 * Math.min(5, Math.max(1, Math.round(x)));
      else level = Math.min(10, Math.max(1, Math.round(x * 2)));

      out.reserve(48);
      const buf = out.buf;
      let p = out.pos;
      buf.set(userDigits, p);
      p += userDigits.length;
      buf[p++] = 44;
      const a = idStart[m]!;
      const b = idStart[m + 1]!;
      for (let j = a; j < b; j++) buf[p++] = idBytes[j]!;
      buf[p++] = 44;
      const r = (level - 1) * 3;
      buf[p++] = RATING_BYTES[r]!;
      buf[p++] = 46;
      buf[p++] = RATING_BYTES[r + 2]!;
      buf[p++] = 44;
      out.pos = p;
      out.uint(ts);
      buf[out.pos++] = 13;
      buf[out.pos++] = 10;

      if (mapped[m] === 1) mappedRows++;
      if (seen[m] === 0) {
        seen[m] = 1;
        distinct++;
      }
      if (ts < minTs) minTs = ts;
      if (ts > maxTs) maxTs = ts;
      const wanted = nextSample < sampleRows.length && sampleRows[nextSample] === row;
      if (wanted || (firstUnmapped === null && mapped[m] === 0)) {
        const s: RatingSample = {
          userId,
          movieId: movieIds[m]!,
          rating: RATING_TEXT[level - 1]!,
          timestamp: ts,
          movie: m,
        };
        if (wanted) {
          samples.push(s);
          while (nextSample < sampleRows.length && sampleRows[nextSample]! <= row) nextSample++;
        }
        if (firstUnmapped === null && mapped[m] === 0) firstUnmapped = s;
      }
      row++;
    }
    if (spec.onProgress && (u + 1) % progressEvery === 0) {
      spec.onProgress(`ratings: ${row.toLocaleString('en-US')} of ${spec.rows.toLocaleString('en-US')} rows`);
    }
  }
  out.close();
  return {
    rows: row,
    users: spec.users,
    bytes: out.bytes,
    mappedRows,
    distinctMovies: distinct,
    minTimestamp: minTs,
    maxTimestamp: maxTs,
    samples,
    firstUnmapped,
  };
}

/**
 * Ratings per user: ≥ 1 each, ≤ cap each, summing to exactly `rows`; log-normal (σ 1.3) shares give the
 * MovieLens shape (median well below mean, a long tail of heavy raters).
 */
export function userCounts(rng: Rng, rows: number, users: number, cap: number): Int32Array {
  if (rows < users || rows > users * cap) {
    throw new RangeError(`cannot spread ${rows} ratings over ${users} users with at most ${cap} each`);
  }
  const w = new Float64Array(users);
  let total = 0;
  for (let u = 0; u < users; u++) {
    w[u] = Math.exp(rng.normal() * 1.3);
    total += w[u]!;
  }
  const counts = new Int32Array(users);
  const spare = rows - users;
  let sum = 0;
  for (let u = 0; u < users; u++) {
    counts[u] = Math.min(cap, 1 + Math.floor((spare * w[u]!) / total));
    sum += counts[u]!;
  }
  // Hand out what rounding and the cap left over, starting at a random user and wrapping.
  let u = rng.int(users);
  while (sum < rows) {
    const room = cap - counts[u]!;
    if (room > 0) {
      const add = Math.min(room, rows - sum, 1 + Math.floor((rows - sum) / users));
      counts[u] = counts[u]! + add;
      sum += add;
    }
    u = (u + 1) % users;
  }
  return counts;
}
