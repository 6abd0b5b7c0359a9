import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { ConfigError, loadConfig, PLACEHOLDER_MARK } from '../../libs/platform/src/config/app-config';
import { composeEnvironments, kubernetesEnvironments, root } from './deployment-env';

/** What an operator does with the example Secret: every marked placeholder gets a real value. */
const filled = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv =>
  Object.fromEntries(
    Object.entries(env).map(([k, v]) => [k, v?.replaceAll(PLACEHOLDER_MARK, 'filled-in-by-the-operator')]),
  );

describe('the shipped deployments start with the configuration they give the service', () => {
  const compose = composeEnvironments();
  const kubernetes = kubernetesEnvironments();

  it('finds every application container', () => {
    expect(Object.keys(compose).sort()).toEqual(['api', 'migrate', 'worker']);
    expect(Object.keys(kubernetes).sort()).toEqual([
      'Deployment/task-api/api',
      'Deployment/task-worker/worker',
      'Job/task-backend-migrate/migrate',
    ]);
  });

  it.each(Object.keys(compose))(
    'compose service %s: the config loader accepts its environment as shipped (shared PostgreSQL and Redis)',
    (name) => {
      const config = loadConfig(compose[name]);
      expect(config.database.mode).toBe('postgres');
      expect(config.redis.url).toBeDefined();
      expect(config.auth.jwtSecret).toBe(compose[name].JWT_SECRET);
    },
  );

  it('compose gives api and worker the same JWT_SECRET (tokens one issues, the other accepts)', () => {
    expect(compose.api.JWT_SECRET).toBe(compose.worker.JWT_SECRET);
  });

  it.each(Object.keys(kubernetes))(
    'k8s %s: the config loader accepts ConfigMap + example Secret once its placeholders are filled',
    (name) => {
      const config = loadConfig(filled(kubernetes[name]));
      expect(config.database.mode).toBe('postgres');
      expect(config.redis.url).toBeDefined();
      expect(config.database.migrateOnStart).toBe(false);
      expect(config.runWorkerInApi).toBe(false);
    },
  );

  it.each(Object.keys(kubernetes))('k8s %s: refuses the example Secret as it is, naming the placeholder', (name) => {
    expect(() => loadConfig(kubernetes[name])).toThrow(ConfigError);
    expect(() => loadConfig(kubernetes[name])).toThrow(
      new RegExp(`is still the example's placeholder \\(${PLACEHOLDER_MARK}\\)`),
    );
  });

  it('fails when a setting the service requires is missing (the check has teeth)', () => {
    const { JWT_SECRET: _dropped, ...withoutSecret } = compose.api;
    expect(() => loadConfig(withoutSecret)).toThrow(/JWT_SECRET is required/);
    const k8s = filled(kubernetes['Deployment/task-api/api']);
    delete k8s.JWT_SECRET;
    expect(() => loadConfig(k8s)).toThrow(/JWT_SECRET is required/);
  });

  it("README's kubectl line creates the example Secret's keys, with the same placeholder", () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const command = /kubectl create secret generic task-backend-secrets((?:[^\n]*\\\n)*[^\n]*)/.exec(readme)?.[0];
    expect(command).toBeDefined();
    const literals = Object.fromEntries(
      [...command!.matchAll(/--from-literal=(\w+)=('[^']*'|"[^"]*"|\S+)/g)].map((m) => [
        m[1],
        m[2].replace(/^['"]|['"]$/g, ''),
      ]),
    );
    const secret = parse(readFileSync(path.join(root, 'k8s/secret.example.yaml'), 'utf8'));
    expect(Object.keys(literals).sort()).toEqual(Object.keys(secret.stringData).sort());
    expect(literals.DATABASE_URL).toBe(secret.stringData.DATABASE_URL);
    expect(literals.JWT_SECRET).toBe('$(openssl rand -base64 32)');
  });
});
