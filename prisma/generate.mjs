// Runs `prisma generate` offline. The CLI only checks that a schema-engine file exists before
// generating (generation itself needs no engine), so any existing file satisfies the check.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? fileURLToPath(import.meta.url),
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
  CHECKPOINT_DISABLE: '1',
};
const result = spawnSync(
  'prisma',
  ['generate', '--schema', fileURLToPath(new URL('./schema.prisma', import.meta.url))],
  { env, stdio: 'inherit', shell: process.platform === 'win32' },
);
process.exit(result.status ?? 1);
