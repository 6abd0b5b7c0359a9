import 'reflect-metadata';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArguments } from './arguments.js';
import { generate, GeneratorRefusal } from './generate.js';

/**
 * `npm run generate:slice -- <slice> [--aggregate <name>]`, or `-- <slice> command <verb-noun>`,
 * `-- <slice> query <verb-noun>`, `-- <slice> projection <name>`. See README, "Adding a slice".
 */
const root = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const request = parseArguments(process.argv.slice(2));
if (typeof request === 'string') {
  process.stderr.write(`${request}\n`);
  process.exit(2);
}
try {
  const started = Date.now();
  const { created, modified } = await generate(request, { root });
  process.stdout.write(
    `Created:\n${created.map((f) => `  ${f}\n`).join('')}Changed:\n${modified.map((f) => `  ${f}\n`).join('')}`,
  );
  process.stdout.write(
    `Done in ${((Date.now() - started) / 1000).toFixed(1)} s. Next: npm run typecheck && npm run lint:deps, then the slice's tests.\n`,
  );
} catch (err) {
  const message =
    err instanceof GeneratorRefusal ? err.message : err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  process.stderr.write(`generate:slice: nothing written: ${message}\n`);
  process.exit(1);
}
