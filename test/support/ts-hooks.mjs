// ESM loader hooks that run the TypeScript sources directly in a child process (tests that spawn
// real worker processes): `@app/<lib>` -> libs/<lib>/src/index.ts, `@app/events/ports` ->
// libs/events/src/ports/index.ts, `./x.js` -> `./x.ts`, and .ts compiled by SWC with the same
// options as Jest (swc-options.mjs). Registered by ts-register.mjs.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import swc from '@swc/core';
import { swcOptions } from './swc-options.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));

export async function resolve(specifier, context, next) {
  const alias = /^@app\/(?:([a-z-]+)|(events\/ports))$/.exec(specifier);
  if (alias) {
    const entry = alias[1] ? `libs/${alias[1]}/src/index.ts` : 'libs/events/src/ports/index.ts';
    return { url: pathToFileURL(`${root}${entry}`).href, shortCircuit: true };
  }
  if (context.parentURL?.endsWith('.ts') && /^\.{1,2}\//.test(specifier)) {
    const url = new URL(specifier, context.parentURL);
    const path = fileURLToPath(url);
    for (const candidate of [path.replace(/\.js$/, '.ts'), `${path}.ts`]) {
      if (candidate !== path && existsSync(candidate))
        return { url: pathToFileURL(candidate).href, shortCircuit: true };
    }
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (!url.endsWith('.ts')) return next(url, context);
  const source = await readFile(fileURLToPath(url), 'utf8');
  const { code } = await swc.transform(source, { ...swcOptions, filename: fileURLToPath(url) });
  return { format: 'module', source: code, shortCircuit: true };
}
