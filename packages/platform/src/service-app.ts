/**
 * The Koa app of a service with its own database (order, payment, store,
 * delivery), with what each of them mounts the same way: the probes and
 * metrics of createServiceApp, readiness of the database and the sidecar (and
 * the service's own checks), its event subscriptions, and the admin's list of
 * the events its outbox parked. The service adds its routes, then finishApp.
 */
import type Router from '@koa/router';
import type { MikroORM } from '@mikro-orm/mysql';
import type Koa from 'koa';
import { TokenVerifier } from './auth.ts';
import type { DaprSidecar } from './dapr.ts';
import { databaseReachable } from './db.ts';
import { parkedEventRoutes } from './deadletters.ts';
import { createServiceApp } from './http.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import type { DatabaseServiceConfig } from './service.ts';
import { mountSubscriptions, type Subscription } from './subscriptions.ts';

export interface DatabaseServiceDeps<C extends DatabaseServiceConfig = DatabaseServiceConfig> {
  config: C;
  orm: MikroORM;
  dapr: DaprSidecar;
  logger: Logger;
  metrics: Metrics;
}

export function databaseServiceApp(
  deps: DatabaseServiceDeps,
  parts: {
    subscriptions: Subscription[];
    /** Subscriptions served by routes of their own (the dead-letter collector). */
    extraSubscriptions?: { pubsubname: string; topic: string; route: string }[];
    /** Readiness checks besides the database and the sidecar. */
    ready?: () => Promise<Record<string, boolean>>;
    /** The verifier, when the service needed it before its app (otherwise one is made). */
    verifier?: TokenVerifier;
  },
): { app: Koa; router: Router; verifier: TokenVerifier } {
  const { config, orm, dapr, logger, metrics } = deps;
  const { app, router } = createServiceApp({
    logger,
    metrics,
    sidecar: { appApiToken: config.dapr.appApiToken },
    readiness: async () => ({
      database: await databaseReachable(orm),
      sidecar: await dapr.healthy(),
      ...(await parts.ready?.()),
    }),
  });
  const verifier = parts.verifier ?? new TokenVerifier(config.auth);
  mountSubscriptions(
    router,
    { pubsub: config.dapr.pubsub, logger, metrics, extra: parts.extraSubscriptions ?? [] },
    parts.subscriptions,
  );
  router.use(parkedEventRoutes({ orm, service: config.service, verifier }).routes());
  return { app, router, verifier };
}
