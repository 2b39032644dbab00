// Unpacks the Kaggle zip into the staging area with yauzl (streaming; no entry is held in memory).
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { InputError, messageOf } from '../../errors.js';

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, autoClose: true }, (err, zip) =>
      err ? reject(err) : resolve(zip),
    ),
  );
}

/**
 * Unpacks the top-level .csv entries of `zipPath` into `dest`. Skips the work when `dest` already holds the
 * unpacked content of a zip with the same size and mtime.
 */
export async function unpackZip(zipPath: string, dest: string): Promise<void> {
  const s = await stat(zipPath);
  const marker = path.join(dest, '.source.json');
  const fingerprint = JSON.stringify({ zip: path.resolve(zipPath), bytes: s.size, mtimeMs: s.mtimeMs });
  try {
    if ((await readFile(marker, 'utf8')) === fingerprint) return;
  } catch {
    // no marker: unpack
  }
  await rm(dest, { recursive: true, force: true });
  await mkdir(dest, { recursive: true });
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(zipPath);
  } catch (err) {
    throw new InputError(
      `${zipPath} is not a readable zip archive (${messageOf(err)}) — download it again`,
      err,
    );
  }
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject);
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        const name = path.basename(entry.fileName);
        if (entry.fileName.endsWith('/') || !name.toLowerCase().endsWith('.csv')) {
          zip.readEntry();
          return;
        }
        zip.openReadStream(entry, (err, stream) => {
          if (err) return reject(err);
          pipeline(stream, createWriteStream(path.join(dest, name))).then(
            () => zip.readEntry(),
            (e: unknown) => reject(e instanceof Error ? e : new Error(String(e))),
          );
        });
      });
      zip.readEntry();
    });
  } catch (err) {
    await rm(dest, { recursive: true, force: true });
    throw new InputError(`${zipPath} is a corrupt zip archive (${messageOf(err)}) — download it again`, err);
  }
  await writeFile(marker, fingerprint);
}
