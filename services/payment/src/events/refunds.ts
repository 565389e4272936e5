/**
 * Compensation: a cancelled or rejected order refunds its payment. Idempotent
 * twice over: the inbox skips a redelivered event, and the conditional update
 * only moves APPROVED to REFUNDED.
 */
import { makeEvent, topics, type OrderEvent } from '@baedal/platform/contracts/events';
import { handleOnce } from '@baedal/platform/inbox';
import { enqueue } from '@baedal/platform/outbox';
import type { MikroORM } from '@mikro-orm/mysql';
import { Payment } from '../entities/payment.ts';

export async function onOrderEvent(orm: MikroORM, event: OrderEvent, afterCommit: () => void): Promise<void> {
  if (event.type !== 'OrderCancelled' && event.type !== 'OrderRejected') return;
  await handleOnce(orm, event, async (em) => {
    const payment = await em.findOne(Payment, { orderId: event.orderId });
    if (!payment) throw new Error(`no payment yet for order ${event.orderId}; retry`);
    const changed = await em.nativeUpdate(
      Payment,
      { id: payment.id, status: 'APPROVED' },
      { status: 'REFUNDED', updatedAt: new Date() },
    );
    if (changed === 1) {
      enqueue(
        em,
        topics.payments,
        makeEvent('PaymentRefunded', {
          orderId: event.orderId,
          data: { paymentId: payment.id, amount: payment.amount },
        }),
        event.orderId,
      );
    }
  });
  afterCommit();
}
