/**
 * The order lifecycle, written once: which status may follow which, the order
 * of the happy path, and which statuses end an order. The order service
 * enforces it (services/order/src/domain/lifecycle.ts); the store inbox, the
 * customer view, the tests and the web app only follow it.
 */
// Type-only imports: the web app bundles this module, and must not pull in zod with the event schemas.
import type { OrderEvent } from './events.ts';

/** Every order status, in lifecycle order (the happy path, then the exits): statusRank below ranks by it. */
export const orderStatuses = [
  'PAID',
  'ACCEPTED',
  'COOKING',
  'COOKED',
  'PICKED_UP',
  'DELIVERED',
  'COMPLETED',
  'CANCELLED',
  'REJECTED',
] as const;
export type OrderStatus = (typeof orderStatuses)[number];

/** The status each lifecycle event moves the order to. */
export const statusOfEvent: Record<OrderEvent['type'], OrderStatus> = {
  OrderPlaced: 'PAID',
  OrderAccepted: 'ACCEPTED',
  OrderRejected: 'REJECTED',
  CookingStarted: 'COOKING',
  CookingFinished: 'COOKED',
  OrderPickedUp: 'PICKED_UP',
  OrderDelivered: 'DELIVERED',
  OrderCompleted: 'COMPLETED',
  OrderCancelled: 'CANCELLED',
};

export const allowedTransitions: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  PAID: ['ACCEPTED', 'REJECTED', 'CANCELLED'],
  ACCEPTED: ['COOKING', 'CANCELLED'],
  COOKING: ['COOKED'],
  COOKED: ['PICKED_UP'],
  // api.md: the customer may confirm once the food is picked up or delivered.
  PICKED_UP: ['DELIVERED', 'COMPLETED'],
  DELIVERED: ['COMPLETED'],
  COMPLETED: [],
  CANCELLED: [],
  REJECTED: [],
};

/**
 * Position of each status: the happy path in order, then the exits, so a view
 * that takes the highest-ranked status never leaves an exit. An order has at
 * most one of CANCELLED and REJECTED; ranking them apart only makes an
 * impossible mix deterministic.
 */
export const statusRank: Readonly<Record<OrderStatus, number>> = Object.fromEntries(
  orderStatuses.map((s, i) => [s, i]),
) as Record<OrderStatus, number>;

/** The statuses that end an order: nothing follows them. */
export const finalStatuses: readonly OrderStatus[] = orderStatuses.filter((s) => allowedTransitions[s].length === 0);

/** The ways out of an open order that are not its completion; a payment is refunded exactly on these. */
export const exitStatuses: readonly OrderStatus[] = ['CANCELLED', 'REJECTED'];

/** The statuses of an order that completes, in order. */
export const happyPath: readonly OrderStatus[] = orderStatuses.filter((s) => !exitStatuses.includes(s));

export function isFinal(status: OrderStatus): boolean {
  return finalStatuses.includes(status);
}

/** The integration event announcing that an order reached `status` (the inverse of statusOfEvent). */
export const eventTypeOfStatus: Readonly<Record<OrderStatus, OrderEvent['type']>> = Object.fromEntries(
  Object.entries(statusOfEvent).map(([type, status]) => [status, type]),
) as Record<OrderStatus, OrderEvent['type']>;
