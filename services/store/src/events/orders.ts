/**
 * The store inbox, projected from the order lifecycle (topic `orders`).
 * The row is a join of the order's events that does not depend on their
 * arrival order: with several consumer replicas, OrderPlaced can reach a
 * replica that dies (redelivered only after the broker's processing timeout)
 * while a later event of the same order reaches another one. So:
 * - OrderPlaced creates the row, or fills in the items and total of a row an
 *   earlier-arriving event made (its status stays: it is PAID or later);
 * - any other event moves the status forward only, or creates a row that is
 *   not yet placed (status only, hidden from the owner) when there is none.
 * Idempotent: the inbox table skips redelivered events, the primary key a
 * second insert, and the conditional updates ignore stale events.
 */
import { statusOfEvent, type OrderEvent } from '@baedal/platform/contracts/events';
import { isDuplicateKey } from '@baedal/platform/db';
import { handleOnce } from '@baedal/platform/inbox';
import type { EntityManager, MikroORM } from '@mikro-orm/mysql';
import { advanceStatus, InboxOrder } from '../entities/inbox-order.ts';

/** Inserts the row; false when one is there already (another event of the same order). */
async function insertRow(em: EntityManager, row: InboxOrder): Promise<boolean> {
  try {
    await em.insert(InboxOrder, row);
    return true;
  } catch (e) {
    // MySQL keeps the transaction usable after a failed statement.
    if (!isDuplicateKey(e)) throw e;
    return false;
  }
}

export async function onOrderEvent(orm: MikroORM, event: OrderEvent): Promise<void> {
  await handleOnce(orm, event, async (em) => {
    const at = new Date(event.occurredAt);
    if (event.type === 'OrderPlaced') {
      const details = { items: event.data.items, totalAmount: event.data.totalAmount, placed: true, createdAt: at };
      const base = { orderId: event.orderId, storeId: event.data.storeId, customerId: event.data.customerId };
      // One INSERT; when a row is there already, only a not-yet-placed one changes.
      if (await insertRow(em, { ...base, ...details, status: 'PAID', updatedAt: at })) return;
      await em.nativeUpdate(InboxOrder, { orderId: event.orderId, placed: false }, details);
      return;
    }
    const to = statusOfEvent[event.type];
    // The conditional UPDATE first; only when it moved nothing is the row looked up.
    if (await advanceStatus(em, event.orderId, to, at)) return;
    if (await em.findOne(InboxOrder, { orderId: event.orderId }, { fields: ['orderId'] })) return;
    // OrderPlaced is still on its way: record the status now, OrderPlaced adds the rest.
    const early = {
      orderId: event.orderId,
      storeId: event.data.storeId,
      customerId: event.data.customerId,
      status: to,
      items: null,
      totalAmount: null,
      placed: false,
      createdAt: at,
      updatedAt: at,
    };
    // Another event of the order made the row meanwhile: move that one (forward only).
    if (!(await insertRow(em, early))) await advanceStatus(em, event.orderId, to, at);
  });
}
