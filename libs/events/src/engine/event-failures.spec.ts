import { describeError, failedAttempt, MAX_BACKOFF_MS } from './event-failures';

const options = { maxAttempts: 5, retryBaseMs: 200 };

describe('failedAttempt', () => {
  it('doubles the wait per attempt at the same event, keeping when it first failed', () => {
    const first = failedAttempt(undefined, 'e1', new Error('boom'), options, 1_000);
    expect(first).toEqual({
      eventId: 'e1',
      attempts: 1,
      firstFailedAt: new Date(1_000),
      error: 'Error: boom',
      retryAt: 1_200,
    });
    const second = failedAttempt(first, 'e1', new Error('boom'), options, 2_000);
    expect(second).toMatchObject({ attempts: 2, firstFailedAt: new Date(1_000), retryAt: 2_400 });
    const third = failedAttempt(second, 'e1', 'text', options, 3_000);
    expect(third).toMatchObject({ attempts: 3, error: 'text', retryAt: 3_800 });
  });

  it('does not wait once the attempts are used up: the next step dead-letters the event', () => {
    let failing = failedAttempt(undefined, 'e1', 'x', options, 0);
    for (let at = 1; at < options.maxAttempts; at++) failing = failedAttempt(failing, 'e1', 'x', options, at);
    expect(failing).toMatchObject({ attempts: options.maxAttempts, retryAt: options.maxAttempts - 1 });
  });

  it('caps the wait at a minute, also for attempts that never run out', () => {
    let failing = failedAttempt(undefined, 'e1', 'x', { maxAttempts: Infinity, retryBaseMs: 1_000 }, 0);
    for (let i = 0; i < 40; i++)
      failing = failedAttempt(failing, 'e1', 'x', { maxAttempts: Infinity, retryBaseMs: 1_000 }, 0);
    expect(failing.attempts).toBe(41);
    expect(failing.retryAt).toBe(MAX_BACKOFF_MS);
  });

  it('counts afresh for another event', () => {
    const first = failedAttempt(failedAttempt(undefined, 'e1', 'x', options, 0), 'e1', 'x', options, 10);
    expect(failedAttempt(first, 'e2', 'y', options, 500)).toEqual({
      eventId: 'e2',
      attempts: 1,
      firstFailedAt: new Date(500),
      error: 'y',
      retryAt: 700,
    });
  });
});

describe('describeError', () => {
  it("gives an error's name and message, a thrown value's text, at most 2000 characters", () => {
    expect(describeError(new TypeError('bad'))).toBe('TypeError: bad');
    expect(describeError(42)).toBe('42');
    expect(describeError(new Error('x'.repeat(5000)))).toHaveLength(2000);
  });
});
