// A bound on the length of one line of an input file, checked as its bytes stream past (unpacking, staging). A
// 1 GiB "line" is no CSV this pipeline reads: without the bound it was unpacked, copied, hashed and handed to the
// engine (minutes, GiBs of memory) before anything said so. Pure: it only looks at the chunks it is given.
import { InputError } from './errors.js';

/** The default bound: far above any real record (movies_metadata's longest is a few KB), far below a runaway line. */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;

export class LineLengthLimit {
  private line = 1;
  private length = 0;

  /** `where` names the file in the message (a path, or `archive.zip!ratings.csv`). */
  constructor(
    private readonly where: string,
    private readonly maxBytes: number = DEFAULT_MAX_LINE_BYTES,
  ) {}

  /** Takes the next chunk of the file; throws InputError (exit 2) as soon as a line passes the bound. */
  push(chunk: Uint8Array): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      const end = nl === -1 ? chunk.length : nl;
      this.length += end - start;
      if (this.length > this.maxBytes)
        throw new InputError(
          `${this.where} line ${this.line} is longer than ${this.maxBytes.toLocaleString('en-US')} bytes — not a CSV record this pipeline reads (if the line is real, raise "maxLineBytes" in the config)`,
        );
      if (nl === -1) return;
      this.line++;
      this.length = 0;
      start = nl + 1;
    }
  }
}
