// Packs the Kaggle CSVs into one zip, entries at the top level like the Kaggle download, streaming from disk.
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';

/** Writes `zipPath` holding `names` (files in `dir`); fixed mtimes keep the archive byte-identical per seed. */
export async function writeZip(dir: string, names: readonly string[], zipPath: string): Promise<void> {
  const zip = new yazl.ZipFile();
  const mtime = new Date(Date.UTC(2017, 10, 10, 0, 0, 0));
  for (const name of names) zip.addFile(join(dir, name), name, { mtime, mode: 0o100644, compress: true });
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(zipPath));
}
