/**
 * The entry point the bench measures through: the Ingress as the cluster runs
 * it. In the cluster no /api request crosses the edge: the Ingress controller,
 * traefik (tools/cluster/addons/traefik.yaml), sends each one straight to the
 * service that owns its path, and only the rest (pages, documents, login) to
 * the edge. The local stack (`npm start`) has no Ingress, and its edge proxies
 * /api itself, so the bench runs the cluster's traefik build
 * (tools/cluster/build.sh traefik, cached; about 10 minutes the first time) in
 * front of its instance, with the chart's Ingress paths (tools/k8s/chart-routes.ts,
 * the source of charts/baedal/files/routes.yaml) turned into the routers
 * traefik's Kubernetes Ingress provider makes of them: a Prefix path is
 * `PathPrefix("<path>")`, the longest rule wins. The edge of the local stack
 * stays where the chart has it: behind `/`.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chartRoutes } from '../tools/k8s/chart-routes.ts';
import { rel } from '../tools/stack/paths.ts';
import type { StackTopology } from '../tools/stack/topology.ts';

/** The Ingress's port before the instance's offset (11081 on the Redis instance, 19081 on Kafka's). */
const BASE_INGRESS_PORT = 8081;
const READY_TIMEOUT_MS = 20_000;

export const ingressPort = (topology: StackTopology) => topology.port(BASE_INGRESS_PORT);

/** traefik's dynamic configuration (file provider): one router per Ingress path, one service per app. */
export function ingressRoutes(topology: StackTopology, faultInjection = false) {
  const routers: Record<string, { rule: string; service: string; entryPoints: string[] }> = {};
  const services: Record<string, { loadBalancer: { servers: { url: string }[] } }> = {};
  chartRoutes()
    .filter((r) => faultInjection || !r.faultInjection)
    .forEach((r, i) => {
      const app = topology.appByName(r.service);
      if (!app) throw new Error(`the Ingress path ${r.path} goes to ${r.service}, which the stack does not run`);
      routers[`path-${i}`] = {
        rule: `PathPrefix(${JSON.stringify(r.path)})`,
        service: r.service,
        entryPoints: ['web'],
      };
      services[r.service] = { loadBalancer: { servers: [{ url: `http://127.0.0.1:${app.appPort}` }] } };
    });
  return { http: { routers, services } };
}

let running: ChildProcess | undefined;

/** The Ingress's process, for the CPU figures. */
export const ingressPid = (): number | undefined => running?.pid;

/**
 * Builds (or finds) traefik, writes its routes for this instance and starts it;
 * resolves once it routes. (The bench's settings come in as arguments: they
 * parse the command line, which a unit test of this module does not have.)
 */
export async function startIngress(opts: {
  topology: StackTopology;
  stackDir: string;
  repoRoot: string;
  log: (line: string) => void;
}): Promise<string> {
  const { topology, stackDir, repoRoot, log } = opts;
  log('ingress: traefik, as the cluster runs it (tools/cluster/build.sh traefik; built once, then cached)');
  const binary = execFileSync('bash', [path.join(repoRoot, 'tools/cluster/build.sh'), 'traefik'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  }).trim();
  const dir = path.join(stackDir, 'ingress');
  fs.mkdirSync(dir, { recursive: true });
  // JSON is YAML: traefik's file provider reads .yaml.
  const routesFile = path.join(dir, 'routes.yaml');
  fs.writeFileSync(routesFile, JSON.stringify(ingressRoutes(topology), null, 2));
  const port = ingressPort(topology);
  const out = fs.openSync(path.join(dir, 'traefik.log'), 'a');
  // The flags of tools/cluster/addons/traefik.yaml, with the file provider instead of the Kubernetes one.
  running = spawn(
    binary,
    [
      `--entryPoints.web.address=127.0.0.1:${port}`,
      `--providers.file.filename=${routesFile}`,
      '--log.level=INFO',
      '--global.checknewversion=false',
      '--global.sendanonymoususage=false',
    ],
    { stdio: ['ignore', out, out] },
  );
  fs.closeSync(out);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  // Ready when it routes: the API document is the edge's, behind `/`.
  while (!(await routes(`${url}/openapi.json`))) {
    if (running.exitCode !== null || Date.now() > deadline) {
      throw new Error(`traefik did not start on ${url}; see ${rel(path.join(dir, 'traefik.log'))}`);
    }
    await sleep(100);
  }
  log(`ingress: ${url} (routes in ${rel(routesFile)})`);
  return url;
}

async function routes(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

export function stopIngress(): void {
  if (running?.exitCode === null) running.kill('SIGTERM');
  running = undefined;
}
