import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { services } from '../support/services';
import { root } from './deployment-env';

/** promtool comes with Debian's `prometheus` package (.ci/run installs it). */
const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0 ? 'promtool' : undefined;
const check = (...args: string[]) =>
  spawnSync(promtool!, ['check', ...args], { cwd: path.join(root, 'docker/prometheus'), encoding: 'utf8' });

if (services.required) {
  it('promtool is installed (TEST_REQUIRE_SERVICES: the Prometheus checks must run)', () =>
    expect(promtool).toBeDefined());
}

(promtool ? describe : describe.skip)(
  `docker/prometheus passes promtool check${promtool ? '' : ' (did not run: promtool not installed)'}`,
  () => {
    it('prometheus.yml, with the rule files it names', () => {
      const result = check('config', 'prometheus.yml');
      expect(result.stdout + result.stderr).toMatch(/SUCCESS: 1 rule files found/);
      expect(result.status).toBe(0);
    });

    it('alerts.yml', () => {
      const result = check('rules', 'alerts.yml');
      expect(result.stdout + result.stderr).toMatch(/SUCCESS: \d+ rules found/);
      expect(result.status).toBe(0);
    });

    it('fails on a broken rule (the check really checks)', () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'tb-promtool-'));
      try {
        writeFileSync(
          path.join(dir, 'bad.yml'),
          'groups:\n  - name: x\n    rules:\n      - alert: Bad\n        expr: sum(rate(x[5m]) >\n',
        );
        const result = spawnSync(promtool!, ['check', 'rules', path.join(dir, 'bad.yml')], { encoding: 'utf8' });
        expect(result.stdout + result.stderr).toMatch(/FAILED/);
        expect(result.status).not.toBe(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);
