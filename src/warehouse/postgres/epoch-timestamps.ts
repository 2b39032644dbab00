// A CSV byte stream with one field of epoch seconds → the same records with that field as UTC timestamp text
// (`YYYY-MM-DD HH:MM:SS`), so COPY can type it into a TIMESTAMP column: PostgreSQL's COPY parses no epoch, and typing
// it afterwards meant writing every row a second time (26M ratings: a logged CREATE TABLE AS of 17-20 s).
import { Transform, type TransformCallback } from 'node:stream';

/** A record the stream cannot convert: the load falls back to its general path, which says why per line. */
export class EpochFieldRefused extends Error {}

const LF = 0x0a;
const CR = 0x0d;
const COMMA = 0x2c;
const QUOTE = 0x22;
const ZERO = 0x30;
/** 9999-12-31 23:59:59 UTC: the last second with a four-digit year (a later one is for the general path to judge). */
const MAX_SECONDS = 253_402_300_799;
const COLON = 0x3a;
const DASH = 0x2d;
const SPACE = 0x20;
/** A line grows by at most this much: a field of one digit becomes the 19 characters of a timestamp. */
const MAX_GROWTH = 18;

/**
 * Rewrites field `index` (0-based) of every line from epoch seconds (1-12 digits) to its UTC time. Lines end in LF
 * or CRLF and are written with LF. `header`: the first line passes unchanged. A quote or a carriage return inside a
 * line, an empty line, a line with fewer fields, or a field that is not digits throws EpochFieldRefused: a quoted
 * field may hold a comma or a line break, and every other value is for the caller's general path to judge.
 *
 * Per line one native search for its end, then plain JavaScript over its bytes, the date by integer arithmetic: over
 * the 26M lines of ratings.csv, a Date and a string per new day took 20 s, a native call per field 24 s, this 5.8 s
 * (a loaded machine).
 */
export function epochSecondsToTimestamps(index: number, header: boolean): Transform {
  let rest: Buffer | null = null;
  let inHeader = header;
  let lastDay = Number.NaN;
  const lastDate = Buffer.alloc(10);

  /** Converts line buf[start, end) (no line end) into out at o; returns the new end of out. */
  const line = (buf: Buffer, start: number, end: number, out: Buffer, o: number): number => {
    if (end === start) throw new EpochFieldRefused('a line is empty');
    let i = start;
    for (let f = 0; f < index; i++) {
      if (i === end) throw new EpochFieldRefused(`a line has fewer than ${index + 1} fields`);
      const b = buf[i]!;
      if (b === QUOTE || b === CR)
        throw new EpochFieldRefused('a field is quoted or holds a carriage return');
      if (b === COMMA) f++;
      out[o++] = b;
    }
    let seconds = 0;
    const from = i;
    for (; i < end && buf[i] !== COMMA; i++) {
      const d = buf[i]! - ZERO;
      if (d < 0 || d > 9) throw new EpochFieldRefused('an epoch field is not a whole number of seconds');
      seconds = seconds * 10 + d;
    }
    if (i === from || i - from > 12 || seconds > MAX_SECONDS)
      throw new EpochFieldRefused('an epoch field is empty or past the year 9999');
    const day = Math.floor(seconds / 86_400);
    // A user's ratings often share a day: the last day's text is kept.
    if (day !== lastDay) {
      lastDay = day;
      writeDate(lastDate, 0, day);
    }
    for (let k = 0; k < 10; k++) out[o++] = lastDate[k]!;
    out[o++] = SPACE;
    const s = seconds - day * 86_400;
    o = twoDigits(out, o, Math.floor(s / 3600));
    out[o++] = COLON;
    o = twoDigits(out, o, Math.floor(s / 60) % 60);
    out[o++] = COLON;
    o = twoDigits(out, o, s % 60);
    for (; i < end; i++) {
      const b = buf[i]!;
      if (b === QUOTE || b === CR)
        throw new EpochFieldRefused('a field is quoted or holds a carriage return');
      out[o++] = b;
    }
    return o;
  };
  const convert = (buf: Buffer, final: boolean): Buffer => {
    let out = Buffer.allocUnsafe(buf.length + (buf.length >> 1) + 64);
    let o = 0;
    let start = 0;
    while (start < buf.length) {
      let nl = buf.indexOf(LF, start);
      if (nl < 0) {
        if (!final) break;
        nl = buf.length;
      }
      const end = nl > start && buf[nl - 1] === CR ? nl - 1 : nl;
      // A line grows by at most MAX_GROWTH bytes (a one-digit field becomes a 19-character timestamp).
      if (o + (end - start) + MAX_GROWTH + 1 > out.length) {
        const grown = Buffer.allocUnsafe(out.length * 2 + (end - start) + MAX_GROWTH + 1);
        out.copy(grown, 0, 0, o);
        out = grown;
      }
      if (inHeader) {
        o += buf.copy(out, o, start, end);
        inHeader = false;
      } else {
        o = line(buf, start, end, out, o);
      }
      out[o++] = LF;
      start = nl + 1;
    }
    rest = start < buf.length ? Buffer.from(buf.subarray(start)) : null;
    return out.subarray(0, o);
  };
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
      try {
        done(null, convert(rest === null ? chunk : Buffer.concat([rest, chunk]), false));
      } catch (err) {
        done(err as Error);
      }
    },
    flush(done: TransformCallback): void {
      try {
        done(null, rest === null ? Buffer.alloc(0) : convert(rest, true));
      } catch (err) {
        done(err as Error);
      }
    },
  });
}

/**
 * Writes day `days` since 1970-01-01 as YYYY-MM-DD (years 1970-9999): the proleptic Gregorian calendar by integer
 * arithmetic (H. Hinnant's days_from_civil inverse), as Date would give it, without a Date or a string per line.
 */
function writeDate(out: Buffer, o: number, days: number): number {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  o = twoDigits(out, o, Math.floor(year / 100));
  o = twoDigits(out, o, year % 100);
  out[o++] = DASH;
  o = twoDigits(out, o, month);
  out[o++] = DASH;
  return twoDigits(out, o, day);
}

function twoDigits(out: Buffer, o: number, n: number): number {
  out[o] = ZERO + Math.floor(n / 10);
  out[o + 1] = ZERO + (n % 10);
  return o + 2;
}
