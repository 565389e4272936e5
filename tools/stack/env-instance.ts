/**
 * The stack instance this process's environment names (env-options.ts), built
 * once when this module loads: `npm run stack` (and `npm start`), the tests and
 * the load tests drive this one. A program that drives another instance builds
 * it from options (instance.ts) and leaves the environment alone. A second
 * instance beside the default one from the shell:
 * `BAEDAL_STACK_DIR=.stack-kafka BAEDAL_PORT_OFFSET=1000 npm run stack -- up --broker kafka`.
 */

import { stackOptionsFromEnv } from './env-options.ts';
import { stackInstance } from './instance.ts';

/** The instance the environment names. */
export const envStack = stackInstance(stackOptionsFromEnv());

// Its parts by name, for the tests and tools that drive only this instance.
export const { stackDir, logFile, pidsDir, componentsDir, mariadbSocket } = envStack.paths;
export const { apps, appByName, appEnv, appTokens, infra, port, entryPort, recordedReplicas } = envStack.topology;
export const { daprdBinary, sidecarArgs, sidecarEnv } = envStack.daprd;
export const { startApp, stopApp, isRunning, isReady, pidOf, broker: stackBroker, recordedObserve } = envStack;
export const { zipkinUrl, zipkinUiUrl, prometheusUrl } = envStack.observability;
