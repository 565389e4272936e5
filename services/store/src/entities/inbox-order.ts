import type { InboxOrderResponse } from '@baedal/platform/contracts/api';
import type { orderLine, OrderStatus } from '@baedal/platform/contracts/events';
import { defineEntity, p, type EntityManager, type InferEntity } from '@mikro-orm/mysql';
import type { z } from 'zod';
import { statusesBefore } from '../domain/status.ts';

export type InboxLine = z.infer<typeof orderLine>;

/**
 * The owner's view of one paid order of the store, built from the orders topic.
 * `createdAt` is when the order was placed; the status only moves forward.
 * A later event of the order may come first: it creates the row with its
 * status, `placed` false and no items or total; such a row is not in the
 * owner's inbox until OrderPlaced fills it in (then `placed` is true).
 */
export const InboxOrder = defineEntity({
  name: 'InboxOrder',
  tableName: 'inbox_order',
  properties: {
    orderId: p.uuid().primary(),
    storeId: p.uuid(),
    customerId: p.uuid(),
    status: p.string().length(16).$type<OrderStatus>(),
    items: p.json<InboxLine[]>().nullable(),
    totalAmount: p.integer().nullable(),
    placed: p.boolean(),
    createdAt: p.datetime(3),
    updatedAt: p.datetime(3),
  },
});
export type InboxOrder = InferEntity<typeof InboxOrder>;

/** Only placed rows are shown (the routes ask for `placed: true`); the fallbacks only satisfy the types. */
export function inboxOrderView(o: InboxOrder): InboxOrderResponse {
  return {
    orderId: o.orderId,
    status: o.status,
    items: o.items ?? [],
    totalAmount: o.totalAmount ?? 0,
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
