import { Writable } from 'node:stream';
import { pino } from 'pino';
import { REDACTED_PATHS } from './logging.module';

describe('log redaction', () => {
  it('never writes passwords, tokens, authorization headers or cookies', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const log = pino({ redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, sink);
    log.info({ password: 'p4ss', token: 't0k', body: { password: 'p4ss2', refreshToken: 'r3f' }, accessToken: 'a', req: { headers: { authorization: 'Bearer s3cret', cookie: 'sid=c00kie', 'idempotency-key': 'k' } } }, 'x');
    const out = lines.join('');
    for (const secret of ['p4ss', 't0k', 'p4ss2', 'r3f', 's3cret', 'c00kie']) expect(out).not.toContain(secret);
    expect(JSON.parse(out).body.password).toBe('[redacted]');
  });
});
