import { parseTrustProxy } from './trust-proxy';

describe('parseTrustProxy', () => {
  it('trusts no proxy when unset or false; takes a hop count or addresses, CIDRs and range names', () => {
    expect(parseTrustProxy(undefined)).toBe(false);
    expect(parseTrustProxy('false')).toBe(false);
    expect(parseTrustProxy('0')).toBe(false);
    expect(parseTrustProxy('2')).toBe(2);
    expect(parseTrustProxy('10.0.0.0/8, fd00::/8,uniquelocal , 192.168.1.7')).toEqual([
      '10.0.0.0/8',
      'fd00::/8',
      'uniquelocal',
      '192.168.1.7',
    ]);
  });

  it.each(['true', '10.0.0.0/33', 'fd00::/129', 'example.com', '10.0.0.0/8/1', '10.0.0.1,'])(
    'refuses %j with one line naming TRUST_PROXY',
    (bad) => {
      expect(() => parseTrustProxy(bad)).toThrow(/^Invalid configuration: TRUST_PROXY must be [^\n]+$/);
    },
  );
});
