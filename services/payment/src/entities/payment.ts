import type { PaymentResponse } from '@baedal/platform/contracts/api';
import { defineEntity, p, type InferEntity } from '@mikro-orm/mysql';

/**
 * PENDING: claimed, the gateway call is under way (or its caller died: the
 * pending resolver asks the gateway). APPROVED: charged. DECLINED: the gateway
 * refused or never got the charge; a new attempt may claim the row again.
 * REFUNDED: the charge was voided or refunded at the gateway.
 */
export const paymentStatuses = ['PENDING', 'APPROVED', 'DECLINED', 'REFUNDED'] as const;
export type PaymentStatus = (typeof paymentStatuses)[number];
/** The statuses of money that moved: only these are shown to customers (api.md's PaymentResponse). */
export const chargedStatuses = ['APPROVED', 'REFUNDED'] as const;

/** One payment per order: the order id is the idempotency key of a charge, here and at the gateway. */
export const Payment = defineEntity({
  name: 'Payment',
  tableName: 'payment',
  properties: {
    id: p.uuid().primary(),
    orderId: p.uuid().unique(),
    customerId: p.uuid(),
    amount: p.integer(),
    status: p.string().length(16).$type<PaymentStatus>(),
    /** Set when the order's OrderPlaced arrives; until then the charge is an authorization. */
    capturedAt: p.datetime(3).nullable(),
    createdAt: p.datetime(3),
    updatedAt: p.datetime(3),
  },
});
export type Payment = InferEntity<typeof Payment>;

/** A payment whose money moved (APPROVED or REFUNDED) as customers see it. */
export function paymentView(pay: Payment): PaymentResponse {
  const status = pay.status;
  if (status !== 'APPROVED' && status !== 'REFUNDED')
    throw new Error(`payment ${pay.id} is ${status}: nothing to show`);
  return {
    id: pay.id,
    orderId: pay.orderId,
    amount: pay.amount,
    status,
    createdAt: pay.createdAt.toISOString(),
    updatedAt: pay.updatedAt.toISOString(),
  };
}
