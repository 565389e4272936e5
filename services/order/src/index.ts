/** Bootstrap: config, database (with migrations), sidecar client, outbox relay, listen. */
import { createLogger, DaprSidecar, Metrics } from '@baedal/platform';
import { openDatabase } from '@baedal/platform/db';
import { DeadLetter } from '@baedal/platform/deadletters';
import { ProcessedEvent } from '@baedal/platform/inbox';
import { OutboxMessage, OutboxRelay } from '@baedal/platform/outbox';
import { OutboxRedriver } from '@baedal/platform/outbox-redrive';
import { RetentionJob, retentionTargets } from '@baedal/platform/retention';
import { serve } from '@baedal/platform/serve';
import { migrations } from '../migrations/index.ts';
import { buildApp } from './app.ts';
import { config } from './config.ts';
import { CatalogStore } from './entities/catalog.ts';
import { Order, OrderRequest } from './entities/order.ts';

const logger = createLogger(config.service, config.logLevel);
const metrics = new Metrics(config.service);
const orm = await openDatabase({
  db: config.db,
  entities: [Order, OrderRequest, CatalogStore, OutboxMessage, ProcessedEvent, DeadLetter],
  migrations,
  logger,
});
const dapr = new DaprSidecar(config.dapr);
const relay = new OutboxRelay({
  orm,
  dapr,
  pubsub: config.dapr.pubsub,
  source: config.service,
  logger,
  metrics,
  claims: { maxAttempts: config.db.outboxMaxAttempts },
});
// Old published events, inbox markers, dead letters and idempotency keys go after RETENTION_DAYS.
const retention = new RetentionJob({
  orm,
  logger,
  metrics,
  days: config.db.retentionDays,
  targets: [
    retentionTargets.outbox,
    retentionTargets.inbox,
    retentionTargets.deadLetters,
    { table: 'order_request', column: 'created_at' },
  ],
});
const app = buildApp({ config, orm, dapr, relay, logger, metrics });

// Re-drive (outbox-redrive.ts) what another service must act on before the order moves
// (OrderPlaced: the store; CookingFinished: delivery) and what ends it (the refund, the view).
const redriver = new OutboxRedriver({
  orm,
  relay,
  logger,
  metrics,
  afterSeconds: config.db.outboxRedriveAfterSeconds,
  types: ['OrderPlaced', 'CookingFinished', 'OrderCompleted', 'OrderCancelled', 'OrderRejected'],
});

relay.start();
retention.start();
redriver.start();
serve(app, {
  port: config.port,
  host: config.host,
  logger,
  onShutdown: async () => {
    redriver.stop();
    retention.stop();
    await relay.stop();
    await orm.close();
  },
});
