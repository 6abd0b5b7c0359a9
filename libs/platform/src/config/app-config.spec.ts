import { ConfigError, loadConfig } from './app-config';

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

  it('switches to shared mode with DATABASE_URL: no migrations at start, separate worker', () => {
    const config = loadConfig({ JWT_SECRET: SECRET, DATABASE_URL: 'postgresql://u@db:5432/app', REDIS_URL: 'redis://cache:6379', DATABASE_POOL_MAX: '25' });
    expect(config.singleInstance).toBe(false);
    expect(config.database).toMatchObject({ url: 'postgresql://u@db:5432/app', poolMax: 25, migrateOnStart: false });
    expect(config.runWorkerInApi).toBe(false);
    expect(config.redis.url).toBe('redis://cache:6379');
  });

  it('reads booleans and lets explicit settings win', () => {
    const config = loadConfig({ JWT_SECRET: SECRET, DATABASE_URL: 'postgres://x/y', MIGRATE_ON_START: 'true', RUN_WORKER_IN_API: 'yes', LOG_PRETTY: 'on' });
    expect(config.database.migrateOnStart).toBe(true);
    expect(config.runWorkerInApi).toBe(true);
    expect(config.log.pretty).toBe(true);
  });

  it('requires a shared JWT_SECRET once replicas share a database, and draws one per process otherwise', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://x/y' })).toThrow(/^Invalid configuration: JWT_SECRET is required when DATABASE_URL is set/);
    expect(() => loadConfig({ JWT_SECRET: 'short' })).toThrow(/^Invalid configuration: JWT_SECRET must be at least 32 characters/);
    expect(loadConfig({}).auth.jwtSecret).not.toBe(loadConfig({}).auth.jwtSecret);
    expect(loadConfig({ JWT_SECRET: SECRET }).auth.jwtSecret).toBe(SECRET);
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
});
