// The bare baseline: Fastify + pg (+ ioredis), no framework, doing the same work as the API:
// POST /tasks = one transaction inserting the task row and its event row; GET /tasks/:id = one
// Redis GET when cached, else one SELECT (then cached). Named prepared statements, as the API's
// data layer uses (docs/decisions/0067). No authentication, validation beyond two checks, logging or tracing.
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const redis = process.env.REDIS_URL ? new Redis(process.env.REDIS_URL) : null;
const app = Fastify({ logger: false });
const PRIORITIES = new Set(['low', 'medium', 'high', 'urgent']);

app.post('/api/v1/tasks', async (req, reply) => {
  const b = req.body ?? {};
  if (typeof b.title !== 'string' || b.title.length < 1 || b.title.length > 200)
    return reply.code(422).send({ error: 'title' });
  const priority = b.priority ?? 'medium';
  if (!PRIORITIES.has(priority)) return reply.code(422).send({ error: 'priority' });
  const id = randomUUID();
  const owner = req.headers['x-owner'] ?? '00000000-0000-4000-8000-000000000001';
  const now = new Date();
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query({
      name: 'insert_task',
      text: 'INSERT INTO tasks (id, owner_id, title, description, priority, status, due_date, version, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,1,$8,$8)',
      values: [id, owner, b.title, b.description ?? '', priority, 'pending', b.dueDate ?? null, now],
    });
    await client.query({
      name: 'insert_event',
      text: "INSERT INTO events (id, aggregate_type, aggregate_id, aggregate_version, type, payload, metadata) VALUES ($1,'task',$2,1,'task.created',$3,'{}')",
      values: [randomUUID(), id, JSON.stringify({ ownerId: owner, title: b.title })],
    });
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK');
    throw e;
  } finally {
    client.release();
  }
  reply.code(201).header('location', `/api/v1/tasks/${id}`).header('etag', '"1"');
  return {
    id,
    title: b.title,
    description: b.description ?? '',
    priority,
    status: 'pending',
    version: 1,
    createdAt: now.toISOString(),
  };
});

app.get('/api/v1/tasks/:id', async (req, reply) => {
  const key = `bare:task:${req.params.id}`;
  const cached = redis ? await redis.get(key) : null;
  if (cached) return reply.header('content-type', 'application/json').send(cached);
  const { rows } = await pool.query({
    name: 'get_task',
    text: 'SELECT * FROM tasks_read WHERE id = $1',
    values: [req.params.id],
  });
  if (!rows[0]) return reply.code(404).send({});
  const body = JSON.stringify(rows[0]);
  if (redis) await redis.set(key, body, 'EX', 300);
  return reply.header('content-type', 'application/json').send(body);
});

await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.on('SIGTERM', async () => {
  await app.close();
  await pool.end();
  redis?.disconnect();
  process.exit(0);
});
