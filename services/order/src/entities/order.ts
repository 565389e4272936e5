import type { OrderResponse } from '@baedal/platform/contracts/api';
import type { OrderStatus } from '@baedal/platform/contracts/events';
import { defineEntity, p, type InferEntity } from '@mikro-orm/mysql';
import type { HistoryEntry } from '../domain/lifecycle.ts';

export interface OrderLine {
  menuItemId: string;
  name: string;
  unitPrice: number;
  quantity: number;
}

export interface DeliveryAddress {
  line: string;
  lat: number;
  lng: number;
}

export const Order = defineEntity({
  name: 'Order',
  tableName: 'orders',
  properties: {
    id: p.uuid().primary(),
    customerId: p.uuid(),
    storeId: p.uuid(),
    storeName: p.string().length(200),
    items: p.json<OrderLine[]>(),
    totalAmount: p.integer(),
    status: p.string().length(16).$type<OrderStatus>(),
    history: p.json<HistoryEntry[]>(),
    deliveryAddress: p.json<DeliveryAddress>(),
    paymentId: p.uuid(),
    riderId: p.uuid().nullable(),
    createdAt: p.datetime(3),
    updatedAt: p.datetime(3),
  },
});
export type Order = InferEntity<typeof Order>;

/** The order as api.md shows it to its customer. */
export function orderView(o: Order): OrderResponse {
  return {
    id: o.id,
    customerId: o.customerId,
    storeId: o.storeId,
    items: o.items,
    totalAmount: o.totalAmount,
    status: o.status,
    createdAt: o.createdAt.toISOString(),
    updatedAt: o.updatedAt.toISOString(),
  };
}

/**
 * Idempotency record of POST /api/orders: the first request with a key fixes
 * the order id and the body's hash; a retry with the same key and body gets
 * the same order and the same (single) charge.
 */
export const OrderRequest = defineEntity({
  name: 'OrderRequest',
  tableName: 'order_request',
  properties: {
    customerId: p.uuid().primary(),
    idempotencyKey: p.string().length(128).primary(),
    requestHash: p.string().length(64),
    orderId: p.uuid(),
    createdAt: p.datetime(3),
  },
  primaryKeys: ['customerId', 'idempotencyKey'],
});
export type OrderRequest = InferEntity<typeof OrderRequest>;
