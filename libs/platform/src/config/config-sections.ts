import type { SettingValues } from './settings.js';
import type { TrustProxy } from './trust-proxy.js';

/** The shape of each section of the configuration. */

export type DatabaseMode = 'postgres' | 'embedded';

/** Operations: readiness thresholds and the shutdown grace period. */
export interface OpsConfig {
  shutdownGraceMs: number;
  readyMaxHeapRatio: number;
  readyMinFreeDiskBytes: number;
  /** 0 turns the projection-lag readiness check off. */
  readyMaxProjectionLagSeconds: number;
  /** How long one `/ready` check (a database ping, the idempotency store, a module's probe) may take before it counts as down. */
  readyCheckTimeoutMs: number;
  /** Mounts GET /__test/slow (graceful-shutdown tests only). */
  testSlowRoute: boolean;
}

/** Signup and access: tokens, password hashing, admins, login rate limits. */
export interface AuthConfig {
  jwtSecret: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** After a rotation, how long presenting the rotated token yields a new pair in its family instead of revoking it. */
  refreshTokenReuseIntervalSeconds: number;
  /** Lower-cased emails that get the admin role in addition to the users table's role. */
  adminEmails: readonly string[];
  bcryptCost: number;
  /** bcrypt hashes/compares running at once (each on a libuv thread); default: the cores. */
  hashConcurrency: number;
  /** Nice value of the hashing threads (Linux), so the event loop wins the CPU over them. */
  hashNice: number;
  /** Hashes waiting beyond `hashConcurrency` before signup and login answer 503. */
  hashQueueMax: number;
  loginRateLimit: { perEmail: number; perIp: number; windowSeconds: number; keyPrefix: string };
}

export interface HttpConfig {
  host: string;
  port: number;
  bodyLimitBytes: number;
  shutdownDrainDelayMs: number;
  /** Unset: false, the socket's peer is the client. */
  trustProxy?: TrustProxy;
  /** Origins allowed to call the API from a browser (CORS); empty: CORS off. */
  corsOrigins?: readonly string[];
}

export interface DatabaseConfig {
  mode: DatabaseMode;
  /** Unset in embedded mode until the embedded server has started. */
  url: string | undefined;
  poolMax: number;
  acquireTimeoutMs: number;
  statementTimeoutMs: number;
  migrateOnStart: boolean;
  dataDir: string;
}

/** Idempotency-Key records: kept `ttlSeconds`; an in-flight claim is a lease of `leaseMs`, renewed while it runs. */
export interface IdempotencyConfig {
  ttlSeconds: number;
  leaseMs: number;
  redisPrefix: string;
}

export interface EventsConfig {
  maxAttempts: number;
  retryBaseMs: number;
  batchSize: number;
  pollIntervalMs: number;
  leaseRetryMs: number;
  consistencyWaitMs: number;
  /** The Redis Stream that integration events are published to. */
  stream: string;
  timers: TimersConfig;
}

/** The timer scheduler (docs/decisions/0071). */
export interface TimersConfig {
  /** Its longest sleep: how soon it sees a timer another process scheduled. */
  pollIntervalMs: number;
  batchSize: number;
  /** Fired more than this after due: marked late. */
  lateToleranceMs: number;
  /** More overdue than this: dropped. 0: never. */
  maxLatenessMs: number;
}

/** OpenAI-compatible chat completions for task enrichment; off when baseUrl or model is unset. */
export interface LlmConfig {
  baseUrl: string | undefined;
  model: string | undefined;
  apiKey: string | undefined;
  timeoutMs: number;
  retries: number;
}

/** The notifications slice's channels: email over SMTP and webhooks (docs/decisions/0072, 0073). */
export interface NotificationsConfig {
  smtpUrl: string | undefined;
  mailFrom: string;
  emailMaxAttempts: number;
  pollIntervalMs: number;
  retryBaseMs: number;
  webhooks: {
    allowPrivate: boolean;
    timeoutMs: number;
    maxResponseBytes: number;
    maxAttempts: number;
    concurrency: number;
  };
}

/** What an AppConfig is made of, by name; the sections with defaults may be left out. */
export interface AppSettings {
  env: SettingValues['NODE_ENV'];
  http: HttpConfig;
  database: DatabaseConfig;
  redis: { url: string | undefined; commandTimeoutMs: number; connectTimeoutMs: number };
  log: { level: string; pretty: boolean };
  runWorkerInApi: boolean;
  auth: AuthConfig;
  idempotency?: IdempotencyConfig;
  events?: EventsConfig;
  llm?: LlmConfig;
  ops?: OpsConfig;
  notifications?: NotificationsConfig;
}
