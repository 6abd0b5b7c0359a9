import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { METRIC_NAMES } from '../../libs/platform/src/metrics/metric-names';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (p: string) => readFileSync(path.join(root, p), 'utf8');

/** Dockerfile instructions with continuation lines joined, comments dropped. */
function instructions(text: string): { op: string; args: string }[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

describe('docker/Dockerfile', () => {
  const all = instructions(read('docker/Dockerfile'));
  const args = Object.fromEntries(all.filter((i) => i.op === 'ARG').map((i) => i.args.split('=')));
  const stages: { name: string; from: string; steps: { op: string; args: string }[] }[] = [];
  for (const i of all) {
    if (i.op === 'FROM') {
      const [image, , name] = i.args.split(/\s+/);
      stages.push({ name, from: image.replace(/\$\{(\w+)\}/g, (_, a) => args[a]), steps: [] });
    } else stages.at(-1)?.steps.push(i);
  }
  const runtime = stages.at(-1)!;

  it('is multi-stage on a slim Node LTS image', () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
    for (const s of stages) {
      const major = Number(/^node:(\d+)-[\w-]*slim$/.exec(s.from)?.[1]);
      expect(major % 2).toBe(0);
      expect(major).toBeGreaterThanOrEqual(22);
    }
  });

  it('runs on the Node that CI tests last, and CI tests exactly the majors package.json claims (.ci/run)', () => {
    const ci = /^CI_NODE_VERSIONS="([\d. ]+)"$/m.exec(read('.ci/run'))?.[1].split(' ');
    expect(ci).toBeDefined();
    const majors = ci!.map((v) => Number(v.split('.')[0]));
    for (const s of stages) expect(Number(/^node:(\d+)-/.exec(s.from)?.[1])).toBe(majors.at(-1));
    // engines: caret ranges, one per supported major.
    const ranges = JSON.parse(read('package.json'))
      .engines.node.split('||')
      .map((r: string) => /^\^(\d+)\.(\d+)\.(\d+)$/.exec(r.trim())!.slice(1).map(Number));
    expect(ranges.map((r: number[]) => r[0])).toEqual(majors);
    ci!.forEach((version, i) => {
      const [major, minor, patch] = version.split('.').map(Number);
      const [, minMinor, minPatch] = ranges[i];
      expect(minor * 1e6 + patch).toBeGreaterThanOrEqual(minMinor * 1e6 + minPatch);
      expect(major).toBe(ranges[i][0]);
    });
  });

  it('ships production dependencies only, installed without scripts', () => {
    const deps = stages.find((s) =>
      s.steps.some((i) => i.op === 'RUN' && /npm (install|ci)\b.*--omit=dev/.test(i.args)),
    )!;
    expect(deps).toBeDefined();
    expect(deps.steps.find((i) => i.op === 'RUN' && /npm/.test(i.args))!.args).toContain('--ignore-scripts');
    const copiedModules = runtime.steps.filter((i) => i.op === 'COPY' && /node_modules/.test(i.args));
    expect(copiedModules.map((i) => /--from=(\S+)/.exec(i.args)?.[1])).toEqual([deps.name]);
    expect(runtime.steps.some((i) => i.op === 'RUN' && /npm (install|ci)/.test(i.args))).toBe(false);
  });

  it('copies only the compiled code from the build, not the embedded database seed it also writes', () => {
    const fromBuild = runtime.steps
      .filter((i) => i.op === 'COPY' && /--from=build\b/.test(i.args))
      .map((i) => i.args.split(/\s+/).filter((a) => !a.startsWith('--')));
    expect(fromBuild).toEqual([
      ['/app/dist/apps', './dist/apps'],
      ['/app/dist/libs', './dist/libs'],
    ]);
    // What the build writes besides those two: the seed, which only embedded mode (no DATABASE_URL) reads.
    expect(read('package.json')).toContain('node dist/apps/cli/src/embedded-seed.js');
    expect(read('apps/api/src/embedded-seed-path.ts')).toContain("'../../../embedded-seed'");
  });

  it('installs exactly what the lockfile pins (npm ci), in every stage', () => {
    const installs = stages
      .flatMap((s) => s.steps)
      .filter((i) => i.op === 'RUN' && /\bnpm (install|i|ci)\b/.test(i.args));
    expect(installs.length).toBeGreaterThanOrEqual(2);
    for (const i of installs) expect(i.args).toMatch(/^npm ci\b/);
  });

  it('runs as a non-root user, tracing loaded first, api by default', () => {
    const users = runtime.steps.filter((i) => i.op === 'USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)!.args).not.toMatch(/^(root|0)(:|$)/);
    const entrypoint = JSON.parse(runtime.steps.find((i) => i.op === 'ENTRYPOINT')!.args);
    expect(entrypoint).toEqual(['node', '--import', './dist/libs/platform/src/tracing/register.js']);
    expect(existsSync(path.join(root, 'libs/platform/src/tracing/register.ts'))).toBe(true);
    expect(JSON.parse(runtime.steps.find((i) => i.op === 'CMD')!.args)).toEqual(['dist/apps/api/src/main.js']);
    expect(runtime.steps.some((i) => i.op === 'COPY' && /prisma\/migrations/.test(i.args))).toBe(true);
  });

  it('keeps dependencies, outputs, secrets and git out of the build context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim());
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.git', '.env', '.data']));
  });
});

describe('docker/docker-compose.yml', () => {
  const compose = parse(read('docker/docker-compose.yml'), { merge: true });
  const s = compose.services;

  it('has the whole stack', () => {
    expect(Object.keys(s).sort()).toEqual([
      'api',
      'grafana',
      'jaeger',
      'migrate',
      'postgres',
      'prometheus',
      'redis',
      'worker',
    ]);
    for (const name of ['api', 'worker', 'migrate'])
      expect(s[name].build).toEqual({ context: '..', dockerfile: 'docker/Dockerfile' });
  });

  it('migrates once before the api and worker start', () => {
    expect(s.migrate.command).toEqual(['dist/apps/cli/src/db-migrate.js']);
    expect(s.migrate.restart).toBe('no');
    expect(s.migrate.depends_on.postgres.condition).toBe('service_healthy');
    for (const name of ['api', 'worker']) {
      expect(s[name].depends_on.migrate.condition).toBe('service_completed_successfully');
      expect(s[name].command).toEqual([`dist/apps/${name}/src/main.js`]);
    }
  });

  it('checks health on the port the app listens on, and publishes that port', () => {
    for (const name of ['api', 'worker']) {
      const port = s[name].environment.PORT;
      expect(s[name].healthcheck.test.join(' ')).toContain(`http://127.0.0.1:${port}/ready`);
      expect(s[name].ports[0].split(':')[1]).toBe(port);
      expect(s[name].environment.DATABASE_URL).toMatch(/@postgres:5432\//);
      expect(s[name].environment.REDIS_URL).toBe('redis://redis:6379');
      expect(s[name].environment.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://jaeger:4318');
    }
    expect(s.postgres.healthcheck.test.join(' ')).toContain('pg_isready');
    expect(s.redis.healthcheck.test).toContain('ping');
  });

  it('scrapes api and worker /metrics, and provisions Grafana with a dashboard of the documented metrics', () => {
    const prometheus = parse(read('docker/prometheus/prometheus.yml'));
    const targets = prometheus.scrape_configs.flatMap((c: any) => c.static_configs.flatMap((sc: any) => sc.targets));
    expect(targets.sort()).toEqual([`api:${s.api.environment.PORT}`, `worker:${s.worker.environment.PORT}`]);
    for (const c of prometheus.scrape_configs) expect(c.metrics_path).toBe('/metrics');
    for (const v of [...s.prometheus.volumes, ...s.grafana.volumes])
      expect(existsSync(path.join(root, 'docker', v.split(':')[0]))).toBe(true);
    const datasource = parse(read('docker/grafana/provisioning/datasources/datasource.yml'));
    expect(datasource.datasources[0]).toMatchObject({
      type: 'prometheus',
      url: 'http://prometheus:9090',
      uid: 'prometheus',
    });
    const dashboard = JSON.parse(read('docker/grafana/dashboards/task-backend.json'));
    const exprs = dashboard.panels.flatMap((p: any) => p.targets.map((t: any) => t.expr)).join('\n');
    for (const { name } of Object.values(METRIC_NAMES)) expect(exprs).toContain(name);
    const alerts = read('docker/prometheus/alerts.yml');
    for (const name of ['http_request_duration_seconds', 'projection_lag_seconds', 'dead_letters'])
      expect(alerts).toContain(name);
  });
});
