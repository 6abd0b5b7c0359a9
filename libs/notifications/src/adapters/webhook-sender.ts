import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { accepted, type AttemptResult } from '../domain/webhook-delivery.js';
import { guardedLookup, isRefusedAddress } from './outbound-address-guard.js';

export interface SenderOptions {
  timeoutMs: number;
  maxResponseBytes: number;
  /** WEBHOOK_ALLOW_PRIVATE: any address, and plain http:// (tests, local development). */
  allowPrivate: boolean;
}

/**
 * POSTs one webhook delivery (outside any transaction): no redirects followed (a 3xx is a
 * failure), one deadline for connect, send and answer, at most `maxResponseBytes` of the answer
 * read, and, unless private addresses are allowed, https only and every address checked at
 * connect time (docs/decisions/0073).
 */
export class WebhookSender {
  private readonly agents: { http: http.Agent; https: https.Agent };

  constructor(private readonly options: SenderOptions) {
    const lookup = options.allowPrivate ? undefined : guardedLookup;
    this.agents = { http: new http.Agent({ lookup }), https: new https.Agent({ lookup }) };
  }

  send(url: string, headers: Record<string, string>, body: string): Promise<AttemptResult> {
    const target = new URL(url);
    const host = target.hostname.replace(/^\[|\]$/g, '');
    if (!this.options.allowPrivate) {
      if (target.protocol !== 'https:')
        return Promise.resolve({
          ok: false,
          status: null,
          error: 'plain http:// is refused (WEBHOOK_ALLOW_PRIVATE is off)',
        });
      // An IP literal is connected to without a lookup: checked here.
      if (net.isIP(host) && isRefusedAddress(host))
        return Promise.resolve({
          ok: false,
          status: null,
          error: `${host} is a loopback, private or link-local address: refused`,
        });
    }
    const secure = target.protocol === 'https:';
    return new Promise<AttemptResult>((resolve) => {
      let settled = false;
      const finish = (result: AttemptResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        resolve(result);
      };
      const request = (secure ? https : http).request(target, {
        method: 'POST',
        agent: secure ? this.agents.https : this.agents.http,
        headers: {
          'content-type': 'application/cloudevents+json; charset=utf-8',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'task-backend-webhooks/1',
          ...headers,
        },
      });
      const deadline = setTimeout(() => {
        finish({ ok: false, status: null, error: `no complete answer within ${this.options.timeoutMs} ms` });
        request.destroy();
      }, this.options.timeoutMs);
      request.on('error', (err: NodeJS.ErrnoException) =>
        finish({ ok: false, status: null, error: err.code ? `${err.code}: ${err.message}` : err.message }),
      );
      request.on('response', (response) => {
        const status = response.statusCode ?? 0;
        let read = 0;
        const done = () =>
          finish(
            accepted(status)
              ? { ok: true, status }
              : {
                  ok: false,
                  status,
                  error:
                    status >= 300 && status < 400 ? `HTTP ${status} (redirects are not followed)` : `HTTP ${status}`,
                },
          );
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > this.options.maxResponseBytes) {
            // Enough of the answer: its status decides, the rest is not read.
            done();
            response.destroy();
          }
        });
        response.on('end', done);
        response.on('error', (err) => finish({ ok: false, status, error: err.message }));
      });
      request.end(body);
    });
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}
