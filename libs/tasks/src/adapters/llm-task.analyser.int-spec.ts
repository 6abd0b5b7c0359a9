import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeuristicTaskAnalyser } from './heuristic-task.analyser';
import { LlmTaskAnalyser, parseAnalysis } from './llm-task.analyser';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** A local fake OpenAI-compatible server on 127.0.0.1: each test sets how it answers. */
let server: Server;
let baseUrl: string;
let handler: Handler;
let calls = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      calls++;
      handler(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
beforeEach(() => (calls = 0));

const answer =
  (content: string): Handler =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content } }] }));
  };
const good = JSON.stringify({
  summary: 'Fix the login crash.',
  subtasks: ['Reproduce', 'Fix', 'Test'],
  category: 'bug_fix',
});
const input = { title: 'Fix login crash', description: 'It crashes.' };
// The fake answers at once; the timeout is generous so a loaded machine never turns an answer into
// a timeout. The timeout test sets a short one against a server that never answers.
const analyser = (extra: Partial<ConstructorParameters<typeof LlmTaskAnalyser>[0]> = {}, now?: () => number) =>
  new LlmTaskAnalyser(
    { baseUrl, model: 'fake-model', apiKey: 'k', timeoutMs: 10_000, retries: 2, ...extra },
    new HeuristicTaskAnalyser(),
    now,
  );

describe('LlmTaskAnalyser against a local fake server', () => {
  it('sends an OpenAI chat-completions request and records source, model and prompt version', async () => {
    let seen: { url?: string; auth?: string; body?: { model: string; messages: unknown[] } } = {};
    handler = (req, res, body) => {
      seen = { url: req.url, auth: req.headers.authorization, body: JSON.parse(body) };
      answer(good)(req, res, body);
    };
    const r = await analyser().analyse(input);
    expect(r).toEqual({
      summary: 'Fix the login crash.',
      subtasks: ['Reproduce', 'Fix', 'Test'],
      category: 'bug_fix',
      source: 'llm',
      model: 'fake-model',
      promptVersion: 'enrich-v1',
    });
    expect(seen.url).toBe('/v1/chat/completions');
    expect(seen.auth).toBe('Bearer k');
    expect(seen.body?.model).toBe('fake-model');
  });

  it('malformed output (not JSON, wrong shape, bad category, 2 subtasks) falls back to the heuristic after retries', async () => {
    for (const content of [
      'not json',
      '{"summary":"x"}',
      JSON.stringify({ summary: 'x.', subtasks: ['a', 'b', 'c'], category: 'chores' }),
      JSON.stringify({ summary: 'x.', subtasks: ['a', 'b'], category: 'other' }),
    ]) {
      handler = answer(content);
      calls = 0;
      const r = await analyser().analyse(input);
      expect(r.source).toBe('heuristic');
      expect(calls).toBe(3);
    }
  });

  it('5xx is retried and a later success is used', async () => {
    handler = (req, res, body) => {
      if (calls < 3) {
        res.writeHead(503).end('busy');
      } else answer(good)(req, res, body);
    };
    const r = await analyser().analyse(input);
    expect(r.source).toBe('llm');
    expect(calls).toBe(3);
  });

  it('a timeout counts as a failure and falls back', async () => {
    handler = () => undefined; // never answers
    const r = await analyser({ timeoutMs: 150, retries: 1 }).analyse(input);
    expect(r.source).toBe('heuristic');
    // Both attempts reached the server and were given up: without the timeout this never resolves.
    expect(calls).toBe(2);
  });

  it('a 4xx is not retried', async () => {
    handler = (_req, res) => res.writeHead(401).end('{}');
    expect((await analyser().analyse(input)).source).toBe('heuristic');
    expect(calls).toBe(1);
  });

  it('the circuit opens after consecutive failures and skips the endpoint until the cooldown ends', async () => {
    let clock = 0;
    const a = analyser({ retries: 0, breakerThreshold: 2, breakerCooldownMs: 1_000 }, () => clock);
    handler = (_req, res) => res.writeHead(500).end();
    await a.analyse(input);
    await a.analyse(input);
    expect(a.circuitOpen).toBe(true);
    calls = 0;
    expect((await a.analyse(input)).source).toBe('heuristic');
    expect(calls).toBe(0);
    clock = 1_001;
    handler = answer(good);
    expect((await a.analyse(input)).source).toBe('llm');
  });

  it('under concurrent prepares (four analyses at once, retrying), no call starts once the threshold of consecutive failures is reached', async () => {
    let clock = 0;
    const a = analyser({ retries: 2, breakerThreshold: 5, breakerCooldownMs: 30_000 }, () => clock);
    let served = 0;
    handler = (_req, res) => void setTimeout(() => res.writeHead(500).end(), (served++ * 7) % 15);
    // Every call the analyser starts, and whether the breaker had already opened when it did.
    const realFetch = globalThis.fetch;
    let started = 0;
    let startedOpen = 0;
    globalThis.fetch = (...args: Parameters<typeof fetch>) => {
      started++;
      if (a.circuitOpen) startedOpen++;
      return realFetch(...args);
    };
    try {
      // What a subscriber's prepare phase does: four analyses at a time over a batch.
      const queue = Array.from({ length: 24 }, (_, i) => ({ title: `Task ${i}`, description: 'It crashes.' }));
      const results: string[] = [];
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          for (let next = queue.shift(); next; next = queue.shift()) results.push((await a.analyse(next)).source);
        }),
      );
      expect(results).toEqual(Array(24).fill('heuristic'));
      expect(a.circuitOpen).toBe(true);
      expect(startedOpen).toBe(0);
      // Five failed analyses of three calls each open it; at most three more were in flight then.
      expect(started).toBeGreaterThanOrEqual(15);
      expect(started).toBeLessThanOrEqual(15 + 3 * 3);
      // After the cooldown the endpoint is tried again; the failures that were in flight at the
      // opening did not count: it takes five new consecutive failures to open again.
      clock = 30_001;
      for (let i = 1; i <= 4; i++) {
        await a.analyse(input);
        expect([i, a.circuitOpen]).toEqual([i, false]);
      }
      await a.analyse(input);
      expect(a.circuitOpen).toBe(true);
      clock = 60_002;
      handler = answer(good);
      expect((await a.analyse(input)).source).toBe('llm');
    } finally {
      globalThis.fetch = realFetch;
    }
  });

  it('parseAnalysis accepts a fenced JSON object and rejects extra fields', () => {
    expect(parseAnalysis('```json\n' + good + '\n```').category).toBe('bug_fix');
    expect(() => parseAnalysis(JSON.stringify({ ...JSON.parse(good), extra: 1 }))).toThrow(/unexpected/);
  });
});
