import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { type AppConfig, TransactionRunner } from '@app/platform';
import { propertySettings } from '../../../../test/support/property-seed';
import { suiteDatabase } from '../../../../test/support/test-database';
import { DeadLetters } from './dead-letters';

// The admin's dead-letter list pages by (event position, id) as numbers: positions crossing 9 -> 10,
// 99 -> 100, 999 -> 1000 come in numeric order, whatever the page size (selecting the position as
// text and ordering by that name sorted "10" before "9").
describe('dead letters list', () => {
  const t = suiteDatabase(2);

  it('pages through every letter once, in numeric position order, for any page size', async () => {
    const positions = [1, 2, 8, 9, 10, 11, 98, 99, 100, 101, 999, 1000, 1001, 9_999, 10_000, 123_456_789_012];
    const consumer = `dl_${randomUUID().slice(0, 8)}`;
    for (const p of positions) {
      await t.pool.query(
        `INSERT INTO dead_letters (id, consumer, event_id, event_position, event_type, error, attempts, first_failed_at, last_failed_at)
         VALUES ($1, $2, $3, $4, 'test.happened', 'boom', 3, now(), now())`,
        [randomUUID(), consumer, randomUUID(), p],
      );
    }
    const letters = new DeadLetters(
      new TransactionRunner(t.pool, { database: { statementTimeoutMs: 30_000 } } as AppConfig),
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 20 }), async (limit) => {
        const seen: string[] = [];
        let cursor: string | undefined;
        for (;;) {
          const page = await letters.list({ consumer, cursor, limit });
          seen.push(...page.items.map((i) => i.eventPosition));
          if (!page.nextCursor) break;
          cursor = page.nextCursor;
        }
        expect(seen).toEqual(positions.map(String));
      }),
      propertySettings('dead letters order', 20),
    );
  });
});
