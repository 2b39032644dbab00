// The sha256 of a stream read in chunks, on a worker thread when the stream is large. stage.files reads the 745 MB
// ratings file once for its sha256, line count, key order and shards, all on the main thread, while the other core
// idles; the hash is 0.6 s of it. A thread that only hashes takes that off the main thread. Its code is a few lines
// of plain JavaScript, evaluated: no file to resolve from src/ under the tests or from dist/.
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/**
 * The sha256 of a stream read chunk by chunk into the hasher's buffers: read into `buffer()`, hand the chunk (a view
 * of it) to `update`, `digest()` at the end, `close()` always. Two chunks may be out at once (the next one read
 * while the last is still in use): `buffer()` never hands out the memory of the chunk before.
 */
export interface ChunkHasher {
  buffer(): Buffer;
  update(chunk: Buffer): Promise<void>;
  digest(): Promise<string>;
  close(): Promise<void>;
}

/** From this size on, a stream is hashed on a second thread (starting one costs ~55 ms; a 64 MiB hash ~50 ms). */
const THREAD_MIN_BYTES = 64 * 1024 * 1024;

/** A hasher for a stream of `bytes` read in chunks of `chunkBytes`: on a second thread when the stream is large. */
export function chunkHasher(bytes: number, chunkBytes: number): ChunkHasher {
  return bytes >= THREAD_MIN_BYTES ? new Sha256Thread(chunkBytes) : new Sha256InThread(chunkBytes);
}

/** Hashes on the calling thread, into two buffers that the reads take in turn. */
class Sha256InThread implements ChunkHasher {
  private readonly hash = createHash('sha256');
  private readonly buffers: [Buffer, Buffer];
  private turn = 0;

  constructor(chunkBytes: number) {
    this.buffers = [Buffer.allocUnsafe(chunkBytes), Buffer.allocUnsafe(chunkBytes)];
  }

  buffer(): Buffer {
    this.turn ^= 1;
    return this.buffers[this.turn]!;
  }

  update(chunk: Buffer): Promise<void> {
    this.hash.update(chunk);
    return Promise.resolve();
  }

  digest(): Promise<string> {
    return Promise.resolve(this.hash.digest('hex'));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

const THREAD_SOURCE = `
const { parentPort } = require('node:worker_threads');
const hash = require('node:crypto').createHash('sha256');
parentPort.on('message', (chunk) => {
  if (chunk === null) return parentPort.postMessage(hash.digest('hex'));
  hash.update(chunk);
  parentPort.postMessage(chunk, [chunk.buffer]);
});
`;

/** Chunks handed over and not yet hashed, at most: bounds the memory when the thread falls behind. */
const MAX_QUEUED = 4;

/**
 * Hashes the chunks handed to `update`, in order, on its own thread. Chunks travel without a copy: each moves to the
 * thread and back, and `buffer()` hands the returned ones out again (fresh memory for every read cost more than the
 * hash saved).
 */
export class Sha256Thread implements ChunkHasher {
  private readonly worker = new Worker(THREAD_SOURCE, { eval: true });
  private readonly free: Buffer[] = [];
  private queued = 0;
  private wake: (() => void) | null = null;
  /** Settles with the digest, or rejects when the thread fails or exits without one. */
  private readonly digestReady: Promise<string>;

  constructor(private readonly bufferBytes: number) {
    this.digestReady = new Promise<string>((resolve, reject) => {
      this.worker.on('message', (m: string | Uint8Array) => {
        if (typeof m === 'string') return resolve(m);
        this.free.push(Buffer.from(m.buffer, 0, m.buffer.byteLength));
        this.queued--;
        this.wakeUp();
      });
      this.worker.on('error', reject);
      this.worker.on('exit', (code) =>
        reject(new Error(`the sha256 thread exited (code ${code}) before its digest`)),
      );
    });
    this.digestReady.catch(() => this.wakeUp()); // a waiting update() learns of the failure from digestReady
  }

  /** A buffer of `bufferBytes` to read the next chunk into: one the thread has finished with, or a new one. */
  buffer(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.bufferBytes);
  }

  /**
   * Hands `chunk` (a view of a buffer from `buffer()`) to the thread: its memory moves there, so the caller must not
   * touch it again. Waits while MAX_QUEUED chunks are still to hash.
   */
  async update(chunk: Buffer): Promise<void> {
    while (this.queued >= MAX_QUEUED)
      await Promise.race([new Promise<void>((r) => (this.wake = r)), this.digestReady]);
    this.queued++;
    this.worker.postMessage(chunk, [chunk.buffer as ArrayBuffer]);
  }

  /** The hex digest of every chunk handed over. */
  async digest(): Promise<string> {
    this.worker.postMessage(null);
    return this.digestReady;
  }

  /** Ends the thread (after the digest, or when the read failed half-way). */
  async close(): Promise<void> {
    await this.worker.terminate();
  }

  private wakeUp(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }
}
