/**
 * Bootstrap: the database service start (platform service.ts), plus the
 * gateway's own database and the payment sweepers.
 */
import { openDatabase } from '@baedal/platform/db';
import { openService, runService } from '@baedal/platform/service';
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

const service = await openService(config, { entities: [Payment], migrations });
const { orm, dapr, logger, metrics } = service;
const gatewayOrm = await openDatabase({
  db: config.gatewayDb,
  entities: [GatewayCharge, GatewayRequest],
  migrations: gatewayMigrations,
  logger,
  contextName: 'gateway',
});
const gateway = new PaymentGateway(gatewayOrm);

runService(service, {
  app: buildApp({ config, ...service, gateway }),
  jobs: [
    new CaptureSweeper({
      orm,
      dapr,
      gateway,
      logger,
      timeoutSeconds: config.captureTimeoutSeconds,
    }),
    new PendingResolver({ orm, gateway, logger, metrics, graceSeconds: config.pendingGraceSeconds }),
    new Reconciler({
      orm,
      gateway,
      logger,
      metrics,
      intervalSeconds: config.reconcileIntervalSeconds,
      // A charge younger than this may still be on its way into the payments table.
      minAgeMs: 60_000,
    }),
  ],
  close: [() => gatewayOrm.close()],
});
