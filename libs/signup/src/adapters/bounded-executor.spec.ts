import { BoundedExecutor, ExecutorSaturated } from './bounded-executor';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe('BoundedExecutor', () => {
  it('runs at most `concurrency` jobs, queues up to `queueMax`, refuses beyond, in FIFO order', async () => {
    const ex = new BoundedExecutor(2, 2);
    const gates = [deferred(), deferred(), deferred(), deferred()];
    const order: number[] = [];
    const runs = gates.map((g, i) =>
      ex.run(async () => {
        order.push(i);
        await g.promise;
        return i;
      }),
    );
    await Promise.resolve();
    expect(ex.stats).toEqual({ running: 2, queued: 2 });
    expect(order).toEqual([0, 1]);
    const refused = await ex.run(async () => 99).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ExecutorSaturated);
    expect((refused as ExecutorSaturated).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    gates[0].resolve();
    await runs[0];
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual([0, 1, 2]);
    gates.forEach((g) => g.resolve());
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    expect(ex.stats).toEqual({ running: 0, queued: 0 });
  });

  it('frees the slot when a job fails', async () => {
    const ex = new BoundedExecutor(1, 0);
    await expect(
      ex.run(async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await ex.run(async () => 'ok')).toBe('ok');
  });
});
