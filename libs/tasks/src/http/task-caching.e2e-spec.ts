import pg from 'pg';
import { TransactionRunner } from '@app/platform';
import { bearer } from '../../../../test/support/auth';
import { drainConsumers } from '../../../../test/support/drain-consumers';
import { storedEventOf } from '../../../../test/support/event-row';
import { startTestApp, type TestApp } from '../../../../test/support/test-app';
import { TaskEnrichmentSubscriber } from '../enrichment/task-enrichment.subscriber';
import { TasksReadProjector } from '../projections/tasks-read.projector';
import { TasksWorkerModule } from '../tasks-worker.module';

/**
 * The ETag scheme (docs/decisions/0061) with the projections driven by hand: first the task as
 * created, then its enrichment, so both representations of one write version are seen.
 */
let t: TestApp;
let alice: { authorization: string };
beforeAll(async () => {
  t = await startTestApp({}, [TasksWorkerModule]);
  alice = bearer(t.app);
}, 60_000);
afterAll(() => t?.close());

async function call(method: string, path: string, headers: Record<string, string> = {}, body?: unknown) {
  const res = await fetch(`${t.baseUrl}/api/v1${path}`, {
    method,
    headers: { ...alice, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, etag: res.headers.get('etag'), text, body: text ? JSON.parse(text) : undefined };
}

/** Projects only the task.created event of `id` (no enrichment yet). */
async function projectCreation(id: string): Promise<void> {
  const { rows } = await t.app
    .get(pg.Pool)
    .query("SELECT * FROM events WHERE aggregate_id = $1 AND type = 'task.created'", [id]);
  const event = storedEventOf(rows[0]);
  await t.app.get(TransactionRunner).run(() => t.app.get(TasksReadProjector).handle(event));
}

describe('HTTP caching of a task: strong ETags with the write version and the representation revision', () => {
  it('a new ETag whenever the representation changes (enrichment included); 304 on If-None-Match; If-Match takes any tag of the current version', async () => {
    const created = await call(
      'POST',
      '/tasks',
      {},
      { title: 'Fix crash on save', description: 'The editor crashes. Seen on Linux.' },
    );
    expect(created.status).toBe(201);
    expect(created.etag).toBe('"1"');
    const id = created.body.id;

    await projectCreation(id);
    const bare = await call('GET', `/tasks/${id}`);
    expect(bare.status).toBe(200);
    expect(bare.body).toMatchObject({ version: 1, summary: null, category: null });
    expect(bare.etag).toBe('"1.1"');

    // Unchanged: 304 with the tag and no body, for the tag itself, its weak form, a list holding it, and *.
    for (const ifNoneMatch of ['"1.1"', 'W/"1.1"', '"0.9", "1.1"', '*']) {
      const again = await call('GET', `/tasks/${id}`, { 'if-none-match': ifNoneMatch });
      expect([ifNoneMatch, again.status, again.etag, again.text]).toEqual([ifNoneMatch, 304, '"1.1"', '']);
    }
    // The write's tag names another representation (the task as written): a full answer.
    expect((await call('GET', `/tasks/${id}`, { 'if-none-match': '"1"' })).status).toBe(200);

    // Enrichment arrives: same write version, another representation, another tag.
    await drainConsumers(t.app, t.db.url, [t.app.get(TasksReadProjector), t.app.get(TaskEnrichmentSubscriber)]);
    const enriched = await call('GET', `/tasks/${id}`, { 'if-none-match': '"1.1"' });
    expect(enriched.status).toBe(200);
    expect(enriched.body).toMatchObject({ version: 1, category: 'bug_fix' });
    expect(enriched.text).not.toBe(bare.text);
    expect(enriched.etag).toMatch(/^"1\.\d+"$/);
    expect(enriched.etag).not.toBe(bare.etag);
    expect((await call('GET', `/tasks/${id}`, { 'if-none-match': enriched.etag! })).status).toBe(304);

    // If-Match: the older representation's tag is still of the current write version, so it works...
    const patched = await call('PATCH', `/tasks/${id}`, { 'if-match': bare.etag! }, { priority: 'high' });
    expect(patched.status).toBe(200);
    expect(patched.etag).toBe('"2"');
    // ...and every tag of version 1, whichever representation it came from, fails once the version moved.
    for (const stale of [created.etag!, bare.etag!, enriched.etag!]) {
      const r = await call('PATCH', `/tasks/${id}`, { 'if-match': stale }, { priority: 'low' });
      expect([stale, r.status, r.body.status]).toEqual([stale, 412, 412]);
    }
    expect((await call('PUT', `/tasks/${id}`, { 'if-match': patched.etag! }, { title: 'Fixed' })).etag).toBe('"3"');
    expect((await call('DELETE', `/tasks/${id}`, { 'if-match': '"2"' })).status).toBe(412);
    expect((await call('DELETE', `/tasks/${id}`, { 'if-match': '"3.7"' })).status).toBe(204);
  });

  it('400 for an If-Match that is no tag of this API: garbage, a weak tag (RFC 9110 compares If-Match strongly), tags of different versions', async () => {
    const { body } = await call('POST', '/tasks', {}, { title: 'Headers' });
    for (const ifMatch of ['garbage', 'W/"1"', '"1", "2"', '"1.x"', '"-1"']) {
      const r = await call('PATCH', `/tasks/${body.id}`, { 'if-match': ifMatch }, { priority: 'low' });
      expect([ifMatch, r.status, r.body.title]).toEqual([ifMatch, 400, 'Bad Request']);
    }
    expect((await call('PATCH', `/tasks/${body.id}`, { 'if-match': '"1", "1.4"' }, { priority: 'low' })).status).toBe(
      200,
    );
    expect((await call('PATCH', `/tasks/${body.id}`, { 'if-match': '*' }, { priority: 'high' })).status).toBe(200);
  });
});
