import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EmbeddedPostgres, migrateDatabase, migrationsSource } from '@app/platform';
import { EMBEDDED_SEED } from '../../api/src/embedded-seed-path.js';

/**
 * Run by `npm run build`: writes the migrated cluster the embedded database starts from on its
 * first run, so a newcomer's first `npm start` neither initialises a cluster (about 3 s) nor
 * loads the schema engine. Rewritten whenever the migrations (names or SQL) differ from the
 * ones it was built with.
 */
const dir = migrationsSource.migrationsDir;
const hash = createHash('sha256');
for (const name of readdirSync(dir).sort()) {
  const sql = path.join(dir, name, 'migration.sql');
  hash.update(name).update(existsSync(sql) ? readFileSync(sql) : '');
}
const fingerprint = hash.digest('hex');
const manifest = `${EMBEDDED_SEED}.sha256`;
if (!existsSync(EMBEDDED_SEED) || !existsSync(manifest) || readFileSync(manifest, 'utf8') !== fingerprint) {
  await EmbeddedPostgres.writeSeed(EMBEDDED_SEED, (url) => migrateDatabase(url));
  writeFileSync(manifest, fingerprint);
}
