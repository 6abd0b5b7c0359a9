import { ensureBuilt, spawnNode } from '../support/compiled-app';
import { kubernetesEnvironments } from './deployment-env';

describe('the compiled service refuses to start on the example Secret as shipped', () => {
  beforeAll(() => ensureBuilt(), 300_000);

  it.each([
    ['api', 'Deployment/task-api/api', 'dist/apps/api/src/main.js'],
    ['worker', 'Deployment/task-worker/worker', 'dist/apps/worker/src/main.js'],
    ['migrations', 'Job/task-backend-migrate/migrate', 'dist/apps/cli/src/db-migrate.js'],
  ])(
    '%s exits 1 with one line naming the placeholder',
    async (_role, container, entry) => {
      const env = { PATH: process.env.PATH, ...kubernetesEnvironments()[container], OTEL_SDK_DISABLED: 'true' };
      const run = spawnNode([entry], env);
      expect(await run.exited).toBe(1);
      expect(run.output().trim()).toMatch(
        /^Invalid configuration: (DATABASE_URL|JWT_SECRET) is still the example's placeholder \(REPLACE_ME\); set a real value$/,
      );
    },
    60_000,
  );
});
