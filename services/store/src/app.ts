/** Builds the store service's Koa app (no listen: tests mount it on port 0). */
import { finishApp, subscription } from '@baedal/platform';
import { OrderEvent, topics } from '@baedal/platform/contracts/events';
import { databaseServiceApp, type DatabaseServiceDeps } from '@baedal/platform/service-app';
import type { Config } from './config.ts';
import { onOrderEvent } from './events/orders.ts';
import { catalogRoutes } from './routes/catalog.ts';
import { inboxRoutes } from './routes/inbox.ts';

export function buildApp(deps: DatabaseServiceDeps<Config>) {
  const { orm, dapr, logger } = deps;
  const { app, router, verifier } = databaseServiceApp(deps, {
    subscriptions: [subscription(topics.orders, OrderEvent, (e) => onOrderEvent(orm, e))],
  });
  router.use(catalogRoutes({ orm }).routes());
  router.use(inboxRoutes({ orm, verifier, dapr, logger }).routes());
  return finishApp(app, router);
}
