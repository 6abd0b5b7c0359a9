import { randomUUID } from 'node:crypto';
import { EventStore } from '@app/events';
import { TransactionRunner } from '@app/platform';
import { bearer } from '../../../../test/support/auth';
import { waitFor } from '../../../../test/support/free-port';
import { startTestApp, type TestApp } from '../../../../test/support/test-app';

/** GET /tasks/{id}/history against the real app, its worker in the process (docs/decisions/0074). */
let t: TestApp;
let alice: ReturnType<typeof bearer>;
let bob: ReturnType<typeof bearer>;

beforeAll(async () => {
  t = await startTestApp({
    RUN_WORKER_IN_API: 'true',
    EVENTS_POLL_INTERVAL_MS: '50',
    LOG_LEVEL: process.env.TASKS_LOG ?? 'silent',
  });
  alice = bearer(t.app);
  bob = bearer(t.app);
}, 60_000);
afterAll(() => t?.close());

interface Item {
  id: string;
  type: string;
  version: number;
  occurredAt: string;
  actor: string | null;
  changes: Record<string, { before: unknown; after: unknown }>;
}

async function call(
  method: string,
  path: string,
  who: { authorization: string },
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${t.baseUrl}/api/v1${path}`, {
    method,
    headers: {
      authorization: who.authorization,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

/** Writes, returning the write's answer and its consistency token. */
async function write(method: string, path: string, body?: unknown) {
  const r = await call(method, path, alice, body);
  expect(r.status).toBeLessThan(300);
  return { ...r, token: r.headers.get('x-consistency-token')! };
}

/** Every item of the history, page by page (`limit` a page), checking each page's shape. */
async function allPages(id: string, limit: number, who = alice): Promise<Item[]> {
  const items: Item[] = [];
  let cursor: string | null = null;
  do {
    const r = await call('GET', `/tasks/${id}/history?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, who);
    expect(r.status).toBe(200);
    expect(r.body.items.length).toBeLessThanOrEqual(limit);
    items.push(...r.body.items);
    cursor = r.body.nextCursor;
  } while (cursor);
  return items;
}

/** Reads the history until `ok` holds: the projection runs beside the request (and another suite's open transaction can hold it back). */
function eventually(id: string, ok: (items: Item[]) => boolean, who = alice): Promise<Item[]> {
  return waitFor(
    async () => {
      const r = await call('GET', `/tasks/${id}/history?limit=100`, who);
      return r.status === 200 && ok(r.body.items) ? (r.body.items as Item[]) : undefined;
    },
    20_000,
    `the history of ${id}`,
  );
}

const types = (items: Item[]) => items.map((i) => i.type);
const taskEvents = (items: Item[]) => items.filter((i) => i.type !== 'task.enriched');

describe('GET /tasks/{id}/history', () => {
  it("lists the task's events oldest first with their actor and changed fields, before and after, enrichment included", async () => {
    const created = await write('POST', '/tasks', {
      title: 'Fix crash on save',
      description: 'The editor crashes.',
      priority: 'high',
    });
    const id = created.body.id;
    await write('PATCH', `/tasks/${id}`, { priority: 'low', dueDate: '2027-01-01T10:00:00Z' });
    await write('PATCH', `/tasks/${id}`, { priority: 'urgent' });
    await write('PATCH', `/tasks/${id}`, { status: 'in_progress' });

    const items = await eventually(id, (i) => i.length === 5 && types(i).includes('task.enriched'));
    expect(types(taskEvents(items))).toEqual(['task.created', 'task.updated', 'task.updated', 'task.status_changed']);
    expect(taskEvents(items).map((i) => i.version)).toEqual([1, 2, 3, 4]);
    expect(types(items).indexOf('task.enriched')).toBeGreaterThan(0);
    expect(items.every((i) => i.actor === alice.user.id)).toBe(true);
    const [create, first, second, status] = taskEvents(items);
    expect(create.changes).toEqual({
      title: { before: null, after: 'Fix crash on save' },
      description: { before: null, after: 'The editor crashes.' },
      priority: { before: null, after: 'high' },
      status: { before: null, after: 'pending' },
    });
    expect(first.changes).toEqual({
      priority: { before: 'high', after: 'low' },
      dueDate: { before: null, after: '2027-01-01T10:00:00.000Z' },
    });
    expect(second.changes).toEqual({ priority: { before: 'low', after: 'urgent' } });
    expect(status.changes).toEqual({ status: { before: 'pending', after: 'in_progress' } });
    const enrichment = items.find((i) => i.type === 'task.enriched')!;
    expect(enrichment.changes).toMatchObject({
      summary: { before: null },
      category: { before: null, after: 'bug_fix' },
      subtasks: { before: [] },
    });
    for (const i of items) {
      expect(i.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(Date.parse(i.occurredAt)).not.toBeNaN();
    }
    // occurredAt never goes back along the task's own events
    const times = taskEvents(items).map((i) => Date.parse(i.occurredAt));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it('includes the reminders of the task (aggregate task_reminder naming the task in its payload)', async () => {
    const { body } = await write('POST', '/tasks', { title: 'Pay the invoice', dueDate: '2027-01-01T10:00:00Z' });
    await eventually(body.id, (i) => i.length >= 1);
    await t.app.get(TransactionRunner).run(() =>
      t.app.get(EventStore).append([
        {
          type: 'task.reminder_due',
          aggregateType: 'task_reminder',
          aggregateId: randomUUID(),
          aggregateVersion: 1,
          payload: {
            taskId: body.id,
            ownerId: alice.user.id,
            dueDate: '2027-01-01T10:00:00.000Z',
            leadMinutes: 60,
          },
        },
      ]),
    );
    const items = await eventually(body.id, (i) => types(i).includes('task.reminder_due'));
    expect(items.find((i) => i.type === 'task.reminder_due')).toMatchObject({ version: 1, changes: {} });
  });

  it('pages by an opaque cursor: every entry once, in order, even when entries are added between pages', async () => {
    const { body } = await write('POST', '/tasks', { title: 'Many changes' });
    const id = body.id;
    // priority and due date: changes the enrichment does not follow, so the count is known
    const priorities = ['low', 'high', 'urgent', 'medium'];
    for (let i = 0; i < 10; i++) await write('PATCH', `/tasks/${id}`, { priority: priorities[i % 4] });
    const complete = await eventually(id, (i) => taskEvents(i).length === 11 && types(i).includes('task.enriched'));

    for (const limit of [1, 3, 5, 11, 100]) {
      const paged = await allPages(id, limit);
      expect(paged).toEqual(complete);
    }
    expect(new Set(complete.map((i) => i.id)).size).toBe(complete.length);

    // a cursor taken before more writes goes on through the new entries, missing none
    const first = await call('GET', `/tasks/${id}/history?limit=4`, alice);
    for (let i = 0; i < 3; i++) await write('PATCH', `/tasks/${id}`, { dueDate: `2027-0${i + 1}-01T00:00:00Z` });
    await eventually(id, (i) => i.length === complete.length + 3);
    const rest: Item[] = [];
    let cursor: string | null = first.body.nextCursor;
    while (cursor) {
      const r = await call('GET', `/tasks/${id}/history?limit=4&cursor=${cursor}`, alice);
      rest.push(...r.body.items);
      cursor = r.body.nextCursor;
    }
    const all = [...first.body.items, ...rest];
    expect(all.map((i) => i.id)).toEqual((await allPages(id, 100)).map((i) => i.id));
    expect(all.slice(-3).map((i) => i.changes.dueDate.after)).toEqual([
      '2027-01-01T00:00:00.000Z',
      '2027-02-01T00:00:00.000Z',
      '2027-03-01T00:00:00.000Z',
    ]);
    expect(all.slice(-3).map((i) => i.changes.dueDate.before)).toEqual([
      null,
      '2027-01-01T00:00:00.000Z',
      '2027-02-01T00:00:00.000Z',
    ]);
  });

  it("404 for another user's task, an unknown id and a non-UUID; 422 for a bad cursor or limit", async () => {
    const { body } = await write('POST', '/tasks', { title: 'Mine' });
    await eventually(body.id, (i) => i.length >= 1);
    for (const [path, who] of [
      [`/tasks/${body.id}/history`, bob],
      ['/tasks/00000000-0000-4000-8000-000000000000/history', alice],
      ['/tasks/nope/history', alice],
    ] as const) {
      const r = await call('GET', path, who);
      expect(r.status).toBe(404);
      expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(r.body.code).toBe('task-not-found');
    }
    for (const query of ['cursor=nope', `cursor=${Buffer.from('h.0').toString('base64url')}`, 'limit=0', 'limit=101']) {
      const r = await call('GET', `/tasks/${body.id}/history?${query}`, alice);
      expect(r.status).toBe(422);
      expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
    }
    expect((await call('GET', `/tasks/${body.id}/history?cursor=nope`, alice)).body.code).toBe('invalid-cursor');
  });

  it("a deleted task's history stays readable by its owner, ending with task.deleted; still 404 for others", async () => {
    const { body } = await write('POST', '/tasks', { title: 'Short-lived' });
    await write('PATCH', `/tasks/${body.id}`, { status: 'completed' });
    await write('DELETE', `/tasks/${body.id}`);
    const items = await eventually(body.id, (i) => types(i).includes('task.deleted'));
    expect(types(taskEvents(items))).toEqual(['task.created', 'task.status_changed', 'task.deleted']);
    expect(taskEvents(items).at(-1)).toMatchObject({ version: 3, changes: {}, actor: alice.user.id });
    expect((await call('GET', `/tasks/${body.id}`, alice)).status).toBe(404);
    expect((await call('GET', `/tasks/${body.id}/history`, bob)).status).toBe(404);
  });

  it("honours X-Consistency-Token: a read sending a write's token sees that write; a malformed token is 400", async () => {
    const { body } = await write('POST', '/tasks', { title: 'Token' });
    await eventually(body.id, (i) => i.length >= 1);
    for (let i = 0; i < 5; i++) {
      const w = await write('PATCH', `/tasks/${body.id}`, { title: `Token ${i}` });
      const r = await call('GET', `/tasks/${body.id}/history?limit=100`, alice, undefined, {
        'x-consistency-token': w.token,
      });
      expect(r.status).toBe(200);
      // the write, unless the projection could not get there within the bounded wait (then marked stale)
      if (r.headers.get('x-consistency-stale') !== 'true')
        expect(taskEvents(r.body.items).at(-1)).toMatchObject({
          version: w.body.version,
          changes: { title: { after: `Token ${i}` } },
        });
    }
    const bad = await call('GET', `/tasks/${body.id}/history`, alice, undefined, { 'x-consistency-token': 'nope' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('invalid-consistency-token');
  });

  it('is in the OpenAPI document with its problem answers', async () => {
    const doc: any = await (await fetch(`${t.baseUrl}/docs-json`)).json();
    const op = doc.paths['/api/v1/tasks/{id}/history'].get;
    expect(Object.keys(op.responses).sort()).toEqual(expect.arrayContaining(['200', '401', '404', '422']));
    expect(op.responses['404'].content['application/problem+json']).toBeDefined();
    expect(op.description).toMatch(/deleted task/);
    expect(Object.keys(doc.components.schemas.TaskHistoryItemResponse.properties).sort()).toEqual([
      'actor',
      'changes',
      'id',
      'occurredAt',
      'type',
      'version',
    ]);
  });
});
