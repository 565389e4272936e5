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
import type { OutboxRelay } from '@baedal/platform/outbox';
import type { MikroORM } from '@mikro-orm/mysql';
import type { Config } from './config.ts';
import type { SimulatedGateway } from './domain/gateway.ts';
import { onOrderEvent } from './events/refunds.ts';
import { paymentRoutes } from './routes/payments.ts';

export function buildApp(deps: {
  config: Config;
  orm: MikroORM;
  dapr: DaprSidecar;
  relay: OutboxRelay;
  logger: Logger;
  metrics: Metrics;
  gateway: SimulatedGateway;
}) {
  const { config, orm, dapr, logger, metrics } = deps;
  const { app, router } = createServiceApp({
    logger,
    metrics,
    readiness: async () => ({ database: await databaseReachable(orm), sidecar: await dapr.healthy() }),
  });
  const verifier = new TokenVerifier(config.auth);
  const loseNextEvent = new LoseNextEvent();
  mountSubscriptions(router, { pubsub: config.dapr.pubsub, logger, metrics }, [
    subscription(topics.orders, OrderEvent, async (e) => {
      if (!loseNextEvent.takes(e, logger)) await onOrderEvent(orm, logger, e, () => deps.relay.kick());
    }),
  ]);
  const routes = paymentRoutes({
    orm,
    verifier,
    gateway: deps.gateway,
    loseNextEvent,
    faultInjection: config.faultInjection,
    captureTimeoutSeconds: config.captureTimeoutSeconds,
  });
  router.use(parkedEventRoutes({ orm, service: config.service, verifier }).routes());
  router.use(routes.routes());
  return finishApp(app, router);
}
