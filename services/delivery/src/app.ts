/** Builds the delivery service's Koa app (no listen: tests mount it on port 0). */
import { finishApp, subscription } from '@baedal/platform';
import { OrderEvent, topics } from '@baedal/platform/contracts/events';
import { databaseServiceApp, type DatabaseServiceDeps } from '@baedal/platform/service-app';
import type { Config } from './config.ts';
import { onOrderEvent } from './events/cooking-finished.ts';
import { deliveryRoutes } from './routes/deliveries.ts';

export function buildApp(deps: DatabaseServiceDeps<Config>) {
  const { orm } = deps;
  const { app, router, verifier } = databaseServiceApp(deps, {
    subscriptions: [subscription(topics.orders, OrderEvent, (e) => onOrderEvent(orm, e))],
  });
  router.use(deliveryRoutes({ orm, verifier }).routes());
  return finishApp(app, router);
}
