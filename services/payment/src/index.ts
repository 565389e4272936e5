/**
 * Bootstrap: config, the service's database and the gateway's (each with its
 * migrations), sidecar client, outbox relay, the sweepers, listen.
 */
import { createLogger, DaprSidecar, Metrics } from '@baedal/platform';
import { openDatabase } from '@baedal/platform/db';
import { ProcessedEvent } from '@baedal/platform/inbox';
import { OutboxMessage, OutboxRelay } from '@baedal/platform/outbox';
import { gatewayMigrations } from '../migrations/gateway/index.ts';
import { migrations } from '../migrations/index.ts';
import { buildApp } from './app.ts';
import { config } from './config.ts';
import { CaptureSweeper } from './domain/capture-sweeper.ts';
import { PendingResolver } from './domain/pending-resolver.ts';
import { Reconciler } from './domain/reconciler.ts';
import { Payment } from './entities/payment.ts';
import { PaymentGateway } from './gateway/gateway.ts';
import { GatewayCharge, GatewayRequest } from './gateway/ledger.ts';
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
const gatewayOrm = await openDatabase({
  db: config.gatewayDb,
  entities: [GatewayCharge, GatewayRequest],
  migrations: gatewayMigrations,
  logger,
  contextName: 'gateway',
});
const gateway = new PaymentGateway(gatewayOrm);
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
const app = buildApp({ config, orm, dapr, relay, logger, metrics, gateway });

const sweeper = new CaptureSweeper({
  orm,
  dapr,
  gateway,
  logger,
  timeoutSeconds: config.captureTimeoutSeconds,
  afterCommit: () => relay.kick(),
});
const resolver = new PendingResolver({ orm, gateway, logger, metrics, graceSeconds: config.pendingGraceSeconds });
const reconciler = new Reconciler({
  orm,
  gateway,
  logger,
  metrics,
  intervalSeconds: config.reconcileIntervalSeconds,
  // A charge younger than this may still be on its way into the payments table.
  minAgeMs: 60_000,
});

relay.start();
retention.start();
sweeper.start();
resolver.start();
reconciler.start();
serve(app, {
  port: config.port,
  host: config.host,
  logger,
  onShutdown: async () => {
    sweeper.stop();
    resolver.stop();
    reconciler.stop();
    retention.stop();
    await relay.stop();
    await orm.close();
    await gatewayOrm.close();
  },
});
