import { ProblemException } from '../http/problem';
import { canonicalJson, fingerprintOf, parseIdempotencyKey, scopeOf } from './idempotency-key';

function rejects(header: string | string[]) {
  try {
    parseIdempotencyKey(header);
  } catch (err) {
    expect(err).toBeInstanceOf(ProblemException);
    expect((err as ProblemException).status).toBe(400);
    expect((err as ProblemException).code).toBe('invalid-idempotency-key');
    return;
  }
  throw new Error(`accepted ${JSON.stringify(header)}`);
}

describe('Idempotency-Key parsing', () => {
  it('accepts bare keys of 1..255 printable ASCII characters', () => {
    expect(parseIdempotencyKey('a')).toBe('a');
    expect(parseIdempotencyKey('8e03978e-40d5-43e8-bc93-6894a57f9324')).toBe('8e03978e-40d5-43e8-bc93-6894a57f9324');
    expect(parseIdempotencyKey('x'.repeat(255))).toBe('x'.repeat(255));
    expect(parseIdempotencyKey('with inner space')).toBe('with inner space');
    expect(parseIdempotencyKey('  padded  ')).toBe('padded');
  });

  it('accepts the structured-field string form and unescapes it', () => {
    expect(parseIdempotencyKey('"8e03978e-40d5"')).toBe('8e03978e-40d5');
    expect(parseIdempotencyKey('"a\\"b\\\\c"')).toBe('a"b\\c');
    expect(parseIdempotencyKey(`"${'y'.repeat(255)}"`)).toBe('y'.repeat(255));
  });

  it('is undefined when absent', () => {
    expect(parseIdempotencyKey(undefined)).toBeUndefined();
  });

  it('rejects empty, too long, non-printable, non-ASCII, malformed quoted and repeated keys', () => {
    rejects('');
    rejects('   ');
    rejects('x'.repeat(256));
    rejects('tab\there');
    rejects('nul\u0000');
    rejects('clé');
    rejects('"unterminated');
    rejects('""');
    rejects('"bad \\n escape"');
    rejects(`"${'y'.repeat(256)}"`);
    rejects(['a', 'b']);
  });
});

describe('fingerprint', () => {
  it('ignores key order at every depth', () => {
    const a = { title: 't', meta: { b: 1, a: [{ y: 1, x: 2 }] } };
    const b = { meta: { a: [{ x: 2, y: 1 }], b: 1 }, title: 't' };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(fingerprintOf('POST', '/api/v1/tasks', a)).toBe(fingerprintOf('post', '/api/v1/tasks', b));
  });

  it('changes with the body, the method and the concrete target (ids and query); array order matters', () => {
    const base = fingerprintOf('POST', '/api/v1/tasks', { title: 't' });
    expect(fingerprintOf('POST', '/api/v1/tasks', { title: 'u' })).not.toBe(base);
    expect(fingerprintOf('PATCH', '/api/v1/tasks', { title: 't' })).not.toBe(base);
    expect(fingerprintOf('POST', '/api/v1/signup', { title: 't' })).not.toBe(base);
    expect(fingerprintOf('PATCH', '/api/v1/tasks/a', { title: 't' })).not.toBe(
      fingerprintOf('PATCH', '/api/v1/tasks/b', { title: 't' }),
    );
    expect(fingerprintOf('POST', '/api/v1/tasks?x=1', { title: 't' })).not.toBe(base);
    expect(fingerprintOf('POST', '/r', [1, 2])).not.toBe(fingerprintOf('POST', '/r', [2, 1]));
    expect(fingerprintOf('POST', '/r', undefined)).toBe(fingerprintOf('POST', '/r', undefined));
  });
});

describe('scope', () => {
  it('is the caller and the key: another caller is another scope, no caller is anonymous, the target is not part of it', () => {
    const mine = scopeOf('user-1', 'k');
    expect(scopeOf('user-2', 'k')).not.toBe(mine);
    expect(scopeOf(undefined, 'k')).not.toBe(mine);
    expect(scopeOf(undefined, 'k')).toBe(scopeOf('anonymous', 'k'));
    expect(scopeOf('user-1', 'k2')).not.toBe(mine);
    expect(scopeOf('user-1', 'k')).toBe(mine);
  });
});
