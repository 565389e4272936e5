/** Bootstrap: config, database (with migrations), sidecar client, outbox relay, listen. */
import { createLogger, DaprSidecar, Metrics } from '@baedal/platform';
import { openDatabase } from '@baedal/platform/db';
import { ProcessedEvent } from '@baedal/platform/inbox';
import { OutboxMessage, OutboxRelay } from '@baedal/platform/outbox';
import { migrations } from '../migrations/index.ts';
import { buildApp } from './app.ts';
import { config } from './config.ts';
import { CaptureSweeper } from './domain/capture-sweeper.ts';
import { SimulatedGateway } from './domain/gateway.ts';
import { Payment } from './entities/payment.ts';
import { RetentionJob, retentionTargets } from '@baedal/platform/retention';
import { serve } from '@baedal/platform/serve';

const logger = createLogger(config.service, config.logLevel);
const metrics = new Metrics(config.service);
const orm = await openDatabase({
  db: config.db,
  entities: [Payment, OutboxMessage, ProcessedEvent],
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
// Old published events, inbox markers go after RETENTION_DAYS.
const retention = new RetentionJob({
  orm,
  logger,
  metrics,
  days: config.db.retentionDays,
  targets: [retentionTargets.outbox, retentionTargets.inbox],
});
const app = buildApp({ config, orm, dapr, relay, logger, metrics, gateway: new SimulatedGateway() });

const sweeper = new CaptureSweeper({
  orm,
  dapr,
  logger,
  timeoutSeconds: config.captureTimeoutSeconds,
  afterCommit: () => relay.kick(),
});

relay.start();
retention.start();
sweeper.start();
serve(app, {
  port: config.port,
  logger,
  onShutdown: async () => {
    sweeper.stop();
    retention.stop();
    await relay.stop();
    await orm.close();
  },
});
