// Builds hostile zips for tests: yazl writes a clean archive, then bytes are patched for what yazl refuses to write
// (unsafe entry names, a declared size that lies).
import yazl from 'yazl';

/** A zip in memory of `entries` (name → content), deflated. */
export async function zipOf(entries: Record<string, string | Buffer>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  const mtime = new Date(Date.UTC(2017, 0, 1));
  for (const [name, content] of Object.entries(entries))
    zip.addBuffer(Buffer.isBuffer(content) ? content : Buffer.from(content), name, { mtime, compress: true });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

/** Replaces every occurrence of `from` with `to` (same length): entry names sit in both local and central headers. */
export function renameEntry(zip: Buffer, from: string, to: string): Buffer {
  if (from.length !== to.length) throw new Error('same-length names only');
  const out = Buffer.from(zip);
  const a = Buffer.from(from);
  for (let i = out.indexOf(a); i !== -1; i = out.indexOf(a, i + 1)) out.write(to, i, 'latin1');
  return out;
}

/** Sets the uncompressed size the central directory declares for the entry named `name` (a zip bomb's lie). */
export function declareSize(zip: Buffer, name: string, size: number): Buffer {
  const out = Buffer.from(zip);
  const sig = Buffer.from([0x50, 0x4b, 0x01, 0x02]);
  for (let cd = out.indexOf(sig); cd !== -1; cd = out.indexOf(sig, cd + 4)) {
    const nameLength = out.readUInt16LE(cd + 28);
    if (out.toString('latin1', cd + 46, cd + 46 + nameLength) === name) {
      out.writeUInt32LE(size, cd + 24);
      return out;
    }
  }
  throw new Error(`no central directory entry ${name}`);
}
