/** Builds the delivery service's Koa app (no listen: tests mount it on port 0). */
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
import { onOrderEvent } from './events/cooking-finished.ts';
import { deliveryRoutes } from './routes/deliveries.ts';

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
  const routes = deliveryRoutes({ orm, verifier });
  router.use(parkedEventRoutes({ orm, service: config.service, verifier }).routes());
  router.use(routes.routes());
  return finishApp(app, router);
}
