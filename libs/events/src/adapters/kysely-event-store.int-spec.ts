import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { DomainError, UnitOfWork } from '@app/shared-kernel';
import { requestContext } from '@app/platform';
import { startTestContext, type TestContext } from '../../../../test/support/test-context';
import { EventsModule } from '../events.module';
import { EventStore } from '../ports/event-store';

let t: TestContext;
let store: EventStore;
let uow: UnitOfWork;
let pool: pg.Pool;

beforeAll(async () => {
  t = await startTestContext([EventsModule]);
  store = t.app.get(EventStore);
  uow = t.app.get(UnitOfWork);
  pool = t.app.get(pg.Pool);
});
afterAll(() => t.close());

const event = (aggregateId: string, version: number, type = 'thing.happened') => ({
  type,
  aggregateType: 'thing',
  aggregateId,
  aggregateVersion: version,
  payload: { n: version },
});

async function countFor(aggregateId: string): Promise<number> {
  return (await pool.query(`SELECT count(*)::int AS n FROM events WHERE aggregate_id = $1`, [aggregateId])).rows[0].n;
}

describe('KyselyEventStore', () => {
  it('appends inside the unit of work with increasing positions and the request context as metadata', async () => {
    const id = randomUUID();
    const stored = await requestContext.run({ requestId: 'req-1', correlationId: 'corr-1', actor: 'user-1' }, () =>
      uow.run(() => store.append([event(id, 1), event(id, 2)])),
    );
    expect(stored).toHaveLength(2);
    expect(stored[1].position).toBeGreaterThan(stored[0].position);
    expect(stored[0].metadata).toMatchObject({ actor: 'user-1', correlationId: 'corr-1', causationId: 'req-1' });
    const row = (await pool.query(`SELECT type, payload, metadata FROM events WHERE id = $1`, [stored[0].id])).rows[0];
    expect(row).toMatchObject({ type: 'thing.happened', payload: { n: 1 }, metadata: { actor: 'user-1' } });
  });

  it('writes nothing when the unit of work rolls back', async () => {
    const id = randomUUID();
    await expect(
      uow.run(async () => {
        await store.append([event(id, 1)]);
        throw new Error('the command failed after appending');
      }),
    ).rejects.toThrow('the command failed');
    expect(await countFor(id)).toBe(0);
  });

  it('rejects a second event for the same aggregate version as a conflict', async () => {
    const id = randomUUID();
    await uow.run(() => store.append([event(id, 1)]));
    const err = await uow.run(() => store.append([event(id, 1)])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).kind).toBe('conflict');
    expect(await countFor(id)).toBe(1);
  });

  it('refuses to append outside a unit of work', async () => {
    await expect(store.append([event(randomUUID(), 1)])).rejects.toThrow(/inside a unit of work/);
  });
});
