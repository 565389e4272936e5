/** Builds the customer service's Koa app (no listen: tests mount it on port 0). */
import {
  createServiceApp,
  finishApp,
  mountSubscriptions,
  SidecarUnavailableError,
  subscription,
  TokenVerifier,
  unavailable,
  type DaprSidecar,
  type Logger,
  type Metrics,
} from '@baedal/platform';
import { OrderEvent, topics } from '@baedal/platform/contracts/events';
import { LoseNextEvent } from '@baedal/platform/lose-next-event';
import type { Middleware } from 'koa';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Config } from './config.ts';
import type { Notifier } from './events/notifier.ts';
import { DaprOrderEventLog } from './events/order-event-log.ts';
import { OrderStatusProjector } from './events/order-events.ts';
import type { ViewChanges } from './events/view-changes.ts';
import { adminRoutes } from './routes/admin.ts';
import { notificationRoutes } from './routes/notifications.ts';
import { orderStatusRoutes } from './routes/order-status.ts';
import type { SseStreams } from './routes/sse.ts';
import { FreshViews } from './state/fresh-views.ts';
import type { ViewStore } from './state/view-store.ts';

/** The read model lives behind the sidecar: when it does not answer, say so with 503 + Retry-After. */
function sidecarUnavailableAs503(): Middleware {
  return async (_ctx, next) => {
    try {
      await next();
    } catch (e) {
      if (e instanceof SidecarUnavailableError)
        throw unavailable('The order status view is unavailable; try again.', 2);
      throw e;
    }
  };
}

export function buildApp(deps: {
  config: Config;
  dapr: DaprSidecar;
  store: ViewStore;
  notifier: Notifier;
  changes: ViewChanges;
  streams: SseStreams;
  logger: Logger;
  metrics: Metrics;
}) {
  const { config, dapr, store, changes, streams, logger, metrics } = deps;
  const { app, router } = createServiceApp({
    logger,
    metrics,
    sidecar: { appApiToken: config.dapr.appApiToken },
    readiness: async () => ({
      sidecar: await dapr.healthy(),
      statestore: await store.ping().then(
        () => true,
        () => false,
      ),
    }),
  });
  app.use(sidecarUnavailableAs503());

  const conflicts = new Counter({
    name: 'view_write_conflicts_total',
    help: 'Optimistic-concurrency conflicts while writing the order-status view or index (retried)',
    registers: [metrics.registry],
  });
  const sent = new Counter({
    name: 'notifications_sent_total',
    help: 'Notifications handed to the output binding (resends included)',
    registers: [metrics.registry],
  });
  new Gauge({
    name: 'sse_streams_open',
    help: 'Live order-status streams open in this process',
    registers: [metrics.registry],
    collect() {
      this.set(streams.size);
    },
  });
  const filled = new Counter({
    name: 'view_events_filled_total',
    help: 'Events an ended order view lacked, applied from the order service event log',
    registers: [metrics.registry],
  });
  const eventToView = new Histogram({
    name: 'view_event_lag_seconds',
    help: 'Event to view: from an order event (occurredAt) to its change of the order-status view',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [metrics.registry],
  });
  const projector = new OrderStatusProjector({
    store,
    notifier: deps.notifier,
    changes,
    logger,
    eventLog: new DaprOrderEventLog(dapr, logger),
    onConflict: () => conflicts.inc(),
    onSent: () => sent.inc(),
    onFilled: (n) => filled.inc(n),
    onApplied: (e, at) => eventToView.observe(Math.max(0, at.getTime() - Date.parse(e.occurredAt)) / 1000),
  });
  const loseNextEvent = new LoseNextEvent();
  mountSubscriptions(router, { pubsub: config.dapr.pubsub, logger, metrics }, [
    subscription(topics.orders, OrderEvent, async (e) => {
      if (!loseNextEvent.takes(e, logger)) await projector.handle(e);
    }),
  ]);

  const verifier = new TokenVerifier(config.auth);
  router.use(adminRoutes({ loseNextEvent, verifier, faultInjection: config.faultInjection }).routes());
  const views = new FreshViews(store, config.views);
  changes.subscribeAll((view) => views.offer(view));
  router.use(orderStatusRoutes({ store, views, changes, streams, verifier, timing: config.stream, logger }).routes());
  router.use(notificationRoutes({ store, verifier }).routes());
  return finishApp(app, router);
}
