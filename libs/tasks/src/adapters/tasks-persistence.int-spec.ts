import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { AccessModule } from '@app/access';
import { EventStore } from '@app/events';
import { TransactionRunner } from '@app/platform';
import { startTestContext, type TestContext } from '../../../../test/support/test-context';
import { testRedisUrl } from '../../../../test/support/services';
import { drainConsumers } from '../../../../test/support/drain-consumers';
import { Metrics } from '@app/platform';
import { TaskRepository } from '../ports/task.repository';
import { TaskReadModel } from '../ports/task-read-model';
import { TasksReadProjector } from '../projections/tasks-read.projector';
import { TaskEnrichmentSubscriber } from '../enrichment/task-enrichment.subscriber';
import { TasksModule } from '../tasks.module';
import { TasksWorkerModule } from '../tasks-worker.module';
import { RedisTaskCache } from './redis-task.cache';
import { projectTaskEvent, type TaskReadRow } from '../projections/tasks-read.projection';
import type { StoredEvent } from '@app/events';
import type { TaskState } from '../domain/task';
import { readerView, type TaskView } from '../ports/task-read-model';
import { taskDocument } from '../ports/task-cache';

let t: TestContext;
beforeAll(async () => {
  t = await startTestContext([AccessModule, TasksModule, TasksWorkerModule]);
}, 60_000);
afterAll(() => t?.close());

const owner = randomUUID();
const state = (over: Partial<TaskState> = {}): TaskState => {
  const now = new Date('2026-01-01T00:00:00.000Z');
  return {
    id: randomUUID(),
    ownerId: owner,
    title: 'T',
    description: '',
    priority: 'medium',
    status: 'pending',
    dueDate: null,
    version: 1,
    createdAt: now,
    updatedAt: now,
    ...over,
  };
};

describe('KyselyTaskRepository (real database)', () => {
  it('inserts, finds only for the owner, updates with a version check, deletes', async () => {
    const repo = t.app.get(TaskRepository);
    const uow = t.app.get(TransactionRunner);
    const s = state({ dueDate: new Date('2026-05-01T12:00:00.000Z') });
    await uow.run(() => repo.insert(s));
    expect(await uow.run(() => repo.findOwned(s.id, owner))).toEqual(s);
    expect(await uow.run(() => repo.findOwned(s.id, randomUUID()))).toBeNull();
    await uow.run(() => repo.update({ ...s, title: 'U', version: 2 }, 1));
    await expect(uow.run(() => repo.update({ ...s, title: 'V', version: 2 }, 1))).rejects.toMatchObject({
      kind: 'conflict',
    });
    await expect(uow.run(() => repo.delete(s.id, 1))).rejects.toMatchObject({ kind: 'conflict' });
    await uow.run(() => repo.delete(s.id, 2));
    expect(await uow.run(() => repo.findOwned(s.id, owner))).toBeNull();
  });

  it('a failed unit of work leaves neither the row nor its event', async () => {
    const repo = t.app.get(TaskRepository);
    const events = t.app.get(EventStore);
    const s = state();
    await expect(
      t.app.get(TransactionRunner).run(async () => {
        await repo.insert(s);
        await events.append([
          { type: 'task.created', aggregateType: 'task', aggregateId: s.id, aggregateVersion: 1, payload: {} },
        ]);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const pool = t.app.get(pg.Pool);
    expect((await pool.query('SELECT count(*)::int AS n FROM tasks WHERE id = $1', [s.id])).rows[0].n).toBe(0);
    expect((await pool.query('SELECT count(*)::int AS n FROM events WHERE aggregate_id = $1', [s.id])).rows[0].n).toBe(
      0,
    );
  });
});

describe('TasksReadProjector + enrichment (real database)', () => {
  it('projects events into tasks_read, enrichment included, and is idempotent on redelivery', async () => {
    const repo = t.app.get(TaskRepository);
    const events = t.app.get(EventStore);
    const uow = t.app.get(TransactionRunner);
    const s = state({ title: 'Deploy to k8s', priority: 'urgent' });
    await uow.run(async () => {
      await repo.insert(s);
      await events.append([
        {
          type: 'task.created',
          aggregateType: 'task',
          aggregateId: s.id,
          aggregateVersion: 1,
          payload: {
            ownerId: owner,
            title: s.title,
            description: '',
            priority: 'urgent',
            status: 'pending',
            dueDate: null,
            createdAt: s.createdAt.toISOString(),
          },
        },
      ]);
    });
    const consumers = [t.app.get(TasksReadProjector), t.app.get(TaskEnrichmentSubscriber)];
    await drainConsumers(t.app, t.db.url, consumers);
    const view = (await t.app.get(TaskReadModel).get(s.id, owner)) as TaskView;
    expect(view).toMatchObject({
      title: 'Deploy to k8s',
      priority: 'urgent',
      version: 1,
      category: 'devops',
      enrichment: { source: 'heuristic', model: 'rules', promptVersion: 'heuristic-v1' },
    });
    expect(view.revision).toBe(2);

    // Redelivery of the whole log: nothing changes, no second enrichment is written.
    const pool = t.app.get(pg.Pool);
    const { rows } = await pool.query(
      'SELECT id, position, aggregate_type, aggregate_id, aggregate_version, type, payload, metadata, occurred_at FROM events WHERE aggregate_id = $1',
      [s.id],
    );
    const stored = {
      id: rows[0].id,
      position: BigInt(rows[0].position),
      aggregateType: 'task',
      aggregateId: s.id,
      aggregateVersion: 1,
      type: 'task.created',
      payload: rows[0].payload,
      metadata: {},
      occurredAt: rows[0].occurred_at,
    };
    for (const c of consumers) await uow.run(() => c.handle(stored));
    expect(
      (
        await pool.query(
          "SELECT count(*)::int AS n FROM events WHERE type = 'task.enriched' AND payload->>'taskId' = $1",
          [s.id],
        )
      ).rows[0].n,
    ).toBe(1);
    expect((await t.app.get(TaskReadModel).get(s.id, owner))?.revision).toBe(2);

    await t.app.get(TasksReadProjector).reset();
    expect(await t.app.get(TaskReadModel).get(s.id, owner)).toBeNull();
  });
});

const redisUrl = testRedisUrl();
describe('TasksReadProjector batches (real database and Redis)', () => {
  (redisUrl ? it : it.skip)(
    "a batch leaves the rows one event at a time would, and raises each changed task's cache marker to its final revision",
    async () => {
      const redis = new Redis(redisUrl!);
      const prefix = `test:${process.pid}:${randomUUID().slice(0, 8)}:task:`;
      const projector = new TasksReadProjector(
        t.app.get(TransactionRunner),
        new RedisTaskCache(redis, t.app.get(Metrics), prefix),
      );
      const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
      let position = 0n;
      const at = (minute: number) => `2026-01-01T00:0${minute}:00.000Z`;
      const event = (aggregateId: string, aggregateVersion: number, type: string, payload: object): StoredEvent => ({
        id: randomUUID(),
        position: ++position,
        aggregateType: type === 'task.enriched' ? 'task_enrichment' : 'task',
        aggregateId,
        aggregateVersion,
        type,
        payload: { ownerId: owner, ...payload },
        metadata: {},
        occurredAt: new Date(at(9)),
      });
      const created = (id: string, title: string) =>
        event(id, 1, 'task.created', {
          title,
          description: '',
          priority: 'low',
          status: 'pending',
          dueDate: null,
          createdAt: at(0),
        });
      const events = [
        created(a, 'a'),
        created(b, 'b'),
        created(c, 'c'),
        event(a, 2, 'task.updated', {
          changes: { title: 'a2', dueDate: '2026-03-01T00:00:00.000Z', priority: 'urgent' },
          updatedAt: at(1),
        }),
        event(b, 2, 'task.deleted', { status: 'pending', deletedAt: at(2) }),
        event(randomUUID(), 1, 'task.enriched', {
          taskId: c,
          sourceEventId: randomUUID(),
          basedOnVersion: 1,
          summary: 'S',
          subtasks: ['x', 'y', 'z'],
          category: 'feature',
          source: 'heuristic',
          model: 'rules',
          promptVersion: 'heuristic-v1',
        }),
        event(a, 3, 'task.status_changed', { from: 'pending', to: 'completed', changedAt: at(3) }),
        event(a, 2, 'task.updated', { changes: { title: 'stale redelivery' }, updatedAt: at(4) }),
      ];
      // The reference: the pure projection folded over the events in memory.
      const expected = new Map<string, TaskReadRow | null>();
      for (const e of events) {
        const id = e.type === 'task.enriched' ? c : e.aggregateId;
        const change = projectTaskEvent(expected.get(id) ?? null, { ...e, aggregateId: id });
        if (change.kind === 'upsert') expected.set(id, change.row);
        if (change.kind === 'delete') expected.set(id, null);
      }
      try {
        await t.app.get(TransactionRunner).run(() => projector.handleBatch(events));
        const rows = await t.app
          .get(TransactionRunner)
          .db.selectFrom('tasks_read')
          .selectAll()
          .where('id', 'in', [a, b, c])
          .orderBy('title')
          .execute();
        expect(rows).toEqual([expected.get(a), expected.get(c)]);
        expect(rows[0]).toMatchObject({ title: 'a2', priority: 'urgent', status: 'completed', revision: 3 });
        expect(expected.get(b)).toBeNull();
        expect(await redis.mget(`${prefix}${a}:rev`, `${prefix}${b}:rev`, `${prefix}${c}:rev`)).toEqual([
          '3',
          '2',
          '2',
        ]);
        // The task events redelivered as one batch: nothing changes. (An enrichment based on the same
        // task version applies again by design: a newer analyser may re-enrich a task.)
        await t.app
          .get(TransactionRunner)
          .run(() => projector.handleBatch(events.filter((e) => e.type !== 'task.enriched')));
        expect(
          (
            await t.app
              .get(pg.Pool)
              .query('SELECT revision FROM tasks_read WHERE id = ANY($1::uuid[]) ORDER BY title', [[a, b, c]])
          ).rows,
        ).toEqual([{ revision: 3 }, { revision: 2 }]);
      } finally {
        const keys = await redis.keys(`${prefix}*`);
        if (keys.length) await redis.del(...keys);
        redis.disconnect();
      }
    },
  );
});

describe('RedisTaskCache (real Redis)', () => {
  let redis: Redis;
  let cache: RedisTaskCache;
  const prefix = `test:${process.pid}:${randomUUID().slice(0, 8)}:task:`;
  beforeAll(() => {
    if (!redisUrl) return;
    redis = new Redis(redisUrl);
    cache = new RedisTaskCache(redis, t.app.get(Metrics), prefix);
  });
  afterAll(async () => {
    if (!redis) return;
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });
  const view = (revision: number): TaskView => ({
    id: '00000000-0000-4000-8000-000000000009',
    ownerId: owner,
    title: `r${revision}`,
    description: '',
    priority: 'low',
    status: 'pending',
    dueDate: null,
    version: revision,
    revision,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    completedAt: null,
    summary: null,
    subtasks: [],
    category: null,
    enrichment: null,
  });

  const id = '00000000-0000-4000-8000-000000000009';
  const title = async () => {
    const d = await cache.get(id);
    return d && JSON.parse(d.json).title;
  };

  (redisUrl ? it : it.skip)(
    'hit after set; invalidation makes older copies misses even if a racing reader re-caches them',
    async () => {
      const hits = () => t.app.get(Metrics).registry.getSingleMetricAsString('cache_requests_total');
      expect(await cache.get(id)).toBeUndefined();
      await cache.set(id, taskDocument(view(1)));
      expect(await title()).toBe('r1');
      await cache.invalidate(id, 2);
      expect(await cache.get(id)).toBeUndefined();
      await cache.set(id, taskDocument(view(1))); // a reader that read the old row before the projector committed
      expect(await cache.get(id)).toBeUndefined();
      await cache.set(id, taskDocument(view(2)));
      expect(await title()).toBe('r2');
      await cache.invalidate(id, 1); // never lowers the marker
      await cache.set(id, taskDocument(view(1)));
      expect(await cache.get(id)).toBeUndefined();
      expect(await hits()).toMatch(/cache_requests_total\{cache="task",outcome="hit"\} 2/);
    },
  );

  (redisUrl ? it : it.skip)(
    "keeps the document as it is served: the reader's view as JSON, with its owner, version and revision",
    async () => {
      const v = { ...view(4), version: 3, summary: 'Has: colons, "quotes" and ünïcode', subtasks: ['a:b', 'c'] };
      await cache.set(id, taskDocument(v));
      const hit = await cache.get(id);
      expect(hit).toEqual({ ownerId: owner, version: 3, revision: 4, json: JSON.stringify(readerView(v)) });
      expect(JSON.parse(hit!.json)).not.toHaveProperty('ownerId');
      expect(JSON.parse(hit!.json)).not.toHaveProperty('revision');
    },
  );

  (redisUrl ? it : it.skip)("a value in another format (an older release's) is a miss, never an error", async () => {
    const other = '00000000-0000-4000-8000-00000000000a';
    for (const value of [JSON.stringify(view(1)), 'x:1:owner:{}', '']) {
      await redis.set(`${prefix}${other}:doc`, value);
      expect(await cache.get(other)).toBeUndefined();
    }
  });

  it('without Redis the cache is a no-op', async () => {
    const none = new RedisTaskCache(null, t.app.get(Metrics), 'x:');
    await none.set(id, taskDocument(view(1)));
    expect(await none.get(id)).toBeUndefined();
    await none.invalidate(id, 5);
  });
});
