import { bearer } from '../support/auth';
import { waitFor } from '../support/free-port';
import { startTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let alice: { authorization: string };
let bob: { authorization: string };

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

/** The last X-Consistency-Token a command returned; every GET sends it back (read-your-writes). */
let token: string | undefined;
/**
 * Reads until `ok` holds. The token alone is not enough on a shared PostgreSQL: the engine reads
 * only below the cluster-wide snapshot xmin, so another suite's open transaction can hold the
 * projection back past the token's bounded wait (the read is then served marked stale).
 */
async function eventually(
  path: string,
  auth: { authorization: string },
  ok: (r: Awaited<ReturnType<typeof call>>) => boolean,
) {
  return waitFor(
    async () => {
      const r = await call('GET', path, auth);
      return ok(r) ? r : undefined;
    },
    20_000,
    `GET ${path}`,
  );
}

async function call(
  method: string,
  path: string,
  auth: { authorization: string } | null,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${t.baseUrl}/api/v1${path}`, {
    method,
    headers: {
      ...(auth ?? {}),
      ...(method === 'GET' && token ? { 'x-consistency-token': token } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  token = res.headers.get('x-consistency-token') ?? token;
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

async function create(auth = alice, body: Record<string, unknown> = { title: 'Fix the login bug' }) {
  const r = await call('POST', '/tasks', auth, body);
  expect(r.status).toBe(201);
  return r.body as { id: string; version: number };
}

describe('read-your-writes', () => {
  it('a command returns X-Consistency-Token; a GET sending it sees the write; a malformed token is 400', async () => {
    const r = await call('POST', '/tasks', alice, { title: 'Token' });
    const own = r.headers.get('x-consistency-token');
    expect(own).toMatch(/^\d+\.\d+$/);
    const g = await fetch(`${t.baseUrl}/api/v1/tasks/${r.body.id}`, {
      headers: { ...alice, 'x-consistency-token': own! },
    });
    // 200, unless the projection could not get there within the bounded wait (then marked stale)
    expect(g.status === 200 || g.headers.get('x-consistency-stale') === 'true').toBe(true);
    const bad = await fetch(`${t.baseUrl}/api/v1/tasks`, { headers: { ...alice, 'x-consistency-token': 'nope' } });
    expect(bad.status).toBe(400);
  });
});

describe('POST /tasks', () => {
  it('201 with Location, ETag and defaults', async () => {
    const r = await call('POST', '/tasks', alice, { title: 'Write docs', dueDate: '2026-12-01T10:00:00Z' });
    expect(r.status).toBe(201);
    expect(r.headers.get('location')).toBe(`/api/v1/tasks/${r.body.id}`);
    expect(r.headers.get('etag')).toBe('"1"');
    expect(r.body).toMatchObject({
      title: 'Write docs',
      description: '',
      priority: 'medium',
      status: 'pending',
      version: 1,
      dueDate: '2026-12-01T10:00:00.000Z',
    });
    const doc: any = await (await fetch(`${t.baseUrl}/docs-json`)).json();
    expect(Object.keys(doc.components.schemas.TaskResponse.properties).sort()).toEqual(Object.keys(r.body).sort());
  });

  it('a retried POST with the same Idempotency-Key replays the first answer and creates one task', async () => {
    const key = `k-${Date.now()}-${Math.random()}`;
    const first = await call('POST', '/tasks', alice, { title: 'Once' }, { 'idempotency-key': key });
    const again = await call('POST', '/tasks', alice, { title: 'Once' }, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    expect(again.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });

  it('401 without a token', async () => {
    expect((await call('POST', '/tasks', null, { title: 'x' })).status).toBe(401);
  });

  it('422 with errors[] for invalid fields and unknown fields', async () => {
    const r = await call('POST', '/tasks', alice, { title: '', priority: 'extreme', dueDate: 'tomorrow', extra: 1 });
    expect(r.status).toBe(422);
    expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(r.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'dueDate',
      'extra',
      'priority',
      'title',
    ]);
  });

  it('400 on malformed JSON, 415 on a non-JSON body', async () => {
    expect((await call('POST', '/tasks', alice, '{"title":')).status).toBe(400);
    const r = await fetch(`${t.baseUrl}/api/v1/tasks`, {
      method: 'POST',
      headers: { ...alice, 'content-type': 'text/plain' },
      body: 'title',
    });
    expect(r.status).toBe(415);
  });
});

describe('GET /tasks/:id', () => {
  it('200 with ETag and enrichment once projected; 404 for another user, unknown ids and non-UUIDs', async () => {
    const { id } = await create(alice, {
      title: 'Fix crash on save',
      description: 'The editor crashes. Seen on Linux.',
    });
    const r = await waitFor(
      async () => {
        const g = await call('GET', `/tasks/${id}`, alice);
        return g.body?.enrichment ? g : undefined;
      },
      20_000,
      'the enrichment',
    );
    expect(r.status).toBe(200);
    expect(r.headers.get('etag')).toMatch(/^"1\.\d+"$/);
    expect(r.body).toMatchObject({
      id,
      title: 'Fix crash on save',
      category: 'bug_fix',
      enrichment: { source: 'heuristic' },
    });
    expect(r.body.subtasks.length).toBeGreaterThanOrEqual(3);
    expect(r.body.summary).toBe('Fix crash on save: the editor crashes.');
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    // a cached read gives the same, and so does the list
    const cached = await call('GET', `/tasks/${id}`, alice);
    expect(cached.body).toEqual(r.body);
    expect(cached.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(
      (await call('GET', '/tasks?limit=100', alice)).body.items.find((item: { id: string }) => item.id === id),
    ).toEqual(r.body);
    // and the OpenAPI document describes exactly these fields
    const doc: any = await (await fetch(`${t.baseUrl}/docs-json`)).json();
    const { properties, allOf } = doc.components.schemas.TaskViewResponse;
    const documented = [
      ...Object.keys(properties),
      ...(allOf ?? []).flatMap((s: any) =>
        Object.keys(doc.components.schemas[s.$ref?.split('/').pop()]?.properties ?? s.properties ?? {}),
      ),
    ];
    expect([...new Set(documented)].sort()).toEqual(Object.keys(r.body).sort());
    expect(Object.keys(doc.components.schemas.TaskEnrichmentResponse.properties).sort()).toEqual(
      Object.keys(r.body.enrichment).sort(),
    );
    const other = await call('GET', `/tasks/${id}`, bob);
    expect(other.status).toBe(404);
    expect((await call('GET', `/tasks/00000000-0000-4000-8000-000000000000`, alice)).status).toBe(404);
    expect((await call('GET', `/tasks/not-a-uuid`, alice)).status).toBe(404);
  });
});

describe('PATCH, PUT, DELETE', () => {
  it('PATCH updates partially, bumps the ETag; a stale If-Match is 412; another user gets 404', async () => {
    const { id } = await create();
    const r = await call('PATCH', `/tasks/${id}`, alice, { priority: 'high' }, { 'if-match': '"1"' });
    expect(r.status).toBe(200);
    expect(r.headers.get('etag')).toBe('"2"');
    expect(r.body).toMatchObject({ priority: 'high', title: 'Fix the login bug', version: 2 });
    const stale = await call('PATCH', `/tasks/${id}`, alice, { priority: 'low' }, { 'if-match': '"1"' });
    expect(stale.status).toBe(412);
    expect((await call('PATCH', `/tasks/${id}`, alice, { priority: 'low' }, { 'if-match': 'garbage' })).status).toBe(
      400,
    );
    expect((await call('PATCH', `/tasks/${id}`, bob, { priority: 'low' })).status).toBe(404);
    expect((await call('PATCH', `/tasks/${id}`, alice, { title: 'x'.repeat(201) })).status).toBe(422);
  });

  it('status changes follow the machine: forbidden transitions are 422, reopen works', async () => {
    const { id } = await create();
    expect((await call('PATCH', `/tasks/${id}`, alice, { status: 'completed' })).status).toBe(200);
    const bad = await call('PATCH', `/tasks/${id}`, alice, { status: 'in_progress' });
    expect(bad.status).toBe(422);
    expect(bad.body.code ?? bad.body.type).toMatch(/forbidden-transition/);
    const reopen = await call('PATCH', `/tasks/${id}`, alice, { status: 'pending' });
    expect(reopen.status).toBe(200);
    expect(reopen.body).toMatchObject({ status: 'pending', version: 3 });
    expect((await call('PATCH', `/tasks/${id}`, alice, { status: 'done' })).status).toBe(422);
  });

  it('PUT replaces (absent fields reset to defaults)', async () => {
    const { id } = await create(alice, { title: 'a', description: 'd', priority: 'urgent' });
    const r = await call('PUT', `/tasks/${id}`, alice, { title: 'b' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ title: 'b', description: '', priority: 'medium', dueDate: null, version: 2 });
    expect((await call('PUT', `/tasks/${id}`, alice, {})).status).toBe(422);
  });

  it('DELETE is 204, then 404; another user 404; the read side follows', async () => {
    const { id } = await create();
    await eventually(`/tasks/${id}`, alice, (r) => r.status === 200);
    expect((await call('DELETE', `/tasks/${id}`, bob)).status).toBe(404);
    expect((await call('DELETE', `/tasks/${id}`, alice, undefined, { 'if-match': '"7"' })).status).toBe(412);
    expect((await call('DELETE', `/tasks/${id}`, alice)).status).toBe(204);
    expect((await call('DELETE', `/tasks/${id}`, alice)).status).toBe(404);
    await eventually(`/tasks/${id}`, alice, (r) => r.status === 404);
  });

  it('a projected update invalidates the cache: GET never shows the old version afterwards', async () => {
    const { id } = await create();
    await eventually(`/tasks/${id}`, alice, (r) => r.body?.version === 1);
    expect((await call('GET', `/tasks/${id}`, alice)).body.version).toBe(1); // now cached
    await call('PATCH', `/tasks/${id}`, alice, { title: 'Renamed' });
    const r = await eventually(`/tasks/${id}`, alice, (g) => g.body?.version === 2);
    // once the new version is visible, the old one is never served again
    for (let i = 0; i < 5; i++) expect((await call('GET', `/tasks/${id}`, alice)).body.version).toBe(2);
    expect(r.body).toMatchObject({ version: 2, title: 'Renamed' });
    expect(r.headers.get('etag')).toMatch(/^"2\.\d+"$/);
  });
});

describe('GET /tasks (list)', () => {
  let carol: { authorization: string };
  beforeAll(async () => {
    carol = bearer(t.app);
    const priorities = ['low', 'medium', 'high', 'urgent'];
    for (let i = 0; i < 25; i++) {
      await create(carol, {
        title: i % 5 === 0 ? `Deploy service ${i}` : `Task number ${i}`,
        priority: priorities[i % 4],
        ...(i % 3 === 0 ? {} : { dueDate: new Date(Date.UTC(2027, 0, 1 + i)).toISOString() }),
      });
    }
    await eventually('/tasks?limit=100', carol, (r) => r.body?.items?.length === 25);
  }, 60_000);

  async function all(query: string, limit = 7) {
    const ids: string[] = [];
    const items: { id: string; priority: string; dueDate: string | null; createdAt: string }[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r = await call('GET', `/tasks?limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ''}`, carol);
      expect(r.status).toBe(200);
      items.push(...r.body.items);
      ids.push(...r.body.items.map((x: { id: string }) => x.id));
      cursor = r.body.nextCursor;
      pages++;
    } while (cursor && pages < 20);
    expect(cursor).toBeNull();
    return { ids, items, pages };
  }

  it('pages to the last page with nextCursor null, no duplicates, default order newest first', async () => {
    const { ids, pages, items } = await all('');
    expect(ids).toHaveLength(25);
    expect(new Set(ids).size).toBe(25);
    expect(pages).toBe(4);
    const created = items.map((x) => x.createdAt);
    expect([...created].sort().reverse()).toEqual(created);
  });

  it.each(['dueDate', '-dueDate', 'priority', '-priority', 'createdAt'])(
    'sort=%s pages through everything in order',
    async (sort) => {
      const { ids, items } = await all(`&sort=${sort}`, 4);
      expect(new Set(ids).size).toBe(25);
      if (sort.endsWith('priority')) {
        const rank = items.map((x) => ['low', 'medium', 'high', 'urgent'].indexOf(x.priority));
        const sorted = [...rank].sort((a, b) => a - b);
        expect(rank).toEqual(sort.startsWith('-') ? sorted.reverse() : sorted);
      }
      if (sort === 'dueDate') expect(items.slice(-9).every((x) => x.dueDate === null)).toBe(true);
    },
  );

  it('filters: status, priority, due range, full-text q', async () => {
    expect((await all('&priority=urgent')).ids).toHaveLength(6);
    expect((await all('&status=completed')).ids).toHaveLength(0);
    expect((await all('&q=deploy')).ids).toHaveLength(5);
    expect(
      (await all('&dueAfter=2027-01-10T00:00:00Z&dueBefore=2027-01-20T00:00:00Z')).items.every(
        (x) => x.dueDate! > '2027-01-10' && x.dueDate! < '2027-01-20',
      ),
    ).toBe(true);
  });

  it('422 for invalid params and for an invalid cursor', async () => {
    const r = await call('GET', '/tasks?limit=0&sort=title&status=nope&dueBefore=soon', carol);
    expect(r.status).toBe(422);
    expect(r.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'dueBefore',
      'limit',
      'sort',
      'status',
    ]);
    expect((await call('GET', '/tasks?limit=101', carol)).status).toBe(422);
    const bad = await call('GET', '/tasks?cursor=bm9wZQ', carol);
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].field).toBe('cursor');
    const first = await call('GET', '/tasks?limit=2&sort=priority', carol);
    expect((await call('GET', `/tasks?limit=2&sort=dueDate&cursor=${first.body.nextCursor}`, carol)).status).toBe(422);
  });

  it('another user sees none of them', async () => {
    const r = await call('GET', '/tasks', bearer(t.app));
    expect(r.body).toEqual({ items: [], nextCursor: null });
  });

  it('GET /tasks/stats counts by status, priority, category and per day', async () => {
    const { id } = await create(carol, { title: 'Write README docs' });
    await call('PATCH', `/tasks/${id}`, carol, { status: 'completed' });
    const r = await eventually(
      '/tasks/stats',
      carol,
      (g) => g.body?.byStatus?.completed === 1 && g.body?.byCategory?.documentation === 1,
    );
    expect(r.status).toBe(200);
    expect(r.body.byStatus).toMatchObject({ pending: 25, completed: 1, in_progress: 0, cancelled: 0 });
    expect(r.body.byPriority).toMatchObject({ low: 7, medium: 7, high: 6, urgent: 6 });
    expect(r.body.byCategory.devops).toBe(5);
    expect(r.body.byCategory.documentation).toBe(1);
    const today = new Date().toISOString().slice(0, 10);
    expect(r.body.perDay).toEqual([{ date: today, created: 26, completed: 1 }]);
    expect((await call('GET', '/tasks/stats', null)).status).toBe(401);
  });
});
