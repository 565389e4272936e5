/** The customer service's app mounts exactly what the route table gives it (contracts/routes.ts). */
import { describe, expect, it } from '@jest/globals';
import { routeTableCheck } from '@baedal/platform/contracts/mounted-routes';

describe('customer routes', () => {
  it.each([false, true])('with fault injection %s, the router mounts the route table', async (faultInjection) => {
    const { buildApp } = await import('./app.ts');
    const { BindingNotifier } = await import('./events/notifier.ts');
    const { ViewChanges } = await import('./events/view-changes.ts');
    const { SseStreams } = await import('./routes/sse.ts');
    const { DaprViewStore } = await import('./state/view-store.ts');
    const load = () => import('./config.ts');
    const { mounted, owned } = await routeTableCheck(
      'customer',
      faultInjection,
      load,
      (config, { dapr, logger, metrics }) =>
        buildApp({
          config,
          dapr,
          store: new DaprViewStore(dapr, { store: config.stateStore }),
          notifier: new BindingNotifier(dapr, config.notificationBinding),
          changes: new ViewChanges(),
          streams: new SseStreams({ maxPerUser: config.stream.maxPerUser }),
          logger,
          metrics,
        }),
    );
    expect(mounted).toEqual(owned);
  });
});
