import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { isRefusedAddress } from './outbound-address-guard';
import { newWebhookSecret, signedHeaders } from './standard-webhooks-signature';
import { WebhookSender } from './webhook-sender';

/**
 * A verifier written from the Standard Webhooks specification (standardwebhooks.com, "Verifying
 * webhooks"): the signed content is `${webhook-id}.${webhook-timestamp}.${body}`; the key is the
 * base64 part of the secret after `whsec_`, decoded; `webhook-signature` is a space-separated
 * list of `v1,<base64 HMAC-SHA256>`, any of which may match (constant-time comparison); the
 * timestamp must be within five minutes of now.
 */
function verifyFromTheSpec(
  secret: string,
  headers: http.IncomingHttpHeaders,
  body: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): boolean {
  const id = String(headers['webhook-id']);
  const timestamp = Number(headers['webhook-timestamp']);
  if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > 5 * 60) return false;
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  return String(headers['webhook-signature'])
    .split(' ')
    .some((entry) => {
      const [version, signature] = entry.split(',');
      const given = Buffer.from(signature ?? '', 'base64');
      return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
    });
}

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  url: string;
}

/** A local receiver whose behaviour each test sets. */
async function receiver(behave: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void) {
  const received: Received[] = [];
  let connections = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push({ headers: req.headers, body, url: req.url ?? '' });
      behave(req, res, body);
    });
  });
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const open = new WebhookSender({ timeoutMs: 2_000, maxResponseBytes: 1024, allowPrivate: true });
const guarded = new WebhookSender({ timeoutMs: 2_000, maxResponseBytes: 1024, allowPrivate: false });
afterAll(() => {
  open.close();
  guarded.close();
});

describe('signature (Standard Webhooks)', () => {
  it('a delivery verifies with a verifier written from the specification and with the standardwebhooks package', async () => {
    const r = await receiver((_req, res) => res.writeHead(204).end());
    try {
      const secret = newWebhookSecret();
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      const body = JSON.stringify({ specversion: '1.0', id: 'e1', type: 'task.created', data: { title: 'ünïcode ✓' } });
      const id = 'a1f4c9d2-0000-4000-8000-000000000001';
      const result = await open.send(
        `${r.url}/hook`,
        signedHeaders(secret, id, Math.floor(Date.now() / 1000), body),
        body,
      );
      expect(result).toEqual({ ok: true, status: 204 });
      const [got] = r.received;
      expect(got.body).toBe(body);
      expect(got.headers['content-type']).toBe('application/cloudevents+json; charset=utf-8');
      expect(got.headers['webhook-id']).toBe(id);
      expect(got.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      expect(verifyFromTheSpec(secret, got.headers, got.body)).toBe(true);
      expect(new Webhook(secret).verify(got.body, got.headers as Record<string, string>)).toEqual(JSON.parse(body));
      // Both refuse a body changed in transit, another secret, and an old timestamp.
      expect(verifyFromTheSpec(secret, got.headers, got.body.replace('task.created', 'task.deleted'))).toBe(false);
      expect(verifyFromTheSpec(newWebhookSecret(), got.headers, got.body)).toBe(false);
      expect(verifyFromTheSpec(secret, got.headers, got.body, Math.floor(Date.now() / 1000) + 3600)).toBe(false);
      expect(() =>
        new Webhook(secret).verify(
          got.body.replace('task.created', 'task.deleted'),
          got.headers as Record<string, string>,
        ),
      ).toThrow();
      expect(() => new Webhook(newWebhookSecret()).verify(got.body, got.headers as Record<string, string>)).toThrow();
    } finally {
      await r.close();
    }
  });
});

describe('the sender against a local receiver', () => {
  it('2xx is delivered; 5xx and 4xx fail with their status', async () => {
    let status = 200;
    const r = await receiver((_req, res) => res.writeHead(status).end('ok'));
    try {
      expect(await open.send(r.url, {}, '{}')).toEqual({ ok: true, status: 200 });
      status = 500;
      expect(await open.send(r.url, {}, '{}')).toEqual({ ok: false, status: 500, error: 'HTTP 500' });
      status = 410;
      expect(await open.send(r.url, {}, '{}')).toEqual({ ok: false, status: 410, error: 'HTTP 410' });
    } finally {
      await r.close();
    }
  });

  it('follows no redirect: a 3xx is a failure and its Location is never requested', async () => {
    const r = await receiver((req, res) =>
      req.url === '/moved' ? res.writeHead(302, { location: '/target' }).end() : res.writeHead(200).end(),
    );
    try {
      expect(await open.send(`${r.url}/moved`, {}, '{}')).toEqual({
        ok: false,
        status: 302,
        error: 'HTTP 302 (redirects are not followed)',
      });
      expect(r.received.map((x) => x.url)).toEqual(['/moved']);
    } finally {
      await r.close();
    }
  });

  it('a slow answer within the timeout is delivered; one past it fails, and so does a receiver that never answers', async () => {
    const sender = new WebhookSender({ timeoutMs: 400, maxResponseBytes: 1024, allowPrivate: true });
    let answer: (res: http.ServerResponse) => void = () => undefined;
    const r = await receiver((_req, res) => answer(res));
    try {
      answer = (res) => setTimeout(() => res.writeHead(200).end(), 50);
      expect(await sender.send(r.url, {}, '{}')).toEqual({ ok: true, status: 200 });
      answer = (res) => {
        res.writeHead(200);
        res.write('slow...');
        setTimeout(() => res.end(), 2_000).unref();
      };
      expect(await sender.send(r.url, {}, '{}')).toEqual({
        ok: false,
        status: null,
        error: 'no complete answer within 400 ms',
      });
      answer = () => undefined;
      expect(await sender.send(r.url, {}, '{}')).toEqual({
        ok: false,
        status: null,
        error: 'no complete answer within 400 ms',
      });
    } finally {
      sender.close();
      await r.close();
    }
  });

  it('reads at most the size cap of an answer', async () => {
    const r = await receiver((_req, res) => {
      res.writeHead(200);
      // Far more than the cap, and never ended: only the cap's worth is read before the status decides.
      res.write(Buffer.alloc(64 * 1024, 'x'));
    });
    try {
      expect(await open.send(r.url, {}, '{}')).toEqual({ ok: true, status: 200 });
    } finally {
      await r.close();
    }
  });
});

describe('SSRF guard (WEBHOOK_ALLOW_PRIVATE off)', () => {
  it('refuses loopback, private, link-local and other internal address literals without connecting', async () => {
    for (const host of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.10',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '[::1]',
      '[fe80::1]',
      '[fd00::1]',
      '[::ffff:127.0.0.1]',
    ]) {
      const result = await guarded.send(`https://${host}:9/hook`, {}, '{}');
      expect([host, result.ok, result.ok ? '' : result.error]).toEqual([host, false, expect.stringMatching(/refused/)]);
    }
    expect(['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'].map(isRefusedAddress)).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(['::ffff:7f00:1', '::ffff:10.0.0.1', 'not-an-ip'].map(isRefusedAddress)).toEqual([true, true, true]);
  });

  it('refuses plain http://', async () => {
    expect(await guarded.send('http://example.com/hook', {}, '{}')).toEqual({
      ok: false,
      status: null,
      error: 'plain http:// is refused (WEBHOOK_ALLOW_PRIVATE is off)',
    });
  });

  it('refuses a host name that resolves to 127.0.0.1 when connecting: the receiver there sees no connection', async () => {
    const r = await receiver((_req, res) => res.writeHead(200).end());
    try {
      const result = await guarded.send(`https://localhost:${r.port}/hook`, {}, '{}');
      expect(result).toEqual({
        ok: false,
        status: null,
        error: expect.stringMatching(/^ERR_WEBHOOK_ADDRESS_REFUSED: localhost resolves to (127\.0\.0\.1|::1)/),
      });
      expect(r.connections()).toBe(0);
      // The same receiver is reachable once private addresses are allowed: the guard, not the network, refused.
      expect(await open.send(`http://localhost:${r.port}/hook`, {}, '{}')).toEqual({ ok: true, status: 200 });
    } finally {
      await r.close();
    }
  });
});
