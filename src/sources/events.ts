// Typed progress events of the sources. The library emits them to an injected listener; only the CLI renders them.

export const SOURCE_KINDS = ['kaggle', 'fred'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** What happened to one fetched file. */
export type FetchAction = 'downloaded' | 'unchanged';

export type SourceEvent =
  /** A download begins (`url` is redacted; `resumeFrom` > 0 when a partial file is continued). */
  | { type: 'download.start'; file: string; url: string; total: number | null; resumeFrom: number }
  /** Bytes on disk so far (resumed bytes included), the rate of this attempt and the time left when known. */
  | {
      type: 'download.progress';
      file: string;
      bytes: number;
      total: number | null;
      bytesPerSec: number;
      etaSec: number | null;
    }
  /** A failed attempt that will be tried again after `delayMs`. */
  | { type: 'download.retry'; file: string; attempt: number; delayMs: number; reason: string }
  /** The server ignored the Range request (200, not 206): the partial file is discarded. */
  | { type: 'download.restart'; file: string; reason: string }
  /** One file done: fetched, or already up to date. */
  | { type: 'file.end'; source: SourceKind; file: string; action: FetchAction; bytes: number; ms: number }
  /** The Kaggle zip's CSVs are in the destination folder (`skipped` when the zip had not changed). */
  | { type: 'unpack.end'; file: string; files: readonly string[]; skipped: boolean };

export type SourceListener = (event: SourceEvent) => void;
