import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { idempotencyFaults } from '../../libs/platform/src/idempotency/idempotency.interceptor';
import type { StoredResponse } from '../../libs/platform/src/idempotency/idempotency-store';
import { bearer } from '../support/auth';
import { waitFor } from '../support/free-port';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Every route that takes an Idempotency-Key, as the running app's router lists it (a Fastify
 * onRoute hook added before Nest registers its routes), survives the death of the process between
 * COMMIT and storing its response: the retry answers exactly what the dying process was about to
 * send (status, body bytes, Location, ETag, X-Consistency-Token) and writes nothing.
 *
 * Which of the router's POST and PATCH routes ignore the header comes from the OpenAPI document
 * (@IdempotencyExempt). A route needs no entry here if the body its OpenAPI schema describes is
 * enough (one is generated from it, sent by a fresh user with the admin role); a route with
 * path parameters names the resource its parameters need in RESOURCES.
 */

interface Request {
  body?: unknown;
  auth?: string;
  /** Resolves the path's parameters: `/api/v1/tasks/:id` -> `/api/v1/tasks/<id>`. */
  params?: Record<string, string>;
}
type Prepare = (t: TestApp) => Promise<Request[]>;

/** The resources a route's path parameters name, by route. */
const RESOURCES: Record<string, Prepare> = {
  'PATCH /api/v1/tasks/:id': async (t) => {
    const requests: Request[] = [];
    // Two commands behind one route: an update, and a status change alone.
    for (const body of [{ title: `renamed ${randomUUID()}`, priority: 'high' }, { status: 'in_progress' }]) {
      const owner = bearer(t.app);
      const res = await fetch(`${t.baseUrl}/api/v1/tasks`, {
        method: 'POST',
        headers: { authorization: owner.authorization, 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'to change' }),
      });
      expect(res.status).toBe(201);
      requests.push({ auth: owner.authorization, params: { id: ((await res.json()) as { id: string }).id }, body });
    }
    return requests;
  },
  // Every field is optional: the generated body ({}) would change nothing.
  'PATCH /api/v1/users/me/notification-settings': async (t) => [
    { auth: bearer(t.app).authorization, body: { reminderLeadMinutes: 30, email: false } },
  ],
  'POST /api/v1/notifications/:id/read': async (t) => {
    const owner = bearer(t.app);
    const id = randomUUID();
    await t.app
      .get(pg.Pool)
      .query(
        `INSERT INTO notifications (id, user_id, type, title, body, data, version, created_at) VALUES ($1, $2, 'task_reminder', 'Reminder: x', 'x is due', '{}', 1, now())`,
        [id, owner.user.id],
      );
    return [{ auth: owner.authorization, params: { id } }];
  },
  'POST /api/v1/admin/dead-letters/:id/retry': async (t) => {
    const id = randomUUID();
    await t.app.get(pg.Pool).query(
      `INSERT INTO dead_letters (id, consumer, event_id, event_position, event_type, error, attempts, first_failed_at, last_failed_at)
       VALUES ($1, 'crash-window-test', $2, 1, 'test.event', 'boom', 3, now(), now())`,
      [id, randomUUID()],
    );
    return [{ auth: bearer(t.app, { roles: ['user', 'admin'] }).authorization, params: { id } }];
  },
};

type Schema = {
  example?: unknown;
  type?: string;
  enum?: unknown[];
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  $ref?: string;
  allOf?: Schema[];
};

/** A valid value for `schema`: its example if it has one, else required properties only, strings within their lengths. */
function example(schema: Schema, doc: { components?: { schemas?: Record<string, Schema> } }): unknown {
  if (schema.$ref) return example(doc.components!.schemas![schema.$ref.split('/').pop()!], doc);
  if (schema.example !== undefined) return schema.example;
  if (schema.allOf) return Object.assign({}, ...schema.allOf.map((s) => example(s, doc)));
  if (schema.enum) return schema.enum[0];
  switch (schema.type) {
    case 'string':
      if (schema.format === 'email') return `crash-${randomUUID()}@example.test`;
      if (schema.format === 'date-time') return new Date(Date.now() + 86_400_000).toISOString();
      return `v-${randomUUID()}`
        .slice(0, Math.max(schema.maxLength ?? 40, schema.minLength ?? 1))
        .padEnd(schema.minLength ?? 1, 'x');
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'array':
      return [];
    default: {
      const out: Record<string, unknown> = {};
      for (const name of schema.required ?? [])
        out[name] = example(schema.properties?.[name] ?? { type: 'string' }, doc);
      return out;
    }
  }
}

/** Every write table's content (read tables and the keys' own rows aside): equal digests, no write. */
async function digest(pool: pg.Pool): Promise<string> {
  const { rows } = await pool.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
       AND table_name NOT IN ('idempotency_keys', '_prisma_migrations') ORDER BY table_name`,
  );
  const parts: string[] = [];
  for (const { table_name } of rows) {
    const {
      rows: [row],
    } = await pool.query<{ d: string | null }>(
      `SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) AS d FROM "${table_name}" t`,
    );
    parts.push(`${table_name}:${row.d}`);
  }
  return parts.join(' ');
}

async function snapshot(res: Response) {
  return {
    status: res.status,
    body: Buffer.from(await res.arrayBuffer()).toString('base64'),
    location: res.headers.get('location') ?? undefined,
    etag: res.headers.get('etag') ?? undefined,
    consistency: res.headers.get('x-consistency-token') ?? undefined,
  };
}

/**
 * Routes whose response is never kept (@IdempotentResponseNotKept: it holds a secret shown once):
 * the retry rebuilds the same answer without the secret.
 */
const WITHOUT_SECRET: Record<string, (body: Record<string, unknown>) => Record<string, unknown>> = {
  'POST /api/v1/webhooks': ({ secret, ...rest }) => {
    expect(secret).toMatch(/^whsec_/);
    return rest;
  },
};

const fromLost = (lost: StoredResponse, route: string) => ({
  status: lost.status,
  body: WITHOUT_SECRET[route]
    ? Buffer.from(
        JSON.stringify(WITHOUT_SECRET[route](JSON.parse(Buffer.from(lost.body, 'base64').toString('utf8')))),
      ).toString('base64')
    : lost.body,
  location: lost.headers.location,
  etag: lost.headers.etag,
  consistency: lost.headers['x-consistency-token'],
});

const routes: { method: string; url: string }[] = [];
let t: TestApp;
let doc: {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: { name: string; in: string; description?: string }[];
        requestBody?: { content: Record<string, { schema: Schema }> };
      }
    >
  >;
  components?: { schemas?: Record<string, Schema> };
};

beforeAll(async () => {
  t = await startTestApp({ IDEMPOTENCY_LEASE_MS: '400', BCRYPT_COST: '4' }, [], (app) => {
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onRoute', (route) => {
        for (const method of [route.method].flat()) routes.push({ method, url: route.url });
      });
  });
  doc = (await (await fetch(`${t.baseUrl}/docs-json`)).json()) as typeof doc;
}, 60_000);
afterAll(async () => {
  idempotencyFaults.afterCommit = undefined;
  await t?.close();
});

function keyedRoutes() {
  return routes
    .filter((r) => (r.method === 'POST' || r.method === 'PATCH') && r.url.startsWith('/api/v1/'))
    .filter((r) => {
      const operation = doc.paths[r.url.replace(/:(\w+)/g, '{$1}')]?.[r.method.toLowerCase()];
      expect({ route: `${r.method} ${r.url}`, documented: operation !== undefined }).toEqual({
        route: `${r.method} ${r.url}`,
        documented: true,
      });
      const header = operation.parameters?.find((p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key');
      return !header?.description?.startsWith('Ignored');
    });
}

it('finds the keyed routes in the router: signup, task create and patch, dead-letter retry (auth routes are exempt)', () => {
  const names = keyedRoutes().map((r) => `${r.method} ${r.url}`);
  expect(names).toEqual(
    expect.arrayContaining([
      'POST /api/v1/signup',
      'POST /api/v1/tasks',
      'PATCH /api/v1/tasks/:id',
      'POST /api/v1/admin/dead-letters/:id/retry',
    ]),
  );
  expect(names.filter((n) => n.startsWith('POST /api/v1/auth/'))).toEqual([]);
});

it('every keyed route: a retry after the process died between COMMIT and storing the response gets what committed, and writes nothing', async () => {
  const pool = t.app.get(pg.Pool);
  const covered: string[] = [];
  for (const route of keyedRoutes()) {
    const name = `${route.method} ${route.url}`;
    const operation = doc.paths[route.url.replace(/:(\w+)/g, '{$1}')][route.method.toLowerCase()];
    let requests: Request[];
    if (RESOURCES[name]) requests = await RESOURCES[name](t);
    else {
      expect({
        route: name,
        needs: route.url.includes(':') ? 'an entry in RESOURCES for its path parameters' : 'nothing',
      }).toEqual({ route: name, needs: 'nothing' });
      const schema = operation.requestBody?.content['application/json']?.schema;
      requests = [
        {
          auth: bearer(t.app, { roles: ['user', 'admin'] }).authorization,
          body: schema ? example(schema, doc) : undefined,
        },
      ];
    }
    for (const request of requests) {
      const url = `${t.baseUrl}${route.url.replace(/:(\w+)/g, (_, p: string) => request.params![p])}`;
      const key = randomUUID();
      const send = () =>
        fetch(url, {
          method: route.method,
          headers: {
            'idempotency-key': key,
            ...(request.auth ? { authorization: request.auth } : {}),
            ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: request.body === undefined ? undefined : JSON.stringify(request.body),
        });
      const before = await digest(pool);
      let lost: StoredResponse | undefined;
      idempotencyFaults.afterCommit = (response) => {
        lost = response;
        return true;
      };
      try {
        const survived = await send().then(
          async (res) => `${res.status} ${await res.text()}`,
          () => undefined,
        );
        expect({ route: name, request, survived }).toEqual({ route: name, request, survived: undefined });
      } finally {
        idempotencyFaults.afterCommit = undefined;
      }
      // It committed (with its key) and its response never left.
      expect({ route: name, recorded: lost !== undefined }).toEqual({ route: name, recorded: true });
      expect(lost!.status).toBeLessThan(300);
      const committed = await digest(pool);
      expect(committed).not.toBe(before);

      const retried = await waitFor(
        async () => {
          const res = await send();
          if (res.status !== 409) return res;
          await res.arrayBuffer();
          return undefined;
        },
        10_000,
        `${name}: the dead holder's lease to run out`,
      );
      expect(retried.headers.get('idempotent-replayed')).toBe('true');
      const answer = await snapshot(retried);
      expect({ route: name, ...answer }).toEqual({ route: name, ...fromLost(lost!, name) });
      expect(await digest(pool)).toBe(committed);

      // From then on, a plain replay of the same answer.
      const replayed = await send();
      expect(replayed.headers.get('idempotent-replayed')).toBe('true');
      expect({ route: name, ...(await snapshot(replayed)) }).toEqual({ route: name, ...answer });
      expect(await digest(pool)).toBe(committed);
      covered.push(name);
    }
  }
  expect(covered).toEqual(
    expect.arrayContaining([
      'POST /api/v1/signup',
      'POST /api/v1/tasks',
      'PATCH /api/v1/tasks/:id',
      'POST /api/v1/admin/dead-letters/:id/retry',
      'POST /api/v1/notifications/:id/read',
      'PATCH /api/v1/users/me/notification-settings',
      'POST /api/v1/webhooks',
    ]),
  );
}, 120_000);
