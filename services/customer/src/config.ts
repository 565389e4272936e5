import { readCommonConfig } from '@baedal/platform';

const common = readCommonConfig(process.env, { needsDb: false });

export const config = Object.freeze({
  ...common,
  /** Dapr component names (components/statestore.yaml, components/notifications.yaml). */
  stateStore: 'statestore',
  notificationBinding: 'notifications',
  stream: { pollMs: 1000, heartbeatMs: 15_000 },
});
export type Config = typeof config;
