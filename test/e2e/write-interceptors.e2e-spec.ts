import { bearer } from '../support/auth';
import { startTestApp, type TestApp } from '../support/test-app';

// The API runs IdempotencyInterceptor and ConsistencyTokenInterceptor on every route
// (useGlobalInterceptors in create-app.ts): writes get idempotency and X-Consistency-Token,
// reads pass straight through both (docs/decisions/0069).
let t: TestApp;
let auth: { authorization: string };
beforeAll(async () => {
  t = await startTestApp();
  auth = bearer(t.app);
}, 60_000);
afterAll(() => t?.close());

const tooLongKey = 'k'.repeat(256); // the key's limit is 255 characters
const send = (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) =>
  fetch(`${t.baseUrl}/api/v1${path}`, { method, headers: { ...auth, ...headers, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });

describe('interceptors on writes and reads', () => {
  it('a write is idempotent under its key and answers its X-Consistency-Token', async () => {
    const key = `write-${Date.now()}`;
    const first = await send('POST', '/tasks', { 'idempotency-key': key }, { title: 'Intercepted' });
    const again = await send('POST', '/tasks', { 'idempotency-key': key }, { title: 'Intercepted' });
    expect(first.status).toBe(201);
    expect(first.headers.get('x-consistency-token')).toMatch(/^\d+\.\d+$/);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(((await again.json()) as { id: string }).id).toBe(((await first.json()) as { id: string }).id);

    const bad = await send('POST', '/tasks', { 'idempotency-key': tooLongKey }, { title: 'Bad key' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { type: string }).type).toContain('invalid-idempotency-key');

    const { id } = (await (await send('POST', '/tasks', {}, { title: 'To delete' })).json()) as { id: string };
    const deleted = await send('DELETE', `/tasks/${id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.headers.get('x-consistency-token')).toMatch(/^\d+\.\d+$/);
  });

  it('a read runs neither: an Idempotency-Key is ignored (even a malformed one), nothing is replayed, no X-Consistency-Token', async () => {
    const list = await send('GET', '/tasks', { 'idempotency-key': tooLongKey });
    expect(list.status).toBe(200);
    const key = `read-${Date.now()}`;
    const reads = [await send('GET', '/tasks', { 'idempotency-key': key }), await send('GET', '/tasks', { 'idempotency-key': key })];
    for (const read of reads) {
      expect(read.status).toBe(200);
      expect(read.headers.get('idempotent-replayed')).toBeNull();
      expect(read.headers.get('x-consistency-token')).toBeNull();
    }
  });
});
