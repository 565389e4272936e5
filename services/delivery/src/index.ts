/** Bootstrap: the database service start (platform service.ts) with delivery's entities, app and re-drive. */
import { openService, runService } from '@baedal/platform/service';
import { migrations } from '../migrations/index.ts';
import { buildApp } from './app.ts';
import { config } from './config.ts';
import { Delivery } from './entities/delivery.ts';

const service = await openService(config, { entities: [Delivery], migrations });
runService(service, {
  app: buildApp({ config, ...service }),
  // The delivery facts the order service moves the order on.
  redrive: ['DeliveryPickedUp', 'DeliveryCompleted'],
});
