/** Bootstrap: config, sidecar client, state store, listen. No SQL database: the read model is in the state store. */
import { createLogger, DaprSidecar, Metrics } from '@baedal/platform';
import { serve } from '@baedal/platform/serve';
import { buildApp } from './app.ts';
import { config } from './config.ts';
import { BindingNotifier } from './events/notifier.ts';
import { ViewChanges } from './events/view-changes.ts';
import { SseStreams } from './routes/sse.ts';
import { DaprViewStore } from './state/view-store.ts';

const logger = createLogger(config.service, config.logLevel);
const metrics = new Metrics(config.service);
const dapr = new DaprSidecar(config.dapr);
const store = new DaprViewStore(dapr, { store: config.stateStore });
const notifier = new BindingNotifier(dapr, config.notificationBinding);
const changes = new ViewChanges();
const streams = new SseStreams({ maxPerUser: config.stream.maxPerUser });
const app = buildApp({ config, dapr, store, notifier, changes, streams, logger, metrics });

serve(app, {
  port: config.port,
  host: config.host,
  logger,
  onShutdown: async () => {
    // Open event streams would keep server.close() waiting.
    streams.closeAll();
  },
});
