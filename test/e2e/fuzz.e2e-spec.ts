import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { bearer } from '../support/auth';
import {
  asText,
  bodyArbitrary,
  edgeValuesFor,
  encodeComponent,
  hostileArbitrary,
  type JsonSchema,
  type OpenApiDocument,
  type Operation,
  operationsOf,
  validArbitrary,
  WRONG_TYPES,
} from '../support/openapi-fuzz';
import { parseResponses, rawExchange } from '../support/raw-http';
import { startTestApp, type TestApp } from '../support/test-app';
import { json, signUp } from '../support/users';

/**
 * Requests generated from the served OpenAPI document: every operation, every parameter and
 * body field, valid values, edge values (NUL, unpaired surrogates, 10,000 characters, numbers at
 * and past their limits), wrong types and unknown fields, with and without a token; and raw
 * malformed HTTP. No answer may be a 5xx or a reset, and every 4xx is problem+json. A new route
 * is in the document, so it is fuzzed without a change here.
 *
 * FUZZ_SEED replays a run (the seed is printed); FUZZ_RUNS sets the number of random requests per operation.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261205);
const RANDOM_RUNS_PER_OPERATION = Number(process.env.FUZZ_RUNS ?? 20);
const RAW_RUNS = 120;
/** Requests in flight at once: low enough that no designed 503 (hashing queue, pool) can occur. */
const CONCURRENCY = 4;

interface FuzzRequest {
  op: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

let t: TestApp;
let operations: Operation[];
let tokens: { user: string; admin: string };
/** Tasks of the fuzzing user; path parameters take their ids (some get deleted along the way). */
let taskIds: string[];

beforeAll(async () => {
  process.stdout.write(
    `fuzz: seed ${SEED} (FUZZ_SEED=${SEED} replays this run), ${RANDOM_RUNS_PER_OPERATION} random requests per operation\n`,
  );
  t = await startTestApp({
    BCRYPT_COST: '4',
    SIGNUP_QUEUE_MAX: '100000',
    DATABASE_POOL_MAX: '10',
    DATABASE_ACQUIRE_TIMEOUT_MS: '60000',
    LOGIN_RATE_LIMIT_PER_EMAIL: '1000000',
    LOGIN_RATE_LIMIT_PER_IP: '1000000',
  });
  operations = operationsOf((await (await fetch(`${t.baseUrl}/docs-json`)).json()) as OpenApiDocument);
  const user = await signUp(t.baseUrl);
  tokens = {
    user: bearer(t.app, { id: user.id, email: user.email, roles: ['user'] }).authorization,
    admin: bearer(t.app, { id: user.id, email: user.email, roles: ['user', 'admin'] }).authorization,
  };
  taskIds = [];
  for (let i = 0; i < 20; i++) {
    const created = await fetch(
      `${t.baseUrl}/api/v1/tasks`,
      json({ title: `fuzz target ${i}` }, { authorization: tokens.user }),
    );
    taskIds.push(((await created.json()) as { id: string }).id);
  }
}, 60_000);
afterAll(() => t?.close());

const PRINTABLE = fc.constantFrom(...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)));
/** Header values fetch can send (visible ASCII), edge lengths included. */
const headerValue = fc.oneof(
  fc.string({ minLength: 0, maxLength: 300, unit: PRINTABLE }),
  fc.constantFrom('', ' ', '"quoted"', 'x'.repeat(10_000)),
);
const sendable = (v: unknown) => typeof v === 'string' && /^[\x20-\x7e]*$/.test(v) && v.trim() === v;
/**
 * Headers the application reads besides the documented ones, with any value fetch can send
 * (visible ASCII and Latin-1 bytes; a NUL or a line break cannot be sent, the raw test covers them).
 */
const READ_HEADERS = [
  'if-match',
  'if-none-match',
  'x-consistency-token',
  'last-event-id',
  'x-request-id',
  'idempotency-key',
  'content-type',
  'accept',
];
const latin1Value = fc
  .string({
    maxLength: 60,
    unit: fc.oneof(PRINTABLE, fc.constantFrom('\u0080', '\u00a0', '\u00e9', '\u00ff', '\t', '"', 'W/"1"', '*')),
  })
  .map((v) => v.trim());
const extraHeaders = fc.dictionary(
  fc.constantFrom(...READ_HEADERS),
  fc.oneof(latin1Value, fc.constantFrom('', '0', '-1', '99999999999999999999', 'x'.repeat(8_000))),
  { maxKeys: 3 },
);

function pathValue(schema: JsonSchema): fc.Arbitrary<unknown> {
  return fc.oneof(fc.constantFrom(...taskIds), fc.uuid(), hostileArbitrary(schema));
}

/** Builds the request for `op` from chosen values; a missing value leaves the parameter out. */
function build(
  op: Operation,
  values: {
    path: Record<string, unknown>;
    query: Record<string, unknown>;
    header: Record<string, unknown>;
    body?: unknown;
    rawBody?: string;
    auth: string | undefined;
    contentType?: string;
  },
): FuzzRequest {
  let path = op.path;
  for (const p of op.params.filter((x) => x.in === 'path'))
    path = path.replace(`{${p.name}}`, encodeComponent(asText(values.path[p.name] ?? taskIds[0])) || '%20');
  const query: string[] = [];
  for (const [name, value] of Object.entries(values.query)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) && value.length && value.every((x) => typeof x === 'string') ? value : [value])
      query.push(`${encodeComponent(name)}=${encodeComponent(asText(v))}`);
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(values.header))
    if (value !== undefined && sendable(value)) headers[name] = value as string;
  if (values.auth) headers.authorization = values.auth;
  let body: string | undefined;
  if (op.method === 'GET' || op.method === 'HEAD')
    body = undefined; // fetch sends none (raw requests do)
  else if (values.rawBody !== undefined) body = values.rawBody;
  else if (values.body !== undefined) body = JSON.stringify(values.body) ?? 'null';
  if (body !== undefined) headers['content-type'] = values.contentType ?? 'application/json';
  return { op: op.id, method: op.method, url: `${path}${query.length ? `?${query.join('&')}` : ''}`, headers, body };
}

function baseValues(op: Operation, seed: number) {
  const sample = <T>(arb: fc.Arbitrary<T>) => fc.sample(arb, { seed, numRuns: 1 })[0];
  const path = Object.fromEntries(
    op.params.filter((p) => p.in === 'path').map((p) => [p.name, taskIds[seed % taskIds.length]]),
  );
  const query = Object.fromEntries(
    op.params.filter((p) => p.in === 'query').map((p) => [p.name, sample(validArbitrary(p.schema))]),
  );
  const body = op.body ? sample(validArbitrary(op.body)) : undefined;
  return { path, query, header: {} as Record<string, unknown>, body, auth: tokens.user };
}

/** Each field of each operation in turn set to each of its edge values, the rest valid: every field is reached. */
function sweep(): FuzzRequest[] {
  const requests: FuzzRequest[] = [];
  operations.forEach((op, i) => {
    const base = () => baseValues(op, SEED + i);
    for (const p of op.params) {
      for (const edge of edgeValuesFor(p.schema)) {
        if (p.in === 'header' && !sendable(edge)) continue;
        const v = base();
        v[p.in][p.name] = edge;
        requests.push(build(op, v));
      }
    }
    const properties = op.body?.properties ?? {};
    for (const [name, schema] of Object.entries(properties)) {
      for (const edge of edgeValuesFor(schema)) {
        const v = base();
        requests.push(build(op, { ...v, body: { ...(v.body as object), [name]: edge } }));
      }
    }
    if (op.body) for (const wrong of WRONG_TYPES) requests.push(build(op, { ...base(), body: wrong }));
    // A query parameter the operation does not declare, holding a NUL.
    requests.push(build(op, { ...base(), query: { ...base().query, undeclared: 'a\u0000b' } }));
  });
  return requests;
}

const AUTH = fc.constantFrom<'user' | 'admin' | 'none' | 'garbage' | 'basic'>(
  'user',
  'user',
  'admin',
  'none',
  'garbage',
  'basic',
);
const MALFORMED_BODIES = [
  '{',
  '{"a":',
  '[1,2',
  'nul',
  '"\\ud800"',
  '{"__proto__":{"x":1}}',
  '{"constructor":{"prototype":{}}}',
  '['.repeat(100) + ']'.repeat(100),
  '\u0000',
  '',
];

/** One time in eight a value, else undefined. */
const rarely = <T>(arb: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 7, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });

function randomRequest(op: Operation): fc.Arbitrary<FuzzRequest> {
  const pathParams = op.params.filter((p) => p.in === 'path');
  const queryParams = op.params.filter((p) => p.in === 'query');
  const headerParams = op.params.filter((p) => p.in === 'header');
  const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
  return fc
    .record({
      path: fc.record(Object.fromEntries(pathParams.map((p) => [p.name, pathValue(p.schema)]))),
      query: fc.record(
        Object.fromEntries(
          queryParams.map((p) => [
            p.name,
            optional(fc.oneof(hostileArbitrary(p.schema), fc.array(fc.string(), { minLength: 2, maxLength: 3 }))),
          ]),
        ),
      ),
      extraQuery: optional(fc.tuple(fc.string({ minLength: 1, maxLength: 8 }), fc.string())),
      header: fc.record(Object.fromEntries(headerParams.map((p) => [p.name, optional(headerValue)]))),
      body: op.body ? optional(bodyArbitrary(op.body)) : optional(fc.constantFrom<unknown>({}, { a: 1 }, 'x')),
      rawBody: rarely(fc.constantFrom(...MALFORMED_BODIES)),
      contentType: rarely(
        fc.constantFrom(
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/json; charset=latin1',
          'application/jsonx',
        ),
      ),
      auth: AUTH,
      extraHeaders: fc.option(extraHeaders, { nil: undefined, freq: 2 }),
    })
    .map((v) => {
      const auth = {
        user: tokens.user,
        admin: tokens.admin,
        none: undefined,
        garbage: 'Bearer a.b.c',
        basic: 'Basic YTpi',
      }[v.auth];
      const query = v.extraQuery ? { ...v.query, [v.extraQuery[0]]: v.extraQuery[1] } : v.query;
      const request = build(op, { ...v, query, auth });
      return { ...request, headers: { ...v.extraHeaders, ...request.headers } };
    });
}

/** Answers seen, by status ('reset' for none): printed, to show how deep the requests reached. */
const statuses = new Map<string, number>();

/** Why an answer breaks the contract, or undefined when it keeps it. */
async function violation(request: FuzzRequest): Promise<string | undefined> {
  const what = `${request.method} ${request.url.slice(0, 200)} ${request.body ? `body ${request.body.slice(0, 200)}` : ''}`;
  let res: Response;
  try {
    res = await fetch(`${t.baseUrl}${request.url}`, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    statuses.set('reset', (statuses.get('reset') ?? 0) + 1);
    return `${what}: no answer (${(err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message})`;
  }
  statuses.set(String(res.status), (statuses.get(String(res.status)) ?? 0) + 1);
  if ((res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    await res.body?.cancel();
    return undefined;
  }
  const text = await res.text();
  if (res.status >= 500) return `${what}: ${res.status} ${text.slice(0, 300)}`;
  if (res.status < 400) return undefined;
  if (!(res.headers.get('content-type') ?? '').startsWith('application/problem+json'))
    return `${what}: ${res.status} as ${res.headers.get('content-type')}`;
  const problem = JSON.parse(text) as Record<string, unknown>;
  for (const key of ['type', 'title', 'detail', 'requestId'])
    if (typeof problem[key] !== 'string') return `${what}: ${res.status} problem without ${key}`;
  if (problem.status !== res.status) return `${what}: problem status ${String(problem.status)} on a ${res.status}`;
  return undefined;
}

async function inPool<T, R>(items: T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i]);
      }
    }),
  );
  return results;
}

describe(`fuzzing from the OpenAPI document (seed ${SEED})`, () => {
  it('no 5xx, no reset, every 4xx problem+json: every operation, every field, with and without a token', async () => {
    expect(operations.length).toBeGreaterThan(10);
    const swept = sweep();
    // The same number for every operation, whatever the document holds (each with a seed of its own).
    const random = operations.flatMap((op, i) =>
      fc.sample(randomRequest(op), { seed: SEED + i, numRuns: RANDOM_RUNS_PER_OPERATION }),
    );
    const requests = [...swept, ...random];
    const perOperation = new Map<string, number>();
    for (const r of requests) perOperation.set(r.op, (perOperation.get(r.op) ?? 0) + 1);
    for (const op of operations) expect([op.id, perOperation.get(op.id) ?? 0]).toEqual([op.id, expect.any(Number)]);
    expect(Math.min(...operations.map((op) => perOperation.get(op.id) ?? 0))).toBeGreaterThanOrEqual(20);

    const failures = (await inPool(requests, violation)).filter((f): f is string => f !== undefined);
    process.stdout.write(
      `fuzz: ${requests.length} requests (${swept.length} swept, ${random.length} random) over ${operations.length} operations, seed ${SEED}; answers by status ${JSON.stringify(Object.fromEntries([...statuses].sort()))}\n`,
    );
    expect(requests.length).toBeGreaterThanOrEqual(2000);
    expect(failures.slice(0, 20)).toEqual([]);
  }, 240_000);

  it('no operation with a JSON body accepts an unknown field (its body is validated)', async () => {
    const withBodies = operations.filter((op) => op.body?.properties);
    expect(withBodies.length).toBeGreaterThan(3);
    const accepted: string[] = [];
    for (const op of withBodies) {
      const base = baseValues(op, SEED);
      for (const auth of [tokens.user, tokens.admin]) {
        const request = build(op, {
          ...base,
          auth,
          body: { ...(base.body as object), [`unknown_${randomUUID().slice(0, 8)}`]: 1 },
        });
        const res = await fetch(`${t.baseUrl}${request.url}`, {
          method: request.method,
          headers: request.headers,
          body: request.body,
        });
        await res.arrayBuffer();
        if (res.status < 300) accepted.push(`${op.id}: ${res.status}`);
      }
    }
    expect(accepted).toEqual([]);
  });

  it('raw malformed HTTP over a socket: an answer (4xx problem+json), never a 5xx or a reset', async () => {
    const port = Number(new URL(t.baseUrl).port);
    const token = fc.string({
      minLength: 0,
      maxLength: 30,
      unit: fc.oneof(PRINTABLE, fc.constantFrom('\u0000', '\u007f', '\u00ff', '\t', '\r', '\n')),
    });
    const requestLine = fc.oneof(
      fc.constantFrom(
        'GET /health HTTP/1.1',
        'POST /api/v1/signup HTTP/1.1',
        'GET /api/v1/tasks HTTP/1.1',
        'PATCH /api/v1/tasks/x HTTP/1.1',
      ),
      fc
        .tuple(
          fc.constantFrom('GET', 'POST', 'BREW', 'G ET', ''),
          token,
          fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/9.9', 'HTTP/1', ''),
        )
        .map(([m, p, v]) => `${m} /${p} ${v}`),
      token,
    );
    const header = fc.oneof(
      fc.tuple(
        fc.constantFrom(
          'Content-Length',
          'Transfer-Encoding',
          'Host',
          'X-Request-Id',
          'Authorization',
          'Idempotency-Key',
        ),
        token,
      ),
      fc.tuple(token, token),
      fc.constant<[string, string]>(['Content-Length', '99999999999999999999999']),
      fc.constant<[string, string]>(['Transfer-Encoding', 'chunked, identity']),
    );
    const raw = fc
      .record({ line: requestLine, headers: fc.array(header, { maxLength: 5 }), body: fc.string({ maxLength: 40 }) })
      .map(({ line, headers, body }) => {
        // Connection: close first, so the server closes after any answer it gives.
        const head = [line, 'Connection: close', ...headers.map(([n, v]) => `${n}: ${v}`)].join('\r\n');
        return `${head}\r\n\r\n${body}`;
      });
    const samples = fc.sample(raw, { seed: SEED, numRuns: RAW_RUNS });
    const failures = (
      await inPool(samples, async (request) => {
        try {
          const text = await rawExchange(port, (s) => void s.write(Buffer.from(request, 'latin1')), 1_000, 3_000);
          const responses = parseResponses(text);
          if (!responses.length) return undefined; // The request never ended (a declared body longer than sent): closed without an answer.
          for (const r of responses) {
            if (r.status >= 500) return `${JSON.stringify(request)}: ${r.status}`;
            if (r.status >= 400 && !(r.headers['content-type'] ?? '').startsWith('application/problem+json'))
              return `${JSON.stringify(request)}: ${r.status} as ${r.headers['content-type']}`;
          }
          return undefined;
        } catch (err) {
          return `${JSON.stringify(request)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
        }
      })
    ).filter((f): f is string => f !== undefined);
    expect(failures.slice(0, 20)).toEqual([]);
  }, 120_000);
});
