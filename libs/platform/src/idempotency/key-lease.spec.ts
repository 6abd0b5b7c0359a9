import { jest } from '@jest/globals';
import { Redis } from 'ioredis';
import { freePort } from '../../../../test/support/free-port';
import { ProblemException } from '../http/problem';
import { Metrics } from '../metrics/metrics';
import { IdempotencyAttempt } from './idempotency-attempt';
import { IdempotencyOutcomes } from './idempotency-outcomes';
import type { IdempotencyStore } from './idempotency-store';
import { KeyLease } from './key-lease';
import { MemoryIdempotencyStore } from './memory-idempotency-store';
import { RedisIdempotencyStore } from './redis-idempotency-store';

const options = { leaseMs: 300, ttlMs: 60_000 };

describe('KeyLease', () => {
  let clock = 0;
  const store = new MemoryIdempotencyStore(() => clock);
  const lease = (on: IdempotencyStore = store) => new KeyLease(on, new IdempotencyOutcomes(new Metrics()), options);
  const attempt = (scope: string, fingerprint = 'fp') => new IdempotencyAttempt(scope, fingerprint, true);
  const refusal = (run: Promise<unknown>) =>
    run.then(
      () => undefined,
      (err: unknown) => err as ProblemException,
    );
  afterAll(() => store.close());
  afterEach(() => jest.useRealTimers());

  it('runs the first attempt under a key as new, holding the lease; a second one in flight gets 409', async () => {
    const first = attempt('fresh');
    expect(await lease().claim(first)).toEqual({ run: 'new' });
    expect(first.holdsLease).toBe(true);
    expect(await refusal(lease().claim(attempt('fresh')))).toMatchObject({
      status: 409,
      code: 'idempotency-key-in-use',
    });
    first.finish();
  });

  it('answers 422 to another request under a key in flight or finished', async () => {
    const first = attempt('reused');
    await lease().claim(first);
    expect(await refusal(lease().claim(attempt('reused', 'other')))).toMatchObject({ status: 422 });
    await store.complete('reused', first.token, { fingerprint: 'fp', status: 201, headers: {}, body: '' }, 60_000);
    first.finish();
    expect(await refusal(lease().claim(attempt('reused', 'other')))).toMatchObject({ status: 422 });
  });

  it('replays a finished response with the replayed header', async () => {
    const first = attempt('finished');
    await lease().claim(first);
    const body = Buffer.from('{"id":1}').toString('base64');
    await store.complete('finished', first.token, { fingerprint: 'fp', status: 201, headers: {}, body }, 60_000);
    first.finish();
    const decision = await lease().claim(attempt('finished'));
    if (!('replay' in decision)) throw new Error(`expected a replay, got ${JSON.stringify(decision)}`);
    expect(decision.replay.status).toBe(201);
    expect(decision.replay.headers.get('idempotent-replayed')).toBe('true');
    expect(await decision.replay.text()).toBe('{"id":1}');
  });

  it('runs an attempt whose predecessor never finished as unsure (the database record decides)', async () => {
    const crashed = attempt('crashed');
    await lease().claim(crashed);
    crashed.finish(); // stops renewing, as a crashed holder does
    clock += options.leaseMs + 1;
    const retry = attempt('crashed');
    expect(await lease().claim(retry)).toEqual({ run: 'unsure' });
    expect(retry.holdsLease).toBe(true);
    retry.finish();
  });

  it('renews the lease while the attempt runs, so a long request keeps its key', async () => {
    jest.useFakeTimers({ now: clock });
    const renewing = new MemoryIdempotencyStore(); // its clock is the faked Date.now
    const running = attempt('long');
    await lease(renewing).claim(running);
    await jest.advanceTimersByTimeAsync(options.leaseMs * 10);
    expect(await refusal(lease(renewing).claim(attempt('long')))).toMatchObject({ status: 409 });
    running.finish();
    await jest.advanceTimersByTimeAsync(options.leaseMs + 1);
    expect(await lease(renewing).claim(attempt('long'))).toEqual({ run: 'unsure' });
    renewing.close();
  });

  it('runs as unsure without a lease when the store cannot be reached', async () => {
    const redis = new Redis({
      port: await freePort(), // nothing listens there
      enableOfflineQueue: false,
      retryStrategy: () => null,
      lazyConnect: true,
    });
    try {
      const down = attempt('down');
      expect(await lease(new RedisIdempotencyStore(redis)).claim(down)).toEqual({ run: 'unsure' });
      expect(down).toMatchObject({ storeUp: false, holdsLease: false });
    } finally {
      redis.disconnect();
    }
  });
});
