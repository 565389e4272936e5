/**
 * The stack instance this process drives, built from the bench's options (its
 * own state folder, port offset and broker; settings.ts), never from the
 * environment that names the default stack: its entry point and apps, root
 * access to its MariaDB, and a start from empty data with fresh apps for every run.
 */
import fs from 'node:fs';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { processSettingsFromEnv } from '../tools/stack/env-options.ts';
import { stackInstance } from '../tools/stack/instance.ts';
import { round } from './figures.ts';
import { ingressPort, startIngress } from './ingress.ts';
import { redisQuery } from './redis.ts';
import { instance, instanceBroker, log, profile, profileDir, repoRoot, samplingRate } from './settings.ts';

const shell = processSettingsFromEnv();
/** Observed: a sampling rate was given (settings.ts). */
const observe = samplingRate !== undefined;
/** Which apps' settings of the shell reach the instance: every one but the rate limits. */
const handedOn = Object.entries(shell.appSettings ?? {}).filter(([name]) => !name.startsWith('RATE_LIMIT_'));

export const stack = stackInstance({
  ...shell,
  dir: instance.dir,
  portOffset: Number(instance.offset),
  broker: instanceBroker,
  appSettings: {
    ...Object.fromEntries(handedOn),
    RATE_LIMIT_ENABLED: 'false',
    // Re-drive off: a phase's orders would otherwise be published once more a minute later,
    // in the middle of another phase. Its cost (one more publish of a quiet key's latest
    // event, a duplicate for each consumer) is not in these figures.
    OUTBOX_REDRIVE_AFTER_SECONDS: '0',
    ...(profile ? { BAEDAL_NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` } : {}),
  },
  // Measured as production runs: the local stack shortens payment's sweeps and reconciliation
  // (every 10 s over the week's charges, not every 300 s) so that fault tests see them act.
  productionTimers: true,
  // The hop phases call payment's GET /healthz through order-dapr (tools/stack/components.ts withHopProbe).
  measureHop: true,
  // Tracing's cost: the same run with requests sampled (every one, or --sampling-rate) and exported (off by default).
  observe,
  samplingRate,
});
const { paths, topology } = stack;

/** Where every phase sends its requests: the Ingress in front of the instance (ingress.ts), as in the cluster. */
export const entry = `http://127.0.0.1:${ingressPort(topology)}`;
const appNamed = (name: string) => {
  const app = topology.appByName(name);
  if (!app) throw new Error(`no app ${name}`);
  return app;
};
export const orderApp = appNamed('order');
export const paymentApp = appNamed('payment');
export const customerApp = appNamed('customer');

/** What the app would show its own sidecar: the bench calls sidecars as their apps do. */
export const sidecarHeaders = (app: string) => ({ 'dapr-api-token': topology.appTokens(app).daprApiToken });

/** One command to the instance's Redis. */
export const redis = (...args: string[]) => redisQuery(topology.infra.redis.port, ...args);

/** Root over the socket: statement counters, outboxes, emptying the databases. */
export async function rootDb(): Promise<mysql.Connection> {
  return mysql.createConnection({ socketPath: paths.mariadbSocket(), user: 'root', multipleStatements: true });
}

function compileCacheEntries(): Set<string> {
  const dir = topology.appEnv(orderApp).NODE_COMPILE_CACHE;
  if (!dir || !fs.existsSync(dir)) return new Set();
  return new Set(fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }));
}

async function stopApps(): Promise<void> {
  await Promise.all(
    topology.apps
      .filter((a) => stack.isRunning(a.name) || (a.dapr !== null && stack.isRunning(`${a.name}-dapr`)))
      .map((a) => stack.stopApp(a.name)),
  );
}

/**
 * Every run starts from empty service databases, an empty Redis (streams, the
 * view's state) and, on Kafka, an empty broker (formatted again at the start):
 * data earlier runs left would make later runs slower (tables outgrow the buffer
 * pool) and the figures depend on history; events of an earlier run would reach
 * consumers whose databases no longer know them. The payment gateway stand-in's
 * ledger goes too: charges of an earlier run that the payment service no longer
 * knows would be refunded by its first reconciliation pass, 5 minutes into a soak.
 */
async function resetData(): Promise<void> {
  if (instanceBroker === 'kafka') {
    if (stack.isRunning('kafka')) await stack.stopApp('kafka');
    fs.rmSync(stack.kafka.kafkaDataDir, { recursive: true, force: true });
  }
  await stack.startApp('mariadb');
  await stack.startApp('redis');
  const db = await rootDb();
  try {
    await db.query(
      topology.apps
        .flatMap((a) => (a.database ? [a.database, ...(a.moreDatabases ?? [])] : []))
        .map((name) => `drop database if exists \`${name}\``)
        .join('; '),
    );
  } finally {
    await db.end();
  }
  const flushed = await redis('FLUSHALL');
  if (flushed !== 'OK') throw new Error(`redis FLUSHALL: ${String(flushed)}`);
}

export interface StackStart {
  wasRunning: boolean;
  restartedForCache: boolean;
  /** Whether the state folder was new (MariaDB initialised, migrations from scratch). */
  newStateDir: boolean;
  /** Seconds of `up` (infra, apps and sidecars until every /readyz answers), the first start when there were two. */
  upSeconds: number;
}

export async function ensureStack(): Promise<StackStart> {
  const newStateDir = !fs.existsSync(path.join(paths.dataDir, 'mariadb'));
  // A stack remembers its broker and refuses to switch while any of it runs (a
  // bench folder reused with another broker): take it down first, then switch.
  if (stack.recordedBroker() !== instanceBroker) {
    await stack.down();
    stack.recordBroker(instanceBroker);
  }
  // Likewise whether it is observed, and at which rate: `up` would refuse to switch while the
  // databases it has just emptied run (a run with --observe after one without).
  if (stack.recordedSamplingRate() !== samplingRate) {
    await stack.down();
    stack.recordObserve(observe, samplingRate);
  }
  const wasRunning = stack.isRunning('mariadb') || stack.isRunning('redis');
  // Apps and sidecars start fresh every run: the code as it is now, rate limits off, idle memory after a start.
  await stopApps();
  log(`emptying the databases and Redis${instanceBroker === 'kafka' ? ' and Kafka' : ''} of the instance`);
  await resetData();
  const cached = compileCacheEntries();
  const upStarted = performance.now();
  // One replica of each app (the staleness phase adds a second for itself).
  await stack.up({ replicas: 1 });
  const upSeconds = round((performance.now() - upStarted) / 1000, 1);
  // A bundle new to Node's compile cache (changed code, first run) was compiled and its cache
  // written at this start: start once more so idle memory is a warm start's, as a pod's is
  // (the image fills the cache when it is built).
  // The Kafka instance measures no memory, so it keeps its first start.
  const added = [...compileCacheEntries()].filter((f) => !cached.has(f)).length;
  if (added > 0 && instanceBroker === 'redis') {
    log(`${added} compile cache entries were new (changed code): starting the apps once more`);
    await stopApps();
    await stack.up();
  }
  await startIngress({ topology, stackDir: paths.stackDir, repoRoot, log });
  return { wasRunning, restartedForCache: added > 0 && instanceBroker === 'redis', newStateDir, upSeconds };
}
