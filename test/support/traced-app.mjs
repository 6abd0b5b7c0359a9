// Test harness (spawned by test/e2e/tracing.e2e-spec.ts): the compiled API with the tracing SDK
// loaded the production way (ESM loader hook first), spans kept in memory, the events engine
// running inside the API. It serves a read and a signup, waits for the users_read projector to
// handle the signup's event, and prints the spans as JSON.
import { register } from 'node:module';
import { createAddHookMessageChannel } from 'import-in-the-middle';

const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
const { AlwaysOnSampler, InMemorySpanExporter, SimpleSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
const { startTracing } = await import('../../dist/libs/platform/src/tracing/sdk.js');
const exporter = new InMemorySpanExporter();
const sdk = startTracing({
  spanProcessors: [new SimpleSpanProcessor(exporter)],
  sampler: new AlwaysOnSampler(),
  env: {},
});
await waitForAllMessagesAcknowledged();

const platform = await import('../../dist/libs/platform/src/index.js');
const { createApp } = await import('../../dist/apps/api/src/create-app.js');
const pg = (await import('pg')).default;

const config = platform.loadConfig({
  ...process.env,
  TEST_SLOW_ROUTE: 'true',
  LOG_LEVEL: 'silent',
  RUN_WORKER_IN_API: 'true',
});
const app = await createApp(config, [platform.SlowRouteModule]);
await app.listen({ port: 0, host: '127.0.0.1' });
const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
const body = await (await fetch(`${url}/api/v1/__test/slow?ms=1`)).json();

const signup = await fetch(`${url}/api/v1/signup`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ name: 'traced', email: 'traced@example.test', password: 'correct horse battery staple' }),
});
const user = await signup.json();
// The projector (the engine inside this process) continues the signup's trace.
const pool = app.get(pg.Pool);
for (let i = 0; !(await pool.query('SELECT 1 FROM users_read WHERE id = $1', [user.id])).rowCount; i++) {
  if (i > 200) throw new Error(`users_read never got ${user.id} (signup answered ${signup.status})`);
  await new Promise((r) => setTimeout(r, 50));
}
await app.close();
await sdk.forceFlush?.();
const spans = exporter.getFinishedSpans().map((s) => ({
  name: s.name,
  kind: s.kind,
  traceId: s.spanContext().traceId,
  spanId: s.spanContext().spanId,
  parentSpanId: s.parentSpanContext?.spanId ?? s.parentSpanId,
  attributes: s.attributes,
  instrumentation: s.instrumentationScope?.name,
}));
process.stdout.write(`SPANS ${JSON.stringify({ body, signup: signup.status, spans })}\n`);
await sdk.shutdown();
process.exit(0);
