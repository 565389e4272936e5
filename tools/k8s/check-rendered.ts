/**
 * `node tools/k8s/check-rendered.ts <dapr-annotations.go> <rendered.yaml>...`: what a
 * Kubernetes API server cannot know about the chart's output, checked against the
 * repo itself (tools/k8s/check.sh runs it on every rendered values file):
 *
 * 1. the Ingress routes the /api prefixes exactly as the edge does locally
 *    (services/edge/src/domain/route-table.ts), and sends /, /openapi.json and
 *    /api/auth to the edge;
 * 2. every `dapr.io/*` pod annotation is one the pinned Dapr sidecar injector
 *    knows (a misspelt annotation is silently ignored by Dapr);
 * 3. every environment variable of a service container is one the services
 *    read (packages/platform/src/config.ts, services/edge/src/config.ts);
 * 4. the Resiliency, Configuration and Component resources say what
 *    components/*.yaml says, except for the values a cluster must differ in
 *    (hosts, passwords, the notification sink, name resolution).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse, parseAllDocuments } from 'yaml';
import { routeTable } from '../../services/edge/src/domain/route-table.ts';

type Obj = Record<string, unknown>;
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  spec?: Obj;
  scopes?: string[];
}

const root = new URL('../../', import.meta.url).pathname;
const [annotationsGo, ...files] = process.argv.slice(2);
if (!annotationsGo || files.length === 0) {
  console.error(
    'usage: node tools/k8s/check-rendered.ts <dapr pkg/injector/annotations/annotations.go> <rendered.yaml>...',
  );
  process.exit(2);
}

const knownAnnotations = new Set(
  [...readFileSync(annotationsGo, 'utf8').matchAll(/"(dapr\.io\/[a-z0-9-]+)"/g)].map((m) => m[1]),
);
const configSources = ['packages/platform/src/config.ts', 'services/edge/src/config.ts'];
const envNames = new Set(
  configSources.flatMap((f) =>
    [...readFileSync(join(root, f), 'utf8').matchAll(/^\s+([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]),
  ),
);
// Set only through values.<service>.extraEnv in the CI values; Node reads it, not the services.
const runtimeEnv = new Set(['NODE_OPTIONS']);
const services = ['order', 'payment', 'store', 'delivery', 'customer', 'edge'];

const local = new Map<string, K8sObject>();
for (const f of readdirSync(join(root, 'components')).filter((n) => n.endsWith('.yaml'))) {
  const doc = parse(readFileSync(join(root, 'components', f), 'utf8')) as K8sObject;
  local.set(`${doc.kind}/${doc.metadata.name}`, doc);
}

/** Metadata items a cluster legitimately sets differently from the local stack. */
const substituted = new Set(['redisHost', 'redisPassword', 'enableTLS', 'rootPath']);

function metadataMap(spec: Obj | undefined): Map<string, unknown> {
  const items = (spec?.metadata ?? []) as { name: string }[];
  return new Map(items.map((i) => [i.name, i]));
}

function checkFile(file: string): string[] {
  const problems: string[] = [];
  const docs = parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJS() as K8sObject | null)
    .filter((d): d is K8sObject => d !== null);
  const byKind = (kind: string) => docs.filter((d) => d.kind === kind);

  // 1. Ingress routes.
  for (const ing of byKind('Ingress')) {
    const fullname = ing.metadata.name;
    // The chart's componentName: <fullname>-<component>, cut to 63 characters.
    const svc = (name: string) => `${fullname}-${name}`.slice(0, 63).replace(/-+$/, '');
    const rules = (ing.spec?.rules ?? []) as { http: { paths: Obj[] } }[];
    const got = rules.flatMap((r) =>
      r.http.paths.map((p) => {
        const service = (p.backend as { service: { name: string } }).service.name;
        return `${String(p.pathType)} ${String(p.path)} -> ${service}`;
      }),
    );
    const want = [
      ...routeTable.map((r) => `Prefix ${r.prefix} -> ${svc(r.upstream)}`),
      `Prefix /api/auth -> ${svc('edge')}`,
      `Exact /openapi.json -> ${svc('edge')}`,
      `Prefix / -> ${svc('edge')}`,
    ];
    for (const w of want) if (!got.includes(w)) problems.push(`Ingress lacks the edge's route "${w}"`);
    for (const g of got) if (!want.includes(g)) problems.push(`Ingress has a route the edge does not: "${g}"`);
  }

  // 2 and 3. Pod annotations and environment of the services.
  for (const dep of byKind('Deployment')) {
    const template = (dep.spec?.template ?? {}) as {
      metadata?: { annotations?: Record<string, string> };
      spec: { containers: { name: string; env?: { name: string }[] }[] };
    };
    for (const key of Object.keys(template.metadata?.annotations ?? {})) {
      if (key.startsWith('dapr.io/') && !knownAnnotations.has(key)) {
        problems.push(`${dep.metadata.name}: the Dapr injector knows no annotation "${key}"`);
      }
    }
    for (const c of template.spec.containers.filter((c) => services.includes(c.name))) {
      for (const { name } of c.env ?? []) {
        if (!envNames.has(name) && !runtimeEnv.has(name)) {
          problems.push(`${dep.metadata.name}: env ${name} is read by no service (${configSources.join(', ')})`);
        }
      }
    }
  }

  // 4. Dapr resources against components/.
  for (const res of docs.filter((d) => d.apiVersion.startsWith('dapr.io/'))) {
    const id = `${res.kind}/${res.metadata.name}`;
    const src = local.get(id);
    if (!src) {
      problems.push(`${id} has no counterpart in components/`);
      continue;
    }
    if (res.kind === 'Resiliency' && !isDeepStrictEqual(res.spec, src.spec)) {
      problems.push(`${id}: spec differs from components/`);
    }
    if (res.kind === 'Configuration') {
      // Name resolution is Kubernetes DNS in a cluster; tracing may be merged with values.
      const without = (spec: Obj | undefined, ...keys: string[]) =>
        Object.fromEntries(Object.entries(spec ?? {}).filter(([k]) => !keys.includes(k)));
      if (!isDeepStrictEqual(without(res.spec, 'tracing'), without(src.spec, 'tracing', 'nameResolution')))
        problems.push(`${id}: spec differs from components/ (beyond tracing)`);
    }
    if (res.kind === 'Component') {
      if (!isDeepStrictEqual(res.scopes, src.scopes)) problems.push(`${id}: scopes differ from components/`);
      // A component whose type the values switched (Kafka, HTTP sink) has its own metadata.
      if (res.spec?.type !== src.spec?.type) continue;
      const want = metadataMap(src.spec);
      const got = metadataMap(res.spec);
      for (const [name, item] of want) {
        if (substituted.has(name)) continue;
        if (!got.has(name)) problems.push(`${id}: metadata "${name}" of components/ is missing`);
        else if (!isDeepStrictEqual(got.get(name), item))
          problems.push(`${id}: metadata "${name}" differs from components/`);
      }
    }
  }
  for (const id of local.keys()) {
    if (!docs.some((d) => `${d.kind}/${d.metadata.name}` === id))
      problems.push(`components/ has ${id}; the chart does not`);
  }
  return problems;
}

let failed = false;
for (const file of files) {
  const problems = checkFile(file);
  if (problems.length) {
    failed = true;
    console.error(`[check-rendered] ${basename(file)}:\n  - ${problems.join('\n  - ')}`);
  } else {
    console.error(`[check-rendered] ${basename(file)}: routes, Dapr annotations, env names, Dapr resources ok`);
  }
}
process.exit(failed ? 1 : 0);
