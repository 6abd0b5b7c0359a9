import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventsEngine, ProjectionRebuilder } from '@app/events';
import { ConfigError, loadConfig, PlatformModule } from '@app/platform';
import { WorkerModule } from '../../worker/src/worker.module.js';

/**
 * `npm run projections:rebuild -- <name>`: replays every event into the projector's read
 * tables in one transaction while the API keeps serving the old rows (docs/decisions/0013).
 * Needs DATABASE_URL (in single-instance mode, stop the API and run it with the embedded
 * database's URL is not possible: the embedded database belongs to the API process).
 */
const name = process.argv[2];
try {
  const config = loadConfig();
  if (!config.database.url) {
    process.stderr.write('DATABASE_URL is not set\n');
    process.exit(2);
  }
  EventsEngine.autoStart = false; // this process rebuilds; the workers keep running the consumers
  @Module({ imports: [PlatformModule.forRoot(config), WorkerModule] })
  class RebuildModule {}
  const app = await NestFactory.createApplicationContext(RebuildModule, { logger: ['error'] });
  const rebuilder = app.get(ProjectionRebuilder);
  if (!name || !rebuilder.projectorNames().includes(name)) {
    process.stderr.write(
      `usage: npm run projections:rebuild -- <name>   (projectors: ${rebuilder.projectorNames().join(', ') || 'none registered'})\n`,
    );
    await app.close();
    process.exit(2);
  }
  const started = performance.now();
  const result = await rebuilder.rebuild(name, (n) => process.stdout.write(`\r${n} events replayed`));
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    `\nRebuilt ${name}: ${result.events} events (${result.handled} handled) in ${seconds.toFixed(1)} s\n`,
  );
  await app.close();
} catch (err) {
  process.stderr.write(`${err instanceof ConfigError ? err.message : (err as Error).stack}\n`);
  process.exit(1);
}
