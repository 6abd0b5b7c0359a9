// `npm start` / `npm run start:worker`: builds when the sources are newer than dist/, then runs
// the compiled app (no ts-node, no watch mode). Tracing must load before the app's modules, so
// unless OTEL_SDK_DISABLED=true the app runs in a child node with
// `--import dist/libs/platform/src/tracing/register.js`; signals are forwarded to it.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureBuilt, root } from './ensure-built.mjs';

const app = process.argv[2] ?? 'api';
const entry = ensureBuilt(app);

if (/^true$/i.test(process.env.OTEL_SDK_DISABLED ?? '')) {
  await import(pathToFileURL(entry).href);
} else {
  const tracing = path.join(root, 'dist', 'libs', 'platform', 'src', 'tracing', 'register.js');
  const child = spawn(process.execPath, [...process.execArgv, '--import', pathToFileURL(tracing).href, entry], { stdio: 'inherit' });
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
}
