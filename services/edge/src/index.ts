/** Bootstrap: config, demo credentials, listen. The edge has no database and no sidecar. */
import { createLogger, Metrics } from '@baedal/platform';
import { serve } from '@baedal/platform/serve';
import { buildApp } from './app.ts';
import { readConfig } from './config.ts';
import { Credentials } from './domain/credentials.ts';

const config = readConfig(process.env);
const logger = createLogger(config.service, config.logLevel);
const metrics = new Metrics(config.service);
const credentials = await Credentials.create({ demoData: config.demoData });
const { app, loginEnabled, close } = buildApp({ config, logger, metrics, credentials });

if (!loginEnabled) logger.info('login route disabled (LOGIN_ENABLED=false, no accounts, or no JWT_SECRET)');
serve(app, {
  port: config.port,
  host: config.host,
  logger,
  onShutdown: async () => close(),
});
