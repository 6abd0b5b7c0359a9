import { DomainError } from './domain-error';
import { isUuid, uuidOrNotFound } from './uuid';

describe('uuid', () => {
  const notFound = (id: string) => new DomainError('not_found', 'thing-not-found', `Thing ${id} does not exist.`);

  it('recognises the 8-4-4-4-12 hexadecimal form, in either case, and nothing around it', () => {
    expect(isUuid('0b6c1f9e-4a6f-4a7e-9d2b-1c3e5f7a9b0d')).toBe(true);
    expect(isUuid('0B6C1F9E-4A6F-4A7E-9D2B-1C3E5F7A9B0D')).toBe(true);
    for (const text of [
      '',
      'not-a-uuid',
      '0b6c1f9e4a6f4a7e9d2b1c3e5f7a9b0d',
      ' 0b6c1f9e-4a6f-4a7e-9d2b-1c3e5f7a9b0d',
      '0b6c1f9e-4a6f-4a7e-9d2b-1c3e5f7a9b0\u0000',
    ])
      expect(isUuid(text)).toBe(false);
  });

  it('gives a path id as stored (lower case), or the caller’s not-found error for anything else', () => {
    expect(uuidOrNotFound('0B6C1F9E-4A6F-4A7E-9D2B-1C3E5F7A9B0D', notFound)).toBe(
      '0b6c1f9e-4a6f-4a7e-9d2b-1c3e5f7a9b0d',
    );
    expect(() => uuidOrNotFound('42', notFound)).toThrow(
      expect.objectContaining({ kind: 'not_found', code: 'thing-not-found' }),
    );
  });
});
