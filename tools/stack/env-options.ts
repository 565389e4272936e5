/**
 * Stack options as the environment gives them, read in one place: the
 * instance (`BAEDAL_STACK_DIR`, default `.stack`; `BAEDAL_PORT_OFFSET`, default
 * 0; `GATEWAY_PORT` or `PORT`, the entry port outright) and the settings handed
 * to its processes (topology.ts appSettingNames, BAEDAL_MEASURE_HOP,
 * DAPRD_LOG_LEVEL, BAEDAL_KAFKA_HEAP). Loading this builds no instance:
 * env-instance.ts does, for `npm run stack` and the tests; the bench takes only
 * the process settings, on an instance of its own.
 */

import type { StackOptions } from './instance.ts';
import { appSettingsFrom, checkPortOffset } from './topology.ts';

/** What the environment says of an instance's processes, whichever instance it is. */
export type ProcessSettings = Pick<StackOptions, 'appSettings' | 'measureHop' | 'daprdLogLevel' | 'kafkaHeap'>;

export function processSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): ProcessSettings {
  return {
    appSettings: appSettingsFrom(env),
    measureHop: env.BAEDAL_MEASURE_HOP === '1',
    ...(env.DAPRD_LOG_LEVEL ? { daprdLogLevel: env.DAPRD_LOG_LEVEL } : {}),
    ...(env.BAEDAL_KAFKA_HEAP?.trim() ? { kafkaHeap: env.BAEDAL_KAFKA_HEAP.trim() } : {}),
  };
}

export function stackOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): StackOptions {
  const entry = env.GATEWAY_PORT ?? env.PORT;
  return {
    dir: env.BAEDAL_STACK_DIR?.trim() || '.stack',
    portOffset: checkPortOffset(env.BAEDAL_PORT_OFFSET?.trim() || '0', 'BAEDAL_PORT_OFFSET'),
    ...(entry === undefined ? {} : { entryPort: Number(entry) }),
    ...processSettingsFromEnv(env),
  };
}
