import { Injectable, Module } from '@nestjs/common';
import { Metrics, METRIC_NAMES, ReadinessChecks, SlowRouteModule } from '@app/platform';
import { bearer } from '../support/auth';
import { startTestApp, type TestApp } from '../support/test-app';

/** Stands for the events engine: registers a readiness check and the projection-lag gauge. */
@Injectable()
class FakeConsumers {
  lagSeconds = 0;
  healthy = true;
  /** How long the check takes to answer. */
  answerMs = 0;
  constructor(readiness: ReadinessChecks, metrics: Metrics) {
    readiness.register('consumers', async () => {
      if (this.answerMs) await new Promise((r) => setTimeout(r, this.answerMs));
      if (!this.healthy) throw new Error('consumer task-board stalled');
      return '1 consumer running';
    });
    // prom-client calls `collect` with the gauge as `this`; the lag is this instance's.
    const lagSeconds = () => this.lagSeconds;
    const { name, help, labels } = METRIC_NAMES.PROJECTION_LAG_SECONDS;
    metrics.gauge(name, help, labels, function () {
      this.set({ consumer: 'task-board' }, lagSeconds());
    });
  }
}
@Module({ providers: [FakeConsumers] })
class FakeConsumersModule {}

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ READY_MAX_PROJECTION_LAG_SECONDS: '60' }, [SlowRouteModule, FakeConsumersModule]);
});
afterAll(() => t.close());

describe('operations endpoints', () => {
  it('serves Prometheus text with request durations by route template, method and status, and process metrics', async () => {
    await fetch(`${t.baseUrl}/api/v1/__test/slow?ms=1`);
    await fetch(`${t.baseUrl}/api/v1/__test/slow?ms=2`);
    await fetch(`${t.baseUrl}/api/v1/no/such/route/12345`);
    const res = await fetch(`${t.baseUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/__test\/slow",status_code="200"\} 2/,
    );
    expect(text).toMatch(
      /http_request_duration_seconds_bucket\{le="0\.1",method="GET",route="\/api\/v1\/__test\/slow",status_code="200"\}/,
    );
    expect(text).toMatch(/http_request_duration_seconds_count\{method="GET",route="unmatched",status_code="404"\} 1/);
    // No label carries the raw URL (a metric value may contain the digits by chance).
    expect(text).not.toMatch(/\{[^}]*12345[^}]*\}/);
    expect(text).toContain('process_resident_memory_bytes');
    expect(text).toContain('nodejs_eventloop_lag_p99_seconds');
    expect(text).toContain('projection_lag_seconds{consumer="task-board"} 0');
  });

  it('keeps /metrics, /health and /ready out of the OpenAPI document', async () => {
    const doc: any = await (await fetch(`${t.baseUrl}/docs-json`)).json();
    expect(Object.keys(doc.paths)).not.toEqual(expect.arrayContaining(['/metrics']));
    expect(Object.keys(doc.paths).filter((p) => /metrics|health|ready|__test/.test(p))).toEqual([]);
  });

  const admin = () => ({ authorization: bearer(t.app, { roles: ['user', 'admin'] }).authorization });
  /** /ready's checks, sorted: the platform's and the ones modules register (consumers, projection-lag). */
  const READINESS_CHECKS = ['consumers', 'database', 'disk', 'heap', 'lifecycle', 'migrations', 'projection-lag'];

  it('names every readiness check and its state, including the ones modules register; an admin sees the details', async () => {
    const res = await fetch(`${t.baseUrl}/ready`, { headers: admin() });
    expect(res.status).toBe(200);
    const body: any = await res.json();
    expect(Object.keys(body.details).sort()).toEqual(READINESS_CHECKS);
    for (const check of Object.values<any>(body.details)) expect(check.status).toBe('up');
    expect(body.details.heap.detail).toMatch(/% of the heap limit used/);
    expect(body.details.disk.detail).toMatch(/^\d+ bytes free in \//);
    expect(body.details['projection-lag'].detail).toMatch(/max lag 0\.0 s \(task-board\), limit 60 s/);
  });

  it('turns 503 and names the failing check when projection lag passes its limit or a registered check fails', async () => {
    const consumers = t.app.get(FakeConsumers);
    consumers.lagSeconds = 90;
    let res = await fetch(`${t.baseUrl}/ready`, { headers: admin() });
    expect(res.status).toBe(503);
    let body: any = await res.json();
    expect(body.error['projection-lag']).toEqual({
      status: 'down',
      message: expect.stringContaining('max lag 90.0 s (task-board)'),
    });
    expect(body.details.database.status).toBe('up');
    consumers.lagSeconds = 0;
    consumers.healthy = false;
    res = await fetch(`${t.baseUrl}/ready`, { headers: admin() });
    expect(res.status).toBe(503);
    body = await res.json();
    expect(body.error).toEqual({ consumers: { status: 'down', message: 'consumer task-board stalled' } });
    consumers.healthy = true;
    expect((await fetch(`${t.baseUrl}/ready`)).status).toBe(200);
  });

  it('shows everyone else (anonymous, a user, a bad token) check names and states only: no paths, bytes or messages', async () => {
    const consumers = t.app.get(FakeConsumers);
    for (const headers of [
      {} as Record<string, string>,
      { authorization: bearer(t.app).authorization },
      { authorization: 'Bearer not.a.token' },
      { authorization: 'Basic YTpi' },
    ]) {
      let body: any = await (await fetch(`${t.baseUrl}/ready`, { headers })).json();
      expect(body.status).toBe('ok');
      expect(Object.keys(body.details).sort()).toEqual(READINESS_CHECKS);
      for (const check of Object.values<any>(body.details)) expect(check).toEqual({ status: 'up' });
      expect(JSON.stringify(body)).not.toMatch(/bytes|tmp|heap limit/);
      consumers.healthy = false;
      try {
        const res = await fetch(`${t.baseUrl}/ready`, { headers });
        expect(res.status).toBe(503);
        body = await res.json();
        expect(body.error).toEqual({ consumers: { status: 'down' } });
        expect(body.details.consumers).toEqual({ status: 'down' });
      } finally {
        consumers.healthy = true;
      }
    }
  });
});

describe('readiness thresholds', () => {
  it('fails the disk check below READY_MIN_FREE_DISK_BYTES while liveness stays up', async () => {
    // At LOG_LEVEL debug everyone sees the details.
    const other = await startTestApp({ READY_MIN_FREE_DISK_BYTES: String(2 ** 60), LOG_LEVEL: 'debug' });
    try {
      const res = await fetch(`${other.baseUrl}/ready`);
      expect(res.status).toBe(503);
      const body: any = await res.json();
      expect(Object.keys(body.error)).toEqual(['disk']);
      expect(body.error.disk.message).toMatch(/^\d+ bytes free in \/.* \(min \d+\)$/);
      expect(body.details['projection-lag']).toMatchObject({
        status: 'up',
        detail: expect.stringContaining('check off'),
      });
      expect((await fetch(`${other.baseUrl}/health`)).status).toBe(200);
    } finally {
      await other.close();
    }
  });

  it('counts a check that outlasts READY_CHECK_TIMEOUT_MS as down, naming the timeout', async () => {
    // LOG_LEVEL debug: the check's message (the timeout) is a detail.
    const other = await startTestApp({ READY_CHECK_TIMEOUT_MS: '200', LOG_LEVEL: 'debug' }, [FakeConsumersModule]);
    try {
      other.app.get(FakeConsumers).answerMs = 5_000;
      const started = Date.now();
      const res = await fetch(`${other.baseUrl}/ready`);
      expect(res.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(5_000);
      const body: any = await res.json();
      expect(body.error).toEqual({ consumers: { status: 'down', message: 'consumers timed out after 200 ms' } });
    } finally {
      await other.close();
    }
  });
});
