import type { InboxOrderResponse } from '@baedal/platform/contracts/api';
import type { orderLine, OrderStatus } from '@baedal/platform/contracts/events';
import { defineEntity, p, type EntityManager, type InferEntity } from '@mikro-orm/mysql';
import type { z } from 'zod';
import { statusesBefore } from '../domain/status.ts';

export type InboxLine = z.infer<typeof orderLine>;

/**
 * The owner's view of one paid order of the store, built from the orders topic.
 * `createdAt` is when the order was placed; the status only moves forward.
 */
export const InboxOrder = defineEntity({
  name: 'InboxOrder',
  tableName: 'inbox_order',
  properties: {
    orderId: p.uuid().primary(),
    storeId: p.uuid(),
    customerId: p.uuid(),
    status: p.string().length(16).$type<OrderStatus>(),
    items: p.json<InboxLine[]>(),
    totalAmount: p.integer(),
    createdAt: p.datetime(3),
    updatedAt: p.datetime(3),
  },
});
export type InboxOrder = InferEntity<typeof InboxOrder>;

export function inboxOrderView(o: InboxOrder): InboxOrderResponse {
  return {
    orderId: o.orderId,
    status: o.status,
    items: o.items,
    totalAmount: o.totalAmount,
    createdAt: o.createdAt.toISOString(),
  };
}

/**
 * Moves the row to `to` only when that is a step forward from its current
 * status (a conditional UPDATE, so concurrent writers cannot move it back).
 * Returns whether it moved.
 */
export async function advanceStatus(em: EntityManager, orderId: string, to: OrderStatus, at: Date): Promise<boolean> {
  const changed = await em.nativeUpdate(
    InboxOrder,
    { orderId, status: { $in: statusesBefore(to) } },
    { status: to, updatedAt: at },
  );
  return changed === 1;
}
