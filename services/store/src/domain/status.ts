/**
 * The inbox never moves backwards: events arrive late, twice or out of order,
 * and an owner's answer can race the event that announces the same change.
 * Forward is the lifecycle order PAID < ACCEPTED < COOKING < COOKED < PICKED_UP
 * < DELIVERED < COMPLETED; CANCELLED and REJECTED are exits that beat any open
 * status; COMPLETED, CANCELLED and REJECTED are final.
 */
import { orderStatuses, type OrderStatus } from '@baedal/platform/contracts/events';

const lifecycleRank: Record<OrderStatus, number> = {
  PAID: 0,
  ACCEPTED: 1,
  COOKING: 2,
  COOKED: 3,
  PICKED_UP: 4,
  DELIVERED: 5,
  COMPLETED: 6,
  CANCELLED: 7,
  REJECTED: 7,
};

const exits: readonly OrderStatus[] = ['CANCELLED', 'REJECTED'];
const finals: readonly OrderStatus[] = ['COMPLETED', 'CANCELLED', 'REJECTED'];

export function isOrderStatus(value: unknown): value is OrderStatus {
  return typeof value === 'string' && (orderStatuses as readonly string[]).includes(value);
}

export function isFinal(status: OrderStatus): boolean {
  return finals.includes(status);
}

/** True when moving a row from `from` to `to` is a step forward. */
export function canAdvance(from: OrderStatus, to: OrderStatus): boolean {
  if (from === to || isFinal(from)) return false;
  if (exits.includes(to)) return true;
  return lifecycleRank[to] > lifecycleRank[from];
}

/** The statuses a row may be in for a move to `to`: the guard of the conditional UPDATE. */
export function statusesBefore(to: OrderStatus): OrderStatus[] {
  return orderStatuses.filter((from) => canAdvance(from, to));
}
