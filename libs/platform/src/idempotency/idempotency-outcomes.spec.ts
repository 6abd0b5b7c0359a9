import type { Counter } from 'prom-client';
import { Metrics } from '../metrics/metrics';
import { IdempotencyOutcomes } from './idempotency-outcomes';

describe('IdempotencyOutcomes', () => {
  const setup = () => {
    const metrics = new Metrics();
    const outcomes = new IdempotencyOutcomes(metrics);
    const counted = async () => {
      const { values } = await (
        metrics.registry.getSingleMetric('idempotency_requests_total') as Counter<'outcome'>
      ).get();
      return Object.fromEntries(values.map((v) => [v.labels.outcome, v.value]));
    };
    return { outcomes, counted };
  };

  it('answers each refusal with its problem and counts it', async () => {
    const { outcomes, counted } = setup();
    expect(outcomes.missingKey()).toMatchObject({ status: 400, code: 'idempotency-key-required' });
    expect(outcomes.mismatch()).toMatchObject({ status: 422, code: 'idempotency-key-reused' });
    expect(outcomes.inUse()).toMatchObject({
      status: 409,
      code: 'idempotency-key-in-use',
      extra: { retryAfterSeconds: 1 },
    });
    outcomes.count('new');
    outcomes.count('new');
    expect(await counted()).toEqual({ missing_key: 1, mismatch: 1, conflict: 1, new: 2 });
  });

  it('counts every store failure', async () => {
    const { outcomes, counted } = setup();
    outcomes.storeFailed(new Error('down'));
    outcomes.storeFailed(new Error('down'));
    outcomes.storeAvailable();
    outcomes.storeFailed(new Error('down again'));
    expect(await counted()).toEqual({ store_error: 3 });
  });
});
