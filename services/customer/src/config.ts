import { ConfigError, readCommonConfig } from '@baedal/platform';
import { z } from 'zod';
import { DEFAULT_MAX_STREAMS_PER_USER } from './routes/sse.ts';

const common = readCommonConfig(process.env, { needsDb: false });

const customerEnv = z.object({
  SSE_MAX_STREAMS_PER_USER: z.coerce.number().int().min(1).max(1000).default(DEFAULT_MAX_STREAMS_PER_USER),
  SSE_POLL_MS: z.coerce.number().int().min(100).max(60_000).default(1000),
  VIEW_MAX_AGE_MS: z.coerce.number().int().min(0).max(1000).default(25),
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
  stream: {
    /**
     * How often an open live status stream reads its view from the state store.
     * A replica's change feed sees only the events its own projector handled;
     * with several replicas the others' changes reach the stream by this read.
     */
    pollMs: parsed.data.SSE_POLL_MS,
    heartbeatMs: 15_000,
    maxPerUser: parsed.data.SSE_MAX_STREAMS_PER_USER,
  },
  /**
   * How old a view the status routes may answer with (state/fresh-views.ts):
   * a change another replica wrote shows at most this much later than a read
   * of the state store would show it; 0 reads the state store for every request
   * (requests at the same moment still share one read).
   */
  views: { maxAgeMs: parsed.data.VIEW_MAX_AGE_MS, maxEntries: 10_000 },
});
export type Config = typeof config;
