// The sha256 of a stream on a worker thread. stage.files reads the 745 MB ratings file once for its sha256, line
// count, key order and shards, all on the main thread, while the other core idles; the hash is 0.6 s of it. A thread
// that only hashes takes that off the main thread. Its code is a few lines of plain JavaScript, evaluated: no file to
// resolve from src/ under the tests or from dist/.
import { Worker } from 'node:worker_threads';

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
export class Sha256Thread {
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
