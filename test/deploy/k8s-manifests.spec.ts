import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { SETTINGS } from '../../libs/platform/src/config/settings';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = path.join(root, 'k8s');
const require = createRequire(import.meta.url);

interface Manifest {
  file: string;
  doc: any;
}

const manifests: Manifest[] = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
  .flatMap((file) =>
    parseAllDocuments(readFileSync(path.join(dir, file), 'utf8')).map((d) => {
      if (d.errors.length) throw new Error(`${file}: ${d.errors[0].message}`);
      return { file, doc: d.toJS() };
    }),
  );

/**
 * kubernetes-models ships the Kubernetes OpenAPI schemas as precompiled validators inside the
 * npm package: validation needs no network (it does not catch unknown fields, hence the explicit
 * checks below).
 */
function modelFor(apiVersion: string, kind: string): new (data: unknown) => { validate(): void } {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : [undefined, apiVersion];
  const modulePath = ['kubernetes-models', group, version, kind].filter(Boolean).join('/');
  return require(modulePath)[kind];
}

const byKind = (kind: string) => manifests.filter((m) => m.doc.kind === kind).map((m) => m.doc);
const deployment = (name: string) => byKind('Deployment').find((d) => d.metadata.name === name);
const configMap = byKind('ConfigMap')[0];

describe('k8s manifests', () => {
  it('holds every kind the deployment needs', () => {
    expect(new Set(manifests.map((m) => m.doc.kind))).toEqual(
      new Set([
        'ConfigMap',
        'Secret',
        'Deployment',
        'Service',
        'HorizontalPodAutoscaler',
        'PodDisruptionBudget',
        'Job',
      ]),
    );
    expect(
      byKind('Deployment')
        .map((d) => d.metadata.name)
        .sort(),
    ).toEqual(['task-api', 'task-worker']);
  });

  it.each(manifests.map((m) => [`${m.file} ${m.doc.kind}/${m.doc.metadata?.name}`, m] as const))(
    '%s validates against the Kubernetes schema',
    (_name, m) => {
      const Model = modelFor(m.doc.apiVersion, m.doc.kind);
      expect(() => new Model(m.doc).validate()).not.toThrow();
    },
  );

  it('rejects an invalid manifest (the validator really validates)', () => {
    const bad = structuredClone(deployment('task-api'));
    bad.spec.template.spec.containers[0].ports[0].containerPort = 'three thousand';
    expect(() => new (modelFor('apps/v1', 'Deployment'))(bad).validate()).toThrow(/containerPort/);
  });

  it.each(['task-api', 'task-worker'])('%s probes /health and /ready on the port the app listens on', (name) => {
    const d = deployment(name);
    const pod = d.spec.template.spec;
    const [c] = pod.containers;
    const port = Number(configMap.data.PORT);
    expect(port).toBe(SETTINGS.PORT.default);
    expect(c.ports).toEqual([{ name: 'http', containerPort: port, protocol: 'TCP' }]);
    expect(c.livenessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'http' });
    expect(c.startupProbe.httpGet).toEqual({ path: '/ready', port: 'http' });
    expect(c.envFrom).toEqual(
      expect.arrayContaining([
        { configMapRef: { name: configMap.metadata.name } },
        { secretRef: { name: byKind('Secret')[0].metadata.name } },
      ]),
    );
    expect(c.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
    expect(c.resources.limits).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(c.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
    expect(pod.volumes).toContainEqual({ name: 'tmp', emptyDir: expect.any(Object) });
    expect(pod.topologySpreadConstraints.length).toBeGreaterThan(0);
    for (const t of pod.topologySpreadConstraints)
      expect(t.labelSelector.matchLabels).toEqual(d.spec.selector.matchLabels);
    expect(d.spec.template.metadata.labels).toMatchObject(d.spec.selector.matchLabels);
    expect(c.args).toEqual([`dist/apps/${name.replace('task-', '')}/src/main.js`]);
    // Drain delay and grace period fit in the pod's termination grace period.
    const drain = Number(configMap.data.SHUTDOWN_DRAIN_DELAY_MS);
    const grace = Number(configMap.data.SHUTDOWN_GRACE_MS);
    expect(drain).toBeLessThan(grace);
    expect(grace).toBeLessThan(pod.terminationGracePeriodSeconds * 1000);
  });

  it('routes the Service, HPA and PDBs to the right pods and port', () => {
    const [svc] = byKind('Service');
    expect(svc.spec.selector).toEqual(deployment('task-api').spec.selector.matchLabels);
    expect(svc.spec.ports[0].targetPort).toBe('http');
    const [hpa] = byKind('HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'task-api' });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    const pdbSelectors = byKind('PodDisruptionBudget').map((p) => p.spec.selector.matchLabels);
    expect(pdbSelectors).toEqual(
      expect.arrayContaining([
        deployment('task-api').spec.selector.matchLabels,
        deployment('task-worker').spec.selector.matchLabels,
      ]),
    );
  });

  it('runs the compiled migration as a Job, non-root and read-only', () => {
    const [job] = byKind('Job');
    const [c] = job.spec.template.spec.containers;
    expect(c.command).toEqual(['node', 'dist/apps/cli/src/db-migrate.js']);
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    expect(job.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
  });

  it('configures only variables the app knows (or OpenTelemetry standard ones)', () => {
    const known = new Set(Object.keys(SETTINGS));
    const keys = [...Object.keys(configMap.data), ...Object.keys(byKind('Secret')[0].stringData)];
    for (const d of byKind('Deployment'))
      for (const e of d.spec.template.spec.containers[0].env ?? []) keys.push(e.name);
    expect(keys.filter((k) => !known.has(k) && !k.startsWith('OTEL_'))).toEqual([]);
  });

  it('lists every manifest but the examples and the Job in kustomization.yaml', () => {
    const kustomization = parseAllDocuments(readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8'))[0].toJS();
    const files = new Set(manifests.map((m) => m.file));
    expect(new Set(kustomization.resources)).toEqual(
      new Set([...files].filter((f) => !['secret.example.yaml', 'migrate-job.yaml'].includes(f))),
    );
  });
});
