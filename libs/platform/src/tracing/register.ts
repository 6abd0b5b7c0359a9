// Loaded with `node --import ./dist/libs/platform/src/tracing/register.js`, before the app:
// registers import-in-the-middle's ESM loader hook (the app is ESM, so require() hooks alone
// would not see `import pg from 'pg'`), then starts the SDK, whose instrumentations tell the
// hook which modules to wrap. See docs/decisions/0041-tracing-esm.md.
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';
import { createAddHookMessageChannel } from 'import-in-the-middle';
import { startTracing } from './sdk.js';

if (isMainThread && !/^true$/i.test(process.env.OTEL_SDK_DISABLED ?? '')) {
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
  const sdk = startTracing({ serviceName: process.env.OTEL_SERVICE_NAME });
  (globalThis as { __otelSdk?: unknown }).__otelSdk = sdk;
  await waitForAllMessagesAcknowledged();
}
