/**
 * The store inbox, projected from the order lifecycle (topic `orders`).
 * OrderPlaced creates the row; every other event moves it forward only.
 * Idempotent: the inbox table skips redelivered events, the primary key a second
 * OrderPlaced, and the conditional update ignores stale ones.
 */
import { statusOfEvent, type OrderEvent } from '@baedal/platform/contracts/events';
import { isDuplicateKey } from '@baedal/platform/db';
import { handleOnce } from '@baedal/platform/inbox';
import type { MikroORM } from '@mikro-orm/mysql';
import { advanceStatus, InboxOrder } from '../entities/inbox-order.ts';

export async function onOrderEvent(orm: MikroORM, event: OrderEvent): Promise<void> {
  await handleOnce(orm, event, async (em) => {
    if (event.type === 'OrderPlaced') {
      const placedAt = new Date(event.occurredAt);
      try {
        // One INSERT; a row that is already there (another event id of the same order) stays as it is.
        await em.insert(InboxOrder, {
          orderId: event.orderId,
          storeId: event.data.storeId,
          customerId: event.data.customerId,
          status: 'PAID',
          items: event.data.items,
          totalAmount: event.data.totalAmount,
          createdAt: placedAt,
          updatedAt: placedAt,
        });
      } catch (e) {
        // MySQL keeps the transaction usable after a failed statement.
        if (!isDuplicateKey(e)) throw e;
      }
      return;
    }
    // The conditional UPDATE first; only when it moved nothing is the row looked up.
    if (await advanceStatus(em, event.orderId, statusOfEvent[event.type], new Date(event.occurredAt))) return;
    const row = await em.findOne(InboxOrder, { orderId: event.orderId });
    // OrderPlaced may still be on its way: fail so the sidecar redelivers this one later.
    if (!row) throw new Error(`order ${event.orderId} is not in the inbox yet; retry`);
  });
}
