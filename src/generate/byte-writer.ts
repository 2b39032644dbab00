// A buffered, synchronous file writer. One reusable Buffer is filled in place and flushed with fs.writeSync,
// so writing 26 million rating rows allocates no per-row strings and never holds a whole file in memory.
import { closeSync, openSync, writeSync } from 'node:fs';

const CAPACITY = 1 << 20;

/** Writes bytes and strings to one file through a 1 MiB buffer; counts the bytes written. */
export class ByteWriter {
  /** The reusable buffer; hot loops may write into it directly between `reserve` and `pos` updates. */
  readonly buf: Buffer = Buffer.allocUnsafe(CAPACITY);
  pos = 0;
  private flushed = 0;
  private fd: number;

  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }

  /** Bytes written so far (flushed or buffered). */
  get bytes(): number {
    return this.flushed + this.pos;
  }

  /** Makes sure `n` more bytes fit in the buffer (n must be well below the capacity). */
  reserve(n: number): void {
    if (this.pos + n > CAPACITY) this.flush();
  }

  /** Appends a string as UTF-8. */
  str(s: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    const worst = s.length * 3;
    if (this.pos + worst > CAPACITY) this.flush();
    if (worst > CAPACITY) {
      const b = Buffer.from(s, 'utf8');
      writeSync(this.fd, b);
      this.flushed += b.length;
      return;
    }
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /** Appends the decimal digits of a non-negative integer without making a string. */
  uint(n: number): void {
    if (this.pos + 16 > CAPACITY) this.flush();
    const buf = this.buf;
    if (n === 0) {
      buf[this.pos++] = 48;
      return;
    }
    let digits = 0;
    for (let t = n; t > 0; t = Math.floor(t / 10)) digits++;
    let p = this.pos + digits;
    this.pos = p;
    for (let t = n; t > 0; t = Math.floor(t / 10)) buf[--p] = 48 + (t % 10);
  }

  /** Writes the buffered bytes to the file. */
  flush(): void {
    let off = 0;
    while (off < this.pos) off += writeSync(this.fd, this.buf, off, this.pos - off);
    this.flushed += this.pos;
    this.pos = 0;
  }

  /** Flushes and closes the file. */
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}
