import { readCommonConfig } from '@baedal/platform';
import { z } from 'zod';

const paymentEnv = z.object({
  /** How long a charge may stay uncaptured before it is voided (unless its order exists). */
  PAYMENT_CAPTURE_TIMEOUT_SECONDS: z.coerce.number().int().min(5).max(86_400).default(120),
});

const own = paymentEnv.parse(process.env);

export const config = {
  ...readCommonConfig(process.env, { needsDb: true }),
  captureTimeoutSeconds: own.PAYMENT_CAPTURE_TIMEOUT_SECONDS,
};
export type Config = typeof config;
