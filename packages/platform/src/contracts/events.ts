/**
 * Every integration event, once: its topic, its zod schema and its type.
 * Publishers build events with `makeEvent`; consumers parse with these schemas
 * and never copy them.
 *
 * Envelope: `id` (uuid, the deduplication key), `type` (<Aggregate><PastTense>),
 * `version` (schema version), `occurredAt` (ISO-8601 UTC), `orderId` for order
 * events, and `data`.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';

export const topics = {
  /** The order lifecycle; published only by the order service, which owns it. Partition key: orderId. */
  orders: 'orders',
  /** Delivery facts (picked up, delivered); published by the delivery service. */
  deliveries: 'deliveries',
  /** Refunds; published by the payment service. */
  payments: 'payments',
  /** Store catalog snapshots; published by the store service, replicated by the order service. */
  catalog: 'catalog',
} as const;

export { orderStatuses, statusOfEvent, type OrderStatus } from './lifecycle.ts';

/** Dapr app ids of the services that run beside a sidecar. */
export const sidecarApps = ['order', 'payment', 'store', 'delivery', 'customer'] as const;
export type SidecarApp = (typeof sidecarApps)[number];

/**
 * Who owns each topic (its only publisher) and who consumes it. The pub/sub
 * components' scopes are written from this (contracts/topic-scopes.ts), and a
 * unit test checks both the components and the services' code against it.
 */
export const topicRoutes: Record<keyof typeof topics, { owner: SidecarApp; consumers: readonly SidecarApp[] }> = {
  orders: { owner: 'order', consumers: ['payment', 'store', 'delivery', 'customer'] },
  deliveries: { owner: 'delivery', consumers: ['order'] },
  payments: { owner: 'payment', consumers: [] },
  catalog: { owner: 'store', consumers: ['order'] },
};

/** The service that collects dead letters (platform deadletters.ts) for GET /api/admin/dead-letters. */
export const deadLetterCollector: SidecarApp = 'order';

const latLng = z.object({ lat: z.number().min(-90).max(90), lng: z.number().min(-180).max(180) });
export const orderLine = z.object({
  menuItemId: z.uuid(),
  name: z.string(),
  unitPrice: z.number().int().nonnegative(),
  quantity: z.number().int().min(1).max(99),
});

function orderEvent<T extends string, D extends z.ZodRawShape>(type: T, data: D) {
  return z.object({
    id: z.uuid(),
    type: z.literal(type),
    version: z.literal(1),
    occurredAt: z.iso.datetime(),
    orderId: z.uuid(),
    data: z.object({ customerId: z.uuid(), storeId: z.uuid(), ...data }),
  });
}

// Order lifecycle (topic "orders"): one event per status change.
export const OrderPlaced = orderEvent('OrderPlaced', {
  storeName: z.string(),
  items: z.array(orderLine),
  totalAmount: z.number().int().nonnegative(),
  deliveryAddress: latLng.extend({ line: z.string() }),
  paymentId: z.uuid(),
});
export const OrderAccepted = orderEvent('OrderAccepted', {});
export const OrderRejected = orderEvent('OrderRejected', { reason: z.string() });
export const CookingStarted = orderEvent('CookingStarted', {});
export const CookingFinished = orderEvent('CookingFinished', { pickup: latLng, dropoff: latLng });
export const OrderPickedUp = orderEvent('OrderPickedUp', { riderId: z.uuid() });
export const OrderDelivered = orderEvent('OrderDelivered', { riderId: z.uuid() });
export const OrderCompleted = orderEvent('OrderCompleted', {});
export const OrderCancelled = orderEvent('OrderCancelled', {});

export const OrderEvent = z.discriminatedUnion('type', [
  OrderPlaced,
  OrderAccepted,
  OrderRejected,
  CookingStarted,
  CookingFinished,
  OrderPickedUp,
  OrderDelivered,
  OrderCompleted,
  OrderCancelled,
]);
export type OrderEvent = z.infer<typeof OrderEvent>;

// Delivery facts (topic "deliveries").
function deliveryEvent<T extends string>(type: T) {
  return z.object({
    id: z.uuid(),
    type: z.literal(type),
    version: z.literal(1),
    occurredAt: z.iso.datetime(),
    orderId: z.uuid(),
    data: z.object({ deliveryId: z.uuid(), riderId: z.uuid() }),
  });
}
export const DeliveryPickedUp = deliveryEvent('DeliveryPickedUp');
export const DeliveryCompleted = deliveryEvent('DeliveryCompleted');
export const DeliveryEvent = z.discriminatedUnion('type', [DeliveryPickedUp, DeliveryCompleted]);
export type DeliveryEvent = z.infer<typeof DeliveryEvent>;

// Payments (topic "payments").
export const PaymentRefunded = z.object({
  id: z.uuid(),
  type: z.literal('PaymentRefunded'),
  version: z.literal(1),
  occurredAt: z.iso.datetime(),
  orderId: z.uuid(),
  data: z.object({ paymentId: z.uuid(), amount: z.number().int().nonnegative() }),
});
export type PaymentRefunded = z.infer<typeof PaymentRefunded>;

// Catalog (topic "catalog"): a full snapshot of one store, newest revision wins.
export const StoreCatalogPublished = z.object({
  id: z.uuid(),
  type: z.literal('StoreCatalogPublished'),
  version: z.literal(1),
  occurredAt: z.iso.datetime(),
  data: z.object({
    storeId: z.uuid(),
    name: z.string(),
    location: latLng,
    open: z.boolean(),
    revision: z.number().int().nonnegative(),
    items: z.array(z.object({ id: z.uuid(), name: z.string(), unitPrice: z.number().int().nonnegative() })),
  }),
});
export type StoreCatalogPublished = z.infer<typeof StoreCatalogPublished>;

export type AnyEvent = OrderEvent | DeliveryEvent | PaymentRefunded | StoreCatalogPublished;

type EventOf<T extends AnyEvent['type']> = Extract<AnyEvent, { type: T }>;

/** Builds an event with a fresh id and timestamp. */
export function makeEvent<T extends AnyEvent['type']>(
  type: T,
  fields: Omit<EventOf<T>, 'id' | 'type' | 'version' | 'occurredAt'>,
  occurredAt: Date = new Date(),
): EventOf<T> {
  return { id: randomUUID(), type, version: 1, occurredAt: occurredAt.toISOString(), ...fields } as EventOf<T>;
}
