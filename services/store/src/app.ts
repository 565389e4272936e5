/** Builds the store service's Koa app (no listen: tests mount it on port 0). */
import {
  createServiceApp,
  finishApp,
  mountSubscriptions,
  subscription,
  TokenVerifier,
  type DaprSidecar,
  type Logger,
  type Metrics,
} from '@baedal/platform';
import { parkedEventRoutes } from '@baedal/platform/deadletters';
import { OrderEvent, topics } from '@baedal/platform/contracts/events';
import { databaseReachable } from '@baedal/platform/db';
import type { MikroORM } from '@mikro-orm/mysql';
import type { Config } from './config.ts';
import { onOrderEvent } from './events/orders.ts';
import { catalogRoutes } from './routes/catalog.ts';
import { inboxRoutes } from './routes/inbox.ts';

export function buildApp(deps: { config: Config; orm: MikroORM; dapr: DaprSidecar; logger: Logger; metrics: Metrics }) {
  const { config, orm, dapr, logger, metrics } = deps;
  const { app, router } = createServiceApp({
    logger,
    metrics,
    sidecar: { appApiToken: config.dapr.appApiToken },
    readiness: async () => ({ database: await databaseReachable(orm), sidecar: await dapr.healthy() }),
  });
  const verifier = new TokenVerifier(config.auth);
  mountSubscriptions(router, { pubsub: config.dapr.pubsub, logger, metrics }, [
    subscription(topics.orders, OrderEvent, (e) => onOrderEvent(orm, e)),
  ]);
  router.use(parkedEventRoutes({ orm, service: config.service, verifier }).routes());
  router.use(catalogRoutes({ orm }).routes());
  router.use(inboxRoutes({ orm, verifier, dapr, logger }).routes());
  return finishApp(app, router);
}
