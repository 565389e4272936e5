/**
 * The order lifecycle, written once: which status may follow which, the order
 * of the happy path, and which statuses end an order. The order service
 * enforces it (services/order/src/domain/lifecycle.ts); the store inbox, the
 * customer view, the tests and the web app only follow it.
 */
import { orderStatuses, statusOfEvent, type OrderEvent, type OrderStatus } from './events.ts';

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

export function isFinal(status: OrderStatus): boolean {
  return finalStatuses.includes(status);
}

/** The integration event announcing that an order reached `status` (the inverse of statusOfEvent). */
export const eventTypeOfStatus: Readonly<Record<OrderStatus, OrderEvent['type']>> = Object.fromEntries(
  Object.entries(statusOfEvent).map(([type, status]) => [status, type]),
) as Record<OrderStatus, OrderEvent['type']>;
