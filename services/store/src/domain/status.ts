/**
 * The inbox never moves backwards: events arrive late, twice or out of order,
 * and an owner's answer can race the event that announces the same change.
 * Forward is the lifecycle order PAID < ACCEPTED < COOKING < COOKED < PICKED_UP
 * < DELIVERED < COMPLETED; CANCELLED and REJECTED are exits that beat any open
 * status; COMPLETED, CANCELLED and REJECTED are final.
 */
import { orderStatuses, type OrderStatus } from '@baedal/platform/contracts/events';
import { exitStatuses, isFinal, statusRank } from '@baedal/platform/contracts/lifecycle';

export { isFinal };

export function isOrderStatus(value: unknown): value is OrderStatus {
  return typeof value === 'string' && (orderStatuses as readonly string[]).includes(value);
}

/** True when moving a row from `from` to `to` is a step forward. */
export function canAdvance(from: OrderStatus, to: OrderStatus): boolean {
  if (from === to || isFinal(from)) return false;
  if (exitStatuses.includes(to)) return true;
  return statusRank[to] > statusRank[from];
}

/** The statuses a row may be in for a move to `to`: the guard of the conditional UPDATE. */
export function statusesBefore(to: OrderStatus): OrderStatus[] {
  return orderStatuses.filter((from) => canAdvance(from, to));
}
