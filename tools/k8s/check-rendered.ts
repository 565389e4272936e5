/**
 * `node tools/k8s/check-rendered.ts <dapr-annotations.go> <rendered.yaml>...`: what a
 * Kubernetes API server cannot know about the chart's output, checked against the
 * repo itself (tools/k8s/check.sh runs it on every rendered values file):
 *
 * 1. the Ingress routes exactly the paths computed from the route table of
 *    the contracts (tools/k8s/chart-routes.ts): the /api prefixes as the edge
 *    proxies them locally (services/edge/src/domain/route-table.ts), the
 *    fault-injection ones only when the services run with
 *    FAULT_INJECTION=true, and everything else (Prefix `/`) to the edge; every
 *    path passes ingress-nginx's strict path validation (`^[A-Za-z0-9/_-]+$`);
 *    the edge's pages (web UI, /openapi.json, /asyncapi.json, /problems) reach
 *    the edge; no route reaches a service's probe or metrics path (/healthz,
 *    /readyz, /metrics) — the edge hides its own from forwarded requests;
 * 2. every `dapr.io/*` pod annotation is one the pinned Dapr sidecar injector
 *    knows (a misspelt annotation is silently ignored by Dapr);
 * 3. every environment variable of a service container is one the services
 *    read (packages/platform/src/config.ts, services/edge/src/config.ts);
 * 4. the Resiliency, Configuration and Component resources say what
 *    components/*.yaml says, except for the values a cluster must differ in
 *    (hosts, brokers, credentials, the notification sink, name resolution).
 *    Several files may define one resource (`pubsub`: pubsub.yaml for Redis
 *    Streams, pubsub-kafka.yaml for Kafka); a rendered Component is compared
 *    with the file of its type, and every Component file must be rendered by
 *    at least one of the values files;
 * 5. metrics and traces: a pod's `prometheus.io/port` is its app's port; the
 *    apps' ServiceMonitor selects exactly the services' Services by a port
 *    they have and keeps the apps' own labels (the rules select by
 *    `service`); the sidecars' one scrapes the port Dapr's operator names on
 *    its `<app>-dapr` Service; a PrometheusRule holds deploy/prometheus/rules.yml;
 *    every app beside a sidecar samples at the Configuration's rate;
 * 6. every Job (the k6 load test) is a `helm test` hook, deleted before the next run;
 * 7. every pod but the trial MariaDB's carries checksum/secrets, every pod with a
 *    sidecar checksum/dapr (so an upgrade that changes them rolls the pods);
 * 8. the services and sidecars run as the bench measured them on the local stack
 *    (tools/stack/runtime-env.ts): services/Dockerfile's ENV, the sidecars' `dapr.io/env`.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse, parseAllDocuments } from 'yaml';
import { routeTable } from '../../services/edge/src/domain/route-table.ts';
import { documentPaths } from '../../services/edge/src/routes/docs.ts';
import { uiPaths } from '../../services/edge/src/routes/ui.ts';
import { bundlePath } from '../../packages/platform/src/bundle.ts';
import { IMAGE_JEMALLOC, serviceRuntimeEnv, sidecarRuntimeEnv } from '../stack/runtime-env.ts';
import { chartRoutes } from './chart-routes.ts';

const STRICT_PATH = /^[A-Za-z0-9/_-]+$/;

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
// The metrics port's name on the <app>-dapr Service that Dapr's operator makes (same module as annotations.go).
const daprMetricsPortName = /daprSidecarMetricsPortName\s*=\s*"([^"]+)"/.exec(
  readFileSync(join(dirname(annotationsGo), '../../operator/handlers/dapr_handler.go'), 'utf8'),
)?.[1];
const rules = parse(readFileSync(join(root, 'deploy/prometheus/rules.yml'), 'utf8')) as { groups: unknown };
const configSources = [
  'packages/platform/src/config.ts',
  'services/edge/src/config.ts',
  'services/payment/src/config.ts',
  'services/customer/src/config.ts',
];
const envNames = new Set(
  configSources.flatMap((f) =>
    [...readFileSync(join(root, f), 'utf8').matchAll(/^\s+([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]),
  ),
);
// Set only through values.<service>.extraEnv in the CI values; Node reads it, not the services.
const runtimeEnv = new Set(['NODE_OPTIONS']);
const services = ['order', 'payment', 'store', 'delivery', 'customer', 'edge'];

interface Source {
  file: string;
  doc: K8sObject;
}
const sources: Source[] = readdirSync(join(root, 'components'))
  .filter((n) => n.endsWith('.yaml'))
  .sort()
  .map((file) => ({ file, doc: parse(readFileSync(join(root, 'components', file), 'utf8')) as K8sObject }));
const idOf = (d: K8sObject) => `${d.kind}/${d.metadata.name}`;
/** Component files rendered by at least one values file (by the type they were compared as). */
const renderedSources = new Set<string>();

/** The source of a rendered resource: among the files defining it, the one of its type if any. */
function sourceOf(res: K8sObject): Source | undefined {
  const candidates = sources.filter((s) => idOf(s.doc) === idOf(res));
  return candidates.find((s) => s.doc.spec?.type === res.spec?.type) ?? candidates[0];
}

/** Metadata items a cluster legitimately sets differently from the local stack, per component type. */
const redisSubstituted = ['redisHost', 'redisPassword', 'enableTLS'];
const substituted: Record<string, string[]> = {
  'pubsub.redis': redisSubstituted,
  'state.redis': redisSubstituted,
  'bindings.localstorage': ['rootPath'],
  'pubsub.kafka': ['brokers', 'authType', 'saslUsername', 'saslPassword', 'saslMechanism', 'initialOffset'],
};
const saslItems = ['saslUsername', 'saslPassword', 'saslMechanism'];

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

  // 1. Ingress routes. Fault injection is on when the services' containers say so.
  const faultInjection = byKind('Deployment').some((d) =>
    (
      (d.spec?.template as { spec: { containers: { env?: { name: string; value?: string }[] }[] } } | undefined)?.spec
        .containers ?? []
    ).some((c) => (c.env ?? []).some((e) => e.name === 'FAULT_INJECTION' && e.value === 'true')),
  );
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
    // The edge proxies exactly the /api prefixes of the route table that the Ingress routes to a service.
    const proxied = new Set(routeTable.map((r) => `${r.prefix} -> ${r.upstream}`));
    const want = chartRoutes()
      .filter((r) => faultInjection || !r.faultInjection)
      .map((r) => {
        if (r.path.startsWith('/api/') && r.service !== 'edge' && !proxied.has(`${r.path} -> ${r.service}`))
          problems.push(`the chart routes ${r.path} to ${r.service}, the edge does not`);
        return `${r.type} ${r.path} -> ${svc(r.service)}`;
      });
    for (const w of want) if (!got.includes(w)) problems.push(`Ingress lacks the edge's route "${w}"`);
    for (const g of got) if (!want.includes(g)) problems.push(`Ingress has a route the edge does not: "${g}"`);
    // ingress-nginx 1.12+ refuses (strict-validate-path-type, on by default) Exact and Prefix paths
    // with anything but letters, digits, `/`, `_` and `-`; other controllers take them too.
    const paths = rules.flatMap((r) =>
      r.http.paths.map((p) => ({
        type: String(p.pathType),
        path: String(p.path),
        service: (p.backend as { service: { name: string } }).service.name,
      })),
    );
    for (const { type, path } of paths) {
      if (!STRICT_PATH.test(path))
        problems.push(`Ingress path ${type} ${path} is refused by ingress-nginx's strict path validation`);
    }
    // Kubernetes path matching: an Exact match wins, then the longest Prefix (per path segment).
    const backendOf = (target: string) => {
      const exact = paths.find((p) => p.type === 'Exact' && p.path === target);
      if (exact) return exact;
      const prefixes = paths.filter(({ type, path }) => {
        const stem = path.replace(/\/$/, '');
        return type === 'Prefix' && (stem === '' || target === stem || target.startsWith(`${stem}/`));
      });
      return prefixes.sort((a, b) => b.path.length - a.path.length)[0];
    };
    // The edge's own pages reach the edge.
    for (const page of [...documentPaths, ...uiPaths, '/problems/not-found']) {
      const hit = backendOf(page);
      if (hit?.service !== svc('edge'))
        problems.push(`Ingress sends the edge's page ${page} to ${hit?.service ?? 'nothing'}`);
    }
    // No service's probes or metrics are public. The edge, the catch-all backend, answers them
    // 404 when a proxy forwarded the request (services/edge/src/app.ts, app.spec.ts).
    for (const internal of ['/healthz', '/readyz', '/metrics']) {
      const hit = backendOf(internal);
      if (hit && hit.service !== svc('edge'))
        problems.push(`Ingress path ${hit.type} ${hit.path} makes ${internal} of ${hit.service} public`);
    }
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
    const id = idOf(res);
    const source = sourceOf(res);
    if (!source) {
      problems.push(`${id} has no counterpart in components/`);
      continue;
    }
    const src = source.doc;
    if (res.kind === 'Resiliency' && !isDeepStrictEqual(res.spec, src.spec)) {
      problems.push(`${id}: spec differs from components/`);
    }
    if (res.kind === 'Configuration') {
      // Name resolution is Kubernetes DNS in a cluster; tracing may be merged with values;
      // mTLS is the control plane's; the access policies take the release's namespace.
      const without = (spec: Obj | undefined, ...keys: string[]) =>
        Object.fromEntries(Object.entries(spec ?? {}).filter(([k]) => !keys.includes(k)));
      const policiesOf = (spec: Obj) => (spec.accessControl as { policies?: Obj[] } | undefined)?.policies ?? [];
      const anyNamespace = (spec: Obj) =>
        spec.accessControl
          ? {
              ...spec,
              accessControl: {
                ...(spec.accessControl as Obj),
                policies: policiesOf(spec).map((p) => without(p, 'namespace')),
              },
            }
          : spec;
      const rendered = without(res.spec, 'tracing');
      if (
        !isDeepStrictEqual(anyNamespace(rendered), anyNamespace(without(src.spec, 'tracing', 'nameResolution', 'mtls')))
      )
        problems.push(`${id}: spec differs from components/ (beyond tracing, mTLS and the policies' namespace)`);
      // Rendered with --namespace baedal: a policy left in the local stack's `default` would match no caller.
      if (policiesOf(rendered).some((p) => p.namespace !== 'baedal'))
        problems.push(`${id}: an access policy is not in the release's namespace`);
    }
    if (res.kind === 'Component') {
      if (!isDeepStrictEqual(res.scopes, src.scopes)) problems.push(`${id}: scopes differ from components/`);
      // A component whose type the values switched (HTTP sink) has its own metadata.
      if (res.spec?.type !== src.spec?.type) continue;
      renderedSources.add(source.file);
      const type = String(src.spec?.type);
      if (res.spec?.version !== src.spec?.version)
        problems.push(`${id}: version ${String(res.spec?.version)} differs from components/${source.file}`);
      const want = metadataMap(src.spec);
      const got = metadataMap(res.spec);
      for (const [name, item] of want) {
        if (substituted[type]?.includes(name)) continue;
        if (!got.has(name)) problems.push(`${id}: metadata "${name}" of components/${source.file} is missing`);
        else if (!isDeepStrictEqual(got.get(name), item))
          problems.push(`${id}: metadata "${name}" differs from components/${source.file}`);
      }
      if (type === 'pubsub.kafka') problems.push(...checkKafka(id, got));
    }
  }
  problems.push(...checkMetrics(docs));
  for (const id of new Set(sources.map((s) => idOf(s.doc)))) {
    if (!docs.some((d) => idOf(d) === id)) problems.push(`components/ has ${id}; the chart does not`);
  }
  return problems;
}

interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: { containers: { name: string; ports?: { name: string; containerPort: number }[]; env?: Env[] }[] };
}
interface Env {
  name: string;
  value?: string;
}
interface Endpoint {
  port?: string;
  path?: string;
  honorLabels?: boolean;
  relabelings?: { sourceLabels?: string[]; regex?: string; action?: string }[];
}

/** 5. Scrape annotations, ServiceMonitors, the PrometheusRule, the apps' sampling rate. */
function checkMetrics(docs: K8sObject[]): string[] {
  const problems: string[] = [];
  const byKind = (kind: string) => docs.filter((d) => d.kind === kind);
  const deployments = byKind('Deployment').map((d) => ({
    name: d.metadata.name,
    template: (d.spec?.template ?? { spec: { containers: [] } }) as PodTemplate,
  }));
  const apps = deployments.filter(({ template }) => template.spec.containers.some((c) => services.includes(c.name)));
  for (const { name, template } of apps) {
    const a = template.metadata?.annotations ?? {};
    if (a['prometheus.io/scrape'] === undefined) continue;
    const app = template.spec.containers.find((c) => services.includes(c.name));
    const port = app?.ports?.find((p) => p.name === 'http')?.containerPort;
    if (a['prometheus.io/port'] !== String(port) || a['prometheus.io/path'] !== '/metrics')
      problems.push(`${name}: prometheus.io/port and path are not the app's port ${port} and /metrics`);
  }

  const monitors = byKind('ServiceMonitor');
  const endpointsOf = (m: K8sObject) => (m.spec?.endpoints ?? []) as Endpoint[];
  const appServices = byKind('Service').filter((s) =>
    services.includes(
      (s as { metadata: { labels?: Record<string, string> } }).metadata.labels?.['app.kubernetes.io/component'] ?? '',
    ),
  );
  for (const m of monitors) {
    const selector = (m.spec?.selector ?? {}) as {
      matchLabels?: Record<string, string>;
      matchExpressions?: { key: string; operator: string; values: string[] }[];
    };
    const selects = (labels: Record<string, string>) =>
      Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v) &&
      (selector.matchExpressions ?? []).every((e) => e.operator === 'In' && e.values.includes(labels[e.key] ?? ''));
    const id = idOf(m);
    if (selector.matchLabels?.['dapr.io/enabled'] === 'true') {
      // The sidecars: Dapr's <app>-dapr Services, kept to this release's pods by a relabeling.
      for (const e of endpointsOf(m)) {
        if (e.port !== daprMetricsPortName)
          problems.push(`${id}: port ${e.port} is not Dapr's "${daprMetricsPortName}"`);
        const keep = e.relabelings?.find((r) => r.action === 'keep');
        const sidecarPods = apps.filter(
          ({ template }) => template.metadata?.annotations?.['dapr.io/enabled'] === 'true',
        );
        const kept = sidecarPods.filter(({ template }) => {
          // Prometheus' meta labels of the pod's labels: every character outside [a-zA-Z0-9_] becomes `_`.
          const meta = new Map(
            Object.entries(template.metadata?.labels ?? {}).map(([k, v]) => [
              `__meta_kubernetes_pod_label_${k.replace(/[^a-zA-Z0-9_]/g, '_')}`,
              v,
            ]),
          );
          const value = (keep?.sourceLabels ?? []).map((l) => meta.get(l) ?? '').join(';');
          return keep?.regex !== undefined && new RegExp(`^(?:${keep.regex})$`).test(value);
        });
        if (kept.length !== sidecarPods.length || sidecarPods.length === 0)
          problems.push(`${id}: its relabeling keeps ${kept.length} of the ${sidecarPods.length} pods with a sidecar`);
      }
      continue;
    }
    const selected = byKind('Service').filter((s) =>
      selects((s as { metadata: { labels?: Record<string, string> } }).metadata.labels ?? {}),
    );
    const names = (list: K8sObject[]) =>
      list
        .map((s) => s.metadata.name)
        .sort()
        .join(', ');
    if (names(selected) !== names(appServices))
      problems.push(`${id}: selects ${names(selected) || 'no Service'}, not the services' ${names(appServices)}`);
    for (const e of endpointsOf(m)) {
      for (const s of selected) {
        const ports = ((s.spec?.ports ?? []) as { name: string }[]).map((p) => p.name);
        if (!e.port || !ports.includes(e.port)) problems.push(`${id}: ${s.metadata.name} has no port named ${e.port}`);
      }
      if (e.path !== '/metrics') problems.push(`${id}: path ${e.path} is not /metrics`);
      if (e.honorLabels !== true)
        problems.push(`${id}: without honorLabels the apps' own \`service\` label is replaced`);
    }
  }

  for (const r of byKind('PrometheusRule')) {
    if (!isDeepStrictEqual(r.spec?.groups, rules.groups))
      problems.push(`${idOf(r)}: its groups differ from deploy/prometheus/rules.yml`);
  }

  // The apps sample the traces they start at the sidecars' rate (packages/platform/src/trace.ts).
  const rate = byKind('Configuration').map(
    (c) => (c.spec?.tracing as { samplingRate?: string } | undefined)?.samplingRate,
  )[0];
  for (const { name, template } of apps) {
    if (template.metadata?.annotations?.['dapr.io/enabled'] !== 'true') continue;
    const app = template.spec.containers.find((c) => services.includes(c.name));
    const env = app?.env?.find((e) => e.name === 'TRACE_SAMPLING_RATE')?.value;
    if (env !== undefined && env !== rate)
      problems.push(`${name}: TRACE_SAMPLING_RATE ${env} is not the Configuration's samplingRate ${rate}`);
  }

  // 7. Pods restart when what they read at start changes: the services' pods and the trial Redis
  // carry checksum/secrets, those with a Dapr sidecar checksum/dapr (templates/_workload.tpl).
  for (const w of [...byKind('Deployment'), ...byKind('StatefulSet')]) {
    const tpl = (w.spec?.template ?? {}) as { metadata?: { annotations?: Record<string, string> } };
    const a = tpl.metadata?.annotations ?? {};
    // The trial MariaDB reads its passwords once, when its volume is initialised: a restart changes nothing.
    const labels = (w.metadata as { labels?: Record<string, string> }).labels ?? {};
    if (labels['app.kubernetes.io/component'] === 'mariadb') continue;
    if (!/^[0-9a-f]{64}$/.test(a['checksum/secrets'] ?? ''))
      problems.push(`${w.kind} ${w.metadata.name}: no checksum/secrets pod annotation`);
    if (a['dapr.io/enabled'] === 'true' && !/^[0-9a-f]{64}$/.test(a['checksum/dapr'] ?? ''))
      problems.push(`${w.kind} ${w.metadata.name}: a sidecar without the checksum/dapr pod annotation`);
  }

  // 8. The sidecars run as on the local stack (tools/stack/runtime-env.ts): `dapr.io/env`.
  const wantSidecarEnv = Object.entries(sidecarRuntimeEnv)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  for (const dep of byKind('Deployment')) {
    const a = ((dep.spec?.template as { metadata?: { annotations?: Record<string, string> } } | undefined)?.metadata
      ?.annotations ?? {}) as Record<string, string>;
    if (a['dapr.io/enabled'] !== 'true') continue;
    const got = (a['dapr.io/env'] ?? '').split(',').filter((p) => (p.split('=')[0] ?? '') in sidecarRuntimeEnv);
    if (got.join(',') !== wantSidecarEnv)
      problems.push(
        `${dep.metadata.name}: its sidecar runs with ${got.join(',') || 'neither'} of ${wantSidecarEnv} (the local stack's, tools/stack/runtime-env.ts)`,
      );
  }

  // 6. A Job (the k6 load test) runs only on `helm test`: a plain Job would start again on every
  // `helm upgrade --reuse-values`; the previous run's Job is deleted when the next one starts.
  for (const job of byKind('Job')) {
    const a = job.metadata.annotations ?? {};
    if (a['helm.sh/hook'] !== 'test') problems.push(`Job ${job.metadata.name} is not a \`helm test\` hook`);
    if (a['helm.sh/hook-delete-policy'] !== 'before-hook-creation')
      problems.push(`Job ${job.metadata.name}: hook-delete-policy is not before-hook-creation`);
  }
  return problems;
}

/**
 * What the chart substitutes in the Kafka pub/sub must still make a component
 * Dapr 1.18 accepts (components-contrib common/component/kafka/metadata.go):
 * brokers, the SASL items exactly with authType password, the password from a
 * Secret, a saslMechanism Dapr knows.
 */
function checkKafka(id: string, got: Map<string, unknown>): string[] {
  const problems: string[] = [];
  const item = (name: string) => got.get(name) as { value?: unknown; secretKeyRef?: unknown } | undefined;
  if (!item('brokers')?.value) problems.push(`${id}: no brokers`);
  const authType = item('authType')?.value;
  if (authType === 'password') {
    if (!item('saslUsername')?.value) problems.push(`${id}: authType password without saslUsername`);
    if (!item('saslPassword')?.secretKeyRef) problems.push(`${id}: saslPassword is not read from a Secret`);
    const mechanism = item('saslMechanism')?.value;
    if (mechanism !== undefined && !['SHA-512', 'SHA-256'].includes(String(mechanism)))
      problems.push(`${id}: saslMechanism ${String(mechanism)} is not SHA-512 or SHA-256`);
  } else if (authType === 'none') {
    for (const name of saslItems) if (got.has(name)) problems.push(`${id}: ${name} with authType none`);
  } else {
    problems.push(`${id}: authType ${String(authType)} is not one the chart offers (none, password)`);
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
    console.error(
      `[check-rendered] ${basename(file)}: routes, Dapr annotations, env names, Dapr resources, metrics ok`,
    );
  }
}
// 8. The image runs the services as the local stack does (tools/stack/runtime-env.ts): services/Dockerfile's ENV.
const dockerfile = readFileSync(join(root, 'services/Dockerfile'), 'utf8');
const dockerEnv = new Map<string, string>();
for (const m of dockerfile.matchAll(/^ENV ((?:.*\\\n)*.*)$/gm)) {
  // NAME=value pairs; a value in double quotes may hold spaces (NODE_OPTIONS with several flags).
  for (const pair of (m[1] ?? '').replace(/\\\n/g, ' ').matchAll(/(?:^|\s)([A-Za-z_]\w*)=("[^"]*"|\S*)/g)) {
    dockerEnv.set(pair[1] ?? '', (pair[2] ?? '').replace(/^"(.*)"$/, '$1'));
  }
}
for (const [name, value] of Object.entries({ ...serviceRuntimeEnv, LD_PRELOAD: IMAGE_JEMALLOC })) {
  if (dockerEnv.get(name) !== value) {
    failed = true;
    console.error(
      `[check-rendered] services/Dockerfile: ENV ${name}=${dockerEnv.get(name) ?? '(unset)'}, the local stack runs ${name}=${value} (tools/stack/runtime-env.ts)`,
    );
  }
}
if (!dockerEnv.get('NODE_COMPILE_CACHE')) {
  failed = true;
  console.error('[check-rendered] services/Dockerfile: no NODE_COMPILE_CACHE (the local stack has one)');
}
// ... and runs what the local stack runs: the service's bundle (platform bundle.ts).
/** The arguments of a Dockerfile instruction in exec form (a JSON array); undefined in shell form. */
function parseExecForm(args: string | undefined): unknown {
  try {
    return JSON.parse(args ?? '');
  } catch {
    return undefined;
  }
}
const bundleEntry = relative(join(root, 'services', 'order'), bundlePath('order', join(root, 'services')));
const dockerCmd = /^CMD (.*)$/m.exec(dockerfile)?.[1];
if (!isDeepStrictEqual(parseExecForm(dockerCmd), ['node', bundleEntry])) {
  failed = true;
  console.error(
    `[check-rendered] services/Dockerfile: CMD ${dockerCmd ?? '(none)'}, the local stack runs node ${bundleEntry}`,
  );
}

// Every Component file of components/ must be what some values file renders (the Kafka pub/sub included).
const componentFiles = sources.filter((s) => s.doc.kind === 'Component').map((s) => s.file);
const unrendered = componentFiles.filter((f) => !renderedSources.has(f));
if (unrendered.length) {
  failed = true;
  console.error(
    `[check-rendered] no values file renders ${unrendered.map((f) => `components/${f}`).join(', ')}: add a charts/baedal/ci/*.yaml case`,
  );
}
process.exit(failed ? 1 : 0);
