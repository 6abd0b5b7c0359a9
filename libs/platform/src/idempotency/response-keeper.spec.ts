import Fastify from 'fastify';
import { Metrics } from '../metrics/metrics';
import { IdempotencyAttempt } from './idempotency-attempt';
import { IdempotencyOutcomes } from './idempotency-outcomes';
import type { IdempotencyRecords } from './idempotency-records';
import { MemoryIdempotencyStore } from './memory-idempotency-store';
import { ResponseKeeper } from './response-keeper';

// Attempts not recorded by a command, so the keeper touches the store only (the database record
// is the interceptor's integration test: idempotency.int-spec.ts).
const NO_RECORDS = {} as IdempotencyRecords;

describe('ResponseKeeper', () => {
  const store = new MemoryIdempotencyStore();
  const keeper = new ResponseKeeper(store, NO_RECORDS, new IdempotencyOutcomes(new Metrics()), 60_000);

  /** Claims `scope`, answers `status` through a real Fastify reply and lets the keeper end the attempt `times` times. */
  async function answer(scope: string, status: number, keep = true, times = 1): Promise<IdempotencyAttempt> {
    const attempt = new IdempotencyAttempt(scope, 'fp', true);
    expect(await store.claim(scope, 'fp', attempt.token, 10_000, 60_000)).toEqual({ state: 'new' });
    attempt.holdsLease = true;
    attempt.keep = keep;
    const app = Fastify();
    app.addHook('onSend', async (_request, reply, payload) => {
      for (let i = 0; i < times; i++) await keeper.keep(attempt, reply, payload);
    });
    app.get('/', (_request, reply) => reply.code(status).send({ status }));
    await app.inject({ method: 'GET', url: '/' });
    await app.close();
    return attempt;
  }

  it('keeps a lasting answer in the store for replays, once', async () => {
    const attempt = await answer('kept', 201, true, 2);
    expect(attempt.done).toBe(true);
    const claim = await store.claim('kept', 'fp', 'another-token', 10_000, 60_000);
    expect(claim).toMatchObject({
      state: 'done',
      record: { fingerprint: 'fp', status: 201, body: Buffer.from('{"status":201}').toString('base64') },
    });
  });

  it.each([
    [500, true],
    [429, true],
    [422, false],
  ])('releases the key after a %i (kept by the handler: %s), so a retry executes', async (status, keep) => {
    const scope = `released-${status}`;
    await answer(scope, status, keep);
    expect(await store.claim(scope, 'fp', 'another-token', 10_000, 60_000)).toMatchObject({ state: 'retry' });
  });
});
