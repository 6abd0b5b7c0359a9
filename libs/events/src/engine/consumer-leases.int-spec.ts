import { jest } from '@jest/globals';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/test-database';
import { AdvisoryLeases } from './consumer-leases';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
}, 60_000);
afterAll(() => db?.drop());

describe('advisory leases', () => {
  it('grants every consumer its lock when all of them ask at once, their queries taking turns on the one connection', async () => {
    // Queries in flight per connection: pg 8 queues a second one with a deprecation warning, pg 9 will refuse it.
    const inFlight = new Map<pg.Client, number>();
    let most = 0;
    // eslint-disable-next-line @typescript-eslint/unbound-method -- the original, called below with the spied client as this
    const query = pg.Client.prototype.query;
    // eslint-disable-next-line @typescript-eslint/no-misused-promises -- serves the promise form AdvisoryLeases uses, not pg's void callback overloads
    const spy = jest.spyOn(pg.Client.prototype, 'query').mockImplementation(function (
      this: pg.Client,
      ...args: unknown[]
    ) {
      inFlight.set(this, (inFlight.get(this) ?? 0) + 1);
      most = Math.max(most, inFlight.get(this)!);
      const done = () => inFlight.set(this, inFlight.get(this)! - 1);
      const result = (query as (...a: unknown[]) => Promise<unknown>).apply(this, args);
      result.then(done, done);
      return result;
    });
    const leases = new AdvisoryLeases(db.url, () => undefined, { warn: () => undefined });
    const other = new AdvisoryLeases(db.url, () => undefined, { warn: () => undefined });
    try {
      const names = ['a', 'b', 'c', 'd', 'e', 'f'].map((n) => `lease-spec-${n}`);
      expect(await Promise.all(names.map((n) => leases.hold(n)))).toEqual(names.map(() => true));
      expect(await Promise.all(names.map((n) => leases.hold(n)))).toEqual(names.map(() => true)); // held: no query
      // Another process's session cannot take them while this one lives...
      expect(await Promise.all(names.map((n) => other.hold(n)))).toEqual(names.map(() => false));
      // ...and no connection ever had two queries at once.
      expect(most).toBe(1);
      await leases.close();
      expect(await other.hold(names[0])).toBe(true); // closing the session released the locks
    } finally {
      spy.mockRestore();
      await leases.close();
      await other.close();
    }
  });
});
