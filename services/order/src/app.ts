/** Builds the order service's Koa app (no listen: tests mount it on port 0). */
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
import { DeliveryEvent, StoreCatalogPublished, topics } from '@baedal/platform/contracts/events';
import { databaseReachable } from '@baedal/platform/db';
import { deadLetterRoutes, parkedEventRoutes } from '@baedal/platform/deadletters';
import type { MikroORM } from '@mikro-orm/mysql';
import type { Config } from './config.ts';
import { CatalogCache } from './domain/catalog-cache.ts';
import { OrderCommands } from './domain/order-commands.ts';
import { CatalogStore } from './entities/catalog.ts';
import { onCatalogPublished, onDeliveryEvent } from './events/handlers.ts';
import { adminRoutes } from './routes/admin.ts';
import { internalRoutes } from './routes/internal.ts';
import { orderRoutes } from './routes/orders.ts';

export function buildApp(deps: { config: Config; orm: MikroORM; dapr: DaprSidecar; logger: Logger; metrics: Metrics }) {
  const { config, orm, dapr, logger, metrics } = deps;
  const { app, router } = createServiceApp({
    logger,
    metrics,
    sidecar: { appApiToken: config.dapr.appApiToken },
    readiness: async () => ({
      database: await databaseReachable(orm),
      sidecar: await dapr.healthy(),
      // Orders are priced from the catalog replica; without one nothing can be ordered yet.
      catalog: (await orm.em.fork().count(CatalogStore, {})) > 0,
    }),
  });
  const catalog = new CatalogCache(orm);
  const commands = new OrderCommands({ orm, dapr, logger, catalog });
  const verifier = new TokenVerifier(config.auth);
  const deadLetters = deadLetterRoutes({ orm, pubsub: config.dapr.pubsub, verifier, logger, metrics });
  mountSubscriptions(router, { pubsub: config.dapr.pubsub, logger, metrics, extra: [deadLetters.subscription] }, [
    subscription(topics.catalog, StoreCatalogPublished, (e) =>
      onCatalogPublished(orm, e, (storeId) => catalog.invalidate(storeId)),
    ),
    subscription(topics.deliveries, DeliveryEvent, (e) => onDeliveryEvent(orm, commands, e)),
  ]);
  router.use(parkedEventRoutes({ orm, service: config.service, verifier }).routes());
  router.use(orderRoutes({ commands, verifier }).routes());
  router.use(internalRoutes({ commands }).routes());
  router.use(deadLetters.router.routes());
  router.use(adminRoutes({ commands, verifier, faultInjection: config.faultInjection }).routes());
  return finishApp(app, router);
}
