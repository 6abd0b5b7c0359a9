import { decideRefresh, refreshExpiry, type RefreshTokenRecord } from './refresh-token';

const now = new Date('2026-01-01T12:00:00Z');
const token = (extra: Partial<RefreshTokenRecord> = {}): RefreshTokenRecord => ({
  id: 't1',
  familyId: 'f1',
  userId: 'u1',
  createdAt: new Date('2026-01-01T00:00:00Z'),
  expiresAt: new Date('2026-01-02T00:00:00Z'),
  rotatedAt: null,
  replacedBy: null,
  revokedAt: null,
  ...extra,
});

describe('refresh token rules', () => {
  it('rotates a live token', () => {
    expect(decideRefresh(token(), now)).toBe('rotate');
  });
  it('treats an already rotated token as reuse (the family must be revoked)', () => {
    expect(decideRefresh(token({ rotatedAt: new Date('2026-01-01T06:00:00Z'), replacedBy: 't2' }), now)).toBe('reused');
  });
  it('within the reuse interval after its rotation, a rotated token rotates again; at its end and after, it is reuse', () => {
    const rotatedAt = new Date(now.getTime() - 9_999);
    expect(decideRefresh(token({ rotatedAt, replacedBy: 't2' }), now, 10)).toBe('rotate');
    expect(decideRefresh(token({ rotatedAt: new Date(now.getTime() - 10_000), replacedBy: 't2' }), now, 10)).toBe(
      'reused',
    );
    expect(decideRefresh(token({ rotatedAt: now, replacedBy: 't2' }), now, 0)).toBe('reused');
    expect(decideRefresh(token({ rotatedAt, replacedBy: 't2', revokedAt: now }), now, 10)).toBe('revoked');
    expect(decideRefresh(token({ rotatedAt, replacedBy: 't2', expiresAt: now }), now, 10)).toBe('expired');
  });
  it('refuses revoked (even if also rotated), expired and unknown tokens', () => {
    expect(decideRefresh(token({ revokedAt: now, rotatedAt: now }), now)).toBe('revoked');
    expect(decideRefresh(token({ expiresAt: now }), now)).toBe('expired');
    expect(decideRefresh(null, now)).toBe('unknown');
  });
  it('gives each token its own lifetime', () => {
    expect(refreshExpiry(now, 60).toISOString()).toBe('2026-01-01T12:01:00.000Z');
  });
});
