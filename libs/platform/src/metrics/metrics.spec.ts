import { Metrics } from './metrics';

describe('Metrics', () => {
  it('gives the same instrument to everyone who names it, and renders Prometheus text', async () => {
    const metrics = new Metrics();
    const a = metrics.counter('things_total', 'Things.', ['kind']);
    const b = metrics.counter('things_total', 'Things.', ['kind']);
    expect(b).toBe(a);
    a.inc({ kind: 'x' }, 2);
    metrics.gauge('backlog_events', 'Backlog.', [], function () {
      this.set(7);
    });
    const text = await metrics.registry.metrics();
    expect(text).toContain('things_total{kind="x"} 2');
    expect(text).toContain('backlog_events 7');
    expect(text).toContain('process_cpu_user_seconds_total');
  });
});
