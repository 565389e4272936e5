/**
 * Every integration event, once: its topic, its zod schema and its type.
 * Publishers build events with `makeEvent`; consumers parse with these schemas
 * and never copy them.
 *
 * Envelope: `id` (uuid, the deduplication key), `type` (<Aggregate><PastTense>),
 * `version` (schema version), `occurredAt` (ISO-8601 UTC), `orderId` for order
 * events, and `data`. Each event's description says what happened; the
 * AsyncAPI document (contracts/asyncapi.ts) is built from this module.
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

/** Every event: its id, its type, the version of its schema and when it happened, then its own fields. */
function event<T extends string, F extends z.ZodRawShape>(type: T, description: string, fields: F) {
  return z
    .object({ id: z.uuid(), type: z.literal(type), version: z.literal(1), occurredAt: z.iso.datetime(), ...fields })
    .meta({ description });
}

function orderEvent<T extends string, D extends z.ZodRawShape>(type: T, description: string, data: D) {
  return event(type, description, {
    orderId: z.uuid(),
    data: z.object({ customerId: z.uuid(), storeId: z.uuid(), ...data }),
  });
}

// Order lifecycle (topic "orders"): one event per status change.
export const OrderPlaced = orderEvent(
  'OrderPlaced',
  'A customer placed an order and its payment was authorized; the store finds it in its inbox and the charge is captured.',
  {
    storeName: z.string(),
    items: z.array(orderLine),
    totalAmount: z.number().int().nonnegative(),
    deliveryAddress: latLng.extend({ line: z.string() }),
    paymentId: z.uuid(),
  },
);
export const OrderAccepted = orderEvent('OrderAccepted', 'The store accepted the order.', {});
export const OrderRejected = orderEvent('OrderRejected', 'The store rejected the order; its payment is refunded.', {
  reason: z.string(),
});
export const CookingStarted = orderEvent(
  'CookingStarted',
  'The store started cooking; the order can no longer be cancelled.',
  {},
);
export const CookingFinished = orderEvent(
  'CookingFinished',
  'The food is ready; the delivery service offers the delivery to riders.',
  { pickup: latLng, dropoff: latLng },
);
export const OrderPickedUp = orderEvent('OrderPickedUp', 'A rider picked the food up.', { riderId: z.uuid() });
export const OrderDelivered = orderEvent('OrderDelivered', 'The rider delivered the food.', { riderId: z.uuid() });
export const OrderCompleted = orderEvent('OrderCompleted', 'The customer confirmed the order; it is over.', {});
export const OrderCancelled = orderEvent(
  'OrderCancelled',
  'The customer cancelled the order before cooking started; its payment is refunded.',
  {},
);

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
function deliveryEvent<T extends string>(type: T, description: string) {
  return event(type, description, {
    orderId: z.uuid(),
    data: z.object({ deliveryId: z.uuid(), riderId: z.uuid() }),
  });
}
export const DeliveryPickedUp = deliveryEvent(
  'DeliveryPickedUp',
  'A rider picked up the food of a delivery; the order service moves the order to PICKED_UP.',
);
export const DeliveryCompleted = deliveryEvent(
  'DeliveryCompleted',
  'The rider delivered; the order service moves the order to DELIVERED.',
);
export const DeliveryEvent = z.discriminatedUnion('type', [DeliveryPickedUp, DeliveryCompleted]);
export type DeliveryEvent = z.infer<typeof DeliveryEvent>;

// Payments (topic "payments").
export const PaymentRefunded = event(
  'PaymentRefunded',
  "An order's payment was refunded because the order was cancelled or rejected.",
  { orderId: z.uuid(), data: z.object({ paymentId: z.uuid(), amount: z.number().int().nonnegative() }) },
);
export type PaymentRefunded = z.infer<typeof PaymentRefunded>;

// Catalog (topic "catalog"): a full snapshot of one store, newest revision wins.
export const StoreCatalogPublished = event(
  'StoreCatalogPublished',
  'A full snapshot of one store and its menu; a higher revision replaces every lower one.',
  {
    data: z.object({
      storeId: z.uuid(),
      name: z.string(),
      location: latLng,
      open: z.boolean(),
      revision: z.number().int().nonnegative(),
      items: z.array(z.object({ id: z.uuid(), name: z.string(), unitPrice: z.number().int().nonnegative() })),
    }),
  },
);
export type StoreCatalogPublished = z.infer<typeof StoreCatalogPublished>;

/**
 * The events of each topic: the schema its consumers parse with (a union
 * discriminated by `type`, or a single event). An event is published only on
 * its topic; the AsyncAPI document lists each topic's messages from here.
 */
export const topicEvents = {
  orders: OrderEvent,
  deliveries: DeliveryEvent,
  payments: PaymentRefunded,
  catalog: StoreCatalogPublished,
} satisfies Record<keyof typeof topics, z.ZodType>;

/**
 * The partition key of each topic's events, as a JSON pointer into the event:
 * the outbox relay publishes the events of one key in order (Kafka also
 * partitions by it), so a consumer sees them in that order.
 */
export const partitionKeys: Record<keyof typeof topics, string> = {
  orders: '/orderId',
  deliveries: '/orderId',
  payments: '/orderId',
  catalog: '/data/storeId',
};

export type Topic = keyof typeof topics;

/** The partition key of an event on its topic, read at the topic's pointer (partitionKeys). */
export function partitionKeyOf(topic: Topic, event: AnyEvent): string {
  let at: unknown = event;
  for (const part of partitionKeys[topic].split('/').slice(1)) at = (at as Record<string, unknown> | undefined)?.[part];
  if (typeof at !== 'string') throw new Error(`${event.type} on ${topic}: no partition key at ${partitionKeys[topic]}`);
  return at;
}

/** Every event of every topic. */
export type AnyEvent = { [T in keyof typeof topicEvents]: z.infer<(typeof topicEvents)[T]> }[keyof typeof topicEvents];

type EventOf<T extends AnyEvent['type']> = Extract<AnyEvent, { type: T }>;

/** Builds an event with a fresh id and timestamp. */
export function makeEvent<T extends AnyEvent['type']>(
  type: T,
  fields: Omit<EventOf<T>, 'id' | 'type' | 'version' | 'occurredAt'>,
  occurredAt: Date = new Date(),
): EventOf<T> {
  return { id: randomUUID(), type, version: 1, occurredAt: occurredAt.toISOString(), ...fields } as EventOf<T>;
}
