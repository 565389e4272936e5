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

/**
 * A charge is an authorization until the payment service sees the order's
 * OrderPlaced (capture). One not captured by `captureBy` is voided (refunded)
 * unless the order service says the order exists: so a charge whose order was
 * never saved — a crash, a timeout the customer saw as 503 — costs nothing.
 */
export const ChargeResult = z.object({
  id: z.uuid(),
  orderId: z.uuid(),
  amount: z.number().int(),
  status: z.enum(['APPROVED', 'REFUNDED']),
  captureBy: z.iso.datetime(),
});
export type ChargeResult = z.infer<typeof ChargeResult>;

/**
 * Problem slug (`/problems/charge-pending`, 409 + Retry-After) of a charge call
 * that found another call charging the same order and did not see it finish in
 * time. Nothing was charged by this call; the caller may ask again.
 */
export const CHARGE_PENDING_PROBLEM = 'charge-pending';

/** GET order:/internal/orders/{orderId} — asked by the payment service before voiding a charge. */
export const OrderExistence = z.object({ orderId: z.uuid(), status: z.string() });
export type OrderExistence = z.infer<typeof OrderExistence>;

/**
 * GET order:/internal/orders/{orderId}/events — every lifecycle event of one order,
 * oldest first, exactly as published. The customer service reads it when an order
 * ends, to fill in any event its view never got (see customer events/order-events.ts).
 */
export const OrderEventLog = z.object({ orderId: z.uuid(), events: z.array(z.unknown()) });
export type OrderEventLog = z.infer<typeof OrderEventLog>;
