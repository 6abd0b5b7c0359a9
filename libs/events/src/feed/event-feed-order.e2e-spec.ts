import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import pg from 'pg';
import { bearer } from '../../../../test/support/auth';
import { waitFor } from '../../../../test/support/free-port';
import { propertySettings } from '../../../../test/support/property-seed';
import { startTestApp, type TestApp } from '../../../../test/support/test-app';

// The activity feed and its SSE stream against transactions that one user runs concurrently and
// that commit out of position order (a transaction takes its id, another appends and commits, the
// first appends later with a larger position, or the other way round), with rollbacks and other
// users' events mixed in, while the positions cross 9 -> 10, 99 -> 100, 999 -> 1000 and so on.
// A reader paging with nextCursor at random moments and random limits, and an SSE client that
// disconnects after random numbers of events and resumes with Last-Event-ID, must each end with
// exactly the user's committed events, once each, in commit order (transaction id, position).
// Paging by position, or sorting positions as text, skips events (docs/decisions/0010).

interface TxPlan {
  /** Moments (0..999) at which the transaction takes its id, appends, and ends; sorted when run. */
  moments: [number, number, number];
  events: number;
  /** Whether its events are another user's. */
  foreign: boolean;
  rollback: boolean;
}

interface Run {
  txs: TxPlan[];
  pages: { at: number; limit: number }[];
  finalLimit: number;
  /** The SSE client disconnects after each of these numbers of events, in turn. */
  sseChunks: number[];
}

const limitArb = fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 100 }));
const runArb: fc.Arbitrary<Run> = fc.record({
  txs: fc.array(
    fc.record({
      moments: fc.tuple(fc.nat(999), fc.nat(999), fc.nat(999)),
      events: fc.integer({ min: 1, max: 4 }),
      foreign: fc.nat(4).map((n) => n === 0),
      rollback: fc.nat(5).map((n) => n === 0),
    }),
    { minLength: 2, maxLength: 7 },
  ),
  pages: fc.array(fc.record({ at: fc.nat(999), limit: limitArb }), { maxLength: 8 }),
  finalLimit: limitArb,
  sseChunks: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 6 }),
});

interface Item {
  id: string;
  position: string;
}

describe('activity feed and SSE: commit order under concurrent writers and growing positions', () => {
  let t: TestApp;
  let pool: pg.Pool;
  let runNumber = 0;
  beforeAll(async () => {
    t = await startTestApp({ RUN_WORKER_IN_API: 'false' });
    pool = new pg.Pool({ connectionString: t.db.url, max: 12 });
  }, 60_000);
  afterAll(async () => {
    await pool?.end();
    await t?.close();
  });

  const api = async (path: string, authorization: string, headers: Record<string, string> = {}, signal?: AbortSignal) =>
    fetch(`${t.baseUrl}/api/v1${path}`, { headers: { authorization, ...headers }, signal });

  /** One page of the feed; nextCursor passed back as `after`. */
  async function page(
    authorization: string,
    after: string | null,
    limit: number,
  ): Promise<{ items: Item[]; nextCursor: string | null }> {
    const res = await api(`/events?limit=${limit}${after ? `&after=${after}` : ''}`, authorization);
    expect(res.status).toBe(200);
    return (await res.json()) as { items: Item[]; nextCursor: string | null };
  }

  /**
   * A reader that keeps its place: each `read` pages from its cursor (the last nextCursor it got)
   * until the last page. The items of that last page are its tail: a later read from the same
   * cursor must return them first again, since nothing may appear before an event already shown.
   */
  function reader(authorization: string) {
    const settled: Item[] = [];
    /** What broke the rule, if anything (kept rather than thrown, so that a wait for more items stops at once). */
    const problems: string[] = [];
    let tail: Item[] = [];
    let cursor: string | null = null;
    return {
      problems,
      get seen(): Item[] {
        return [...settled, ...tail];
      },
      async read(limit: number): Promise<void> {
        for (;;) {
          const p = await page(authorization, cursor, limit);
          const overlap = Math.min(tail.length, p.items.length);
          const before = tail
            .slice(0, overlap)
            .map((i) => i.position)
            .join(',');
          const now = p.items
            .slice(0, overlap)
            .map((i) => i.position)
            .join(',');
          if (before !== now) problems.push(`after the same cursor, positions ${before} were shown first, now ${now}`);
          if (!p.nextCursor) {
            if (p.items.length < tail.length)
              problems.push(`after the same cursor, ${tail.length} items were shown, now ${p.items.length}`);
            tail = p.items;
            return;
          }
          settled.push(...p.items);
          tail = tail.slice(overlap);
          cursor = p.nextCursor;
        }
      },
    };
  }

  /** An SSE client that disconnects after each chunk's number of events and resumes with Last-Event-ID. */
  function sseClient(authorization: string, chunks: number[]) {
    const seen: Item[] = [];
    const stop = new AbortController();
    let lastId: string | undefined;
    const done = (async () => {
      for (let turn = 0; !stop.signal.aborted; turn++) {
        const want = chunks[turn % chunks.length];
        const session = new AbortController();
        const abort = () => session.abort();
        stop.signal.addEventListener('abort', abort, { once: true });
        try {
          const res = await api(
            '/events/stream',
            authorization,
            lastId ? { 'last-event-id': lastId } : {},
            session.signal,
          );
          const body = res.body!.getReader();
          const decoder = new TextDecoder();
          let buffer = '';
          let got = 0;
          while (got < want) {
            const { value, done: ended } = await body.read();
            if (ended) break;
            buffer += decoder.decode(value, { stream: true });
            let end: number;
            while (got < want && (end = buffer.indexOf('\n\n')) >= 0) {
              const frame = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              const id = /^id: (.*)$/m.exec(frame)?.[1];
              const data = /^data: (.*)$/m.exec(frame)?.[1];
              if (id === undefined || data === undefined) continue;
              seen.push(JSON.parse(data) as Item);
              lastId = id;
              got++;
            }
          }
        } catch (err) {
          if (!stop.signal.aborted) throw err;
        } finally {
          session.abort();
          stop.signal.removeEventListener('abort', abort);
        }
      }
    })();
    return { seen, close: async () => (stop.abort(), await done) };
  }

  async function runOnce(run: Run): Promise<void> {
    const n = runNumber++;
    // Positions of this run cross 10^(n+1): 9 -> 10, 99 -> 100, 999 -> 1000...
    const boundary = 10n ** BigInt(n + 1);
    const [{ last }] = (await pool.query<{ last: string }>(`SELECT last_value AS last FROM events_position_seq`)).rows;
    if (BigInt(last) < boundary - 4n)
      await pool.query(`SELECT setval('events_position_seq', $1::bigint)`, [(boundary - 4n).toString()]);

    const me = bearer(t.app);
    const other = bearer(t.app);
    const paging = reader(me.authorization);
    const sse = sseClient(me.authorization, run.sseChunks);
    const clients = await Promise.all(
      run.txs.map(async () => {
        const c = new pg.Client({ connectionString: t.db.url });
        await c.connect();
        return c;
      }),
    );
    const committed: { id: string; tx: bigint; position: bigint }[] = [];
    const rolledBack = new Set<string>();
    try {
      type Op = { at: number; order: number; run: () => Promise<void> };
      const ops: Op[] = [];
      run.txs.forEach((plan, i) => {
        const c = clients[i];
        const [xidAt, appendAt, endAt] = [...plan.moments].sort((a, b) => a - b);
        const actor = plan.foreign ? other.user.id : me.user.id;
        let appended: { id: string; tx: bigint; position: bigint }[] = [];
        ops.push({ at: xidAt, order: 0, run: async () => void (await c.query(`BEGIN; SELECT pg_current_xact_id()`)) });
        ops.push({
          at: appendAt,
          order: 1,
          run: async () => {
            for (let e = 0; e < plan.events; e++) {
              const { rows } = await c.query<{ id: string; tx: string; position: string }>(
                `INSERT INTO events (id, aggregate_type, aggregate_id, aggregate_version, type, payload, metadata)
                 VALUES ($1, 'test', $2, 1, 'test.happened', '{}', $3) RETURNING id, transaction_id::text AS tx, position`,
                [randomUUID(), randomUUID(), JSON.stringify({ actor })],
              );
              appended.push({ id: rows[0].id, tx: BigInt(rows[0].tx), position: BigInt(rows[0].position) });
            }
          },
        });
        ops.push({
          at: endAt,
          order: 2,
          run: async () => {
            await c.query(plan.rollback ? 'ROLLBACK' : 'COMMIT');
            if (plan.rollback) for (const e of appended) rolledBack.add(e.id);
            else if (!plan.foreign) committed.push(...appended);
            appended = [];
          },
        });
      });
      for (const p of run.pages) ops.push({ at: p.at, order: 3, run: () => paging.read(p.limit) });
      ops.sort((a, b) => a.at - b.at || a.order - b.order);
      for (const op of ops) await op.run();

      committed.sort((a, b) => (a.tx !== b.tx ? (a.tx < b.tx ? -1 : 1) : a.position < b.position ? -1 : 1));
      const expected = committed.map((e) => e.id);
      // Once every transaction has ended (and any other transaction on the server that holds the horizon), all are readable.
      await waitFor(
        async () => {
          await paging.read(run.finalLimit);
          return paging.seen.length >= expected.length || paging.problems.length ? true : undefined;
        },
        20_000,
        'the paging reader to see every committed event',
      );
      expect(paging.problems).toEqual([]);
      await waitFor(
        async () => (sse.seen.length >= expected.length ? true : undefined),
        20_000,
        'the SSE client to see every committed event',
      );
      await sse.close();
      expect(paging.seen.map((i) => i.id)).toEqual(expected);
      expect(sse.seen.map((i) => i.id)).toEqual(expected);
      // A fresh reader with one limit throughout agrees.
      const fresh = reader(me.authorization);
      await fresh.read(run.finalLimit);
      expect(fresh.problems).toEqual([]);
      expect(fresh.seen.map((i) => i.id)).toEqual(expected);
      expect(fresh.seen.map((i) => i.position)).toEqual(committed.map((e) => e.position.toString()));
    } finally {
      await sse.close().catch(() => undefined);
      await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    }
  }

  it("pages and streams exactly the caller's committed events, once each, in commit order", async () => {
    const settings = propertySettings('activity feed order', 6);
    await fc.assert(fc.asyncProperty(runArb, runOnce), { ...settings, endOnFailure: !process.env.PROPERTY_SHRINK });
  }, 240_000);
});
