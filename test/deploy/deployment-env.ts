import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The environment each of compose's application services (api, worker, migrate) starts with. */
export function composeEnvironments(): Record<string, NodeJS.ProcessEnv> {
  const compose = parse(readFileSync(path.join(root, 'docker/docker-compose.yml'), 'utf8'), { merge: true });
  const out: Record<string, NodeJS.ProcessEnv> = {};
  for (const [name, service] of Object.entries<any>(compose.services)) {
    if (service.image !== 'task-backend:local') continue;
    out[name] = Object.fromEntries(Object.entries<unknown>(service.environment).map(([k, v]) => [k, String(v)]));
  }
  return out;
}

/**
 * The environment of each container of k8s/ (Deployments and the migration Job), as the kubelet
 * builds it: the ConfigMap and the example Secret through envFrom, then the container's own env.
 */
export function kubernetesEnvironments(): Record<string, NodeJS.ProcessEnv> {
  const dir = path.join(root, 'k8s');
  const docs = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .flatMap((f) => parseAllDocuments(readFileSync(path.join(dir, f), 'utf8')).map((d) => d.toJS()));
  const configMaps = new Map(
    docs.filter((d) => d.kind === 'ConfigMap').map((d) => [d.metadata.name, d.data as Record<string, string>]),
  );
  const secrets = new Map(
    docs.filter((d) => d.kind === 'Secret').map((d) => [d.metadata.name, d.stringData as Record<string, string>]),
  );
  const out: Record<string, NodeJS.ProcessEnv> = {};
  for (const d of docs.filter((x) => x.kind === 'Deployment' || x.kind === 'Job')) {
    for (const c of d.spec.template.spec.containers) {
      const env: NodeJS.ProcessEnv = {};
      for (const from of c.envFrom ?? []) {
        const source = from.configMapRef ? configMaps.get(from.configMapRef.name) : secrets.get(from.secretRef.name);
        if (!source)
          throw new Error(`${d.metadata.name}: envFrom names ${JSON.stringify(from)}, which k8s/ does not define`);
        Object.assign(env, source);
      }
      for (const e of c.env ?? []) env[e.name] = e.value;
      out[`${d.kind}/${d.metadata.name}/${c.name}`] = env;
    }
  }
  return out;
}
