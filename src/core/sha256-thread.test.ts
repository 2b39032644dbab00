// Sha256Thread: the digest of the chunks handed over, in order, past the queue bound; and no hang when a read fails.
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Sha256Thread } from './sha256-thread.js';

describe('Sha256Thread', () => {
  it('hashes the chunks in order, reusing the buffers it returns, with more chunks than its queue holds', async () => {
    const size = 64 * 1024;
    const thread = new Sha256Thread(size);
    const reference = createHash('sha256');
    for (let i = 0; i < 40; i++) {
      const buf = thread.buffer();
      expect(buf.length).toBe(size);
      const data = randomBytes(1 + ((i * 7919) % size)); // chunks of every length, as the last read of a file is
      data.copy(buf);
      const chunk = buf.subarray(0, data.length);
      reference.update(data);
      await thread.update(chunk);
      expect(buf.length).toBe(0); // its memory moved to the thread
    }
    expect(await thread.digest()).toBe(reference.digest('hex'));
    await thread.close();
  });

  it('closes without a digest (a read failed half-way) and the empty digest is that of no bytes', async () => {
    const broken = new Sha256Thread(16);
    await broken.update(broken.buffer());
    await broken.close();
    const empty = new Sha256Thread(16);
    expect(await empty.digest()).toBe(createHash('sha256').digest('hex'));
    await empty.close();
  });
});
