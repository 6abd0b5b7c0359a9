import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { Environment } from './environment.js';

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

const DEFAULT_OPS: OpsConfig = { shutdownGraceMs: 25_000, readyMaxHeapRatio: 0.95, readyMinFreeDiskBytes: 52_428_800, readyMaxProjectionLagSeconds: 0, readyCheckTimeoutMs: 1_000, testSlowRoute: false };

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

/**
 * Which proxies' X-Forwarded-For decides the client address: none (false), the nearest `n`
 * hops, or the proxies at these addresses and CIDRs (Fastify's `trustProxy`).
 */
export type TrustProxy = false | number | string[];

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
}

/** OpenAI-compatible chat completions for task enrichment; off when baseUrl or model is unset. */
export interface LlmConfig {
  baseUrl: string | undefined;
  model: string | undefined;
  apiKey: string | undefined;
  timeoutMs: number;
  retries: number;
}

/** What an AppConfig is made of, by name; the sections with defaults may be left out. */
export interface AppSettings {
  env: Environment['NODE_ENV'];
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
}

const DEFAULT_IDEMPOTENCY: IdempotencyConfig = { ttlSeconds: 86_400, leaseMs: 15_000, redisPrefix: 'idem:' };
const DEFAULT_EVENTS: EventsConfig = { maxAttempts: 5, retryBaseMs: 200, batchSize: 500, pollIntervalMs: 1_000, leaseRetryMs: 2_000, consistencyWaitMs: 5_000, stream: 'task-backend.events' };
const DEFAULT_LLM: LlmConfig = { baseUrl: undefined, model: undefined, apiKey: undefined, timeoutMs: 10_000, retries: 2 };

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

  constructor(settings: AppSettings) {
    this.env = settings.env;
    this.http = settings.http;
    this.database = settings.database;
    this.redis = settings.redis;
    this.log = settings.log;
    this.runWorkerInApi = settings.runWorkerInApi;
    this.auth = settings.auth;
    this.idempotency = settings.idempotency ?? DEFAULT_IDEMPOTENCY;
    this.events = settings.events ?? DEFAULT_EVENTS;
    this.llm = settings.llm ?? DEFAULT_LLM;
    this.ops = settings.ops ?? DEFAULT_OPS;
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

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const BOOLEAN = /^(true|false|1|0|yes|no|on|off)$/i;
/** proxy-addr's names for ranges: 127.0.0.0/8 and ::1, link-local, private (10/8, 172.16/12, 192.168/16, fc00::/7). */
const RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** TRUST_PROXY: `false` or unset, a hop count, or a comma-separated list of addresses, CIDRs and range names. */
export function parseTrustProxy(value: string | undefined): TrustProxy {
  if (value === undefined || /^(false|0)$/i.test(value)) return false;
  if (/^\d+$/.test(value)) return Number(value);
  const entries = value.split(',').map((entry) => entry.trim());
  for (const entry of entries) {
    const [address, prefix, extra] = entry.split('/');
    const family = isIP(address);
    const validPrefix = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 6 ? 128 : 32));
    if (!RANGE_NAMES.has(entry) && (family === 0 || !validPrefix || extra !== undefined)) {
      throw new ConfigError(`Invalid configuration: TRUST_PROXY must be false, a hop count, or comma-separated addresses, CIDRs, loopback, linklocal or uniquelocal (got '${value}')`);
    }
  }
  return entries;
}

/**
 * Marks a value that shipped examples (k8s/secret.example.yaml, README) leave for the operator to
 * fill in; the service refuses to start with one, whichever variable holds it.
 */
export const PLACEHOLDER_MARK = 'REPLACE_ME';

/** Reads and validates the environment; throws a ConfigError whose message is one line naming the variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): AppConfig {
  const defaults = new Environment() as unknown as Record<string, unknown>;
  const known = Object.keys(defaults);
  const plain: Record<string, unknown> = {};
  for (const key of known) {
    const raw = source[key];
    if (raw === undefined || raw.trim() === '') continue;
    if (raw.includes(PLACEHOLDER_MARK)) throw new ConfigError(`Invalid configuration: ${key} is still the example's placeholder (${PLACEHOLDER_MARK}); set a real value`);
    plain[key] = raw.trim();
  }
  for (const [key, value] of Object.entries(plain)) {
    const sample = defaults[key];
    if (typeof sample === 'boolean' || ['MIGRATE_ON_START', 'RUN_WORKER_IN_API'].includes(key)) {
      if (!BOOLEAN.test(String(value))) throw new ConfigError(`Invalid configuration: ${key} must be true or false (got '${String(value)}')`);
      plain[key] = /^(true|1|yes|on)$/i.test(String(value));
    } else if (typeof sample === 'number') {
      const n = Number(value);
      const pattern = Number.isInteger(sample) ? /^-?\d+$/ : /^-?\d+(\.\d+)?$/;
      if (!pattern.test(String(value))) throw new ConfigError(`Invalid configuration: ${key} must be a ${Number.isInteger(sample) ? 'whole number' : 'number'} (got '${String(value)}')`);
      plain[key] = n;
    }
  }
  const e = plainToInstance(Environment, plain);
  const errors = validateSync(e, { forbidUnknownValues: true });
  if (errors.length > 0) {
    const first = errors[0];
    const message = Object.values(first.constraints ?? {})[0] ?? 'is invalid';
    const got = first.property.endsWith('_URL') ? '' : ` (got '${String(first.value)}')`;
    throw new ConfigError(`Invalid configuration: ${message}${got}`);
  }
  const embedded = !e.DATABASE_URL;
  if (!embedded && !e.JWT_SECRET) {
    throw new ConfigError('Invalid configuration: JWT_SECRET is required when DATABASE_URL is set (replicas must share it)');
  }
  return new AppConfig({
    env: e.NODE_ENV,
    http: { host: e.HOST, port: e.PORT, bodyLimitBytes: e.BODY_LIMIT_BYTES, shutdownDrainDelayMs: e.SHUTDOWN_DRAIN_DELAY_MS, trustProxy: parseTrustProxy(e.TRUST_PROXY),
      corsOrigins: (e.CORS_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean),
    },
    database: {
      mode: embedded ? 'embedded' : 'postgres',
      url: e.DATABASE_URL,
      poolMax: embedded ? 1 : e.DATABASE_POOL_MAX,
      acquireTimeoutMs: e.DATABASE_ACQUIRE_TIMEOUT_MS,
      statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
      migrateOnStart: e.MIGRATE_ON_START ?? embedded,
      dataDir: path.resolve(e.DATA_DIR),
    },
    redis: { url: e.REDIS_URL, commandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS, connectTimeoutMs: e.REDIS_CONNECT_TIMEOUT_MS },
    log: { level: e.LOG_LEVEL, pretty: e.LOG_PRETTY },
    runWorkerInApi: e.RUN_WORKER_IN_API ?? embedded,
    // Single-instance mode may run without a secret: one is drawn per process (tokens end with it).
    auth: {
      jwtSecret: e.JWT_SECRET ?? randomBytes(32).toString('base64url'),
      accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlSeconds: e.REFRESH_TOKEN_TTL_SECONDS,
      refreshTokenReuseIntervalSeconds: e.REFRESH_TOKEN_REUSE_INTERVAL_SECONDS,
      adminEmails: (e.ADMIN_EMAILS ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean),
      bcryptCost: e.BCRYPT_COST,
      hashConcurrency: e.SIGNUP_HASH_CONCURRENCY || Math.max(1, os.availableParallelism()),
      hashNice: e.SIGNUP_HASH_NICE,
      hashQueueMax: e.SIGNUP_QUEUE_MAX,
      loginRateLimit: {
        perEmail: e.LOGIN_RATE_LIMIT_PER_EMAIL,
        perIp: e.LOGIN_RATE_LIMIT_PER_IP,
        windowSeconds: e.LOGIN_RATE_LIMIT_WINDOW_SECONDS,
        keyPrefix: e.RATE_LIMIT_KEY_PREFIX,
      },
    },
    idempotency: { ttlSeconds: e.IDEMPOTENCY_TTL_SECONDS, leaseMs: e.IDEMPOTENCY_LEASE_MS, redisPrefix: e.IDEMPOTENCY_REDIS_PREFIX },
    events: {
      maxAttempts: e.EVENTS_MAX_ATTEMPTS,
      retryBaseMs: e.EVENTS_RETRY_BASE_MS,
      batchSize: e.EVENTS_BATCH_SIZE,
      pollIntervalMs: e.EVENTS_POLL_INTERVAL_MS,
      leaseRetryMs: e.EVENTS_LEASE_RETRY_MS,
      consistencyWaitMs: e.CONSISTENCY_WAIT_MS,
      stream: e.EVENTS_STREAM,
    },
    llm: { baseUrl: e.LLM_BASE_URL, model: e.LLM_MODEL, apiKey: e.LLM_API_KEY, timeoutMs: e.LLM_TIMEOUT_MS, retries: e.LLM_RETRIES },
    ops: {
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
      readyMaxHeapRatio: e.READY_MAX_HEAP_RATIO,
      readyMinFreeDiskBytes: e.READY_MIN_FREE_DISK_BYTES,
      readyMaxProjectionLagSeconds: e.READY_MAX_PROJECTION_LAG_SECONDS,
      readyCheckTimeoutMs: e.READY_CHECK_TIMEOUT_MS,
      testSlowRoute: e.TEST_SLOW_ROUTE,
    },
  });
}
