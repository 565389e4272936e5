/** Builds the payment service's Koa app (no listen: tests mount it on port 0). */
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
import { parkedEventRoutes } from '@baedal/platform/deadletters';
import { OrderEvent, topics } from '@baedal/platform/contracts/events';
import { databaseReachable } from '@baedal/platform/db';
import { LoseNextEvent } from '@baedal/platform/lose-next-event';
import type { MikroORM } from '@mikro-orm/mysql';
import type { Config } from './config.ts';
import { Charging, type ChargeFaults } from './domain/charging.ts';
import type { PaymentGateway } from './gateway/gateway.ts';
import { onOrderEvent } from './events/refunds.ts';
import { paymentRoutes } from './routes/payments.ts';

export function buildApp(deps: {
  config: Config;
  orm: MikroORM;
  dapr: DaprSidecar;
  logger: Logger;
  metrics: Metrics;
  gateway: PaymentGateway;
}) {
  const { config, orm, dapr, logger, metrics } = deps;
  const { app, router } = createServiceApp({
    logger,
    metrics,
    sidecar: { appApiToken: config.dapr.appApiToken },
    readiness: async () => ({ database: await databaseReachable(orm), sidecar: await dapr.healthy() }),
  });
  const verifier = new TokenVerifier(config.auth);
  const loseNextEvent = new LoseNextEvent();
  mountSubscriptions(router, { pubsub: config.dapr.pubsub, logger, metrics }, [
    subscription(topics.orders, OrderEvent, async (e) => {
      if (!loseNextEvent.takes(e, logger)) await onOrderEvent({ orm, gateway: deps.gateway, logger }, e);
    }),
  ]);
  const chargeFaults: ChargeFaults = { pauseAfterChargeMs: 0 };
  const routes = paymentRoutes({
    orm,
    verifier,
    gateway: deps.gateway,
    charging: new Charging({ orm, gateway: deps.gateway, logger, faults: chargeFaults }),
    chargeFaults,
    loseNextEvent,
    faultInjection: config.faultInjection,
    captureTimeoutSeconds: config.captureTimeoutSeconds,
  });
  router.use(parkedEventRoutes({ orm, service: config.service, verifier }).routes());
  router.use(routes.routes());
  return finishApp(app, router);
}
