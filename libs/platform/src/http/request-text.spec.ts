import { Body, Controller, Get, Module, Param, Post, Query } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { pino } from 'pino';
import { Lifecycle } from '../lifecycle/lifecycle';
import { REQUEST_LOGGER } from '../logging/logging.module';
import { Metrics } from '../metrics/metrics';
import { loadConfig } from '../config/app-config';
import { configureHttp } from './configure-http';
import { fastifyOptions } from './fastify-options';
import fc from 'fast-check';
import {
  holdsMalformedText,
  isMalformedText,
  malformedTextFields,
  MAX_JSON_DEPTH,
  nestsDeeperThan,
} from './request-text';

const reached: unknown[] = [];

/** Binds body, query and a parameter with no validation at all: the checks must not depend on DTOs. */
@Controller('raw')
class RawController {
  @Post()
  create(@Body() body: unknown) {
    reached.push(body);
    return { ok: true };
  }

  @Get()
  list(@Query() query: unknown) {
    reached.push(query);
    return { ok: true };
  }

  @Get(':id')
  one(@Param('id') id: string) {
    reached.push(id);
    return { id };
  }
}

@Module({
  controllers: [RawController],
  providers: [Metrics, Lifecycle, { provide: REQUEST_LOGGER, useValue: pino({ level: 'silent' }) }],
})
class RawApp {}

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
}

describe('text checks', () => {
  it('finds NUL and unpaired surrogates in values and names, at any depth, and nothing in well-formed text', () => {
    expect(isMalformedText('a\u0000b')).toBe(true);
    expect(isMalformedText('\ud800x')).toBe(true);
    expect(isMalformedText('x\udc00')).toBe(true);
    expect(isMalformedText('emoji \ud83d\ude00 ok, é, 中文')).toBe(false);
    expect(
      malformedTextFields({ title: 'ok', tags: ['a', 'b\u0000'], meta: { 'k\ud800': 1, deep: [{ v: '\udfff' }] } }),
    ).toEqual(['tags.1', 'meta.k\ud800', 'meta.deep.0.v']);
    expect(malformedTextFields('\u0000')).toEqual(['(body)']);
    expect(malformedTextFields({ n: 1, b: true, z: null })).toEqual([]);
  });

  it('the allocation-free check agrees with the field list on any JSON value (property, seeded)', () => {
    const unit = fc.oneof(
      fc.constantFrom('\u0000', '\ud800', '\udc00', '\ud83d\ude00', 'a', 'é'),
      fc.string({ unit: 'grapheme', maxLength: 1 }),
    );
    const text = fc.string({ unit, maxLength: 4 });
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        text,
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('value'), { maxLength: 3 }),
        fc.dictionary(text, tie('value'), { maxKeys: 3 }),
      ),
    })).value;
    fc.assert(
      fc.property(json, (value) => holdsMalformedText(value) === malformedTextFields(value).length > 0),
      { seed: 42, numRuns: 2000 },
    );
  });

  it('measures nesting without recursion', () => {
    expect(nestsDeeperThan(nested(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).toBe(false);
    expect(nestsDeeperThan(nested(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)).toBe(true);
    expect(nestsDeeperThan(nested(200_000), MAX_JSON_DEPTH)).toBe(true);
    expect(nestsDeeperThan('text', 0)).toBe(false);
  });
});

describe("every route's input, checked before the handler", () => {
  let app: NestFastifyApplication;
  beforeAll(async () => {
    app = await NestFactory.create<NestFastifyApplication>(RawApp, new FastifyAdapter(fastifyOptions(loadConfig({}))), {
      logger: false,
      bodyParser: false,
    });
    configureHttp(app, { openApi: false });
    await app.init();
  });
  afterAll(() => app.close());
  beforeEach(() => (reached.length = 0));

  const problem = (res: { headers: Record<string, unknown>; json(): any }) => {
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    return res.json();
  };

  it('answers 422 naming the body field with a NUL or an unpaired surrogate, and the handler never sees it', async () => {
    for (const payload of ['{"title":"a\\u0000b"}', '{"title":"\\ud800x"}', '{"list":[{"deep":"\\udc00"}]}']) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/raw',
        headers: { 'content-type': 'application/json' },
        payload,
      });
      expect(res.statusCode).toBe(422);
      expect(problem(res)).toMatchObject({
        status: 422,
        code: 'validation-failed',
        errors: [{ field: expect.stringMatching(/^(title|list\.0\.deep)$/), message: expect.any(String) }],
      });
    }
    expect(reached).toEqual([]);
  });

  it('answers 422 naming the query parameter', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/raw?q=a%00b&ok=1' });
    expect(res.statusCode).toBe(422);
    expect(problem(res).errors).toEqual([{ field: 'q', message: expect.stringContaining('NUL') }]);
    expect(reached).toEqual([]);
  });

  it('answers a NUL in a path parameter as an unknown id (404), and bad percent-encoding with 400', async () => {
    const nul = await app.inject({ method: 'GET', url: '/api/v1/raw/a%00b' });
    expect(nul.statusCode).toBe(404);
    expect(problem(nul)).toMatchObject({ status: 404, code: 'not-found' });
    const bad = await app.inject({ method: 'GET', url: '/api/v1/raw/%E0%A4%A' });
    expect(bad.statusCode).toBe(400);
    expect(problem(bad)).toMatchObject({ status: 400, code: 'bad-url' });
    const long = await app.inject({ method: 'GET', url: `/api/v1/raw/${'x'.repeat(101)}` });
    expect(long.statusCode).toBe(414);
    expect(problem(long)).toMatchObject({ status: 414, code: 'uri-too-long' });
    expect(reached).toEqual([]);
  });

  it('answers JSON nested deeper than the limit with 400 before the handler, and accepts the limit itself', async () => {
    const deep = await app.inject({
      method: 'POST',
      url: '/api/v1/raw',
      headers: { 'content-type': 'application/json' },
      payload: '['.repeat(5000) + ']'.repeat(5000),
    });
    expect(deep.statusCode).toBe(400);
    expect(problem(deep)).toMatchObject({ status: 400, code: 'json-too-deep' });
    expect(reached).toEqual([]);
    const atLimit = await app.inject({
      method: 'POST',
      url: '/api/v1/raw',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(nested(MAX_JSON_DEPTH)),
    });
    expect(atLimit.statusCode).toBe(201);
  });
});
