import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
} from 'class-validator';

/**
 * Every environment variable the service reads, with its rule and default. Validated once at
 * start; the first violation stops the process with one line that names the variable.
 * The README's configuration table mirrors this class.
 */
export class Environment {
  @IsOptional() @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @IsInt() @Min(0) @Max(65535)
  PORT = 3000;

  @IsString() @MinLength(1)
  HOST = '0.0.0.0';

  @IsOptional() @Matches(/^postgres(ql)?:\/\/.+/, { message: '$property must be a postgresql:// URL' })
  DATABASE_URL?: string;

  @IsInt() @Min(1) @Max(1000)
  DATABASE_POOL_MAX = 10;

  @IsInt() @Min(100) @Max(120_000)
  DATABASE_ACQUIRE_TIMEOUT_MS = 5_000;

  @IsInt() @Min(0) @Max(3_600_000)
  DATABASE_STATEMENT_TIMEOUT_MS = 30_000;

  @IsString() @MinLength(1)
  DATA_DIR = './.data';

  @IsOptional() @IsBoolean()
  MIGRATE_ON_START?: boolean;

  @IsOptional() @Matches(/^rediss?:\/\/.+/, { message: '$property must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  @IsInt() @Min(50) @Max(60_000)
  REDIS_COMMAND_TIMEOUT_MS = 500;

  @IsInt() @Min(50) @Max(60_000)
  REDIS_CONNECT_TIMEOUT_MS = 2_000;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  @IsBoolean()
  LOG_PRETTY = false;

  /** Comma-separated origins (scheme://host[:port]) browsers may call the API from; unset: no CORS. */
  @IsOptional() @Matches(/^https?:\/\/[^\s/,]+(\s*,\s*https?:\/\/[^\s/,]+)*$/, { message: '$property must be comma-separated origins such as https://app.example.com' })
  CORS_ORIGINS?: string;

  @IsInt() @Min(1024) @Max(100 * 1024 * 1024)
  BODY_LIMIT_BYTES = 1_048_576;

  @IsOptional() @IsBoolean()
  RUN_WORKER_IN_API?: boolean;

  /** Whose X-Forwarded-For to believe: unset or `false` (nobody), a hop count, or addresses and CIDRs. */
  @IsOptional() @IsString()
  TRUST_PROXY?: string;

  @IsInt() @Min(0) @Max(600_000)
  SHUTDOWN_DRAIN_DELAY_MS = 0;

  @IsOptional() @IsString() @MinLength(32, { message: '$property must be at least 32 characters' })
  JWT_SECRET?: string;

  @IsInt() @Min(30) @Max(86_400)
  ACCESS_TOKEN_TTL_SECONDS = 900;

  @IsInt() @Min(1) @Max(30 * 24 * 3600)
  IDEMPOTENCY_TTL_SECONDS = 86_400;

  @IsInt() @Min(200) @Max(600_000)
  IDEMPOTENCY_LEASE_MS = 15_000;

  @IsString() @Matches(/^[\x21-\x7e]{1,64}$/, { message: '$property must be 1 to 64 visible ASCII characters' })
  IDEMPOTENCY_REDIS_PREFIX = 'idem:';

  @IsInt() @Min(1_000) @Max(3_600_000)
  SHUTDOWN_GRACE_MS = 25_000;

  @IsNumber() @Min(0.1) @Max(1)
  READY_MAX_HEAP_RATIO = 0.95;

  @IsInt() @Min(0)
  READY_MIN_FREE_DISK_BYTES = 52_428_800;

  @IsInt() @Min(0) @Max(86_400)
  READY_MAX_PROJECTION_LAG_SECONDS = 0;

  @IsInt() @Min(50) @Max(60_000)
  READY_CHECK_TIMEOUT_MS = 1_000;

  @IsBoolean()
  TEST_SLOW_ROUTE = false;

  @IsInt() @Min(1) @Max(1000)
  EVENTS_MAX_ATTEMPTS = 5;

  @IsInt() @Min(1) @Max(600_000)
  EVENTS_RETRY_BASE_MS = 200;

  @IsInt() @Min(1) @Max(10_000)
  EVENTS_BATCH_SIZE = 500;

  @IsInt() @Min(10) @Max(600_000)
  EVENTS_POLL_INTERVAL_MS = 1_000;

  @IsInt() @Min(10) @Max(600_000)
  EVENTS_LEASE_RETRY_MS = 2_000;

  @IsInt() @Min(0) @Max(60_000)
  CONSISTENCY_WAIT_MS = 5_000;

  @IsString() @Matches(/^[\w.:-]{1,200}$/, { message: '$property must be a Redis key (letters, digits, . : _ -)' })
  EVENTS_STREAM = 'task-backend.events';

  // Signup and access (libs/signup, libs/access).
  @IsOptional() @IsString()
  ADMIN_EMAILS?: string;

  @IsInt() @Min(60) @Max(31_536_000)
  REFRESH_TOKEN_TTL_SECONDS = 2_592_000;

  /** After a rotation, how long the rotated token still yields a pair in its family (a client retrying a lost response); 0: never. */
  @IsInt() @Min(0) @Max(300)
  REFRESH_TOKEN_REUSE_INTERVAL_SECONDS = 10;

  @IsInt() @Min(4) @Max(16)
  BCRYPT_COST = 12;

  /** 0: the number of cores. */
  @IsInt() @Min(0) @Max(64)
  SIGNUP_HASH_CONCURRENCY = 0;

  @IsInt() @Min(0) @Max(19)
  SIGNUP_HASH_NICE = 10;

  @IsInt() @Min(0) @Max(100_000)
  SIGNUP_QUEUE_MAX = 200;

  @IsInt() @Min(1) @Max(1_000_000)
  LOGIN_RATE_LIMIT_PER_EMAIL = 10;

  @IsInt() @Min(1) @Max(1_000_000)
  LOGIN_RATE_LIMIT_PER_IP = 100;

  @IsInt() @Min(1) @Max(86_400)
  LOGIN_RATE_LIMIT_WINDOW_SECONDS = 900;

  @IsString() @MinLength(1)
  RATE_LIMIT_KEY_PREFIX = 'tb:rl';

  @IsOptional() @Matches(/^https?:\/\/.+/, { message: '$property must be an http:// or https:// URL' })
  LLM_BASE_URL?: string;

  @IsOptional() @IsString() @MinLength(1)
  LLM_MODEL?: string;

  @IsOptional() @IsString()
  LLM_API_KEY?: string;

  @IsInt() @Min(100) @Max(120_000)
  LLM_TIMEOUT_MS = 10_000;

  @IsInt() @Min(0) @Max(5)
  LLM_RETRIES = 2;
}
