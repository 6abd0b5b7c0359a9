// Runs `prisma generate` offline: `node prisma/generate.mjs [schema]` (default: ./schema.prisma).
// The CLI only checks that a schema-engine file exists before generating (generation itself needs
// no engine), so any existing file satisfies the check; the generators (prisma-kysely) need no network.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const schema = process.argv[2] ?? fileURLToPath(new URL('./schema.prisma', import.meta.url));
// The project's CLIs (prisma, and the generators it runs by name) whatever the caller's PATH.
const bin = fileURLToPath(new URL('../node_modules/.bin', import.meta.url));
const env = {
  ...process.env,
  PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? fileURLToPath(import.meta.url),
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
  CHECKPOINT_DISABLE: '1',
};
const result = spawnSync('prisma', ['generate', '--schema', schema], {
  env,
  stdio: 'inherit',
  shell: process.platform === 'win32',
});
process.exit(result.status ?? 1);
