import { AppConfig, ConfigError, loadConfig } from './app-config';

const SECRET = 'a-test-secret-of-at-least-32-characters';

describe('loadConfig', () => {
  it('defaults to single-instance mode: embedded database, worker in the API, migrations at start', () => {
    const config = loadConfig({});
    expect(config.singleInstance).toBe(true);
    expect(config.database.mode).toBe('embedded');
    expect(config.database.poolMax).toBe(1);
    expect(config.database.migrateOnStart).toBe(true);
    expect(config.runWorkerInApi).toBe(true);
    expect(config.redis.url).toBeUndefined();
    expect(config.http).toMatchObject({ port: 3000, bodyLimitBytes: 1_048_576 });
    expect(config.database.dataDir).toMatch(/\.data$/);
  });

  it('withDatabaseUrl changes only the database URL, and a config built by name fills in the optional sections', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgresql://a@h/one',
      JWT_SECRET: 'x'.repeat(32),
      EVENTS_BATCH_SIZE: '50',
      LLM_MODEL: 'm',
    });
    const moved = config.withDatabaseUrl('postgresql://a@h/two');
    expect(moved).toBeInstanceOf(AppConfig);
    expect(moved.database).toEqual({ ...config.database, url: 'postgresql://a@h/two' });
    expect({ ...moved, database: undefined }).toEqual({ ...config, database: undefined });
    expect(moved.events.batchSize).toBe(50);
    const { env, http, database, redis, log, runWorkerInApi, auth } = config;
    const minimal = new AppConfig({ env, http, database, redis, log, runWorkerInApi, auth });
    expect(minimal.events.batchSize).toBe(500);
    expect(minimal.idempotency.ttlSeconds).toBe(86_400);
    expect(minimal.llm.model).toBeUndefined();
    expect(minimal.ops.shutdownGraceMs).toBe(25_000);
  });

  it('switches to shared mode with DATABASE_URL: no migrations at start, separate worker', () => {
    const config = loadConfig({
      JWT_SECRET: SECRET,
      DATABASE_URL: 'postgresql://u@db:5432/app',
      REDIS_URL: 'redis://cache:6379',
      DATABASE_POOL_MAX: '25',
    });
    expect(config.singleInstance).toBe(false);
    expect(config.database).toMatchObject({ url: 'postgresql://u@db:5432/app', poolMax: 25, migrateOnStart: false });
    expect(config.runWorkerInApi).toBe(false);
    expect(config.redis.url).toBe('redis://cache:6379');
  });

  it('reads booleans and lets explicit settings win', () => {
    const config = loadConfig({
      JWT_SECRET: SECRET,
      DATABASE_URL: 'postgres://x/y',
      MIGRATE_ON_START: 'true',
      RUN_WORKER_IN_API: 'yes',
      LOG_PRETTY: 'on',
    });
    expect(config.database.migrateOnStart).toBe(true);
    expect(config.runWorkerInApi).toBe(true);
    expect(config.log.pretty).toBe(true);
  });

  it('requires a shared JWT_SECRET once replicas share a database, and draws one per process otherwise', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://x/y' })).toThrow(
      /^Invalid configuration: JWT_SECRET is required when DATABASE_URL is set/,
    );
    expect(() => loadConfig({ JWT_SECRET: 'short' })).toThrow(
      /^Invalid configuration: JWT_SECRET must be at least 32 characters/,
    );
    expect(loadConfig({}).auth.jwtSecret).not.toBe(loadConfig({}).auth.jwtSecret);
    expect(loadConfig({ JWT_SECRET: SECRET }).auth.jwtSecret).toBe(SECRET);
  });

  it("refuses any value that still holds an example's placeholder, naming the variable", () => {
    expect(() => loadConfig({ LLM_API_KEY: 'sk-REPLACE_ME' })).toThrow(
      /^Invalid configuration: LLM_API_KEY is still the example's placeholder \(REPLACE_ME\); set a real value$/,
    );
    expect(() => loadConfig({ DATABASE_URL: 'postgresql://u:REPLACE_ME@db/app', JWT_SECRET: SECRET })).toThrow(
      /DATABASE_URL is still the example's placeholder/,
    );
  });

  it('reads CORS_ORIGINS as a list of origins, empty (CORS off) by default', () => {
    expect(loadConfig({}).http.corsOrigins).toEqual([]);
    expect(loadConfig({ CORS_ORIGINS: 'https://a.example, http://localhost:5173' }).http.corsOrigins).toEqual([
      'https://a.example',
      'http://localhost:5173',
    ]);
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: ' ' }).database.mode).toBe('embedded');
  });

  it.each([
    [{ PORT: 'abc' }, /^Invalid configuration: PORT must be a whole number \(got 'abc'\)$/],
    [{ PORT: '70000' }, /^Invalid configuration: PORT must not be greater than 65535/],
    [{ DATABASE_URL: 'mysql://x' }, /^Invalid configuration: DATABASE_URL must be a postgresql:\/\/ URL$/],
    [{ REDIS_URL: 'http://x' }, /^Invalid configuration: REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL$/],
    [{ LOG_LEVEL: 'loud' }, /^Invalid configuration: LOG_LEVEL must be one of the following values/],
    [
      { CORS_ORIGINS: 'https://a.example/app' },
      /^Invalid configuration: CORS_ORIGINS must be comma-separated origins such as https:\/\/app\.example\.com/,
    ],
    [{ CORS_ORIGINS: '*' }, /^Invalid configuration: CORS_ORIGINS must be comma-separated origins/],
    [{ MIGRATE_ON_START: 'maybe' }, /^Invalid configuration: MIGRATE_ON_START must be true or false \(got 'maybe'\)$/],
  ])('stops on %j with one line naming the variable', (env, message) => {
    let thrown: unknown;
    try {
      loadConfig(env);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as Error).message).toMatch(message);
    expect((thrown as Error).message).not.toContain('\n');
  });

  it('never echoes a URL value, which may hold a password', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://user:secret@x' })).toThrow(/^(?!.*secret)/);
  });

  it('reads the operations settings, decimals where the default has them', () => {
    const config = loadConfig({
      READY_MAX_HEAP_RATIO: '0.8',
      SHUTDOWN_GRACE_MS: '5000',
      READY_MAX_PROJECTION_LAG_SECONDS: '60',
      READY_CHECK_TIMEOUT_MS: '2500',
    });
    expect(config.ops).toMatchObject({
      readyMaxHeapRatio: 0.8,
      shutdownGraceMs: 5000,
      readyMaxProjectionLagSeconds: 60,
      readyCheckTimeoutMs: 2500,
      testSlowRoute: false,
    });
    expect(loadConfig({}).ops.readyCheckTimeoutMs).toBe(1000);
    expect(() => loadConfig({ READY_CHECK_TIMEOUT_MS: '10' })).toThrow(ConfigError);
    expect(() => loadConfig({ SHUTDOWN_GRACE_MS: '1.5' })).toThrow('SHUTDOWN_GRACE_MS must be a whole number');
    expect(() => loadConfig({ READY_MAX_HEAP_RATIO: '2' })).toThrow(ConfigError);
  });

  it('reads TRUST_PROXY through parseTrustProxy: no proxy trusted by default', () => {
    expect(loadConfig({}).http.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).http.trustProxy).toBe(2);
    expect(() => loadConfig({ TRUST_PROXY: 'example.com' })).toThrow(/^Invalid configuration: TRUST_PROXY must be/);
  });
});
