import 'reflect-metadata';
import path from 'node:path';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CommandBus } from '@nestjs/cqrs';
import { ConfigError, EmbeddedPostgres, loadConfig, PlatformModule } from '@app/platform';
import { DomainError } from '@app/shared-kernel';
import { GrantAdminCommand, SignupModule } from '@app/signup';

/**
 * `npm run users:grant-admin -- <email>`: gives the user with that email the admin role (stored
 * in the users table, appended as `user.role_granted`); it applies from their next login or
 * refresh. Against DATABASE_URL, or the embedded database in DATA_DIR while the API is stopped.
 */
const email = process.argv[2];
if (!email) {
  process.stderr.write('usage: npm run users:grant-admin -- <email>\n');
  process.exit(2);
}
let embedded: EmbeddedPostgres | undefined;
try {
  let config = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
  if (config.singleInstance) {
    embedded = await EmbeddedPostgres.start(path.join(config.database.dataDir, 'pglite'));
    config = config.withDatabaseUrl(embedded.url);
  }
  @Module({ imports: [PlatformModule.forRoot(config), SignupModule] })
  class GrantAdminModule {}
  const app = await NestFactory.createApplicationContext(GrantAdminModule, { logger: ['error', 'warn'] });
  try {
    const result = await app.get(CommandBus).execute(new GrantAdminCommand(email));
    process.stdout.write(
      result.alreadyAdmin ? `${email} is already an admin.\n` : `${email} is now an admin (user ${result.userId}).\n`,
    );
  } finally {
    await app.close();
  }
} catch (err) {
  const known = err instanceof ConfigError || err instanceof DomainError;
  process.stderr.write(`${known ? (err as Error).message : (err as Error).stack}\n`);
  process.exitCode = 1;
} finally {
  await embedded?.stop();
}
