import { bearer } from '../../../../test/support/auth';
import { startTestApp, type TestApp } from '../../../../test/support/test-app';

describe('event stream on shutdown', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  }, 60_000);
  afterAll(async () => {
    await t?.db.drop();
  });

  it('ends open streams when the application closes', async () => {
    const me = bearer(t.app);
    const res = await fetch(`${t.baseUrl}/api/v1/events/stream`, { headers: { authorization: me.authorization } });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain('retry:');
    const closing = t.app.close();
    for (;;) {
      const { done } = await reader.read();
      if (done) break;
    }
    await closing;
  }, 20_000);
});
