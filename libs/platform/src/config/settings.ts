import { IsBoolean, IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';

/** How a raw environment string is read before the rules run. */
export type SettingKind = 'string' | 'integer' | 'number' | 'boolean';

/** One environment variable: how it is read, its default (undefined: unset), a one-line doc and its class-validator rules. */
export interface Setting<T> {
  readonly kind: SettingKind;
  readonly default: T;
  readonly doc: string;
  readonly rules: readonly PropertyDecorator[];
}

const setting = <T>(kind: SettingKind, value: T, doc: string, ...rules: PropertyDecorator[]): Setting<T> => ({
  kind,
  default: value,
  doc,
  rules,
});
const integer = (value: number, min: number, max: number | undefined, doc: string): Setting<number> =>
  setting('integer', value, doc, IsInt(), Min(min), ...(max === undefined ? [] : [Max(max)]));
const flag = (value: boolean, doc: string): Setting<boolean> => setting('boolean', value, doc, IsBoolean());
const optionalFlag = (doc: string): Setting<boolean | undefined> =>
  setting('boolean', undefined, doc, IsOptional(), IsBoolean());
const text = (value: string, doc: string, ...rules: PropertyDecorator[]): Setting<string> =>
  setting('string', value, doc, IsString(), ...(rules.length > 0 ? rules : [MinLength(1)]));
const optionalText = (doc: string, ...rules: PropertyDecorator[]): Setting<string | undefined> =>
  setting<string | undefined>('string', undefined, doc, IsOptional(), IsString(), ...rules);
const oneOf = <V extends string>(values: readonly V[], value: V, doc: string): Setting<V> =>
  setting('string', value, doc, IsIn([...values]));
const pattern = (regex: RegExp, message: string) => Matches(regex, { message: `$property must be ${message}` });

/**
 * Every environment variable the service reads, declared once: the loader reads, defaults and
 * validates from here, and a test holds README's configuration table to it.
 */
export const SETTINGS = {
  NODE_ENV: oneOf(['development', 'production', 'test'] as const, 'development', 'the environment the process runs in'),
  HOST: text('0.0.0.0', 'the address the HTTP server listens on'),
  PORT: integer(3000, 0, 65535, 'the port the HTTP server listens on'),
  DATABASE_URL: optionalText(
    'PostgreSQL URL; unset: embedded database, single-instance mode',
    pattern(/^postgres(ql)?:\/\/.+/, 'a postgresql:// URL'),
  ),
  DATABASE_POOL_MAX: integer(10, 1, 1000, 'pool size per process'),
  DATABASE_ACQUIRE_TIMEOUT_MS: integer(5_000, 100, 120_000, 'wait for a free connection before answering 503'),
  DATABASE_STATEMENT_TIMEOUT_MS: integer(30_000, 0, 3_600_000, 'PostgreSQL statement_timeout (0: none)'),
  DATA_DIR: text('./.data', 'where the embedded database keeps its files'),
  MIGRATE_ON_START: optionalFlag('apply pending migrations at start; unset: on when embedded'),
  REDIS_URL: optionalText(
    'Redis URL; unset: in-process adapters',
    pattern(/^rediss?:\/\/.+/, 'a redis:// or rediss:// URL'),
  ),
  REDIS_COMMAND_TIMEOUT_MS: integer(500, 50, 60_000, 'a Redis command fails after this long'),
  REDIS_CONNECT_TIMEOUT_MS: integer(2_000, 50, 60_000, 'Redis connection timeout'),
  LOG_LEVEL: oneOf(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
    'info',
    'the lowest level logged',
  ),
  LOG_PRETTY: flag(false, 'human-readable logs instead of JSON lines'),
  CORS_ORIGINS: optionalText(
    'comma-separated origins browsers may call the API from; unset: no CORS',
    pattern(
      /^https?:\/\/[^\s/,]+(\s*,\s*https?:\/\/[^\s/,]+)*$/,
      'comma-separated origins such as https://app.example.com',
    ),
  ),
  BODY_LIMIT_BYTES: integer(1_048_576, 1024, 100 * 1024 * 1024, 'larger request bodies get a 413'),
  RUN_WORKER_IN_API: optionalFlag('run the projectors and subscribers in the API process; unset: on when embedded'),
  TRUST_PROXY: optionalText(
    'whose X-Forwarded-For to believe: unset or false (nobody), a hop count, or addresses and CIDRs',
  ),
  SHUTDOWN_DRAIN_DELAY_MS: integer(
    0,
    0,
    600_000,
    'after SIGTERM, how long readiness reports 503 before connections close',
  ),
  JWT_SECRET: optionalText(
    'HS256 key for access tokens; required with DATABASE_URL',
    MinLength(32, { message: '$property must be at least 32 characters' }),
  ),
  ACCESS_TOKEN_TTL_SECONDS: integer(900, 30, 86_400, 'access token lifetime'),
  IDEMPOTENCY_TTL_SECONDS: integer(86_400, 1, 30 * 24 * 3600, 'how long an Idempotency-Key and its response are kept'),
  IDEMPOTENCY_LEASE_MS: integer(15_000, 200, 600_000, 'the in-flight claim of a key, renewed while the request runs'),
  IDEMPOTENCY_REDIS_PREFIX: text(
    'idem:',
    'prefix of the idempotency keys in Redis',
    pattern(/^[\x21-\x7e]{1,64}$/, '1 to 64 visible ASCII characters'),
  ),
  SHUTDOWN_GRACE_MS: integer(25_000, 1_000, 3_600_000, 'after SIGTERM, exit 1 if shutdown has not finished by then'),
  READY_MAX_HEAP_RATIO: setting(
    'number',
    0.95,
    '/ready fails past this share of the heap limit',
    IsNumber(),
    Min(0.1),
    Max(1),
  ),
  READY_MIN_FREE_DISK_BYTES: integer(52_428_800, 0, undefined, '/ready fails below this much free disk space'),
  READY_MAX_PROJECTION_LAG_SECONDS: integer(0, 0, 86_400, '/ready fails past this projection lag (0: off)'),
  READY_CHECK_TIMEOUT_MS: integer(1_000, 50, 60_000, 'a /ready check taking longer counts as down'),
  TEST_SLOW_ROUTE: flag(false, 'mounts GET /api/v1/__test/slow (shutdown tests and the tracing benchmark only)'),
  EVENTS_MAX_ATTEMPTS: integer(5, 1, 1000, 'attempts at an event before a consumer dead-letters it'),
  EVENTS_RETRY_BASE_MS: integer(200, 1, 600_000, 'first retry delay, doubled per attempt'),
  EVENTS_BATCH_SIZE: integer(500, 1, 10_000, 'events a projector handles per transaction when catching up'),
  EVENTS_POLL_INTERVAL_MS: integer(1_000, 10, 600_000, 'consumers poll this often when caught up'),
  EVENTS_LEASE_RETRY_MS: integer(2_000, 10, 600_000, "how often a worker tries to take over another worker's consumer"),
  TIMERS_POLL_INTERVAL_MS: integer(
    1_000,
    10,
    600_000,
    "the timer scheduler's longest sleep: it sees timers other processes schedule this often",
  ),
  TIMERS_BATCH_SIZE: integer(500, 1, 10_000, 'due timers fired per transaction'),
  TIMERS_LATE_TOLERANCE_MS: integer(
    60_000,
    0,
    86_400_000,
    'a timer fired more than this after it was due is marked late',
  ),
  TIMERS_MAX_LATENESS_SECONDS: integer(
    86_400,
    0,
    31_536_000,
    'a timer more overdue than this is dropped, not fired (0: never dropped)',
  ),
  CONSISTENCY_WAIT_MS: integer(5_000, 0, 60_000, 'how long a read with X-Consistency-Token waits for its projections'),
  EVENTS_STREAM: text(
    'task-backend.events',
    'the Redis Stream integration events go to',
    pattern(/^[\w.:-]{1,200}$/, 'a Redis key (letters, digits, . : _ -)'),
  ),
  ADMIN_EMAILS: optionalText('comma-separated emails that get the admin role'),
  REFRESH_TOKEN_TTL_SECONDS: integer(2_592_000, 60, 31_536_000, 'lifetime of each refresh token'),
  REFRESH_TOKEN_REUSE_INTERVAL_SECONDS: integer(
    10,
    0,
    300,
    'after a rotation, how long the rotated token still yields a pair in its family; 0: never',
  ),
  BCRYPT_COST: integer(12, 4, 16, 'bcrypt cost factor for passwords'),
  SIGNUP_HASH_CONCURRENCY: integer(0, 0, 64, 'bcrypt hashes running at once; 0: the number of cores'),
  SIGNUP_HASH_NICE: integer(10, 0, 19, 'nice value of the hashing threads (Linux)'),
  SIGNUP_QUEUE_MAX: integer(200, 0, 100_000, 'hashes allowed to wait beyond the running ones'),
  LOGIN_RATE_LIMIT_PER_EMAIL: integer(10, 1, 1_000_000, 'login attempts per email per window'),
  LOGIN_RATE_LIMIT_PER_IP: integer(100, 1, 1_000_000, 'login attempts per client address per window'),
  LOGIN_RATE_LIMIT_WINDOW_SECONDS: integer(900, 1, 86_400, 'the login rate-limit window'),
  RATE_LIMIT_KEY_PREFIX: text('tb:rl', 'Redis key prefix of the rate-limit counters'),
  LLM_BASE_URL: optionalText(
    'OpenAI-compatible API base; unset: heuristic enrichment',
    pattern(/^https?:\/\/.+/, 'an http:// or https:// URL'),
  ),
  LLM_MODEL: optionalText('model name; the LLM analyser is on only with this and LLM_BASE_URL', MinLength(1)),
  LLM_API_KEY: optionalText('sent as Authorization: Bearer when set'),
  LLM_TIMEOUT_MS: integer(10_000, 100, 120_000, 'per attempt'),
  LLM_RETRIES: integer(2, 0, 5, 'retries after a timeout, 429, 5xx or malformed answer'),
  SMTP_URL: optionalText(
    'SMTP server notifications are mailed through; unset: emails are stored and shown in the API only',
    pattern(/^smtps?:\/\/.+/, 'an smtp:// or smtps:// URL'),
  ),
  MAIL_FROM: text('Task backend <notifications@task-backend.invalid>', 'the From of notification emails'),
  EMAIL_MAX_ATTEMPTS: integer(10, 1, 1000, 'attempts at sending an email before it is marked failed'),
  WEBHOOK_ALLOW_PRIVATE: flag(
    false,
    'let webhooks reach loopback, private and link-local addresses, and plain http:// (tests, local development)',
  ),
  WEBHOOK_TIMEOUT_MS: integer(
    10_000,
    100,
    120_000,
    'a webhook delivery attempt (connect, send, answer) fails after this long',
  ),
  WEBHOOK_MAX_RESPONSE_BYTES: integer(65_536, 0, 10_485_760, "the most of a webhook receiver's answer read"),
  WEBHOOK_MAX_ATTEMPTS: integer(
    8,
    1,
    100,
    'attempts at a webhook delivery before it is dead-lettered and its endpoint disabled',
  ),
  WEBHOOK_RETRY_BASE_MS: integer(
    30_000,
    1,
    3_600_000,
    'first delay before a webhook or email retry, doubled per attempt (at most an hour)',
  ),
  WEBHOOK_CONCURRENCY: integer(4, 1, 256, 'webhook deliveries in flight per worker, each to another endpoint'),
  NOTIFICATIONS_POLL_INTERVAL_MS: integer(
    1_000,
    10,
    600_000,
    'how often the webhook and email senders look for due work when not woken',
  ),
} as const;

export type SettingName = keyof typeof SETTINGS;

/** The validated value of every setting, typed from its declaration. */
export type SettingValues = { readonly [K in SettingName]: (typeof SETTINGS)[K]['default'] };

/** Every setting at its default, as if the environment were empty. */
export const SETTING_DEFAULTS = Object.fromEntries(
  Object.entries(SETTINGS).map(([name, s]) => [name, s.default]),
) as SettingValues;
