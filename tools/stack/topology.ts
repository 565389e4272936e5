/**
 * The local stack's topology: every process `npm run stack` owns, its ports and
 * its environment. This is the single place where local ports live; the Helm
 * chart has its own values (Kubernetes gives each pod its own network).
 *
 * Ports sit in ranges that servers a developer may already run do not use
 * (MariaDB on 13306 rather than 3306, Redis on 16379 rather than 6379).
 *
 * An instance's port offset (default 0; `BAEDAL_PORT_OFFSET` for the one the
 * environment names) shifts every port below, the entry port included, so a
 * second stack instance runs beside the default one: with 1000, the edge is on
 * 9080, order on 4101, its sidecar on 4501, MariaDB on 14306. An explicit entry
 * port (`GATEWAY_PORT` or `PORT`) still sets the entry port outright.
 */

import fs from 'node:fs';
import path from 'node:path';

import { jemallocLibrary, serviceRuntimeEnv } from './runtime-env.ts';
import { appTokensIn } from './tokens.ts';

/** The highest port offset: see checkPortOffset. */
const maxPortOffset = 12_000;

/** A port offset, checked: a whole number from 0 to 12000. */
export function checkPortOffset(value: number | string, what = 'the port offset'): number {
  const n = Number(value);
  // The highest base port is 20205; keep every shifted port below Linux's ephemeral range
  // (32768 and up), where any outgoing connection on the machine may hold a port for minutes.
  if (!Number.isInteger(n) || n < 0 || n > maxPortOffset) {
    throw new Error(`${what} must be an integer from 0 to ${maxPortOffset}, not '${value}'`);
  }
  return n;
}

/** The default stack's entry port (the edge), before any offset. */
export const baseEntryPort = 8080;

/** Infrastructure processes, in start order, with their base ports (offset 0). */
const infraBase = {
  mariadb: { port: 13306 },
  redis: { port: 16379 },
  kafka: { port: 19092, controllerPort: 19093 },
  // Dapr's certificate authority (sentry.ts): the sidecars' mTLS certificates.
  sentry: { port: 15050, healthzPort: 15051 },
  // Only in a stack brought up with --observe (observe.ts): Zipkin (its UI, query API and the
  // span collector the sidecars export to, all on Zipkin's own default port) and Prometheus.
  zipkin: { port: 9411 },
  prometheus: { port: 19090 },
} as const;

/** Base (offset 0) address of Zipkin's span collector, as an observed stack's config.yaml names it (components.ts). */
export const baseZipkinEndpoint = `http://127.0.0.1:${infraBase.zipkin.port}/api/v2/spans`;

export type InfraName = keyof typeof infraBase;
/** Every infra process, in start order; which of them a stack runs: processes.ts `stackInfra`. */
export const infraNames = Object.keys(infraBase) as InfraName[];

export function isInfraName(name: string): name is InfraName {
  return Object.hasOwn(infraBase, name);
}

/** Local demo credentials: clearly not secrets, only ever used on 127.0.0.1. */
export const localDemoSecrets = {
  jwtSecret: 'local-demo-jwt-secret-not-for-production-use',
  dbPassword: (service: string) => `${service}-local-demo-pass`,
} as const;

/** Issuer and audience of the local stack's tokens (the edge's JWT_ISSUER, JWT_AUDIENCE). */
export const localJwt = { issuer: 'baedal-local', audience: 'baedal' } as const;

/** The payment gateway stand-in's own database (payment's GATEWAY_DB_NAME). */
export const gatewayDatabase = 'baedal_gateway';

export interface AppSpec {
  /** Folder under services/ and the Dapr app id; a replica's is `<service>-<n>`. */
  name: string;
  /** Set on a second (third, ...) replica: the service it runs, its folder and Dapr app id. */
  replicaOf?: string;
  appPort: number;
  /** null for the edge: like an Ingress controller it has no sidecar. */
  dapr: null | {
    httpPort: number;
    grpcPort: number;
    internalGrpcPort: number;
    metricsPort: number;
  };
  /** Name of the service's own MariaDB database, or null when it keeps no SQL data. */
  database: string | null;
  /** More databases its user owns: payment's gateway stand-in keeps its ledger apart (GATEWAY_DB_NAME). */
  moreDatabases?: string[];
}

/** The service an app runs (a replica runs its primary's): folder, Dapr app id, database user. */
export function serviceOf(app: AppSpec): string {
  return app.replicaOf ?? app.name;
}

/**
 * Settings handed to every app of an instance as environment variables: the rate
 * limits (benchmarks and load tests turn them off), re-drive (the bench turns it
 * off), retention, the customer's view max age (VIEW_MAX_AGE_MS=0: every status
 * read from the state store), the log level and extra Node flags
 * (BAEDAL_NODE_OPTIONS, e.g. --cpu-prof). env-instance.ts takes them from the
 * shell that starts the stack.
 */
export const appSettingNames = [
  'LOG_LEVEL',
  'RATE_LIMIT_ENABLED',
  'RATE_LIMIT_PER_USER',
  'RATE_LIMIT_PER_ADDRESS',
  'OUTBOX_REDRIVE_AFTER_SECONDS',
  'OUTBOX_MAX_ATTEMPTS',
  'RETENTION_DAYS',
  'VIEW_MAX_AGE_MS',
  'BAEDAL_NODE_OPTIONS',
] as const;
export type AppSettings = Partial<Record<(typeof appSettingNames)[number], string>>;

/** The app settings an environment sets. */
export function appSettingsFrom(env: NodeJS.ProcessEnv): AppSettings {
  const settings: AppSettings = {};
  for (const name of appSettingNames) {
    const value = env[name];
    if (value !== undefined) settings[name] = value;
  }
  return settings;
}

/**
 * Ports that fetch() refuses to connect to (the Fetch standard's "bad ports"),
 * from 3000 up: an offset that moves an HTTP port onto one of them would make
 * the tests and every Node client fail with "bad port".
 */
const fetchBadPorts = new Set([
  3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

export interface TopologyOptions {
  /** The instance's state folder, absolute (paths.ts). */
  stackDir: string;
  /** The observed instance's sampling rate now (observe.ts observeRecord), undefined when it is not observed. */
  samplingRate?: () => number | undefined;
  /** Added to every port. */
  portOffset: number;
  /** The entry port outright (default: 8080 plus the offset). */
  entryPort?: number;
  appSettings?: AppSettings;
  /** The payment service's timers at its own defaults, as production runs them (the bench), not the short local ones. */
  productionTimers?: boolean;
}

export type StackTopology = ReturnType<typeof stackTopology>;

/** The processes, ports and environments of one instance. */
export function stackTopology(opts: TopologyOptions) {
  const { stackDir } = opts;
  const portOffset = checkPortOffset(opts.portOffset);
  const settings = opts.appSettings ?? {};

  /** A base port of the default stack, shifted for this instance. */
  const port = (base: number): number => base + portOffset;
  const entryPort = opts.entryPort ?? port(baseEntryPort);

  const infra = {
    mariadb: { port: port(infraBase.mariadb.port) },
    redis: { port: port(infraBase.redis.port) },
    kafka: { port: port(infraBase.kafka.port), controllerPort: port(infraBase.kafka.controllerPort) },
    sentry: { port: port(infraBase.sentry.port), healthzPort: port(infraBase.sentry.healthzPort) },
    zipkin: { port: port(infraBase.zipkin.port) },
    prometheus: { port: port(infraBase.prometheus.port) },
  } as const;

  /**
   * Base (offset 0) `127.0.0.1:<port>` endpoints as written in the repo's
   * components/*.yaml, and what they become in this instance (components.ts).
   */
  const componentEndpoints: ReadonlyMap<number, number> = new Map([
    [infraBase.mariadb.port, infra.mariadb.port],
    [infraBase.redis.port, infra.redis.port],
    [infraBase.kafka.port, infra.kafka.port],
    // Zipkin's collector, in the tracing block an observed stack adds to config.yaml.
    [infraBase.zipkin.port, infra.zipkin.port],
  ]);

  function sidecar(i: number): NonNullable<AppSpec['dapr']> {
    return {
      httpPort: port(3500 + i),
      // Not Dapr's 50001/50002: those lie in the ephemeral range, where a sidecar restarted
      // by the fault tests could find its port held by someone's outgoing connection.
      grpcPort: port(20100 + i),
      internalGrpcPort: port(20200 + i),
      metricsPort: port(9100 + i),
    };
  }

  const apps: AppSpec[] = [
    { name: 'order', appPort: port(3101), dapr: sidecar(1), database: 'baedal_order' },
    {
      name: 'payment',
      appPort: port(3102),
      dapr: sidecar(2),
      database: 'baedal_payment',
      moreDatabases: [gatewayDatabase],
    },
    { name: 'store', appPort: port(3103), dapr: sidecar(3), database: 'baedal_store' },
    { name: 'delivery', appPort: port(3104), dapr: sidecar(4), database: 'baedal_delivery' },
    // The customer service keeps its read model in the Dapr state store, not in SQL.
    { name: 'customer', appPort: port(3105), dapr: sidecar(5), database: null },
    { name: 'edge', appPort: entryPort, dapr: null, database: null },
  ];

  /** Where `up --replicas <n>` records the count, so later commands of this stack see the replicas. */
  const replicasFile = path.join(stackDir, 'replicas');

  /** Instances per service (1 unless `up --replicas <n>` recorded more). */
  function recordedReplicas(): number {
    if (!fs.existsSync(replicasFile)) return 1;
    const n = Number(fs.readFileSync(replicasFile, 'utf8').trim() || '1');
    return Number.isInteger(n) && n >= 1 && n <= 3 ? n : 1;
  }

  function checkFetchPorts(): void {
    // Zipkin's and Prometheus' UIs and APIs: read by `npm run trace`, the tests and a browser.
    for (const [name, { port: p }] of [['zipkin', infra.zipkin] as const, ['prometheus', infra.prometheus] as const]) {
      if (fetchBadPorts.has(p)) {
        throw new Error(
          `port offset ${portOffset} puts ${name} on ${p}, which fetch() refuses ` +
            `(a "bad port" of the Fetch standard): choose another offset`,
        );
      }
    }
    for (const app of apps) {
      const http = [app.appPort, ...(app.dapr ? [app.dapr.httpPort, app.dapr.metricsPort] : [])];
      const bad = http.find((p) => fetchBadPorts.has(p));
      if (bad !== undefined) {
        throw new Error(
          `port offset ${portOffset} puts an HTTP port of ${app.name} on ${bad}, which fetch() refuses ` +
            `(a "bad port" of the Fetch standard): choose another offset`,
        );
      }
    }
  }

  /**
   * Adds replicas 2..n of every service with a sidecar (not the edge) to `apps`:
   * `order-2` runs services/order with Dapr app id `order` on its own ports (app
   * 3111, sidecar 3511, ...; replica 3 on 3121, 3521, ...). Both replicas join the
   * same pub/sub consumer group (consumerID is the app id), so an event goes to
   * one of them; name resolution (sqlite) knows both, so service invocation
   * spreads. The edge keeps calling replica 1 (its UPSTREAM_* are the primaries).
   */
  function useReplicas(n: number, record = false): void {
    if (!Number.isInteger(n) || n < 1 || n > 3) throw new Error(`--replicas must be 1, 2 or 3, not '${n}'`);
    if (record) {
      fs.mkdirSync(stackDir, { recursive: true });
      fs.writeFileSync(replicasFile, `${n}\n`);
    }
    // Fewer than before: the extra replicas leave the list (bring the stack down first to stop them).
    for (let i = apps.length - 1; i >= 0; i--) {
      const a = apps[i];
      if (a?.replicaOf && Number(a.name.slice(a.replicaOf.length + 1)) > n) apps.splice(i, 1);
    }
    const primaries = apps.filter((a) => a.dapr && !a.replicaOf);
    for (let r = 2; r <= n; r++) {
      primaries.forEach((primary, i) => {
        const name = `${primary.name}-${r}`;
        if (apps.some((a) => a.name === name)) return;
        const slot = 10 * (r - 1) + i + 1;
        apps.splice(apps.length - 1, 0, {
          ...primary,
          name,
          replicaOf: primary.name,
          appPort: port(3100 + slot),
          dapr: sidecar(slot),
        });
      });
    }
    checkFetchPorts();
  }
  checkFetchPorts();
  useReplicas(recordedReplicas());

  function appByName(name: string): AppSpec | undefined {
    return apps.find((a) => a.name === name);
  }

  /** The tokens of one app (its Dapr app id) of this instance (tokens.ts). */
  const appTokens = (appId: string) => appTokensIn(stackDir, appId);

  /** Environment of one service process; names match the Helm chart's. */
  function appEnv(app: AppSpec): Record<string, string> {
    const service = serviceOf(app);
    const env: Record<string, string> = {
      SERVICE_NAME: service,
      APP_PORT: String(app.appPort),
      // Loopback only, like MariaDB, Redis and the sidecars: nothing of the local stack
      // is reachable from another machine.
      APP_HOST: '127.0.0.1',
      LOG_LEVEL: settings.LOG_LEVEL ?? 'info',
      JWT_SECRET: localDemoSecrets.jwtSecret,
      JWT_ISSUER: localJwt.issuer,
      JWT_AUDIENCE: localJwt.audience,
      DEMO_DATA: 'true',
      FAULT_INJECTION: 'true',
      // Node's compile cache keeps the V8 code of each service's bundle, keyed by content:
      // a start after the first one does not compile it again. (The image carries one,
      // filled when it is built: services/Dockerfile.)
      NODE_COMPILE_CACHE: path.join(stackDir, 'compile-cache'),
      // NODE_OPTIONS and jemalloc, as in the image (runtime-env.ts).
      ...serviceRuntimeEnv,
      LD_PRELOAD: jemallocLibrary(),
    };
    for (const name of appSettingNames) {
      const value = settings[name];
      if (value !== undefined && name !== 'LOG_LEVEL' && name !== 'BAEDAL_NODE_OPTIONS') env[name] = value;
    }
    // BAEDAL_NODE_OPTIONS adds flags (e.g. --cpu-prof) to the image's (runtime-env.ts).
    env.NODE_OPTIONS = [serviceRuntimeEnv.NODE_OPTIONS, settings.BAEDAL_NODE_OPTIONS].filter(Boolean).join(' ');
    // An observed stack's apps sample the traces they start at their sidecars' rate (components.ts).
    const samplingRate = opts.samplingRate?.();
    if (app.dapr && samplingRate !== undefined) env.TRACE_SAMPLING_RATE = String(samplingRate);
    if (app.dapr) {
      env.DAPR_HOST = '127.0.0.1';
      env.DAPR_HTTP_PORT = String(app.dapr.httpPort);
      // The same values its sidecar gets (daprd.ts sidecarEnv): see tokens.ts.
      const tokens = appTokens(app.name);
      env.APP_API_TOKEN = tokens.appApiToken;
      env.DAPR_API_TOKEN = tokens.daprApiToken;
    }
    if (app.database) {
      env.DB_HOST = '127.0.0.1';
      env.DB_PORT = String(infra.mariadb.port);
      env.DB_NAME = app.database;
      env.DB_USER = service;
      env.DB_PASSWORD = localDemoSecrets.dbPassword(service);
    }
    if (service === 'payment') env.GATEWAY_DB_NAME = gatewayDatabase;
    if (service === 'payment' && !opts.productionTimers) {
      // Short locally so the fault tests see abandoned charges voided quickly; 120 s by default.
      env.PAYMENT_CAPTURE_TIMEOUT_SECONDS = '15';
      // Above the fault tests' longest gateway delay (5 s), short enough to see abandoned claims declined.
      env.PAYMENT_PENDING_GRACE_SECONDS = '20';
      env.PAYMENT_RECONCILE_INTERVAL_SECONDS = '10';
    }
    if (app.name === 'edge') {
      for (const up of apps) {
        if (up.name !== 'edge' && !up.replicaOf)
          env[`UPSTREAM_${up.name.toUpperCase()}`] = `http://127.0.0.1:${up.appPort}`;
      }
    }
    return env;
  }

  return {
    portOffset,
    port,
    entryPort,
    /** Infrastructure processes: Redis in every stack (state store, Redis pub/sub); Kafka only in a Kafka one; Zipkin and Prometheus only in an observed one. */
    infra,
    componentEndpoints,
    apps,
    appByName,
    appEnv,
    appTokens,
    recordedReplicas,
    useReplicas,
  };
}
