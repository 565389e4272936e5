/** Builds the payment service's Koa app (no listen: tests mount it on port 0). */
import { finishApp, subscription } from '@baedal/platform';
import { OrderEvent, topics } from '@baedal/platform/contracts/events';
import { LoseNextEvent } from '@baedal/platform/lose-next-event';
import { databaseServiceApp, type DatabaseServiceDeps } from '@baedal/platform/service-app';
import type { Config } from './config.ts';
import { Charging, type ChargeFaults } from './domain/charging.ts';
import type { PaymentGateway } from './gateway/gateway.ts';
import { onOrderEvent } from './events/refunds.ts';
import { paymentRoutes } from './routes/payments.ts';

export function buildApp(deps: DatabaseServiceDeps<Config> & { gateway: PaymentGateway }) {
  const { config, orm, logger, gateway } = deps;
  const loseNextEvent = new LoseNextEvent();
  const { app, router, verifier } = databaseServiceApp(deps, {
    subscriptions: [
      subscription(topics.orders, OrderEvent, async (e) => {
        if (!loseNextEvent.takes(e, logger)) await onOrderEvent({ orm, gateway, logger }, e);
      }),
    ],
  });
  const chargeFaults: ChargeFaults = { pauseAfterChargeMs: 0 };
  const routes = paymentRoutes({
    orm,
    verifier,
    gateway,
    charging: new Charging({ orm, gateway, logger, faults: chargeFaults }),
    chargeFaults,
    loseNextEvent,
    faultInjection: config.faultInjection,
    captureTimeoutSeconds: config.captureTimeoutSeconds,
  });
  router.use(routes.routes());
  return finishApp(app, router);
}
