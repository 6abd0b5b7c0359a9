import { setTimeout as sleep } from 'node:timers/promises';
import { contextSlot } from './async-context';
import { requestContext } from './request-context';

describe('the async context', () => {
  const tx = contextSlot<string>('spec transaction');

  it('keeps every slot set around the work, across awaits, and the outer values after an inner run', async () => {
    const seen = await requestContext.run({ requestId: 'r1', correlationId: 'r1' }, () =>
      tx.run('tx-1', async () => {
        await sleep(1);
        const inner = await tx.run('tx-2', async () => {
          await sleep(1);
          return [requestContext.current()?.requestId, tx.get()];
        });
        return { inner, outer: [requestContext.current()?.requestId, tx.get()] };
      }),
    );
    expect(seen).toEqual({ inner: ['r1', 'tx-2'], outer: ['r1', 'tx-1'] });
    expect(requestContext.current()).toBeUndefined();
    expect(tx.get()).toBeUndefined();
  });

  it('setActor fills in the actor of the current request context only', () => {
    const context = { requestId: 'r3', correlationId: 'r3' };
    requestContext.run(context, () => requestContext.setActor('user-1'));
    requestContext.setActor('nobody'); // outside a request: no effect, no error
    expect(context).toEqual({ requestId: 'r3', correlationId: 'r3', actor: 'user-1' });
  });
});

describe('context slots', () => {
  it('of the same name are distinct (two transaction runners in one process never see each other)', () => {
    const a = contextSlot<string>('transaction');
    const b = contextSlot<string>('transaction');
    expect(a.run('a', () => b.get())).toBeUndefined();
  });
});
