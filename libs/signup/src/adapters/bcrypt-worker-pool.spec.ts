import os from 'node:os';
import { BcryptWorkerPool } from './bcrypt-worker-pool';

describe('BcryptWorkerPool', () => {
  it('hashes and compares on worker threads that run at a lower priority', async () => {
    const before = os.getPriority();
    const pool = new BcryptWorkerPool(2, 7);
    try {
      const [a, b] = await Promise.all([pool.hash('pässwörd-1', 4), pool.hash('pässwörd-2', 4)]);
      expect(a).toMatch(/^\$2b\$04\$/);
      expect(await pool.compare('pässwörd-1', a)).toBe(true);
      expect(await pool.compare('pässwörd-1', b)).toBe(false);
      await expect(pool.compare('x', 'not a hash')).resolves.toBe(false);
      expect(os.getPriority()).toBe(before); // the event loop's own thread is untouched
    } finally {
      await pool.close();
    }
  });
});
