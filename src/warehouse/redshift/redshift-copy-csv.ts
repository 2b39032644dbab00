// The PostgreSQL stand-in's COPY from S3: what Redshift does with a COPY of whole lines (copyLinesSql) — read the
// manifest from S3, fetch every object it lists (each mandatory), skip each object's header line, end a record at LF
// only (a CR before it stays in the value), load each line as one text field — done on PostgreSQL by streaming the
// objects into COPY FROM STDIN. No local copy is read: what the manifest names is what loads.
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { LineSplitter } from '../../core/line-length.js';
import { openStore } from '../../storage/index.js';
import type { Store } from '../../storage/store.js';
import { REDSHIFT_MAX_VARCHAR, type ParsedCopy } from './redshift-sql.js';

const QUOTE = 0x22;
/** The delimiter of copyLinesSql (octal 037): a line holding it has more fields than the table's one column. */
const UNIT_SEPARATOR = 0x1f;
const OPEN = Buffer.from('"');
const CLOSE = Buffer.from('"\n');
/** An empty unquoted field: NULL in PostgreSQL's CSV. */
const NULL_RECORD = Buffer.from('\n');

/** s3://BUCKET/KEY → bucket and key. */
function splitS3Url(url: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  if (!m) throw new Error(`not an s3:// object URL: ${url}`);
  return { bucket: m[1]!, key: m[2]! };
}

/** Opens (once) a store per bucket: a manifest may list objects of any bucket. */
export class S3Objects {
  private readonly stores = new Map<string, Promise<Store>>();

  private store(bucket: string): Promise<Store> {
    let s = this.stores.get(bucket);
    if (s === undefined) {
      s = openStore(`s3://${bucket}`);
      this.stores.set(bucket, s);
    }
    return s;
  }

  async get(url: string): Promise<Buffer> {
    const { bucket, key } = splitS3Url(url);
    return (await this.store(bucket)).get(key);
  }

  async read(url: string): Promise<NodeJS.ReadableStream> {
    const { bucket, key } = splitS3Url(url);
    return (await this.store(bucket)).read(key);
  }

  async close(): Promise<void> {
    for (const s of this.stores.values()) await (await s).close();
    this.stores.clear();
  }
}

/** The object URLs a COPY manifest lists. */
export function manifestEntries(manifest: string, where: string): string[] {
  const m = JSON.parse(manifest) as { entries?: { url?: unknown }[] };
  if (!Array.isArray(m.entries)) throw new Error(`${where}: a COPY manifest needs "entries"`);
  return m.entries.map((e) => {
    if (typeof e.url !== 'string') throw new Error(`${where}: a manifest entry without a url`);
    return e.url;
  });
}

/**
 * Lines of one object as PostgreSQL CSV records of one quoted field: the first line (the header) skipped, records
 * ended at LF only, bytes kept as they are. Redshift's text format reads `\N` as NULL: so does this (an empty
 * unquoted field). A line holding the delimiter or longer than the column is refused, as Redshift refuses it.
 */
export class LinesToCsvField extends Transform {
  private readonly lines = new LineSplitter([{ line: (b, from, to) => this.emitLine(b.subarray(from, to)) }]);
  private line = 0;
  /** The records of the chunk being read: pushed as one buffer (a push per line is a COPY message per line). */
  private out: Buffer[] = [];

  constructor(private readonly where: string) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.lines.push(chunk);
      this.pushOut();
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      this.lines.end();
      this.pushOut();
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  private pushOut(): void {
    if (this.out.length > 0) this.push(Buffer.concat(this.out));
    this.out = [];
  }

  private emitLine(bytes: Buffer): void {
    this.line++;
    if (this.line === 1) return; // IGNOREHEADER AS 1: per object
    if (bytes.includes(UNIT_SEPARATOR))
      throw new Error(`${this.where} line ${this.line}: Extra column(s) found (COPY of whole lines)`);
    if (bytes.length > REDSHIFT_MAX_VARCHAR)
      throw new Error(
        `${this.where} line ${this.line}: String length exceeds DDL length (${bytes.length} bytes, ${REDSHIFT_MAX_VARCHAR} at most)`,
      );
    if (bytes.length === 2 && bytes[0] === 0x5c && bytes[1] === 0x4e) {
      this.out.push(NULL_RECORD);
      return;
    }
    this.out.push(OPEN);
    let from = 0;
    for (let i = bytes.indexOf(QUOTE); i !== -1; i = bytes.indexOf(QUOTE, from)) {
      this.out.push(bytes.subarray(from, i + 1), OPEN);
      from = i + 1;
    }
    this.out.push(bytes.subarray(from), CLOSE);
  }
}

/**
 * Runs a COPY of whole lines on PostgreSQL as Redshift would: the manifest and every object it lists fetched from
 * S3 and streamed, object after object, into COPY FROM STDIN of the table's one column.
 */
export async function copyLinesFromManifest(
  client: pg.Client,
  copy: ParsedCopy,
  objects: S3Objects,
): Promise<void> {
  if (copy.columns.length !== 1)
    throw new Error(`a COPY of whole lines fills one column, not ${copy.columns.length}`);
  const urls = manifestEntries((await objects.get(copy.manifestUrl)).toString('utf8'), copy.manifestUrl);
  const sql = `COPY ${copy.table} (${copy.columns[0]!}) FROM STDIN (FORMAT csv)`;
  for (const url of urls)
    await pipeline(await objects.read(url), new LinesToCsvField(url), client.query(copyFrom(sql)));
}
