import { readCommonConfig } from '@baedal/platform';
import { z } from 'zod';

const paymentEnv = z.object({
  /** How long a charge may stay uncaptured before it is voided (unless its order exists). */
  PAYMENT_CAPTURE_TIMEOUT_SECONDS: z.coerce.number().int().min(5).max(86_400).default(120),
  /**
   * How long a PENDING payment whose charge the gateway does not know is left
   * alone before it is declared DECLINED (abandoned). Above the longest gateway
   * call (the fault injection's delay is at most 60 s), so a call still in
   * flight is not given up on.
   */
  PAYMENT_PENDING_GRACE_SECONDS: z.coerce.number().int().min(5).max(86_400).default(90),
  /** How often the gateway's ledger is reconciled with the payments table. */
  PAYMENT_RECONCILE_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  /** The gateway stand-in's own database (same server and user as DB_*; never DB_NAME). */
  GATEWAY_DB_NAME: z.string().regex(/^\w+$/).default('baedal_gateway'),
});

const own = paymentEnv.parse(process.env);
const common = readCommonConfig(process.env, { needsDb: true });
if (own.GATEWAY_DB_NAME === common.db.dbName) {
  throw new Error('GATEWAY_DB_NAME must differ from DB_NAME: the gateway keeps its own ledger');
}

export const config = {
  ...common,
  captureTimeoutSeconds: own.PAYMENT_CAPTURE_TIMEOUT_SECONDS,
  pendingGraceSeconds: own.PAYMENT_PENDING_GRACE_SECONDS,
  reconcileIntervalSeconds: own.PAYMENT_RECONCILE_INTERVAL_SECONDS,
  gatewayDb: { ...common.db, dbName: own.GATEWAY_DB_NAME, poolMax: Math.min(common.db.poolMax, 5) },
};
export type Config = typeof config;
