import { DomainError } from '@app/shared-kernel';
import { decodeHistoryCursor, encodeHistoryCursor } from './history-cursor';

describe('history cursor', () => {
  it('gives back the entry number it was made from', () => {
    for (const seq of [1, 20, 999_999_999]) expect(decodeHistoryCursor(encodeHistoryCursor(seq))).toBe(seq);
  });

  it.each([
    ['nope'],
    [''],
    [Buffer.from('h.0').toString('base64url')],
    [Buffer.from('h.01').toString('base64url')],
    [Buffer.from('h.1000000000').toString('base64url')],
    [Buffer.from('1').toString('base64url')],
    ['aC4x='],
  ])('refuses %j with 422 invalid-cursor naming the field', (cursor) => {
    let error: unknown;
    try {
      decodeHistoryCursor(cursor);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({
      kind: 'invalid',
      code: 'invalid-cursor',
      details: { errors: [{ field: 'cursor' }] },
    });
  });
});
