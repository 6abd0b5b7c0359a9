import { DomainError } from '@app/shared-kernel';
import Fastify from 'fastify';
import type { StoredResponse } from './idempotency-store';
import { keepsError, replay, responseToKeep } from './idempotent-response';

/** What responseToKeep makes of a real Fastify answer with this status, headers and body. */
async function kept(
  status: number,
  headers: Record<string, string>,
  body?: string | Buffer | object,
): Promise<StoredResponse | undefined> {
  const app = Fastify();
  let result: StoredResponse | undefined;
  app.addHook('onSend', async (_request, reply, payload) => {
    result = responseToKeep(reply, payload);
  });
  app.get('/', (_request, reply) => reply.code(status).headers(headers).send(body));
  await app.inject({ method: 'GET', url: '/' });
  await app.close();
  return result;
}

describe('responseToKeep', () => {
  it('keeps the status, the replayed headers and the body bytes', async () => {
    const response = await kept(
      201,
      { location: '/tasks/1', etag: '"1"', 'x-consistency-token': 't', 'x-other': 'no' },
      { id: 1 },
    );
    expect(response).toEqual({
      status: 201,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        location: '/tasks/1',
        etag: '"1"',
        'x-consistency-token': 't',
      },
      body: Buffer.from('{"id":1}').toString('base64'),
    });
    expect(await kept(204, {})).toMatchObject({ status: 204, body: '' });
    expect(Buffer.from((await kept(200, {}, Buffer.from([0, 255])))!.body, 'base64')).toEqual(Buffer.from([0, 255]));
  });

  it.each([500, 503, 408, 409, 412, 425, 429])('keeps no %i: a retry may get another answer', async (status) => {
    expect(await kept(status, {}, { title: 'x' })).toBeUndefined();
  });

  it('keeps a lasting 4xx', async () => {
    expect(await kept(422, {}, { title: 'x' })).toMatchObject({ status: 422 });
  });
});

describe('replay', () => {
  it('answers the stored bytes with their status and headers, marked as replayed', async () => {
    const response = replay({
      status: 201,
      headers: { location: '/tasks/1', 'content-type': 'application/json' },
      body: Buffer.from('{"id":1}').toString('base64'),
    });
    expect(response.status).toBe(201);
    expect(Object.fromEntries(response.headers)).toEqual({
      location: '/tasks/1',
      'content-type': 'application/json',
      'idempotent-replayed': 'true',
    });
    expect(await response.text()).toBe('{"id":1}');
  });

  it('answers no body for a null-body status or an empty one', async () => {
    expect(replay({ status: 204, headers: {}, body: '' }).body).toBeNull();
    expect(replay({ status: 200, headers: {}, body: '' }).body).toBeNull();
  });
});

describe('keepsError', () => {
  it('keeps domain answers a retry would get again, nothing else', () => {
    expect(keepsError(new DomainError('invalid', 'bad', 'bad'))).toBe(true);
    expect(keepsError(new DomainError('not_found', 'gone', 'gone'))).toBe(true);
    expect(keepsError(new DomainError('conflict', 'taken', 'taken'))).toBe(false);
    expect(keepsError(new DomainError('precondition_failed', 'moved', 'moved'))).toBe(false);
    expect(keepsError(new DomainError('rate_limited', 'slow', 'slow'))).toBe(false);
    expect(keepsError(new DomainError('unavailable', 'down', 'down'))).toBe(false);
    expect(keepsError(new Error('bug'))).toBe(false);
  });
});
