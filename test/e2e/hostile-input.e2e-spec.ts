import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { createApp } from '../../apps/api/src/create-app';
import { loadConfig } from '../../libs/platform/src/config/app-config';
import { migrateDatabase } from '../../libs/platform/src/database/migrations';
import { SlowRouteModule } from '../../libs/platform/src/lifecycle/slow-route';
import { EARLY_ANSWER_DRAIN_BYTES } from '../../libs/platform/src/http/client-errors';
import { bearer } from '../support/auth';
import { freePort, waitFor } from '../support/free-port';
import { parseResponses, rawExchange, type RawResponse, write } from '../support/raw-http';
import { TEST_JWT_SECRET } from '../support/services';
import { createEmptyTestDatabase } from '../support/test-database';
import { startTestApp, type TestApp } from '../support/test-app';
import { json } from '../support/users';

const run = promisify(execFile);
let t: TestApp;
let port: number;

beforeAll(async () => {
  t = await startTestApp({ BCRYPT_COST: '4' }, [SlowRouteModule]);
  port = Number(new URL(t.baseUrl).port);
});
afterAll(() => t.close());

async function expectProblem(res: Response, status: number, code?: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body: any = await res.json();
  expect(body).toMatchObject({
    type: expect.any(String),
    title: expect.any(String),
    status,
    detail: expect.any(String),
    requestId: res.headers.get('x-request-id'),
  });
  if (code) expect(body.code).toBe(code);
  return body;
}

function expectRawProblem(response: RawResponse | undefined, status: number, code?: string) {
  expect(response?.status).toBe(status);
  expect(response!.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(response!.body);
  expect(body).toMatchObject({
    type: expect.any(String),
    title: expect.any(String),
    status,
    detail: expect.any(String),
    requestId: response!.headers['x-request-id'],
  });
  if (code) expect(body.code).toBe(code);
  return body;
}

const NUL = 'a\u0000b';
const LONE = '\ud800x';
/** JSON text with a lone surrogate escaped (JSON.stringify escapes it too, as \ud800). */
const fieldsOf = (body: any) => body.errors.map((e: { field: string }) => e.field).sort();

describe('strings with NUL or unpaired surrogates: 422 naming the field, nothing written', () => {
  it('task fields and the list query', async () => {
    const { authorization } = bearer(t.app);
    const headers = { authorization };
    for (const [body, fields] of [
      [{ title: NUL }, ['title']],
      [{ title: LONE }, ['title']],
      [{ title: 'ok', description: `x${LONE}` }, ['description']],
      [{ title: NUL, description: NUL, priority: NUL, dueDate: LONE }, ['description', 'dueDate', 'priority', 'title']],
    ] as const) {
      expect(
        fieldsOf(
          await expectProblem(await fetch(`${t.baseUrl}/api/v1/tasks`, json(body, headers)), 422, 'validation-failed'),
        ),
      ).toEqual(fields);
    }
    const list = await fetch(`${t.baseUrl}/api/v1/tasks?q=a%00b&status=pending`, { headers });
    expect(fieldsOf(await expectProblem(list, 422))).toEqual(['q']);
    const page: any = await (await fetch(`${t.baseUrl}/api/v1/tasks`, { headers })).json();
    expect(page.items).toEqual([]);
  });

  it('null where a PATCH field may only be absent or valid: 422 naming it (the fuzzer found a 500)', async () => {
    const { authorization } = bearer(t.app);
    const created: any = await (
      await fetch(`${t.baseUrl}/api/v1/tasks`, json({ title: 'patch me' }, { authorization }))
    ).json();
    for (const field of ['title', 'description', 'priority', 'status']) {
      const res = await fetch(`${t.baseUrl}/api/v1/tasks/${created.id}`, {
        ...json({ [field]: null }, { authorization }),
        method: 'PATCH',
      });
      expect(new Set(fieldsOf(await expectProblem(res, 422, 'validation-failed')))).toEqual(new Set([field]));
    }
    const cleared = await fetch(`${t.baseUrl}/api/v1/tasks/${created.id}`, {
      ...json({ dueDate: null }, { authorization }),
      method: 'PATCH',
    });
    expect(cleared.status).toBe(200);
  });

  it('signup and login fields, without a token', async () => {
    for (const [body, fields] of [
      [{ name: NUL, email: 'n@example.test', password: 'long enough 1' }, ['name']],
      [{ name: 'N', email: `a${NUL}@example.test`, password: 'long enough 1' }, ['email']],
      [
        { name: 'N', email: 'l@example.test', password: `pw${LONE}12345678`, displayName: NUL },
        ['displayName', 'password'],
      ],
    ] as const) {
      expect(fieldsOf(await expectProblem(await fetch(`${t.baseUrl}/api/v1/signup`, json(body)), 422))).toEqual(fields);
    }
    const login = await fetch(
      `${t.baseUrl}/api/v1/auth/login`,
      json({ email: `x${NUL}@example.test`, password: 'whatever1' }),
    );
    expect(fieldsOf(await expectProblem(login, 422))).toEqual(['email']);
    const users = await t.app
      .get(pg.Pool)
      .query(
        `SELECT count(*)::int AS n FROM users WHERE name = $1 OR email LIKE 'a%@example.test' OR email = 'l@example.test'`,
        ['N'],
      );
    expect(users.rows[0].n).toBe(0);
  });

  it('a NUL in a path parameter answers as an unknown id (404); bad percent-encoding 400; an over-long one 414', async () => {
    const { authorization } = bearer(t.app);
    for (const method of ['GET', 'PATCH', 'PUT', 'DELETE']) {
      const withBody = method === 'PATCH' || method === 'PUT';
      const res = await fetch(
        `${t.baseUrl}/api/v1/tasks/a%00b`,
        withBody ? { ...json({ title: 'x' }, { authorization }), method } : { method, headers: { authorization } },
      );
      expect([method, res.status]).toEqual([method, 404]);
      await expectProblem(res, 404, 'not-found');
    }
    await expectProblem(
      await fetch(`${t.baseUrl}/api/v1/tasks/%E0%A4%A`, { headers: { authorization } }),
      400,
      'bad-url',
    );
    await expectProblem(
      await fetch(`${t.baseUrl}/api/v1/tasks/%ED%A0%80`, { headers: { authorization } }),
      400,
      'bad-url',
    );
    await expectProblem(
      await fetch(`${t.baseUrl}/api/v1/tasks/${'x'.repeat(500)}`, { headers: { authorization } }),
      414,
      'uri-too-long',
    );
  });

  it('a NUL in a header: 400 problem+json (the HTTP parser refuses it)', async () => {
    const text = await rawExchange(
      port,
      (s) => void s.write(`GET /api/v1/tasks HTTP/1.1\r\nHost: x\r\nX-Request-Id: a\u0000b\r\n\r\n`),
    );
    expectRawProblem(parseResponses(text)[0], 400, 'malformed-request');
  });
});

describe('JSON bodies', () => {
  it('nested deeper than 64 levels: 400 before any handler, on every route', async () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    const { authorization } = bearer(t.app);
    await expectProblem(await fetch(`${t.baseUrl}/api/v1/tasks`, json(deep, { authorization })), 400, 'json-too-deep');
    await expectProblem(await fetch(`${t.baseUrl}/api/v1/signup`, json(`{"name":${deep}}`)), 400, 'json-too-deep');
    await expectProblem(
      await fetch(`${t.baseUrl}/api/v1/auth/login`, json('{"a":'.repeat(65) + '1' + '}'.repeat(65))),
      400,
      'json-too-deep',
    );
  });
});

describe('errors of the HTTP stack itself are problem+json', () => {
  it.each([
    [
      'Content-Length that is not a number',
      'POST /api/v1/signup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n{}',
    ],
    ['a garbage request line', 'HELLO THERE\r\n\r\n'],
    [
      'invalid chunking',
      'POST /api/v1/signup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
    ],
    [
      'both Content-Length and chunked',
      'POST /api/v1/signup HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}',
    ],
    ['a space in a header name', 'GET /health HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n'],
  ])('%s: 400', async (_name, request) => {
    const text = await rawExchange(port, (s) => void s.write(request));
    expectRawProblem(parseResponses(text)[0], 400, 'malformed-request');
  });

  it('an HTTP/1.1 request without Host: 400 problem+json', async () => {
    const text = await rawExchange(port, (s) => void s.write('GET /health HTTP/1.1\r\nConnection: close\r\n\r\n'));
    expectRawProblem(parseResponses(text)[0], 400, 'bad-header');
  });

  it('415 for a body that is not JSON, 404 and 405-like answers for unknown routes', async () => {
    await expectProblem(
      await fetch(`${t.baseUrl}/api/v1/signup`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'x',
      }),
      415,
      'unsupported-media-type',
    );
    await expectProblem(await fetch(`${t.baseUrl}/api/v1/nothing/here`), 404);
  });

  it('431 for 100 KB of headers, read by fetch and by a raw client still sending', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${t.baseUrl}/api/v1/signup`, {
        ...json({}),
        headers: { 'content-type': 'application/json', 'x-big': 'a'.repeat(100_000) },
      });
      expect(res.status).toBe(431);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await res.json()).toMatchObject({ status: 431, code: 'headers-too-large' });
    }
    const text = await rawExchange(port, async (s) => {
      await write(s, 'GET /health HTTP/1.1\r\nHost: x\r\n');
      for (let i = 0; i < 100; i++) await write(s, `X-Filler-${i}: ${'b'.repeat(1000)}\r\n`);
      await write(s, '\r\n');
    });
    expectRawProblem(parseResponses(text)[0], 431, 'headers-too-large');
  });

  it('413 for a 2 MB body, read by Node fetch and by curl, with and without Content-Length', async () => {
    const big = JSON.stringify({ title: 'x'.repeat(2 * 1024 * 1024) });
    const { authorization } = bearer(t.app);
    for (let i = 0; i < 3; i++) {
      await expectProblem(
        await fetch(`${t.baseUrl}/api/v1/tasks`, json(big, { authorization })),
        413,
        'body-too-large',
      );
      const stream = new Blob([big]).stream();
      await expectProblem(
        await fetch(`${t.baseUrl}/api/v1/tasks`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization },
          body: stream,
          duplex: 'half',
        }),
        413,
        'body-too-large',
      );
    }
    const file = path.join(os.tmpdir(), `big-${randomBytes(4).toString('hex')}.json`);
    await writeFile(file, big);
    try {
      for (const extra of [[], ['-H', 'Transfer-Encoding: chunked'], ['-H', 'Expect:']]) {
        const { stdout } = await run('curl', [
          '-sS',
          '-i',
          '-X',
          'POST',
          '-H',
          'content-type: application/json',
          '-H',
          `authorization: ${authorization}`,
          ...extra,
          '--data-binary',
          `@${file}`,
          `${t.baseUrl}/api/v1/tasks`,
        ]);
        const response = parseResponses(stdout.replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, ''))[0];
        expectRawProblem(response, 413, 'body-too-large');
      }
    } finally {
      await rm(file, { force: true });
    }
    // The connection stays usable: the server keeps serving.
    expect((await fetch(`${t.baseUrl}/health`)).status).toBe(200);
  });

  it('413 reaches a client that sends the rest of its 2 MB body after the answer arrived; no reset, the connection serves the next request', async () => {
    const { authorization } = bearer(t.app);
    const total = 2 * 1024 * 1024;
    const text = await rawExchange(port, async (socket) => {
      let seen = '';
      const answered = new Promise<void>((resolve) =>
        socket.on('data', (chunk) => (seen += chunk.toString('latin1')).includes('\r\n\r\n') && resolve()),
      );
      await write(
        socket,
        `POST /api/v1/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: ${authorization}\r\nContent-Type: application/json\r\nContent-Length: ${total}\r\n\r\n`,
      );
      await write(socket, Buffer.alloc(total / 2, 'x'));
      await answered;
      await write(socket, Buffer.alloc(total / 2, 'x'));
      await write(socket, 'GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    });
    const [answer, next] = parseResponses(text);
    expectRawProblem(answer, 413, 'body-too-large');
    expect(next.status).toBe(200);
  });

  it('past the 4 MB it drains after an early answer, the server drops a client that keeps sending', async () => {
    const { authorization } = bearer(t.app);
    const socket = net.connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (chunk) => received.push(chunk));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('connect', resolve));
    await write(
      socket,
      `POST /api/v1/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: ${authorization}\r\nContent-Type: application/json\r\nContent-Length: ${512 * 1024 * 1024}\r\n\r\n`,
    );
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let sent = 0;
    while (!socket.destroyed && sent < 512 * 1024 * 1024) {
      await write(socket, chunk);
      sent += chunk.length;
    }
    await closed;
    // The answer was sent before the drain began; the connection went once 4 MB (plus what the
    // kernel's buffers held) had been read, far from the 512 MB announced.
    expectRawProblem(parseResponses(Buffer.concat(received).toString('latin1'))[0], 413, 'body-too-large');
    expect(sent).toBeGreaterThanOrEqual(EARLY_ANSWER_DRAIN_BYTES);
    expect(sent).toBeLessThan(64 * 1024 * 1024);
  });

  it('503 problem+json with Retry-After for a request arriving on an open connection while the server closes', async () => {
    const other = await startTestApp({}, [SlowRouteModule]);
    const otherPort = Number(new URL(other.baseUrl).port);
    let closed: Promise<void> | undefined;
    const text = await rawExchange(otherPort, async (s) => {
      await write(s, 'GET /api/v1/__test/slow?ms=1500 HTTP/1.1\r\nHost: x\r\n\r\n');
      await waitFor(
        async () => ((await fetch(`${other.baseUrl}/health`)).status === 200 ? true : undefined),
        5_000,
        'server up',
      );
      closed = other.app.close();
      // Once the listener is closed, the server is closing: send another request on this connection.
      await waitFor(
        async () =>
          await fetch(`${other.baseUrl}/health`).then(
            () => undefined,
            () => true,
          ),
        5_000,
        'listener closed',
      );
      await write(s, 'GET /api/v1/tasks HTTP/1.1\r\nHost: x\r\n\r\n');
    });
    await closed;
    await other.db.drop();
    const [first, second] = parseResponses(text);
    expect(first.status).toBe(200);
    expectRawProblem(second, 503, 'shutting-down');
    expect(second.headers['retry-after']).toBe('1');
    expect(second.headers.connection).toBe('close');
  });
});

describe('before the service is ready', () => {
  async function start(databaseUrl: string) {
    const config = loadConfig({
      LOG_LEVEL: 'silent',
      JWT_SECRET: TEST_JWT_SECRET,
      DATABASE_URL: databaseUrl,
      MIGRATE_ON_START: 'false',
      DATABASE_ACQUIRE_TIMEOUT_MS: '500',
      BCRYPT_COST: '4',
    });
    const app = await createApp(config);
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { app, base: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
  }
  const signup = (base: string) =>
    fetch(
      `${base}/api/v1/signup`,
      json({ name: 'Early', email: `e-${randomBytes(3).toString('hex')}@example.test`, password: 'long enough 1' }),
    );

  async function expectNotReady(res: Response) {
    await expectProblem(res, 503, 'not-ready');
    expect(res.headers.get('retry-after')).toBe('1');
  }

  it('503 with Retry-After while the database is unreachable; liveness answers', async () => {
    const { app, base } = await start(`postgresql://postgres@127.0.0.1:${await freePort()}/postgres`);
    try {
      expect((await fetch(`${base}/health`)).status).toBe(200);
      await expectNotReady(await signup(base));
    } finally {
      await app.close();
    }
  });

  it('503 with Retry-After (never a 500) until the schema is current, then served', async () => {
    const db = await createEmptyTestDatabase();
    const { app, base } = await start(db.url);
    try {
      await expectNotReady(await signup(base));
      await expectNotReady(
        await fetch(`${base}/api/v1/tasks`, { headers: { authorization: bearer(app).authorization } }),
      );
      await expectNotReady(
        await fetch(`${base}/api/v1/auth/login`, json({ email: 'e@example.test', password: 'whatever1' })),
      );
      expect((await fetch(`${base}/health`)).status).toBe(200);
      await migrateDatabase(db.url);
      expect((await signup(base)).status).toBe(201);
    } finally {
      await app.close();
      await db.drop();
    }
  });
});
