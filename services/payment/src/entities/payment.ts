import type { PaymentResponse } from '@baedal/platform/contracts/api';
import { defineEntity, p, type InferEntity } from '@mikro-orm/mysql';

export const paymentStatuses = ['APPROVED', 'REFUNDED'] as const;
export type PaymentStatus = (typeof paymentStatuses)[number];

/** One payment per order: the order id is the idempotency key of a charge. */
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

export function paymentView(pay: Payment): PaymentResponse {
  return {
    id: pay.id,
    orderId: pay.orderId,
    amount: pay.amount,
    status: pay.status,
    createdAt: pay.createdAt.toISOString(),
    updatedAt: pay.updatedAt.toISOString(),
  };
}
