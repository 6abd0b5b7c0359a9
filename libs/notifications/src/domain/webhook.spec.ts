import { afterAttempt, backoffMs } from './webhook-delivery';
import { registerWebhook } from './webhook';

const now = new Date('2026-12-05T12:00:00.000Z');
const register = (
  url: string,
  eventTypes: string[] = ['task.created'],
  policy = { allowPlainHttp: false, existing: 0 },
) => registerWebhook({ id: 'w1', userId: 'u1', url, eventTypes, now }, policy);
const failure = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err as { code: string; details: { errors?: { field: string }[] } };
  }
  throw new Error('expected a refusal');
};

describe('registerWebhook', () => {
  it('accepts an https URL and known event types (duplicates dropped)', () => {
    expect(register('https://hooks.example.com/in', ['task.created', 'task.reminder_due', 'task.created'])).toEqual({
      id: 'w1',
      userId: 'u1',
      url: 'https://hooks.example.com/in',
      eventTypes: ['task.created', 'task.reminder_due'],
      status: 'active',
      createdAt: now,
      disabledAt: null,
    });
  });

  it('refuses http:// unless private addresses are allowed, other schemes, credentials, fragments and non-URLs (422 naming url)', () => {
    for (const url of [
      'http://hooks.example.com',
      'ftp://hooks.example.com',
      'https://user:pw@hooks.example.com',
      'https://hooks.example.com/#x',
      'not a url',
      '/relative',
    ]) {
      const err = failure(() => register(url));
      expect([url, err.code, err.details.errors?.[0].field]).toEqual([url, 'validation-failed', 'url']);
    }
    expect(register('http://127.0.0.1:8080/hook', undefined, { allowPlainHttp: true, existing: 0 }).url).toBe(
      'http://127.0.0.1:8080/hook',
    );
  });

  it('needs one to five known event types', () => {
    expect(failure(() => register('https://h.example.com', [])).details.errors?.[0].field).toBe('eventTypes');
    expect(failure(() => register('https://h.example.com', ['user.signed_up'])).details.errors?.[0].field).toBe(
      'eventTypes',
    );
  });

  it('at most five endpoints a user', () => {
    expect(register('https://h.example.com', undefined, { allowPlainHttp: false, existing: 4 }).id).toBe('w1');
    expect(
      failure(() => register('https://h.example.com', undefined, { allowPlainHttp: false, existing: 5 })).code,
    ).toBe('webhook-limit-reached');
  });
});

describe('delivery attempts', () => {
  it('backoff doubles from the base, at most an hour', () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n, 1000))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffMs(30, 1000)).toBe(3_600_000);
  });

  it('2xx delivers; a failure retries after the backoff until the last attempt, which is dead', () => {
    expect(afterAttempt({ ok: true, status: 204 }, 1, 3, 1000, now)).toEqual({ kind: 'delivered' });
    expect(afterAttempt({ ok: false, status: 500, error: 'HTTP 500' }, 1, 3, 1000, now)).toEqual({
      kind: 'retry',
      at: new Date(now.getTime() + 1000),
    });
    expect(afterAttempt({ ok: false, status: null, error: 'timeout' }, 2, 3, 1000, now)).toEqual({
      kind: 'retry',
      at: new Date(now.getTime() + 2000),
    });
    expect(afterAttempt({ ok: false, status: 302, error: 'HTTP 302' }, 3, 3, 1000, now)).toEqual({ kind: 'dead' });
  });
});
