/**
 * What the payment service does with the order lifecycle:
 * - OrderPlaced captures the order's charge (it was an authorization until now);
 * - OrderCancelled and OrderRejected refund it (compensation).
 * Idempotent twice over: the inbox skips a redelivered event, and the
 * conditional updates only move a payment forward.
 */
import { makeEvent, topics, type OrderEvent } from '@baedal/platform/contracts/events';
import { handleOnce } from '@baedal/platform/inbox';
import { enqueue } from '@baedal/platform/outbox';
import type { Logger } from '@baedal/platform';
import type { EntityManager, MikroORM } from '@mikro-orm/mysql';
import { Payment } from '../entities/payment.ts';

export async function onOrderEvent(
  orm: MikroORM,
  logger: Logger,
  event: OrderEvent,
  afterCommit: () => void,
): Promise<void> {
  if (event.type === 'OrderPlaced') {
    await handleOnce(orm, event, async (em) => {
      const captured = await em.nativeUpdate(
        Payment,
        { orderId: event.orderId, status: 'APPROVED', capturedAt: null },
        { capturedAt: new Date() },
      );
      if (captured === 0) {
        const p = await em.findOne(Payment, { orderId: event.orderId });
        if (!p) throw new Error(`no payment yet for order ${event.orderId}; retry`);
        // The order service refuses to save an order past its charge's captureBy, so this
        // means clocks disagree by more than the safety margin: make it loud.
        if (p.status !== 'APPROVED') logger.error({ orderId: event.orderId }, 'order placed on a voided charge');
      }
    });
    return;
  }
  if (event.type !== 'OrderCancelled' && event.type !== 'OrderRejected') return;
  await handleOnce(orm, event, async (em) => {
    const payment = await em.findOne(Payment, { orderId: event.orderId });
    if (!payment) throw new Error(`no payment yet for order ${event.orderId}; retry`);
    await refund(em, payment);
  });
  afterCommit();
}

/** APPROVED → REFUNDED at most once, with its PaymentRefunded event in the same transaction. */
export async function refund(em: EntityManager, payment: Payment): Promise<boolean> {
  const changed = await em.nativeUpdate(
    Payment,
    { id: payment.id, status: 'APPROVED' },
    { status: 'REFUNDED', updatedAt: new Date() },
  );
  if (changed !== 1) return false;
  enqueue(
    em,
    topics.payments,
    makeEvent('PaymentRefunded', {
      orderId: payment.orderId,
      data: { paymentId: payment.id, amount: payment.amount },
    }),
    payment.orderId,
  );
  return true;
}
