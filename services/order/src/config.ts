import { readCommonConfig } from '@baedal/platform';
import { z } from 'zod';

const orderEnv = z.object({
  /**
   * How long an order may stay quiet before its latest event is published again
   * (domain/event-redriver.ts). Keep it above the pub/sub component's redelivery
   * time (processingTimeout, 30 s), so a re-drive is not just an early redelivery.
   */
  ORDER_REDRIVE_AFTER_SECONDS: z.coerce.number().int().min(5).max(86_400).default(60),
});

const own = orderEnv.parse(process.env);

export const config = {
  ...readCommonConfig(process.env, { needsDb: true }),
  redriveAfterSeconds: own.ORDER_REDRIVE_AFTER_SECONDS,
};
export type Config = typeof config;
