// Idempotency-Key benchmark: npm run bench:idempotency (builds, then runs this script).
//
// Boots the real API (dist/) on a database of its own and the real Redis, and sends
// POST /api/v1/tasks with a bearer token (BENCH_ROUTE=probe: a bare write route shaped like it,
// a command whose unit of work inserts a row and appends an event). It measures, in the same run:
//   1. throughput of POST without a key vs the same POSTs with fresh keys (interleaved pairs of
//      rounds, median of the per-pair ratios): target keyed/plain >= 0.85;
//   2. latency of the original keyed request vs its replay sent right after it (sequential,
//      medians): target >= 2x, and that the replays wrote nothing (row, event and key counts
//      unchanged across replays).
// Environment: BENCH_DATABASE_URL (admin URL, default postgresql://postgres@127.0.0.1:5432/postgres),
// BENCH_REDIS_URL (default redis://127.0.0.1:6379; "none" for the in-process store),
// BENCH_CONCURRENCY (8), BENCH_REQUESTS (200 per round), BENCH_ROUNDS (7 pairs), BENCH_ROUTE
// (tasks | probe).
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { Controller, HttpCode, Inject, Module, Post, Res } from '@nestjs/common';
import { CommandBus, CommandHandler } from '@nestjs/cqrs';
import { IsString, Length } from 'class-validator';
import pg from 'pg';
import { createApp } from '../../dist/apps/api/src/create-app.js';
import { AccessTokens } from '../../dist/libs/access/src/index.js';
import { EventsModule, EventStore } from '../../dist/libs/events/src/index.js';
import { loadConfig, TransactionRunner, ValidBody } from '../../dist/libs/platform/src/index.js';
import { migrateDatabase } from '../../dist/libs/platform/src/database/migrations.js';

const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 8);
const perRound = Number(process.env.BENCH_REQUESTS ?? 200);
const rounds = Number(process.env.BENCH_ROUNDS ?? 7);
const route = process.env.BENCH_ROUTE ?? 'tasks';

// ---- the write route (decorators applied by hand: this is plain JavaScript) -----------------
class CreateRequest {}
IsString()(CreateRequest.prototype, 'title');
Length(1, 200)(CreateRequest.prototype, 'title');

class BenchCreate {
  constructor(title) {
    this.title = title;
  }
}
// The command: one unit of work inserting a row and appending an event, returning its result.
class BenchHandler {
  constructor(transactions, events) {
    this.transactions = transactions;
    this.events = events;
  }
  execute({ title }) {
    return this.transactions.run(async (tx) => {
      const id = randomUUID();
      await tx.execute('INSERT INTO bench_tasks (id, title) VALUES ($1::uuid, $2)', id, title);
      await this.events.append([
        { type: 'task.created', aggregateType: 'task', aggregateId: id, aggregateVersion: 1, payload: { title } },
      ]);
      return { id, title, status: 'pending', version: 1 };
    });
  }
}
Inject(TransactionRunner)(BenchHandler, undefined, 0);
Inject(EventStore)(BenchHandler, undefined, 1);
CommandHandler(BenchCreate)(BenchHandler);

class BenchController {
  constructor(commands) {
    this.commands = commands;
  }
  async create(body, reply) {
    const task = await this.commands.execute(new BenchCreate(body.title));
    reply.header('location', `/api/v1/bench/${task.id}`).header('etag', 'W/"1"');
    return task;
  }
}
Inject(CommandBus)(BenchController, undefined, 0);
const create = Object.getOwnPropertyDescriptor(BenchController.prototype, 'create');
Reflect.defineMetadata('design:paramtypes', [CreateRequest, Object], BenchController.prototype, 'create');
ValidBody()(BenchController.prototype, 'create', 0);
Res({ passthrough: true })(BenchController.prototype, 'create', 1);
Post()(BenchController.prototype, 'create', create);
HttpCode(201)(BenchController.prototype, 'create', create);
Controller('bench')(BenchController);
class BenchModule {}
Module({ imports: [EventsModule], controllers: [BenchController], providers: [BenchHandler] })(BenchModule);

// ---- harness --------------------------------------------------------------------------------
const dbName = `bench_idem_${process.pid}_${randomBytes(3).toString('hex')}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE "${dbName}"`);
const dbUrl = Object.assign(new URL(adminUrl), { pathname: `/${dbName}` }).toString();
let app;
let pool;
try {
  await migrateDatabase(dbUrl);
  pool = new pg.Pool({ connectionString: dbUrl, max: 2 });
  await pool.query('CREATE TABLE bench_tasks (id uuid PRIMARY KEY, title text NOT NULL)');
  const env = {
    LOG_LEVEL: 'silent',
    DATABASE_URL: dbUrl,
    MIGRATE_ON_START: 'false',
    JWT_SECRET: randomBytes(32).toString('hex'),
    IDEMPOTENCY_REDIS_PREFIX: `idem-bench:${dbName}:`,
  };
  if (redisUrl !== 'none') env.REDIS_URL = redisUrl;
  app = await createApp(loadConfig(env), [BenchModule]);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `${(await app.getUrl()).replace('[::1]', '127.0.0.1')}/api/v1/${route === 'tasks' ? 'tasks' : 'bench'}`;
  const { accessToken } = app
    .get(AccessTokens)
    .issue({ id: randomUUID(), email: 'bench@example.test', roles: ['user'] });

  const send = async (i, key) => {
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` };
    if (key) headers['idempotency-key'] = key;
    const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ title: `task ${i}` }) });
    await res.arrayBuffer();
    if (res.status !== 201) throw new Error(`unexpected ${res.status}`);
    return res;
  };
  /** n requests, `concurrency` at a time; returns requests per second (and this process's CPU per request in `lastCpuMs`). */
  let lastCpuMs = 0;
  const load = async (n, keyOf) => {
    let next = 0;
    const cpu = process.cpuUsage();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < n) {
          const i = next++;
          await send(i, keyOf(i));
        }
      }),
    );
    const used = process.cpuUsage(cpu);
    lastCpuMs = (used.user + used.system) / 1000 / n;
    return (n / (performance.now() - started)) * 1000;
  };
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const table = route === 'tasks' ? 'tasks' : 'bench_tasks';
  const counts = async () =>
    (
      await pool.query(
        `SELECT (SELECT count(*) FROM ${table}) AS rows, (SELECT count(*) FROM events WHERE type = 'task.created') AS events, (SELECT count(*) FROM idempotency_keys) AS keys`,
      )
    ).rows[0];

  // Warm-up, both ways.
  await load(200, () => undefined);
  await load(200, () => randomUUID());

  // Interleaved pairs of rounds (plain, then keyed), so that load from elsewhere on the machine
  // hits both alike; the figure is the median of the per-pair ratios.
  const plain = [];
  const keyed = [];
  const pairRatios = [];
  const cpuRatios = [];
  for (let r = 0; r < rounds; r++) {
    const p = await load(perRound, () => undefined);
    const pCpu = lastCpuMs;
    const k = await load(perRound, () => randomUUID());
    plain.push(p);
    keyed.push(k);
    pairRatios.push(k / p);
    cpuRatios.push(pCpu / lastCpuMs);
  }
  const plainRps = median(plain);
  const keyedRps = median(keyed);

  // Original vs replay, one at a time, each replay right after its original (latency pairs).
  const keys = Array.from({ length: 300 }, () => randomUUID());
  const originalMs = [];
  const replayMs = [];
  const replayWrites = [];
  for (let i = 0; i < keys.length; i++) {
    let t0 = performance.now();
    await send(i, keys[i]);
    originalMs.push(performance.now() - t0);
    const before = i % 50 === 0 ? await counts() : undefined;
    t0 = performance.now();
    const res = await send(i, keys[i]);
    replayMs.push(performance.now() - t0);
    if (res.headers.get('idempotent-replayed') !== 'true') throw new Error('not a replay');
    if (before) replayWrites.push([before, await counts()]);
  }
  const before = await counts();
  const replayRps = await load(keys.length, (i) => keys[i]);
  const after = await counts();
  const same = (a, b) => a.rows === b.rows && a.events === b.events && a.keys === b.keys;
  const wroteNothing = same(before, after) && replayWrites.every(([a, b]) => same(a, b));

  const f = (x) => x.toFixed(2);
  const result = {
    route: route === 'tasks' ? 'POST /api/v1/tasks' : 'POST /api/v1/bench (probe)',
    store: redisUrl === 'none' ? 'in-process' : 'redis',
    concurrency,
    requestsPerRound: perRound,
    rounds,
    plainRps: Math.round(plainRps),
    keyedRps: Math.round(keyedRps),
    keyedOverPlain: f(median(pairRatios)),
    pairRatios: pairRatios.map(f).join(' '),
    // The same comparison by this process's CPU time per request (server and client share it):
    // less sensitive to other load on the machine than wall-clock throughput.
    cpuPerRequestPlainOverKeyed: f(median(cpuRatios)),
    originalMedianMs: f(median(originalMs)),
    replayMedianMs: f(median(replayMs)),
    replaySpeedup: f(median(originalMs) / median(replayMs)),
    replayRps: Math.round(replayRps),
    replaysWroteNothing: wroteNothing,
  };
  console.log(JSON.stringify(result, null, 2));
  const ok = median(pairRatios) >= 0.85 && median(originalMs) / median(replayMs) >= 2 && wroteNothing;
  console.log(
    ok
      ? 'PASS: keyed >= 0.85 x plain, replay >= 2x faster, replays wrote nothing'
      : 'BELOW TARGET (see figures above; the machine may be busy)',
  );
} finally {
  await pool?.end();
  await app?.close();
  await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  await admin.end();
}
