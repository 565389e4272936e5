/** Builds the order service's Koa app (no listen: tests mount it on port 0). */
import { finishApp, subscription, TokenVerifier } from '@baedal/platform';
import { DeliveryEvent, StoreCatalogPublished, topics } from '@baedal/platform/contracts/events';
import { deadLetterRoutes } from '@baedal/platform/deadletters';
import { databaseServiceApp, type DatabaseServiceDeps } from '@baedal/platform/service-app';
import type { Config } from './config.ts';
import { CatalogCache } from './domain/catalog-cache.ts';
import { OrderCommands } from './domain/order-commands.ts';
import { CatalogStore } from './entities/catalog.ts';
import { onCatalogPublished, onDeliveryEvent } from './events/handlers.ts';
import { adminRoutes } from './routes/admin.ts';
import { internalRoutes } from './routes/internal.ts';
import { orderRoutes } from './routes/orders.ts';

export function buildApp(deps: DatabaseServiceDeps<Config>) {
  const { config, orm, dapr, logger, metrics } = deps;
  const catalog = new CatalogCache(orm);
  const commands = new OrderCommands({ orm, dapr, logger, catalog });
  const verifier = new TokenVerifier(config.auth);
  const deadLetters = deadLetterRoutes({ orm, pubsub: config.dapr.pubsub, verifier, logger, metrics });
  const { app, router } = databaseServiceApp(deps, {
    verifier,
    // Orders are priced from the catalog replica; without one nothing can be ordered yet.
    ready: async () => ({ catalog: (await orm.em.fork().count(CatalogStore, {})) > 0 }),
    subscriptions: [
      subscription(topics.catalog, StoreCatalogPublished, (e) =>
        onCatalogPublished(orm, e, (storeId) => catalog.invalidate(storeId)),
      ),
      subscription(topics.deliveries, DeliveryEvent, (e) => onDeliveryEvent(orm, commands, e)),
    ],
    extraSubscriptions: [deadLetters.subscription],
  });
  router.use(orderRoutes({ commands, verifier }).routes());
  router.use(internalRoutes({ commands }).routes());
  router.use(deadLetters.router.routes());
  router.use(adminRoutes({ commands, verifier, faultInjection: config.faultInjection }).routes());
  return finishApp(app, router);
}
