/**
 * What a service's Koa app really serves, read from its router, against what
 * the route table (routes.ts) says the service owns: the unit test of each
 * service builds its app and compares the two, so a handler nobody routes to,
 * or a table entry no handler serves, fails in that service's own tests.
 */
import type Koa from 'koa';
import type Router from '@koa/router';
import type { MikroORM } from '@mikro-orm/mysql';
import type { CommonConfig } from '../config.ts';
import { DaprSidecar } from '../dapr.ts';
import { createLogger, type Logger } from '../logger.ts';
import { Metrics } from '../metrics.ts';
import { operations, type RouteOwner } from './routes.ts';

/** Paths a service serves that are not public operations: probes, metrics, sidecar-only routes. */
const notPublic = /^\/(internal|events|dapr)(\/|$)|^\/(healthz|readyz|metrics)$/;

/** "GET /api/orders/{orderId}" for each method and path the app's router has (HEAD left out). */
export function mountedOperations(app: Koa): string[] {
  const routers = app.middleware
    .map((m) => (m as { router?: Router }).router)
    .filter((r): r is Router => r !== undefined);
  const mounted = new Set<string>();
  for (const router of routers) {
    for (const layer of router.stack) {
      const path = String(layer.path).replace(/:(\w+)/g, '{$1}');
      if (notPublic.test(path)) continue;
      for (const method of layer.methods) if (method !== 'HEAD') mounted.add(`${method} ${path}`);
    }
  }
  return [...mounted].sort();
}

/** Stand-ins for what a service's app is built from; building it connects to nothing. */
export interface AppStubs {
  orm: MikroORM;
  dapr: DaprSidecar;
  logger: Logger;
  metrics: Metrics;
}

/**
 * Builds a service's app as its unit test says (`build`, from the config its
 * own config module reads out of unitTestEnv, and stand-ins) and returns what
 * its router mounts beside what the route table gives it.
 */
export async function routeTableCheck<C extends CommonConfig>(
  service: RouteOwner,
  faultInjection: boolean,
  load: () => Promise<{ config: C }>,
  build: (config: C, stubs: AppStubs) => Koa | Promise<Koa>,
): Promise<{ mounted: string[]; owned: string[] }> {
  Object.assign(process.env, unitTestEnv);
  const { config } = await load();
  const stubs: AppStubs = {
    orm: {} as MikroORM,
    dapr: new DaprSidecar(config.dapr),
    logger: createLogger(service, 'silent'),
    metrics: new Metrics(service),
  };
  const app = await build({ ...config, service, faultInjection }, stubs);
  return { mounted: mountedOperations(app), owned: ownedOperations(service) };
}

/**
 * The same, for the operations the route table gives `service`. A switched-off
 * operation is mounted all the same: its handler answers 404 (routes.ts `switch`).
 */
export function ownedOperations(service: RouteOwner): string[] {
  return operations
    .filter((op) => op.service === service)
    .map((op) => `${op.method.toUpperCase()} ${op.path}`)
    .sort();
}

/**
 * Just enough environment for a service's config module to load in a unit
 * test (nothing is connected to). Local test values, not secrets.
 */
export const unitTestEnv: Readonly<Record<string, string>> = {
  SERVICE_NAME: 'unit-test',
  APP_PORT: '0',
  LOG_LEVEL: 'silent',
  DB_NAME: 'unit_test',
  DB_USER: 'unit_test',
  DB_PASSWORD: 'unit-test',
  JWT_SECRET: 'unit-test-jwt-secret-of-at-least-32-chars',
  JWT_ISSUER: 'baedal-test',
  JWT_AUDIENCE: 'baedal',
  APP_API_TOKEN: 'unit-test-app-api-token',
};
