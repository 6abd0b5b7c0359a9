import 'reflect-metadata';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { migrationDiff, migrationsSource } from '@app/platform';

/**
 * `npm run db:migration -- <name>`: writes prisma/migrations/<timestamp>_<name>/migration.sql
 * with the SQL that takes the existing migrations to schema.prisma. The migrations are replayed
 * on a throwaway in-memory PostgreSQL, so no database or download is needed. An unchanged
 * schema writes nothing.
 */
const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  process.stderr.write('usage: npm run db:migration -- <name>   (lowercase letters, digits, _)\n');
  process.exit(2);
}
const sql = await migrationDiff();
if (!sql.trim()) {
  process.stdout.write('schema.prisma matches the migrations: nothing written.\n');
} else {
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const dir = path.join(migrationsSource.migrationsDir, `${stamp}_${name}`);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'migration.sql'), sql);
  process.stdout.write(`Wrote ${path.relative(process.cwd(), dir)}/migration.sql\n`);
}
