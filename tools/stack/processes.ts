/**
 * The local stack as a library: what `npm run stack` does, callable from tests
 * (fault tests stop and start services and sidecars programmatically).
 *
 * Names: every app of topology.ts (`order`, ..., `edge`), its sidecar alone as
 * `<app>-dapr` (e.g. `order-dapr`), and the infra `mariadb`, `redis`, `sentry`,
 * in a stack brought up with `--broker kafka` `kafka`, and in one brought up
 * with `--observe` `zipkin` and `prometheus`.
 *
 * Which stack: the one instance whose parts instance.ts hands in (stackInstance,
 * whose result carries these operations); env-instance.ts exports the one the
 * environment names, and its operations by name:
 *
 *   import { startApp, stopApp } from '../tools/stack/env-instance.ts';
 *   await stopApp('payment-dapr');   // only the sidecar
 *   await startApp('payment-dapr');  // waits until the sidecar is healthy
 *   await stopApp('payment');        // the app and its sidecar
 *   await startApp('payment');       // both, waits for GET /readyz = 200
 */

import fs from 'node:fs';
import path from 'node:path';

import { bundlePath, bundleService } from '../../packages/platform/src/bundle.ts';
import { parseBroker } from './broker.ts';
import type { Broker, BrokerRecord } from './broker.ts';
import { codeHash } from './code-stamp.ts';
import type { CodeStamps } from './code-stamp.ts';
import type { StackComponents } from './components.ts';
import { sidecarPorts } from './daprd.ts';
import type { StackDaprd } from './daprd.ts';
import { infraGraceMs } from './infra.ts';
import type { InfraProcesses } from './infra.ts';
import { defaultSamplingRate } from './observe.ts';
import type { ObserveRecord, StackObserve } from './observe.ts';
import { rel, repoRoot } from './paths.ts';
import type { StackPaths } from './paths.ts';
import { StackError, assertPortsFree, httpStatus, say, tailLines } from './proc.ts';
import type { ProcSpec, StackProcs } from './proc.ts';
import { infraNames, isInfraName, serviceOf } from './topology.ts';
import type { AppSpec, InfraName, StackTopology } from './topology.ts';

/** How long `up`/`start` wait for an app's /readyz. */
export const appReadyTimeoutMs = 60_000;
/** Grace period after SIGTERM for apps and sidecars. */
const appGraceMs = 10_000;

export type Target =
  { kind: 'app'; app: AppSpec } | { kind: 'sidecar'; app: AppSpec } | { kind: 'infra'; name: InfraName };

const sidecarId = (app: AppSpec): string => `${app.name}-dapr`;

/** The app's sources: services/<name>/src/index.ts. */
function appSource(app: AppSpec): string {
  return path.join(repoRoot, 'services', serviceOf(app), 'src', 'index.ts');
}

/** What the app process runs, as in the image: the service's bundle (platform bundle.ts). */
function appEntry(app: AppSpec): string {
  return bundlePath(serviceOf(app));
}

/**
 * Each service's bundle, built once per command from the sources as they are
 * (under a second each), however many of its replicas start.
 */
const bundles = new Map<string, Promise<string>>();
function bundled(app: AppSpec): Promise<string> {
  const service = serviceOf(app);
  let built = bundles.get(service);
  if (!built) {
    built = bundleService(service);
    bundles.set(service, built);
  }
  return built;
}

// A replica's processes carry its primary's entry and app id; the pid file of its own name
// (order-2, order-2-dapr) tells them apart.
const appMarker = (app: AppSpec): string => appEntry(app);
const sidecarMarker = (app: AppSpec): string => `--app-id ${serviceOf(app)} `;

function nodeBinary(): string {
  const pinned = path.join(repoRoot, 'node_modules', '.bin', 'node');
  return fs.existsSync(pinned) ? pinned : process.execPath;
}

/** Infra only an observed stack runs. */
const observeInfra: readonly InfraName[] = ['zipkin', 'prometheus'];

/** Attempts at starting a sidecar that lost one of its ports to someone else's connection. */
const portRaceAttempts = 3;

export interface UpOptions {
  /**
   * `redis` (components/pubsub.yaml) or `kafka` (components/pubsub-kafka.yaml).
   * Default: the broker this stack was last brought up with, else `redis`.
   */
  broker?: string;
  timeoutMs?: number;
  /** Instances of every service with a sidecar (topology.ts useReplicas); remembered like the broker. */
  replicas?: number;
  /**
   * Zipkin and Prometheus beside the stack, every request traced (observe.ts); remembered like the
   * broker, so a plain `up` keeps what the last one chose. Switching takes a `down` first.
   */
  observe?: boolean;
  /** The share of requests an observed stack traces (observe.ts; default 1); remembered with it. */
  samplingRate?: number;
}

export interface StatusRow {
  name: string;
  kind: 'app' | 'sidecar' | 'infra';
  pid: number | null;
  state: 'running' | 'stopped';
  port: number;
  /** Readiness probe answer ('ready', a status code, 'no answer'), '-' when stopped. */
  ready: string;
  /** In an observed stack, where a person opens it: the entry point, Zipkin's UI, Prometheus's UI. */
  url?: string;
}

async function probeText(p: Promise<number | null>, ok: number): Promise<string> {
  const status = await p;
  return status === ok ? 'ready' : status === null ? 'no answer' : String(status);
}

export interface StackParts {
  paths: StackPaths;
  topology: StackTopology;
  procs: StackProcs;
  brokers: BrokerRecord;
  components: StackComponents;
  daprd: StackDaprd;
  infra: InfraProcesses;
  stamps: CodeStamps;
  observeRecord: ObserveRecord;
  observability: StackObserve;
  /** The broker `up` uses when not told (default: the remembered one, else Redis). */
  broker?: Broker;
  /** Whether `up` observes when not told (default: as remembered, else not). */
  observe?: boolean;
  /** The sampling rate of an observed `up` when not told (default: as remembered, else 1). */
  samplingRate?: number;
}

export type StackProcesses = ReturnType<typeof stackProcesses>;

/** What `npm run stack` does, for one instance. */
export function stackProcesses(parts: StackParts) {
  const { isDefaultStack, logFile, stackDir } = parts.paths;
  const { appByName, appEnv, appTokens, apps, entryPort, infra, portOffset, useReplicas } = parts.topology;
  const { runningPid, spawnDetached, stopProcess, waitUntil } = parts.procs;
  const { recordBroker, recordedBroker, stackBroker } = parts.brokers;
  const { renderComponents } = parts.components;
  const { daprdBinary, sidecarArgs, sidecarEnv } = parts.daprd;
  const { infraMarker, infraProbe, startInfra } = parts.infra;
  const { codeStampOf, writeCodeStamp } = parts.stamps;
  const { recordObserve, recordedObserve, recordedSamplingRate } = parts.observeRecord;
  const { prometheusMarker, prometheusUrl, writePrometheusConfig, zipkinUiUrl } = parts.observability;

  /**
   * Infra a stack on `broker` runs, in start order: Redis always (the state store), Kafka only for
   * Kafka, Zipkin and Prometheus only when observed (`up --observe`).
   */
  function stackInfra(broker: Broker = stackBroker(), observe = recordedObserve()): InfraName[] {
    return infraNames.filter(
      (name) => (name !== 'kafka' || broker === 'kafka') && (observe || !observeInfra.includes(name)),
    );
  }

  /** Every name the stack knows, in start order. */
  function stackNames(): string[] {
    return [...infraNames, ...apps.flatMap((a) => (a.dapr ? [a.name, `${a.name}-dapr`] : [a.name]))];
  }

  function resolveName(name: string): Target {
    if (isInfraName(name)) return { kind: 'infra', name };
    const app = appByName(name);
    if (app) return { kind: 'app', app };
    const side = name.endsWith('-dapr') ? appByName(name.slice(0, -'-dapr'.length)) : undefined;
    if (side?.dapr) return { kind: 'sidecar', app: side };
    throw new StackError(`unknown name '${name}'; known: ${stackNames().join(', ')}`);
  }

  /** The app process: the pinned node running services/<name>/dist/index.mjs from the service folder. */
  function appProc(app: AppSpec): ProcSpec {
    return {
      id: app.name,
      command: nodeBinary(),
      args: [appEntry(app)],
      cwd: path.join(repoRoot, 'services', serviceOf(app)),
      env: {
        PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
        HOME: process.env.HOME ?? repoRoot,
        NODE_ENV: 'development',
        ...appEnv(app),
      },
      marker: appMarker(app),
    };
  }

  function appPid(app: AppSpec): number | null {
    return runningPid(app.name, appMarker(app));
  }

  function sidecarPid(app: AppSpec): number | null {
    return app.dapr ? runningPid(sidecarId(app), sidecarMarker(app)) : null;
  }

  async function ensureSidecar(app: AppSpec): Promise<void> {
    if (!app.dapr || sidecarPid(app) !== null) return;
    const id = sidecarId(app);
    await assertPortsFree(id, sidecarPorts(app));
    fs.mkdirSync(stackDir, { recursive: true });
    const pid = await spawnDetached({
      id,
      command: daprdBinary(),
      args: sidecarArgs(app, renderComponents(stackBroker())),
      cwd: repoRoot,
      env: sidecarEnv(app),
      marker: sidecarMarker(app),
    });
    say(`started ${id} (pid ${pid}, dapr http ${app.dapr.httpPort})`);
  }

  function assertSourceExists(app: AppSpec): void {
    const source = appSource(app);
    if (!fs.existsSync(source)) throw new StackError(`cannot start ${app.name}: ${rel(source)} does not exist`);
  }

  async function ensureApp(app: AppSpec): Promise<void> {
    if (appPid(app) !== null) return;
    assertSourceExists(app);
    await assertPortsFree(app.name, [app.appPort]);
    await bundled(app);
    const pid = await spawnDetached(appProc(app));
    writeCodeStamp(app.name);
    say(`started ${app.name} (pid ${pid}, port ${app.appPort})`);
  }

  async function appProbe(app: AppSpec): Promise<true | string> {
    const ready = await httpStatus(`http://127.0.0.1:${app.appPort}/readyz`);
    if (ready !== 200) return `${app.name} /readyz: ${ready ?? 'no answer'}`;
    return app.dapr ? sidecarProbe(app, true) : true;
  }

  /**
   * A sidecar is healthy when GET /v1.0/healthz answers 204; that needs its app to
   * be up, so without a running app only its outbound side is checked.
   */
  async function sidecarProbe(app: AppSpec, withApp: boolean): Promise<true | string> {
    if (!app.dapr) return true;
    const base = `http://127.0.0.1:${app.dapr.httpPort}/v1.0`;
    const url = `${base}/healthz${withApp ? '' : '/outbound'}`;
    const status = await httpStatus(url);
    if (status !== 204) return `${sidecarId(app)} ${new URL(url).pathname}: ${status ?? 'no answer'}`;
    if (!withApp) return true;
    // The sidecar's health says nothing of its app health check: until a probe of the app
    // has passed, it refuses every call to the app ("app is not in a healthy state"), and a
    // loaded machine can make that last seconds after the app listens. A call to the app's
    // /healthz through the sidecar (a call to itself, no access policy involved) answers 200
    // only once the sidecar forwards to the app.
    // The sidecar's own token: a replica's (order-2) is not its primary's (tokens.ts).
    const through = await httpStatus(`${base}/invoke/${serviceOf(app)}/method/healthz`, 2_000, {
      'dapr-api-token': appTokens(app.name).daprApiToken,
    });
    return through === 200 ? true : `${sidecarId(app)} → ${app.name} /healthz: ${through ?? 'no answer'}`;
  }

  function logTails(app: AppSpec, lines: number): string {
    const ids = app.dapr ? [app.name, sidecarId(app)] : [app.name];
    return ids
      .map((id) => `--- last ${lines} lines of ${rel(logFile(id))}:\n${tailLines(logFile(id), lines)}`)
      .join('\n');
  }

  /**
   * Whether a sidecar just died because one of its ports was taken between the
   * free-port check and its listen (every port sits below Linux's ephemeral range,
   * so this is rare: another program listening there for a moment). Starting it
   * again then works.
   */
  function lostPortRace(app: AppSpec): boolean {
    if (!app.dapr || sidecarPid(app) !== null) return false;
    return tailLines(logFile(sidecarId(app)), 5).includes('bind: address already in use');
  }

  /** Start an app's sidecar and the app (whichever is not running) and wait until ready. */
  async function startAppAndWait(app: AppSpec, timeoutMs: number): Promise<void> {
    const started = Date.now();
    if (appPid(app) === null) assertSourceExists(app);
    const mustLive = [{ id: app.name, marker: appMarker(app) }];
    if (app.dapr) mustLive.push({ id: sidecarId(app), marker: sidecarMarker(app) });
    for (let attempt = 1; ; attempt++) {
      await ensureSidecar(app);
      await ensureApp(app);
      try {
        await waitUntil({ what: app.name, timeoutMs, probe: () => appProbe(app), mustLive });
        break;
      } catch (err) {
        if (err instanceof StackError && attempt < portRaceAttempts && lostPortRace(app)) {
          say(`${sidecarId(app)} lost a port to another process's connection; starting it again`);
          continue;
        }
        if (err instanceof StackError) err.message += `\n${logTails(app, 20)}`;
        throw err;
      }
    }
    say(`${app.name} ready on http://127.0.0.1:${app.appPort} (${((Date.now() - started) / 1000).toFixed(1)}s)`);
  }

  /** Whether any process of this stack runs. */
  function anyRunning(): boolean {
    return stackNames().some((name) => pidOf(name) !== null);
  }

  /**
   * The broker `up` uses, remembered in the state folder. A running stack never
   * changes broker (its sidecars hold the other component); a stopped one does,
   * saying so: events still in the old broker stay there.
   */
  function chooseBroker(requested: string | undefined): Broker {
    const recorded = recordedBroker();
    const current = recorded ?? 'redis';
    const broker = requested === undefined ? current : parseBroker(requested);
    if (broker !== current) {
      if (anyRunning()) {
        throw new StackError(
          `this stack (${rel(stackDir)}) runs on ${current}; to switch to ${broker}: ` +
            `npm run stack -- down, then npm run stack -- up --broker ${broker}`,
        );
      }
      if (recorded) {
        say(
          `switching ${rel(stackDir)} from ${recorded} to ${broker}; ` +
            `events not yet delivered through ${recorded} stay there`,
        );
      }
    }
    recordBroker(broker);
    return broker;
  }

  /**
   * Whether `up` observes, and at which sampling rate: as requested, else as remembered. A
   * running stack keeps what its sidecars were started with (their Configuration is read once,
   * at start).
   */
  function chooseObserve(requested: boolean | undefined, requestedRate: number | undefined): boolean {
    const current = recordedObserve();
    const observe = requested ?? current;
    if (requestedRate !== undefined && !observe) {
      throw new StackError('--sampling-rate is the rate of an observed stack: add --observe');
    }
    const rate = observe ? (requestedRate ?? (current ? recordedSamplingRate() : undefined)) : undefined;
    if (observe === current && rate === recordedSamplingRate()) return current;
    if (anyRunning()) {
      const now = current ? `--observe --sampling-rate ${recordedSamplingRate()}` : '--no-observe';
      const wanted = observe ? `--observe --sampling-rate ${rate ?? defaultSamplingRate}` : '--no-observe';
      throw new StackError(
        `this stack (${rel(stackDir)}) runs with ${now}; to change that: ` +
          `npm run stack -- down, then npm run stack -- up ${wanted}`,
      );
    }
    recordObserve(observe, rate);
    return observe;
  }

  /** A running Prometheus rereads its configuration on SIGHUP (the scrape targets change with --replicas). */
  function reloadPrometheusConfig(): void {
    if (!writePrometheusConfig()) return;
    const pid = runningPid('prometheus', prometheusMarker);
    if (pid === null) return;
    process.kill(pid, 'SIGHUP');
    say('prometheus: scrape targets changed; configuration reloaded');
  }

  /**
   * Start everything that is not running (MariaDB, Redis and, on Kafka, Kafka;
   * observed, Zipkin and Prometheus; then every app with its sidecar in
   * parallel) and wait until all are ready. Returns the entry URL.
   */
  async function stackUp(opts: UpOptions = {}): Promise<string> {
    const broker = chooseBroker(opts.broker ?? parts.broker);
    const observe = chooseObserve(opts.observe ?? parts.observe, opts.samplingRate ?? parts.samplingRate);
    if (opts.replicas !== undefined) useReplicas(opts.replicas, true);
    if (observe) reloadPrometheusConfig();
    // Sidecars hot-reload their resources folder (Dapr's HotReload is on by default),
    // so rendering it here also hands edits of components/ to sidecars already running.
    renderComponents(broker);
    const started = Date.now();
    if (!isDefaultStack || portOffset !== 0) say(`stack ${rel(stackDir)}, port offset ${portOffset}, broker ${broker}`);
    else if (broker !== 'redis') say(`broker ${broker}`);
    if (apps.some((a) => a.dapr)) say(`daprd: ${daprdBinary()}`);
    await Promise.all(stackInfra(broker).map((name) => startInfra(name)));
    const results = await Promise.allSettled(
      apps.map((app) => startAppAndWait(app, opts.timeoutMs ?? appReadyTimeoutMs)),
    );
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    if (failures.length > 0) {
      const text = failures.map((e) => (e instanceof Error ? e.message : String(e))).join('\n\n');
      throw new StackError(`${failures.length} of ${apps.length} apps not ready:\n\n${text}`);
    }
    say(`all up in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    if (observe) {
      say(
        `observed: traces in Zipkin ${zipkinUiUrl} (npm run trace -- <order id>), metrics and alerts in ${prometheusUrl}`,
      );
    }
    return entryUrl();
  }

  /** Running apps whose code stamp differs from the sources now (or that have none), with both stamps. */
  function appsOnOtherCode(): { app: string; runs: string; now: string }[] {
    const now = codeHash();
    return apps
      .filter((app) => appPid(app) !== null)
      .map((app) => ({ app: app.name, runs: codeStampOf(app.name) ?? 'unknown', now }))
      .filter((a) => a.runs !== now);
  }

  function entryUrl(): string {
    return `http://127.0.0.1:${entryPort}`;
  }

  /** Stop apps, then sidecars, then the infra (Kafka, Redis, MariaDB, Zipkin, Prometheus). Data stays. */
  async function stackDown(): Promise<void> {
    await Promise.all(apps.map((app) => stopProcess(app.name, appMarker(app), appGraceMs)));
    await Promise.all(
      apps.filter((a) => a.dapr).map((app) => stopProcess(sidecarId(app), sidecarMarker(app), appGraceMs)),
    );
    await Promise.all(infraNames.map((name) => stopProcess(name, infraMarker(name), infraGraceMs)));
  }

  /**
   * Stop one name: an app stops with its sidecar (app first); `<app>-dapr` stops
   * only the sidecar; infra stops alone. Returns once the processes have exited.
   */
  async function stopApp(name: string): Promise<void> {
    const t = resolveName(name);
    if (t.kind === 'infra') {
      if (!(await stopProcess(t.name, infraMarker(t.name), infraGraceMs))) say(`${name} was not running`);
      return;
    }
    let any = false;
    if (t.kind === 'app') any = await stopProcess(t.app.name, appMarker(t.app), appGraceMs);
    if (t.app.dapr) any = (await stopProcess(sidecarId(t.app), sidecarMarker(t.app), appGraceMs)) || any;
    if (!any) say(`${name} was not running`);
  }

  /**
   * Start one name and wait until it is ready: an app with its sidecar (GET /readyz
   * = 200 and the sidecar healthy), a sidecar alone, or infra. Running processes are
   * left alone.
   */
  async function startApp(name: string, timeoutMs = appReadyTimeoutMs): Promise<void> {
    const t = resolveName(name);
    if (t.kind === 'infra') {
      const broker = stackBroker();
      if (!stackInfra(broker).includes(t.name)) {
        throw new StackError(
          observeInfra.includes(t.name)
            ? `${name} is not part of this stack: it is not observed (npm run stack -- down, then up --observe)`
            : `${name} is not part of this stack: its broker is ${broker} (npm run stack -- down, then up --broker ${name})`,
        );
      }
      return startInfra(t.name, timeoutMs);
    }
    if (t.kind === 'app') return startAppAndWait(t.app, timeoutMs);
    const app = t.app;
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      await ensureSidecar(app);
      const withApp = appPid(app) !== null;
      try {
        await waitUntil({
          what: sidecarId(app),
          timeoutMs,
          probe: () => sidecarProbe(app, withApp),
          mustLive: [{ id: sidecarId(app), marker: sidecarMarker(app) }],
        });
        break;
      } catch (err) {
        if (err instanceof StackError && attempt < portRaceAttempts && lostPortRace(app)) {
          say(`${name} lost a port to another process's connection; starting it again`);
          continue;
        }
        if (err instanceof StackError) {
          err.message += `\n--- last 20 lines of ${rel(logFile(name))}:\n${tailLines(logFile(name), 20)}`;
        }
        throw err;
      }
    }
    say(`${name} ready (${((Date.now() - started) / 1000).toFixed(1)}s)`);
  }

  async function restartApp(name: string, timeoutMs = appReadyTimeoutMs): Promise<void> {
    await stopApp(name);
    await startApp(name, timeoutMs);
  }

  /** Pid of a name's own process (an app's, not its sidecar's), or null. */
  function pidOf(name: string): number | null {
    const t = resolveName(name);
    if (t.kind === 'infra') return runningPid(t.name, infraMarker(t.name));
    return t.kind === 'app' ? appPid(t.app) : sidecarPid(t.app);
  }

  /** Whether a name's own process runs (`order`: the app; `order-dapr`: its sidecar). */
  function isRunning(name: string): boolean {
    return pidOf(name) !== null;
  }

  /** Whether a name is ready: app /readyz = 200, sidecar /v1.0/healthz = 204, infra answers. */
  async function isReady(name: string): Promise<boolean> {
    const t = resolveName(name);
    if (t.kind === 'infra') return (await infraProbe(t.name)) === true;
    if (t.kind === 'sidecar') return (await sidecarProbe(t.app, appPid(t.app) !== null)) === true;
    return (await httpStatus(`http://127.0.0.1:${t.app.appPort}/readyz`)) === 200;
  }

  /** One row per process: infra, then each app followed by its sidecar. */
  async function stackStatus(): Promise<StatusRow[]> {
    const rows: Promise<StatusRow>[] = [];
    const ours = stackInfra();
    // Observed, a row also says where a person opens it.
    const observed = recordedObserve();
    const urls: Partial<Record<string, string>> = observed
      ? { edge: entryUrl(), zipkin: zipkinUiUrl, prometheus: prometheusUrl }
      : {};
    const withUrl = (name: string) => (urls[name] ? { url: urls[name] } : {});
    for (const name of infraNames) {
      const pid = runningPid(name, infraMarker(name));
      if (!ours.includes(name) && pid === null) continue;
      rows.push(
        (async (): Promise<StatusRow> => {
          const r = pid === null ? '-' : await infraProbe(name);
          const ready = r === true ? 'ready' : r;
          return {
            name,
            kind: 'infra',
            pid,
            state: pid === null ? 'stopped' : 'running',
            port: infra[name].port,
            ready,
            ...withUrl(name),
          };
        })(),
      );
    }
    for (const app of apps) {
      const pid = appPid(app);
      rows.push(
        (async (): Promise<StatusRow> => ({
          name: app.name,
          kind: 'app',
          pid,
          state: pid === null ? 'stopped' : 'running',
          port: app.appPort,
          ready: pid === null ? '-' : await probeText(httpStatus(`http://127.0.0.1:${app.appPort}/readyz`), 200),
          ...withUrl(app.name),
        }))(),
      );
      if (app.dapr) {
        const spid = sidecarPid(app);
        const url = `http://127.0.0.1:${app.dapr.httpPort}/v1.0/healthz${pid === null ? '/outbound' : ''}`;
        rows.push(
          (async (): Promise<StatusRow> => ({
            name: sidecarId(app),
            kind: 'sidecar',
            pid: spid,
            state: spid === null ? 'stopped' : 'running',
            port: app.dapr?.httpPort ?? 0,
            ready: spid === null ? '-' : await probeText(httpStatus(url), 204),
          }))(),
        );
      }
    }
    return Promise.all(rows);
  }

  /** Log files of a name: an app's own log and its sidecar's; a sidecar's or infra's one log. */
  function logFilesOf(name: string): string[] {
    const t = resolveName(name);
    if (t.kind === 'app') return t.app.dapr ? [logFile(t.app.name), logFile(sidecarId(t.app))] : [logFile(t.app.name)];
    return [logFile(name)];
  }

  return {
    stackInfra,
    stackNames,
    resolveName,
    stackUp,
    appsOnOtherCode,
    entryUrl,
    stackDown,
    stopApp,
    startApp,
    restartApp,
    pidOf,
    isRunning,
    isReady,
    stackStatus,
    logFilesOf,
  };
}
