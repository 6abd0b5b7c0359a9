export * from './database.module.js';
export * from './database-errors.js';
export * from './embedded-postgres.js';
export * from './migration.service.js';
export * from './migrations.js';
export { migrationsSource } from './project-paths.js';
export type { Database, DB } from './database.js';
