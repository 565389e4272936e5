/**
 * The Dapr resources a stack's sidecars load. The repo's components/ is the one
 * source (and what the Helm chart copies); a stack instance renders it into
 * <state dir>/components/ before a sidecar starts, changing only what differs
 * between instances:
 *
 * - `127.0.0.1:<port>` endpoints of the local infra (Redis, Kafka) move by
 *   the instance's port offset (topology.ts `componentEndpoints`);
 * - `.stack/` paths (the sqlite name-resolution file in config.yaml, the
 *   notification files) move to the instance's state folder;
 * - of the pub/sub files, only the chosen broker's is kept (broker.ts
 *   `pubsubFiles`: pubsub.yaml for Redis, pubsub-kafka.yaml for Kafka);
 * - in an observed stack (`up --observe`) config.yaml traces every request
 *   to the stack's Zipkin (`withTracing`).
 *
 * For the default stack on Redis the rendered files equal the sources apart
 * from a header line.
 */

import fs from 'node:fs';
import path from 'node:path';

import { isMap, isSeq, parseDocument } from 'yaml';

import { pubsubFiles } from './broker.ts';
import type { Broker } from './broker.ts';
import { rel, repoRoot } from './paths.ts';
import type { StackPaths } from './paths.ts';
import { StackError } from './proc.ts';
import { baseZipkinEndpoint } from './topology.ts';
import type { StackTopology } from './topology.ts';

/** The repo's components/ folder: the single source of truth. */
export const componentsSourceDir = path.join(repoRoot, 'components');

/**
 * The bench and the scale-out load test measure one sidecar hop with payment's
 * `GET /healthz` through order-dapr. The access policy allows only the calls the
 * services make, so an instance that measures (option `measureHop`, `BAEDAL_MEASURE_HOP=1`) adds that
 * one read to the order service's operations; the default stack and the chart
 * never have it, and the policy is evaluated the same way either way.
 */
export function withHopProbe(configYaml: string): string {
  const doc = parseDocument(configYaml);
  const policies = doc.getIn(['spec', 'accessControl', 'policies']);
  const order = isSeq(policies) ? policies.items.find((p) => isMap(p) && p.get('appId') === 'order') : undefined;
  const operations = isMap(order) ? order.get('operations') : undefined;
  if (!isSeq(operations)) {
    throw new StackError('components/config.yaml: no access policy with operations for appId order (the hop probe)');
  }
  operations.add(doc.createNode({ name: '/healthz', httpVerb: ['GET'], action: 'allow' }));
  return doc.toString();
}

/**
 * An observed stack (`up --observe`, observe.ts) traces requests: the
 * Configuration's tracing block samples at the stack's rate (every request
 * unless `up --sampling-rate` says otherwise) and exports to the stack's
 * Zipkin (daprd's own Zipkin exporter: JSON v2 spans over HTTP; its base
 * address, moved with the others below).
 * Without --observe the block stays as components/config.yaml has it (sampling off).
 */
export function withTracing(configYaml: string, samplingRate: number): string {
  const doc = parseDocument(configYaml);
  doc.setIn(
    ['spec', 'tracing'],
    doc.createNode({
      samplingRate: String(samplingRate),
      zipkin: { endpointAddress: baseZipkinEndpoint },
    }),
  );
  return doc.toString();
}

/** Names of the source files a stack on `broker` loads. */
export function componentFiles(broker: Broker): string[] {
  const otherPubsubs = new Set(Object.values(pubsubFiles).filter((f) => f !== pubsubFiles[broker]));
  const files = fs
    .readdirSync(componentsSourceDir)
    .filter((f) => /\.ya?ml$/.test(f) && !otherPubsubs.has(f))
    .sort();
  if (!files.includes(pubsubFiles[broker])) {
    throw new StackError(`components/${pubsubFiles[broker]} is missing (the ${broker} pub/sub component)`);
  }
  return files;
}

/** Replace a file atomically when its text changes; returns whether it did. */
export function writeIfChanged(file: string, text: string): boolean {
  try {
    if (fs.readFileSync(file, 'utf8') === text) return false;
  } catch {
    // not there yet
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // Not a .yaml name, so a process starting meanwhile (a sidecar, Prometheus) never loads a half-written file.
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}`);
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
  return true;
}

export type StackComponents = ReturnType<typeof stackComponents>;

/**
 * The rendering of components/ for one instance; `measureHop` adds the hop probe (withHopProbe),
 * `samplingRate` (the observed instance's now, observe.ts; undefined when not observed) the tracing
 * block (withTracing).
 */
export function stackComponents(
  paths: StackPaths,
  topology: StackTopology,
  measureHop: boolean,
  samplingRate: () => number | undefined,
) {
  const { componentsDir, stackDir } = paths;
  const { componentEndpoints } = topology;

  /** How the state folder is written in rendered files: repo-relative when inside the repo (daprd runs there). */
  function stateRef(): string {
    const r = rel(stackDir);
    return path.isAbsolute(r) ? stackDir : r;
  }

  /** One source file rendered for this instance. */
  function renderComponent(file: string, text: string): string {
    if (file === 'config.yaml' && measureHop) text = withHopProbe(text);
    const rate = file === 'config.yaml' ? samplingRate() : undefined;
    if (rate !== undefined) text = withTracing(text, rate);
    const body = text
      .replace(/127\.0\.0\.1:(\d+)/g, (whole, p: string) => {
        const to = componentEndpoints.get(Number(p));
        if (to === undefined) {
          throw new StackError(
            `components/${file}: ${whole} is not an endpoint of the local stack ` +
              `(add it to componentEndpoints in tools/stack/topology.ts)`,
          );
        }
        return `127.0.0.1:${to}`;
      })
      .replace(/(^|[\s'"=])\.stack\//gm, (_m, before: string) => `${before}${stateRef()}/`);
    return `# Rendered by tools/stack/components.ts from components/${file} for ${rel(stackDir)}: edit the source.\n${body}`;
  }

  /**
   * Render components/ for this instance into <state dir>/components/ and return
   * that folder (daprd's `--resources-path`; its config.yaml is `--config`).
   * Files are replaced atomically and only when they change; a stale file (the
   * other broker's pub/sub after a switch) is removed.
   */
  function renderComponents(broker: Broker): string {
    const files = componentFiles(broker);
    fs.mkdirSync(componentsDir, { recursive: true });
    for (const file of files) {
      const text = fs.readFileSync(path.join(componentsSourceDir, file), 'utf8');
      writeIfChanged(path.join(componentsDir, file), renderComponent(file, text));
    }
    for (const file of fs.readdirSync(componentsDir)) {
      if (/\.ya?ml$/.test(file) && !files.includes(file)) fs.rmSync(path.join(componentsDir, file), { force: true });
    }
    return componentsDir;
  }

  return { renderComponent, renderComponents };
}
