// `npm start` / `npm run start:worker`: builds when the sources are newer than dist/, then runs
// the compiled app (no ts-node, no watch mode). With an OTLP endpoint configured, tracing must
// load before the app's modules, so the app runs in a child node with
// `--import dist/libs/platform/src/tracing/register.js` (signals are forwarded). Without one
// nothing would be exported, so the app runs in this process without the SDK and starts faster.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureBuilt, root } from './ensure-built.mjs';

const app = process.argv[2] ?? 'api';
const entry = ensureBuilt(app);

const tracing =
  !/^true$/i.test(process.env.OTEL_SDK_DISABLED ?? '') &&
  Boolean(process.env.OTEL_EXPORTER_OTLP_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
if (!tracing) {
  await import(pathToFileURL(entry).href);
} else {
  const register = path.join(root, 'dist', 'libs', 'platform', 'src', 'tracing', 'register.js');
  const child = spawn(process.execPath, [...process.execArgv, '--import', pathToFileURL(register).href, entry], {
    stdio: 'inherit',
  });
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
}
