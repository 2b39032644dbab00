// Full-scale S3 staging benchmark: the ~745 MB ratings.csv uploaded through the project's Store (putFile, and a
// content-addressed re-put that must upload nothing) next to a bare @aws-sdk/lib-storage Upload of the same file
// with the same part size and queue, measured alternately in one run. Target: Store ≤ 1.1× bare.
// Server: fauxqs in a child process on 127.0.0.1 (in memory, npm-only, no Ceph needed; its own process so
// server and client use separate cores), or any server via --endpoint URL --bucket NAME (credentials from the
// AWS environment), e.g. scripts/radosgw.sh. Run `npm run build` first.
// Usage: node bench/s3.mjs [--rounds 3] [--endpoint URL --bucket NAME] [--json]
import { fork } from 'node:child_process';
import { createReadStream, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

const MiB = 1024 * 1024;
export const S3_TARGET = 1.1;

/** The fauxqs child: listens on 127.0.0.1, sends its URL to the parent, lives until killed. */
async function serve() {
  const { buildApp } = await import('fauxqs');
  const app = buildApp({ logger: false });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  process.send?.({ url });
}

function startFauxqsChild() {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--serve'], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    child.once('message', (m) => resolve({ endpoint: m.url, stop: () => child.kill() }));
    child.once('exit', (code) => reject(new Error(`fauxqs child exited with ${code}`)));
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Measures the upload of `file`. Returns { bytes, bareMs, storeMs, ratio, reputMs, server, rounds }.
 * `endpoint`/`bucket` unset: a fauxqs child process is started and stopped here.
 */
export async function benchS3({ file, rounds = 3, endpoint, bucket, log = (m) => console.error(m) }) {
  const { openStore, putContentAddressed, hashFile } = await import('../dist/storage/index.js');
  let server = null;
  const credentials = endpoint ? undefined : { accessKeyId: 'bench', secretAccessKey: 'bench' };
  if (!endpoint) {
    server = await startFauxqsChild();
    endpoint = server.endpoint;
    bucket = 'bench';
  }
  const settings = {
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    ...(credentials ? { credentials } : {}),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000, throwOnRequestTimeout: true },
  };
  const client = new S3Client(settings);
  try {
    if (server) await client.send(new CreateBucketCommand({ Bucket: bucket }));
    const store = await openStore(`s3://${bucket}/bench`, {
      s3: { endpoint, ...(credentials ? { credentials } : {}) },
    });
    const bytes = statSync(file).size;
    const bare = [];
    const viaStore = [];
    const dropObject = (Key) => client.send(new DeleteObjectCommand({ Bucket: bucket, Key }));
    // Alternate the two so drift on a shared machine hits both alike; delete after each so fauxqs frees memory.
    for (let r = 0; r < rounds; r++) {
      let t = performance.now();
      await new Upload({
        client,
        params: { Bucket: bucket, Key: 'bench/bare', Body: createReadStream(file) },
        partSize: 10 * MiB,
        queueSize: 4,
      }).done();
      bare.push(performance.now() - t);
      await dropObject('bench/bare');
      t = performance.now();
      await store.putFile('store', file);
      viaStore.push(performance.now() - t);
      await dropObject('bench/store');
      log(
        `s3 bench round ${r + 1}/${rounds}: bare ${(bare[r] / 1000).toFixed(2)} s, Store ${(viaStore[r] / 1000).toFixed(2)} s`,
      );
    }
    // Staging as the pipeline does it: hash once (the manifest needs it), upload, then a re-run that skips.
    const { sha256 } = await hashFile(file);
    let t = performance.now();
    const first = await putContentAddressed(store, file, { sha256, bytes });
    const caColdMs = performance.now() - t;
    t = performance.now();
    const again = await putContentAddressed(store, file, { sha256, bytes });
    const reputMs = performance.now() - t;
    if (!first.uploaded || again.uploaded)
      throw new Error('content-addressed put did not upload once then skip');
    await dropObject(`bench/${first.key}`);
    await store.close();
    const bareMs = median(bare);
    const storeMs = median(viaStore);
    return {
      server: server ? 'fauxqs 1.9.2 (child process, in memory)' : endpoint,
      file,
      bytes,
      rounds,
      bareMs: Math.round(bareMs),
      storeMs: Math.round(storeMs),
      ratio: Math.round((storeMs / bareMs) * 100) / 100,
      target: S3_TARGET,
      contentAddressedColdMs: Math.round(caColdMs),
      contentAddressedReputMs: Math.round(reputMs),
      bareRunsMs: bare.map(Math.round),
      storeRunsMs: viaStore.map(Math.round),
    };
  } finally {
    client.destroy();
    server?.stop();
  }
}

/** One line for a report (bench/run.mjs can print this). */
export function formatS3(r) {
  const mb = (r.bytes / 1e6).toFixed(0);
  const rate = (ms) => `${(r.bytes / MiB / (ms / 1000)).toFixed(0)} MiB/s`;
  return (
    `S3 staging of ratings.csv (${mb} MB) on ${r.server}: bare Upload ${(r.bareMs / 1000).toFixed(2)} s (${rate(r.bareMs)}), ` +
    `Store.putFile ${(r.storeMs / 1000).toFixed(2)} s = ${r.ratio.toFixed(2)}× (target ≤ ${r.target}×${r.ratio <= r.target ? ', met' : ', MISSED'}); ` +
    `unchanged re-put ${r.contentAddressedReputMs} ms`
  );
}

const isMain = process.argv[1] === fileURLToPath(import.meta.url);
if (isMain && process.argv.includes('--serve')) {
  await serve();
} else if (isMain) {
  const arg = (name) => {
    const i = process.argv.indexOf(name);
    return i < 0 ? undefined : process.argv[i + 1];
  };
  const { ensureFullDataset } = await import('./generate.mjs');
  const { dir } = await ensureFullDataset({ log: (m) => console.error(m) });
  const r = await benchS3({
    file: join(dir, 'ratings.csv'),
    rounds: Number(arg('--rounds') ?? 3),
    endpoint: arg('--endpoint'),
    bucket: arg('--bucket'),
  });
  if (process.argv.includes('--json')) console.log(JSON.stringify(r));
  else console.log(formatS3(r));
}
