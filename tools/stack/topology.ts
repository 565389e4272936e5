/**
 * The local stack's topology: every process `npm run stack` owns, its ports and
 * its environment. This is the single place where local ports live; the Helm
 * chart has its own values (Kubernetes gives each pod its own network).
 *
 * Ports sit in ranges that servers a developer may already run do not use
 * (MariaDB on 13306 rather than 3306, Redis on 16379 rather than 6379).
 */

export const entryPort = Number(process.env.GATEWAY_PORT ?? process.env.PORT ?? 8080);

export const infra = {
  mariadb: { port: 13306 },
  redis: { port: 16379 },
} as const;

/** Local demo credentials: clearly not secrets, only ever used on 127.0.0.1. */
export const localDemoSecrets = {
  jwtSecret: 'local-demo-jwt-secret-not-for-production-use',
  dbPassword: (service: string) => `${service}-local-demo-pass`,
} as const;

export interface AppSpec {
  /** Folder under services/ and the Dapr app id. */
  name: string;
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
}

function sidecar(i: number): NonNullable<AppSpec['dapr']> {
  return {
    httpPort: 3500 + i,
    grpcPort: 50100 + i,
    internalGrpcPort: 50200 + i,
    metricsPort: 9100 + i,
  };
}

export const apps: AppSpec[] = [
  { name: 'order', appPort: 3101, dapr: sidecar(1), database: 'baedal_order' },
  { name: 'payment', appPort: 3102, dapr: sidecar(2), database: 'baedal_payment' },
  { name: 'store', appPort: 3103, dapr: sidecar(3), database: 'baedal_store' },
  { name: 'delivery', appPort: 3104, dapr: sidecar(4), database: 'baedal_delivery' },
  // The customer service keeps its read model in the Dapr state store, not in SQL.
  { name: 'customer', appPort: 3105, dapr: sidecar(5), database: null },
  { name: 'edge', appPort: entryPort, dapr: null, database: null },
];

export function appByName(name: string): AppSpec | undefined {
  return apps.find((a) => a.name === name);
}

/** Environment of one service process; names match the Helm chart's. */
export function appEnv(app: AppSpec): Record<string, string> {
  const env: Record<string, string> = {
    SERVICE_NAME: app.name,
    APP_PORT: String(app.appPort),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    JWT_SECRET: localDemoSecrets.jwtSecret,
    JWT_ISSUER: 'baedal-local',
    JWT_AUDIENCE: 'baedal',
    DEMO_DATA: 'true',
    FAULT_INJECTION: 'true',
  };
  if (app.dapr) {
    env.DAPR_HOST = '127.0.0.1';
    env.DAPR_HTTP_PORT = String(app.dapr.httpPort);
  }
  if (app.database) {
    env.DB_HOST = '127.0.0.1';
    env.DB_PORT = String(infra.mariadb.port);
    env.DB_NAME = app.database;
    env.DB_USER = app.name;
    env.DB_PASSWORD = localDemoSecrets.dbPassword(app.name);
  }
  if (app.name === 'payment') {
    // Short locally so the fault tests see abandoned charges voided quickly; 120 s by default.
    env.PAYMENT_CAPTURE_TIMEOUT_SECONDS = '15';
  }
  if (app.name === 'edge') {
    for (const up of apps) {
      if (up.name !== 'edge') env[`UPSTREAM_${up.name.toUpperCase()}`] = `http://127.0.0.1:${up.appPort}`;
    }
  }
  return env;
}
