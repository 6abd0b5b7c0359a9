import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type {
  AppSettings,
  AuthConfig,
  EventsConfig,
  IdempotencyConfig,
  LlmConfig,
  NotificationsConfig,
  OpsConfig,
} from './config-sections.js';
import type { SettingValues } from './settings.js';
import { parseTrustProxy } from './trust-proxy.js';

/** The configuration's sections, each built from the validated settings. */

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

export const idempotencySection = (v: SettingValues): IdempotencyConfig => ({
  ttlSeconds: v.IDEMPOTENCY_TTL_SECONDS,
  leaseMs: v.IDEMPOTENCY_LEASE_MS,
  redisPrefix: v.IDEMPOTENCY_REDIS_PREFIX,
});

export const eventsSection = (v: SettingValues): EventsConfig => ({
  maxAttempts: v.EVENTS_MAX_ATTEMPTS,
  retryBaseMs: v.EVENTS_RETRY_BASE_MS,
  batchSize: v.EVENTS_BATCH_SIZE,
  pollIntervalMs: v.EVENTS_POLL_INTERVAL_MS,
  leaseRetryMs: v.EVENTS_LEASE_RETRY_MS,
  consistencyWaitMs: v.CONSISTENCY_WAIT_MS,
  stream: v.EVENTS_STREAM,
  timers: {
    pollIntervalMs: v.TIMERS_POLL_INTERVAL_MS,
    batchSize: v.TIMERS_BATCH_SIZE,
    lateToleranceMs: v.TIMERS_LATE_TOLERANCE_MS,
    maxLatenessMs: v.TIMERS_MAX_LATENESS_SECONDS * 1000,
  },
});

export const llmSection = (v: SettingValues): LlmConfig => ({
  baseUrl: v.LLM_BASE_URL,
  model: v.LLM_MODEL,
  apiKey: v.LLM_API_KEY,
  timeoutMs: v.LLM_TIMEOUT_MS,
  retries: v.LLM_RETRIES,
});

export const notificationsSection = (v: SettingValues): NotificationsConfig => ({
  smtpUrl: v.SMTP_URL,
  mailFrom: v.MAIL_FROM,
  emailMaxAttempts: v.EMAIL_MAX_ATTEMPTS,
  pollIntervalMs: v.NOTIFICATIONS_POLL_INTERVAL_MS,
  retryBaseMs: v.WEBHOOK_RETRY_BASE_MS,
  webhooks: {
    allowPrivate: v.WEBHOOK_ALLOW_PRIVATE,
    timeoutMs: v.WEBHOOK_TIMEOUT_MS,
    maxResponseBytes: v.WEBHOOK_MAX_RESPONSE_BYTES,
    maxAttempts: v.WEBHOOK_MAX_ATTEMPTS,
    concurrency: v.WEBHOOK_CONCURRENCY,
  },
});

export const opsSection = (v: SettingValues): OpsConfig => ({
  shutdownGraceMs: v.SHUTDOWN_GRACE_MS,
  readyMaxHeapRatio: v.READY_MAX_HEAP_RATIO,
  readyMinFreeDiskBytes: v.READY_MIN_FREE_DISK_BYTES,
  readyMaxProjectionLagSeconds: v.READY_MAX_PROJECTION_LAG_SECONDS,
  readyCheckTimeoutMs: v.READY_CHECK_TIMEOUT_MS,
  testSlowRoute: v.TEST_SLOW_ROUTE,
});

// Single-instance mode may run without a secret: one is drawn per process (tokens end with it).
const authSection = (v: SettingValues): AuthConfig => ({
  jwtSecret: v.JWT_SECRET ?? randomBytes(32).toString('base64url'),
  accessTokenTtlSeconds: v.ACCESS_TOKEN_TTL_SECONDS,
  refreshTokenTtlSeconds: v.REFRESH_TOKEN_TTL_SECONDS,
  refreshTokenReuseIntervalSeconds: v.REFRESH_TOKEN_REUSE_INTERVAL_SECONDS,
  adminEmails: list(v.ADMIN_EMAILS).map((email) => email.toLowerCase()),
  bcryptCost: v.BCRYPT_COST,
  hashConcurrency: v.SIGNUP_HASH_CONCURRENCY || Math.max(1, os.availableParallelism()),
  hashNice: v.SIGNUP_HASH_NICE,
  hashQueueMax: v.SIGNUP_QUEUE_MAX,
  loginRateLimit: {
    perEmail: v.LOGIN_RATE_LIMIT_PER_EMAIL,
    perIp: v.LOGIN_RATE_LIMIT_PER_IP,
    windowSeconds: v.LOGIN_RATE_LIMIT_WINDOW_SECONDS,
    keyPrefix: v.RATE_LIMIT_KEY_PREFIX,
  },
});

/** Every section; without DATABASE_URL the embedded database, migrations at start and the worker in the API. */
export function sectionsFrom(v: SettingValues): AppSettings {
  const embedded = !v.DATABASE_URL;
  return {
    env: v.NODE_ENV,
    http: {
      host: v.HOST,
      port: v.PORT,
      bodyLimitBytes: v.BODY_LIMIT_BYTES,
      shutdownDrainDelayMs: v.SHUTDOWN_DRAIN_DELAY_MS,
      trustProxy: parseTrustProxy(v.TRUST_PROXY),
      corsOrigins: list(v.CORS_ORIGINS),
    },
    database: {
      mode: embedded ? 'embedded' : 'postgres',
      url: v.DATABASE_URL,
      poolMax: embedded ? 1 : v.DATABASE_POOL_MAX,
      acquireTimeoutMs: v.DATABASE_ACQUIRE_TIMEOUT_MS,
      statementTimeoutMs: v.DATABASE_STATEMENT_TIMEOUT_MS,
      migrateOnStart: v.MIGRATE_ON_START ?? embedded,
      dataDir: path.resolve(v.DATA_DIR),
    },
    redis: {
      url: v.REDIS_URL,
      commandTimeoutMs: v.REDIS_COMMAND_TIMEOUT_MS,
      connectTimeoutMs: v.REDIS_CONNECT_TIMEOUT_MS,
    },
    log: { level: v.LOG_LEVEL, pretty: v.LOG_PRETTY },
    runWorkerInApi: v.RUN_WORKER_IN_API ?? embedded,
    auth: authSection(v),
    idempotency: idempotencySection(v),
    events: eventsSection(v),
    llm: llmSection(v),
    ops: opsSection(v),
    notifications: notificationsSection(v),
  };
}
