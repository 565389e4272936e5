/** Bootstrap: the database service start (platform service.ts) with the order's entities, app and re-drive. */
import { DeadLetter } from '@baedal/platform/deadletters';
import { retentionTargets } from '@baedal/platform/retention';
import { openService, runService } from '@baedal/platform/service';
import { migrations } from '../migrations/index.ts';
import { buildApp } from './app.ts';
import { config } from './config.ts';
import { CatalogStore } from './entities/catalog.ts';
import { Order, OrderRequest } from './entities/order.ts';

const service = await openService(config, { entities: [Order, OrderRequest, CatalogStore, DeadLetter], migrations });
runService(service, {
  app: buildApp({ config, ...service }),
  // Dead letters and idempotency keys go after RETENTION_DAYS too.
  retain: [retentionTargets.deadLetters, { table: 'order_request', column: 'created_at' }],
  // What another service must act on before the order moves (OrderPlaced: the store;
  // CookingFinished: delivery) and what ends it (the refund, the view).
  redrive: ['OrderPlaced', 'CookingFinished', 'OrderCompleted', 'OrderCancelled', 'OrderRejected'],
});
