import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding `prisma/schema.prisma`, found upwards from this file (works from src and dist). */
function findPrismaDir(): string {
  if (process.env.PRISMA_DIR) return path.resolve(process.env.PRISMA_DIR);
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'prisma');
    if (existsSync(path.join(candidate, 'schema.prisma'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('prisma/schema.prisma not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

const prismaDir = findPrismaDir();

export const migrationsSource = {
  schemaPath: path.join(prismaDir, 'schema.prisma'),
  migrationsDir: path.join(prismaDir, 'migrations'),
};
