import { normaliseEmail, passwordError, rolesOf, signUp, signupErrors, USER_SIGNED_UP } from './user';

describe('signup rules', () => {
  it('normalises emails by trimming and lower-casing', () => {
    expect(normaliseEmail('  Ada.Lovelace@Example.COM ')).toBe('ada.lovelace@example.com');
  });

  it('measures the password in bytes of UTF-8, 8..72', () => {
    expect(passwordError('1234567')).toMatch(/at least 8/);
    expect(passwordError('12345678')).toBeUndefined();
    expect(passwordError('é'.repeat(4))).toBeUndefined(); // 4 characters, 8 bytes
    expect(passwordError('é'.repeat(3))).toMatch(/at least/); // 6 bytes
    expect(passwordError('a'.repeat(72))).toBeUndefined();
    expect(passwordError('a'.repeat(73))).toMatch(/at most 72/);
    expect(passwordError('😀'.repeat(18))).toBeUndefined(); // 72 bytes
    expect(passwordError('😀'.repeat(18) + 'a')).toMatch(/at most 72/); // 19 characters, 73 bytes
  });

  it('reports every invalid field at once', () => {
    const errors = signupErrors({ name: '', email: 'nope', password: 'short', displayName: 'x'.repeat(256) });
    expect(errors.map((e) => e.field)).toEqual(['name', 'email', 'password', 'displayName']);
    expect(signupErrors({ name: 'Ada', email: ' ada@example.com ', password: 'correct horse' })).toEqual([]);
    expect(signupErrors({ name: 'x'.repeat(256), email: 'a@b.co', password: 'correct horse' })[0].field).toBe('name');
  });

  it('turns a valid signup into a user and its user.signed_up event', () => {
    const now = new Date('2026-01-02T03:04:05.000Z');
    const { user, event } = signUp(
      { name: 'Ada', email: ' Ada@Example.com ', password: 'pw-pw-pw-pw' },
      { id: 'u-1', now, passwordHash: 'HASH' },
    );
    expect(user).toMatchObject({
      id: 'u-1',
      email: 'Ada@Example.com',
      emailNormalized: 'ada@example.com',
      displayName: null,
      role: 'user',
      passwordHash: 'HASH',
    });
    expect(event).toEqual({
      type: USER_SIGNED_UP,
      aggregateType: 'user',
      aggregateId: 'u-1',
      aggregateVersion: 1,
      payload: {
        userId: 'u-1',
        name: 'Ada',
        email: 'Ada@Example.com',
        displayName: null,
        createdAt: '2026-01-02T03:04:05.000Z',
      },
    });
    expect(JSON.stringify(event)).not.toContain('HASH');
  });

  it('grants admin from the stored role or the configured list', () => {
    expect(rolesOf({ role: 'user', emailNormalized: 'a@b.co' }, [])).toEqual(['user']);
    expect(rolesOf({ role: 'admin', emailNormalized: 'a@b.co' }, [])).toEqual(['user', 'admin']);
    expect(rolesOf({ role: 'user', emailNormalized: 'a@b.co' }, ['a@b.co'])).toEqual(['user', 'admin']);
  });
});
