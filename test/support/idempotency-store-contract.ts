import { randomBytes, randomUUID } from 'node:crypto';
import type { IdempotencyRecord, IdempotencyStore } from '../../libs/platform/src/idempotency/idempotency-store';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The behaviour every IdempotencyStore adapter must have (run against Redis and the in-process store). */
export function idempotencyStoreContract(name: string, make: () => IdempotencyStore | undefined, skip = false): void {
  (skip ? describe.skip : describe)(
    `${name} IdempotencyStore contract${skip ? ' (did not run: no Redis reachable)' : ''}`,
    () => {
      let store: IdempotencyStore;
      beforeAll(() => {
        store = make()!;
      });
      const scope = () => `scope-${randomBytes(6).toString('hex')}`;
      const record = (fingerprint: string): IdempotencyRecord => ({
        fingerprint,
        status: 201,
        headers: { 'content-type': 'application/json', location: '/x/1' },
        body: Buffer.from('{"a":1}').toString('base64'),
      });

      it('claims a new key once; a second claim sees it busy with the first fingerprint', async () => {
        const s = scope();
        expect(await store.claim(s, 'fp1', 'tok-a', 5_000, 60_000)).toEqual({ state: 'new' });
        const busy = await store.claim(s, 'fp2', 'tok-b', 5_000, 60_000);
        expect(busy).toMatchObject({ state: 'busy', fingerprint: 'fp1' });
        expect((busy as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(0);
      });

      it('keeps the finished record for the TTL and drops the lease', async () => {
        const s = scope();
        await store.claim(s, 'fp', 'tok', 5_000, 60_000);
        expect(await store.complete(s, 'tok', record('fp'), 60_000)).toBe(true);
        expect(await store.claim(s, 'fp', 'tok-2', 5_000, 60_000)).toEqual({ state: 'done', record: record('fp') });
      });

      it('releases only for the holder; after a release the key is a retry', async () => {
        const s = scope();
        await store.claim(s, 'fp', 'tok', 5_000, 60_000);
        await store.release(s, 'fp', 'not-the-holder');
        expect((await store.claim(s, 'fp', 'tok-2', 5_000, 60_000)).state).toBe('busy');
        await store.release(s, 'fp', 'tok');
        expect(await store.claim(s, 'fp', 'tok-3', 5_000, 60_000)).toEqual({ state: 'retry', fingerprint: 'fp' });
      });

      it('lets a lease run out (a crashed holder never wedges a key), and renews only for the holder', async () => {
        const s = scope();
        await store.claim(s, 'fp', 'tok', 600, 60_000);
        expect(await store.renew(s, 'fp', 'other', 600)).toBe(false);
        expect(await store.renew(s, 'fp', 'tok', 600)).toBe(true);
        await sleep(300);
        expect(await store.renew(s, 'fp', 'tok', 600)).toBe(true);
        await sleep(400);
        expect((await store.claim(s, 'fp', 'tok-2', 600, 60_000)).state).toBe('busy');
        await sleep(700);
        expect(await store.claim(s, 'fp', 'tok-3', 600, 60_000)).toEqual({ state: 'retry', fingerprint: 'fp' });
        // The late first holder cannot overwrite what the new holder does.
        expect(await store.complete(s, 'tok', record('fp'), 60_000)).toBe(false);
        expect(await store.complete(s, 'tok-3', record('fp'), 60_000)).toBe(true);
      });

      it('forgets everything after the TTL', async () => {
        const s = scope();
        await store.claim(s, 'fp', 'tok', 5_000, 300);
        await store.complete(s, 'tok', record('fp'), 300);
        await sleep(400);
        expect(await store.claim(s, 'fp', randomUUID(), 5_000, 300)).toEqual({ state: 'new' });
      });

      it('answers a ping', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
      });
    },
  );
}
