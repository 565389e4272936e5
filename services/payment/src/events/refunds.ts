/**
 * What the payment service does with the order lifecycle:
 * - OrderPlaced captures the order's charge (it was an authorization until now);
 * - OrderCancelled and OrderRejected refund it (compensation).
 * Idempotent twice over: the inbox skips a redelivered event, and the
 * conditional updates only move a payment forward.
 *
 * The gateway is told inside the transaction, after the row's update and
 * before its commit: a crash between the two leaves the row (and the inbox)
 * unchanged, so the redelivered event does both again, and the gateway's
 * capture / void / refund of an already moved charge changes nothing.
 */
import { makeEvent, topics, type OrderEvent } from '@baedal/platform/contracts/events';
import { handleOnce } from '@baedal/platform/inbox';
import { enqueue } from '@baedal/platform/outbox';
import type { Logger } from '@baedal/platform';
import type { EntityManager, MikroORM } from '@mikro-orm/mysql';
import { Payment } from '../entities/payment.ts';
import type { PaymentGateway } from '../gateway/gateway.ts';

export async function onOrderEvent(
  deps: { orm: MikroORM; gateway: PaymentGateway; logger: Logger },
  event: OrderEvent,
): Promise<void> {
  const { orm, gateway, logger } = deps;
  if (event.type === 'OrderPlaced') {
    await handleOnce(orm, event, async (em) => {
      const captured = await em.nativeUpdate(
        Payment,
        { orderId: event.orderId, status: 'APPROVED', capturedAt: null },
        { capturedAt: new Date() },
      );
      if (captured === 1) await capture(gateway, logger, event.orderId);
      else {
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
    await refund(em, gateway, payment);
  });
}

/** Captures the order's charge at the gateway (call it in the transaction that marks the row captured). */
export async function capture(gateway: PaymentGateway, logger: Logger, orderId: string): Promise<void> {
  const status = await gateway.capture(orderId);
  // Only a charge already given back can refuse: loud, since an order now owes money nobody holds.
  if (status !== 'CAPTURED')
    logger.error({ orderId, status }, 'gateway could not capture the charge of a placed order');
}

/**
 * APPROVED → REFUNDED at most once, with its PaymentRefunded event in the same
 * transaction, and the money given back at the gateway (a void of an
 * authorization, a refund of a capture) before that transaction commits.
 */
export async function refund(em: EntityManager, gateway: PaymentGateway, payment: Payment): Promise<boolean> {
  const changed = await em.nativeUpdate(
    Payment,
    { id: payment.id, status: 'APPROVED' },
    { status: 'REFUNDED', updatedAt: new Date() },
  );
  if (changed !== 1) return false;
  await gateway.release(payment.orderId);
  enqueue(
    em,
    topics.payments,
    makeEvent('PaymentRefunded', {
      orderId: payment.orderId,
      data: { paymentId: payment.id, amount: payment.amount },
    }),
  );
  return true;
}
