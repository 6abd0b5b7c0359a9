import { comparePoints, formatToken, parseToken } from './consistency-token';

describe('consistency token', () => {
  it('round-trips a point of the log', () => {
    const point = { transactionId: 123456789n, position: 42n };
    expect(formatToken(point)).toBe('123456789.42');
    expect(parseToken(formatToken(point))).toEqual(point);
  });

  it('rejects what this API never issued', () => {
    for (const bad of ['', '42', 'a.b', '1.2.3', '-1.2', '1.-2', '1.99999999999999999999', ' .1', '1e3.4'])
      expect(parseToken(bad)).toBeUndefined();
  });

  it('orders points by transaction id, then position', () => {
    expect(comparePoints({ transactionId: 5n, position: 100n }, { transactionId: 6n, position: 1n })).toBe(-1);
    expect(comparePoints({ transactionId: 6n, position: 2n }, { transactionId: 6n, position: 1n })).toBe(1);
    expect(comparePoints({ transactionId: 6n, position: 1n }, { transactionId: 6n, position: 1n })).toBe(0);
  });
});
