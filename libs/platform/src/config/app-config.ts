import { ConfigError } from './config-error.js';
import type {
  AppSettings,
  AuthConfig,
  DatabaseConfig,
  EventsConfig,
  HttpConfig,
  IdempotencyConfig,
  LlmConfig,
  NotificationsConfig,
  OpsConfig,
} from './config-sections.js';
import { readSettings } from './read-settings.js';
import {
  eventsSection,
  idempotencySection,
  llmSection,
  notificationsSection,
  opsSection,
  sectionsFrom,
} from './sections-from-settings.js';
import { SETTING_DEFAULTS } from './settings.js';

export { ConfigError } from './config-error.js';
export type * from './config-sections.js';
export { PLACEHOLDER_MARK } from './read-settings.js';
export { parseTrustProxy, type TrustProxy } from './trust-proxy.js';

/** The typed configuration the rest of the code reads; built once from the environment. */
export class AppConfig {
  readonly env: AppSettings['env'];
  readonly http: HttpConfig;
  readonly database: DatabaseConfig;
  readonly redis: AppSettings['redis'];
  readonly log: AppSettings['log'];
  readonly runWorkerInApi: boolean;
  readonly auth: AuthConfig;
  readonly idempotency: IdempotencyConfig;
  readonly events: EventsConfig;
  readonly llm: LlmConfig;
  readonly ops: OpsConfig;
  readonly notifications: NotificationsConfig;

  constructor(settings: AppSettings) {
    this.env = settings.env;
    this.http = settings.http;
    this.database = settings.database;
    this.redis = settings.redis;
    this.log = settings.log;
    this.runWorkerInApi = settings.runWorkerInApi;
    this.auth = settings.auth;
    this.idempotency = settings.idempotency ?? idempotencySection(SETTING_DEFAULTS);
    this.events = settings.events ?? eventsSection(SETTING_DEFAULTS);
    this.llm = settings.llm ?? llmSection(SETTING_DEFAULTS);
    this.ops = settings.ops ?? opsSection(SETTING_DEFAULTS);
    this.notifications = settings.notifications ?? notificationsSection(SETTING_DEFAULTS);
  }

  /** The same configuration pointing at another database (the embedded server's, a test database). */
  withDatabaseUrl(url: string): AppConfig {
    return new AppConfig({ ...this, database: { ...this.database, url } });
  }

  /** Single-instance mode: no DATABASE_URL; embedded PostgreSQL and the worker in the API process. */
  get singleInstance(): boolean {
    return this.database.mode === 'embedded';
  }
}

/** Reads and validates the environment; throws a ConfigError whose message is one line naming the variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): AppConfig {
  const settings = readSettings(source);
  if (settings.DATABASE_URL && !settings.JWT_SECRET) {
    throw new ConfigError(
      'Invalid configuration: JWT_SECRET is required when DATABASE_URL is set (replicas must share it)',
    );
  }
  return new AppConfig(sectionsFrom(settings));
}
