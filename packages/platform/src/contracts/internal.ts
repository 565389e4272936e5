/**
 * Service-to-service calls made through Dapr service invocation (never through
 * the edge). The order service owns the order lifecycle: store owners' actions
 * reach it as transition requests, and it decides in its own database.
 */
import { z } from 'zod';

/** POST order:/internal/orders/{orderId}/transitions — called by the store service. */
export const OrderTransitionRequest = z.strictObject({
  to: z.enum(['ACCEPTED', 'REJECTED', 'COOKING', 'COOKED']),
  /** The acting owner's store; the order service refuses (404) an order of another store. */
  storeId: z.uuid(),
  reason: z.string().min(1).max(500).optional(),
});
export type OrderTransitionRequest = z.infer<typeof OrderTransitionRequest>;

/** Answer of a transition: the order's new status and when it changed. */
export const OrderTransitionResult = z.object({
  orderId: z.uuid(),
  status: z.string(),
  updatedAt: z.iso.datetime(),
});

/** POST payment:/internal/payments — called by the order service while it places an order. */
export const ChargeRequest = z.strictObject({
  orderId: z.uuid(),
  customerId: z.uuid(),
  amount: z.number().int().min(1).max(100_000_000),
});
export type ChargeRequest = z.infer<typeof ChargeRequest>;

export const ChargeResult = z.object({
  id: z.uuid(),
  orderId: z.uuid(),
  amount: z.number().int(),
  status: z.enum(['APPROVED', 'REFUNDED']),
});
