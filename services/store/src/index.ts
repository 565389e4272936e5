/**
 * Bootstrap: the database service start (platform service.ts), with the demo
 * stores and a catalog snapshot of every store enqueued before it listens.
 */
import { openService, runService } from '@baedal/platform/service';
import { migrations } from '../migrations/index.ts';
import { buildApp } from './app.ts';
import { config } from './config.ts';
import { seedDemoStores } from './domain/demo-data.ts';
import { InboxOrder } from './entities/inbox-order.ts';
import { MenuItem, Store } from './entities/store.ts';
import { enqueueCatalogSnapshots } from './events/catalog.ts';

const service = await openService(config, { entities: [Store, MenuItem, InboxOrder], migrations });
if (config.demoData) await seedDemoStores(service.orm, service.logger);
const published = await enqueueCatalogSnapshots(service.orm);
service.logger.info({ stores: published }, 'catalog snapshots enqueued');
runService(service, {
  app: buildApp({ config, ...service }),
  // A store's latest catalog snapshot: the order service prices from it.
  redrive: ['StoreCatalogPublished'],
});
