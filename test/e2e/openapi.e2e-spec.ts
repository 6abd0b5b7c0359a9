import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { root } from '../support/compiled-app';
import { startTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let doc: any;
beforeAll(async () => {
  t = await startTestApp();
  doc = await (await fetch(`${t.baseUrl}/docs-json`)).json();
}, 60_000);
afterAll(() => t?.close());

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
const operations = () =>
  Object.entries<any>(doc.paths).flatMap(([p, item]) =>
    METHODS.filter((m) => item[m]).map((m) => ({ name: `${m.toUpperCase()} ${p}`, op: item[m] })),
  );
const operation = (name: string) => operations().find((o) => o.name === name)!.op;

/** Redocly's CLI (dev dependency) on a document, offline: no telemetry, no update check. */
function redoclyLint(document: unknown): { status: number | null; report: any } {
  const dir = mkdtempSync(path.join(tmpdir(), 'tb-openapi-'));
  try {
    const file = path.join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(document));
    const result = spawnSync(
      process.execPath,
      [
        path.join(root, 'node_modules/@redocly/cli/bin/cli.js'),
        'lint',
        file,
        '--config',
        path.join(root, 'redocly.yaml'),
        '--format',
        'json',
      ],
      {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
        timeout: 120_000,
      },
    );
    return { status: result.status, report: JSON.parse(result.stdout.slice(result.stdout.indexOf('{'))) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the OpenAPI document (/docs-json)', () => {
  it("passes Redocly's recommended rules with no error and no warning", () => {
    const { status, report } = redoclyLint(doc);
    expect(
      report.problems.map((p: any) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location?.[0]?.pointer}`),
    ).toEqual([]);
    expect(status).toBe(0);
  }, 150_000);

  it('the lint has teeth: an operation without summary is an error', () => {
    const broken = structuredClone(doc);
    delete broken.paths['/api/v1/tasks'].post.summary;
    const { status, report } = redoclyLint(broken);
    expect(report.problems.map((p: any) => p.ruleId)).toContain('operation-summary');
    expect(status).not.toBe(0);
  }, 150_000);

  it('names its server, and every operation has a summary, an operation id and its security (none on public routes)', () => {
    expect(doc.servers).toEqual([{ url: '/', description: expect.any(String) }]);
    expect(doc.security).toEqual([{ bearer: [] }]);
    const ids = new Set<string>();
    for (const { name, op } of operations()) {
      expect([name, typeof op.summary, op.summary.length > 10]).toEqual([name, 'string', true]);
      expect(op.operationId).toMatch(/^\w+_\w+$/);
      ids.add(op.operationId);
    }
    expect(ids.size).toBe(operations().length);
    const open = operations()
      .filter(({ op }) => Array.isArray(op.security) && op.security.length === 0)
      .map((o) => o.name)
      .sort();
    expect(open).toEqual([
      'POST /api/v1/auth/login',
      'POST /api/v1/auth/logout',
      'POST /api/v1/auth/refresh',
      'POST /api/v1/signup',
    ]);
    // Every other operation needs the bearer token (its own requirement or the document's) and documents its 401.
    for (const { name, op } of operations())
      if (!open.includes(name))
        expect([name, op.security ?? doc.security, Object.keys(op.responses)]).toEqual([
          name,
          [{ bearer: [] }],
          expect.arrayContaining(['401']),
        ]);
  });

  it('describes every error answer as application/problem+json, with a type documented as an identifier', () => {
    for (const { name, op } of operations()) {
      for (const [status, response] of Object.entries<any>(op.responses)) {
        if (!/^[45]/.test(status)) continue;
        expect([name, status, Object.keys(response.content ?? {})]).toEqual([
          name,
          status,
          ['application/problem+json'],
        ]);
        expect(response.content['application/problem+json'].schema).toEqual({
          $ref: '#/components/schemas/ProblemResponse',
        });
      }
      // What every route can answer (a bad header, not ready or a dependency down).
      expect([name, Object.keys(op.responses)]).toEqual([name, expect.arrayContaining(['400', '503'])]);
      if (op.requestBody)
        expect([name, Object.keys(op.responses)]).toEqual([name, expect.arrayContaining(['400', '413', '415', '422'])]);
      if (op.parameters?.some((p: any) => p.in === 'query'))
        expect([name, Object.keys(op.responses)]).toEqual([name, expect.arrayContaining(['422'])]);
    }
    const problem = doc.components.schemas.ProblemResponse;
    expect(problem.required).toEqual(expect.arrayContaining(['type', 'title', 'status']));
    expect(problem.properties.type.description).toMatch(/not a locator: no page is served/);
  });

  it("gives each task route the statuses it answers (checked against the routes' behaviour in the tasks suites)", () => {
    const statuses = (name: string) => Object.keys(operation(name).responses).sort();
    expect(statuses('POST /api/v1/tasks')).toEqual(['201', '400', '401', '409', '413', '415', '422', '503']);
    expect(statuses('GET /api/v1/tasks/{id}')).toEqual(['200', '304', '400', '401', '404', '503']);
    expect(statuses('PATCH /api/v1/tasks/{id}')).toEqual([
      '200',
      '400',
      '401',
      '404',
      '409',
      '412',
      '413',
      '415',
      '422',
      '503',
    ]);
    expect(statuses('PUT /api/v1/tasks/{id}')).toEqual(['200', '400', '401', '404', '412', '413', '415', '422', '503']);
    expect(statuses('DELETE /api/v1/tasks/{id}')).toEqual(['204', '400', '401', '404', '412', '503']);
    expect(statuses('POST /api/v1/auth/login')).toEqual(expect.arrayContaining(['429']));
    expect(operation('POST /api/v1/auth/login').responses['429'].headers['Retry-After']).toBeDefined();
  });

  // A union like `string | null` reaches @nestjs/swagger as Object: unless the property names its
  // type, the document says `object` and clients (and the fuzzer) never send the string it takes.
  it('types every schema property: no bare object where a scalar is meant', () => {
    const bare: string[] = [];
    for (const [name, schema] of Object.entries<any>(doc.components.schemas)) {
      for (const [field, property] of Object.entries<any>(schema.properties ?? {})) {
        if (
          property.type === 'object' &&
          !property.properties &&
          !property.additionalProperties &&
          !property.$ref &&
          !property.allOf
        )
          bare.push(`${name}.${field}`);
      }
    }
    expect(bare).toEqual([]);
  });

  it('documents the query parameters of the routes that validate a query', () => {
    const params = (name: string) =>
      (operation(name).parameters ?? [])
        .filter((p: any) => p.in === 'query')
        .map((p: any) => p.name)
        .sort();
    expect(params('GET /api/v1/events')).toEqual(['after', 'limit', 'type']);
    expect(params('GET /api/v1/admin/dead-letters')).toEqual(['consumer', 'cursor', 'limit']);
    expect(params('GET /api/v1/tasks')).toEqual(
      expect.arrayContaining(['cursor', 'dueAfter', 'dueBefore', 'limit', 'priority', 'q', 'sort', 'status']),
    );
  });
});
