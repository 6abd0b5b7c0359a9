import { jest } from '@jest/globals';
import { IdempotencyAttempt } from './idempotency-attempt';

describe('IdempotencyAttempt', () => {
  afterEach(() => jest.useRealTimers());

  it('renews its lease on an interval, past failed renewals, until finished', async () => {
    jest.useFakeTimers();
    const attempt = new IdempotencyAttempt('scope', 'fp', true);
    let renewals = 0;
    attempt.startRenewal(async () => {
      renewals++;
      if (renewals === 2) throw new Error('store down');
    }, 100);
    await jest.advanceTimersByTimeAsync(350);
    expect(renewals).toBe(3);
    expect(attempt.finish()).toBe(true);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(renewals).toBe(3);
  });

  it('finishes once', () => {
    const attempt = new IdempotencyAttempt('scope', 'fp', true);
    expect(attempt.done).toBe(false);
    expect(attempt.finish()).toBe(true);
    expect(attempt.done).toBe(true);
    expect(attempt.finish()).toBe(false);
  });

  it('settles once its run has, however it ended', async () => {
    const attempt = new IdempotencyAttempt('scope', 'fp', true);
    await expect(attempt.settled()).resolves.toBeUndefined();
    let fail!: (err: Error) => void;
    attempt.running = new Promise((_, reject) => (fail = reject));
    let settled = false;
    const waiting = attempt.settled().then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    fail(new Error('handler failed'));
    await waiting;
    expect(settled).toBe(true);
  });

  it('draws a token of its own', () => {
    expect(new IdempotencyAttempt('s', 'f', true).token).not.toBe(new IdempotencyAttempt('s', 'f', true).token);
  });
});
