import { ConfigError, readCommonConfig } from '@baedal/platform';
import { z } from 'zod';
import { DEFAULT_MAX_STREAMS_PER_USER } from './routes/sse.ts';

const common = readCommonConfig(process.env, { needsDb: false });

const customerEnv = z.object({
  SSE_MAX_STREAMS_PER_USER: z.coerce.number().int().min(1).max(1000).default(DEFAULT_MAX_STREAMS_PER_USER),
});
const parsed = customerEnv.safeParse(process.env);
if (!parsed.success) {
  const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
}

export const config = Object.freeze({
  ...common,
  /** Dapr component names (components/statestore.yaml, components/notifications.yaml). */
  stateStore: 'statestore',
  notificationBinding: 'notifications',
  stream: { pollMs: 1000, heartbeatMs: 15_000, maxPerUser: parsed.data.SSE_MAX_STREAMS_PER_USER },
});
export type Config = typeof config;
