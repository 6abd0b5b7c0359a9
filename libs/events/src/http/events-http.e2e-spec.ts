import pg from 'pg';
import { bearer } from '../../../../test/support/auth';
import { behaviour, PROJECTION_TABLE } from '../../../../test/support/events-fixtures';
import { EventsProbeModule } from '../../../../test/support/events-probe.module';
import { waitFor } from '../../../../test/support/free-port';
import { startTestApp, type TestApp } from '../../../../test/support/test-app';
import { EventStreams } from '../feed/event-streams';

describe('events over HTTP: feed, stream, dead letters', () => {
  let t: TestApp;
  let pool: pg.Pool;
  beforeAll(async () => {
    EventStreams.heartbeatMs = 300;
    t = await startTestApp(
      {
        RUN_WORKER_IN_API: 'true',
        EVENTS_STREAM: `test.events.${process.pid}`,
        EVENTS_MAX_ATTEMPTS: '2',
        EVENTS_RETRY_BASE_MS: '10',
        EVENTS_POLL_INTERVAL_MS: '200',
      },
      [EventsProbeModule],
    );
    pool = new pg.Pool({ connectionString: t.db.url, max: 2 });
    await pool.query(PROJECTION_TABLE);
  }, 60_000);
  afterAll(async () => {
    await pool?.end();
    await t?.close();
    EventStreams.heartbeatMs = 15_000;
  });

  const api = (path: string, init: RequestInit & { auth?: string } = {}) =>
    fetch(`${t.baseUrl}/api/v1${path}`, {
      ...init,
      headers: { ...(init.auth ? { authorization: init.auth } : {}), ...(init.headers as Record<string, string>) },
    });
  const append = async (auth: string, kind = 'ok') =>
    (await (await api(`/probe-events/mine/${kind}`, { method: 'POST', auth })).json()) as {
      id: string;
      position: string;
    };

  it("pages through the caller's own events only, filtered by type", async () => {
    const me = bearer(t.app);
    const other = bearer(t.app);
    const mine = [
      await append(me.authorization),
      await append(me.authorization, 'other'),
      await append(me.authorization),
    ];
    await append(other.authorization);
    // The feed shows an event once every older transaction on the server has ended (another suite may hold one for seconds).
    const first = await waitFor(
      async () => {
        const res = await api('/events?limit=3', { auth: me.authorization });
        const body = (await res.json()) as { items: unknown[] };
        return body.items.length === 3 ? res : undefined;
      },
      15_000,
      'the feed to show the events',
    );
    expect(first.status).toBe(200);
    const page1 = (await (await api('/events?limit=2', { auth: me.authorization })).json()) as {
      items: {
        id: string;
        position: string;
        type: string;
        aggregateId: string;
        occurredAt: string;
        payload: unknown;
      }[];
      nextCursor: string | null;
    };
    expect(page1.items.map((i) => i.id)).toEqual([mine[0].id, mine[1].id]);
    expect(Object.keys(page1.items[0]).sort()).toEqual([
      'aggregateId',
      'id',
      'occurredAt',
      'payload',
      'position',
      'type',
    ]);
    expect(page1.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/); // opaque: a commit-order point, not a position
    expect(page1.nextCursor).not.toBe(mine[1].position);
    const page2 = (await (
      await api(`/events?limit=2&after=${page1.nextCursor}`, { auth: me.authorization })
    ).json()) as { items: { id: string }[]; nextCursor: string | null };
    expect(page2.items.map((i) => i.id)).toEqual([mine[2].id]);
    expect(page2.nextCursor).toBeNull();
    const typed = (await (await api('/events?type=test.other', { auth: me.authorization })).json()) as {
      items: { id: string }[];
    };
    expect(typed.items.map((i) => i.id)).toEqual([mine[1].id]);
  });

  it('rejects bad feed queries and anonymous callers', async () => {
    const me = bearer(t.app);
    expect((await api('/events')).status).toBe(401);
    for (const q of ['limit=0', 'limit=101', 'limit=x', 'after=-1', 'after=abc', 'bogus=1']) {
      const res = await api(`/events?${q}`, { auth: me.authorization });
      expect([q, res.status]).toEqual([q, 422]);
    }
  });

  it("streams the caller's events as SSE, resumes after Last-Event-ID, and sends heartbeats", async () => {
    const me = bearer(t.app);
    const first = await append(me.authorization);
    const controller = new AbortController();
    const res = await api('/events/stream', { auth: me.authorization, signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    const readUntil = async (what: RegExp) => {
      while (!what.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${what}`);
        text += new TextDecoder().decode(value);
      }
    };
    // Each event: `id:` (its opaque cursor), `event:`, `data:` (the feed item).
    const idOf = (eventId: string) =>
      new RegExp(`id: ([A-Za-z0-9_-]+)\\nevent: test\\.happened\\ndata: \\{"id":"${eventId}"`);
    await readUntil(idOf(first.id));
    const firstCursor = idOf(first.id).exec(text)![1];
    const second = await append(me.authorization);
    await readUntil(idOf(second.id));
    await readUntil(/: heartbeat/);
    controller.abort();
    // Resume: only what came after the last id seen.
    const resumed = await api('/events/stream', { auth: me.authorization, headers: { 'last-event-id': firstCursor } });
    const r2 = resumed.body!.getReader();
    let text2 = '';
    while (!idOf(second.id).test(text2)) text2 += new TextDecoder().decode((await r2.read()).value);
    expect(text2).not.toContain(first.id);
    await r2.cancel();
    // A bare position (the id of earlier versions, resent by an EventSource across an upgrade) resumes after that event.
    const legacy = await api('/events/stream', {
      auth: me.authorization,
      headers: { 'last-event-id': first.position },
    });
    const r3 = legacy.body!.getReader();
    let text3 = '';
    while (!idOf(second.id).test(text3)) text3 += new TextDecoder().decode((await r3.read()).value);
    expect(text3).not.toContain(first.id);
    await r3.cancel();
    for (const bad of ['abc', '99999999999', 'MTIzLjQ1LjY3']) {
      const res = await api('/events/stream', { auth: me.authorization, headers: { 'last-event-id': bad } });
      expect([bad, res.status]).toEqual([bad, 400]);
    }
  }, 40_000);

  it('dead letters: admins list, retry and discard them; others may not', async () => {
    const me = bearer(t.app);
    const admin = bearer(t.app, { roles: ['admin'] });
    const poison = await append(me.authorization, 'poison');
    const list = async () =>
      (await (await api('/admin/dead-letters?consumer=test_read', { auth: admin.authorization })).json()) as {
        items: { id: string; eventId: string; attempts: number; error: string }[];
      };
    const letter = await waitFor(
      async () => (await list()).items.find((l) => l.eventId === poison.id),
      20_000,
      'the dead letter',
    );
    expect(letter.attempts).toBe(2);
    expect(letter.error).toMatch(/poison event/);
    expect((await api('/admin/dead-letters', { auth: me.authorization })).status).toBe(403);

    behaviour.poison = 'fixed';
    try {
      const retried = await api(`/admin/dead-letters/${letter.id}/retry`, {
        method: 'POST',
        auth: admin.authorization,
      });
      expect(retried.status).toBe(202);
      await waitFor(
        async () => ((await list()).items.some((l) => l.id === letter.id) ? undefined : true),
        20_000,
        'the retry to succeed',
      );
      const { rows } = await pool.query(`SELECT 1 FROM test_projection WHERE event_id = $1`, [poison.id]);
      expect(rows).toHaveLength(1);
    } finally {
      behaviour.poison = 'poison';
    }

    const another = await append(me.authorization, 'poison');
    const letter2 = await waitFor(
      async () => (await list()).items.find((l) => l.eventId === another.id),
      20_000,
      'the second dead letter',
    );
    expect(
      (await api(`/admin/dead-letters/${letter2.id}`, { method: 'DELETE', auth: admin.authorization })).status,
    ).toBe(204);
    expect(
      (await api(`/admin/dead-letters/${letter2.id}`, { method: 'DELETE', auth: admin.authorization })).status,
    ).toBe(404);
    expect(
      (await api(`/admin/dead-letters/not-a-uuid/retry`, { method: 'POST', auth: admin.authorization })).status,
    ).toBe(404);
  }, 60_000);
});
