import { readdirSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';
import { EmbeddedPostgres, migrateDatabase, migrationsSource } from '@app/platform';
import { EMBEDDED_SEED } from '../../api/src/embedded-seed-path.js';

/**
 * Run by `npm run build`: writes the migrated cluster the embedded database starts from on its
 * first run, so a newcomer's first `npm start` neither initialises a cluster (about 3 s) nor
 * loads the schema engine. Rewritten when a migration is newer than it.
 */
const newestMigration = Math.max(0, ...readdirSync(migrationsSource.migrationsDir).map((f) => statSync(path.join(migrationsSource.migrationsDir, f)).mtimeMs));
if (!existsSync(EMBEDDED_SEED) || statSync(EMBEDDED_SEED).mtimeMs < newestMigration) {
  await EmbeddedPostgres.writeSeed(EMBEDDED_SEED, (url) => migrateDatabase(url));
}
