/**
 * The order-status view (CQRS read model), built from the order lifecycle
 * events. Pure: no I/O, the clock is a parameter.
 *
 * Events arrive out of order and more than once, so the view is a join of
 * everything applied so far and the result does not depend on the order:
 * - status: the highest-ranked status seen (CANCELLED and REJECTED rank above
 *   everything, so they are terminal); it never moves backwards;
 * - history: one entry per status seen, ordered by rank, at = the event's occurredAt;
 * - storeName and totalAmount: from OrderPlaced, whenever it arrives (null until then);
 * - riderId: from OrderPickedUp, OrderDelivered wins;
 * - updatedAt: the latest occurredAt applied;
 * - appliedEventIds: a re-delivered event changes nothing.
 * Each status that enters the history produces one notification, kept in the
 * same document, so the view and its notifications are written in one atomic
 * single-key write.
 */
import type { OrderStatusResponse } from '@baedal/platform/contracts/api';
import { statusOfEvent, type OrderEvent, type OrderStatus } from '@baedal/platform/contracts/events';
import { statusRank } from '@baedal/platform/contracts/lifecycle';
import { messages, notificationId, type Notification } from './notification.ts';

export { statusRank };

export interface HistoryEntry {
  status: OrderStatus;
  at: string;
}

/** What the state store keeps per order. */
export interface OrderView {
  orderId: string;
  customerId: string;
  status: OrderStatus;
  storeName: string | null;
  totalAmount: number | null;
  riderId?: string;
  history: HistoryEntry[];
  updatedAt: string;
  /** Ids of the events applied, sorted; grows by exactly one per write. */
  appliedEventIds: string[];
  /** One per history entry, in rank order. */
  notifications: Notification[];
  /**
   * Events applied from the order service's event log when the order ended
   * (events/order-events.ts), before their own delivery arrived. Kept so a
   * delivery that comes later is told apart from one that never comes.
   */
  filledEventIds?: string[];
}

/** What the customer sees (api.md): no customer id, no event ids, no notifications. */
export type PublicOrderView = OrderStatusResponse;

export type ApplyResult =
  { kind: 'duplicate' } | { kind: 'applied'; view: OrderView; notification: Notification | null };

const time = (iso: string) => Date.parse(iso);

function insertSorted<T>(list: T[], item: T, before: (a: T, b: T) => boolean): T[] {
  const i = list.findIndex((x) => before(item, x));
  return i < 0 ? [...list, item] : [...list.slice(0, i), item, ...list.slice(i)];
}

function emptyView(event: OrderEvent): OrderView {
  return {
    orderId: event.orderId,
    customerId: event.data.customerId,
    status: statusOfEvent[event.type],
    storeName: null,
    totalAmount: null,
    history: [],
    updatedAt: event.occurredAt,
    appliedEventIds: [],
    notifications: [],
  };
}

/** Applies one event; `now` stamps the notification it causes, if any. */
export function applyEvent(current: OrderView | null, event: OrderEvent, now: Date): ApplyResult {
  if (current?.appliedEventIds.includes(event.id)) return { kind: 'duplicate' };
  const base = current ?? emptyView(event);
  const status = statusOfEvent[event.type];
  const byRank = (a: { status: OrderStatus }, b: { status: OrderStatus }) =>
    statusRank[a.status] < statusRank[b.status];

  let history = base.history;
  let notifications = base.notifications;
  let notification: Notification | null = null;
  const seen = history.find((h) => h.status === status);
  if (!seen) {
    history = insertSorted(history, { status, at: event.occurredAt }, byRank);
    notification = {
      id: notificationId(event.id),
      orderId: event.orderId,
      status,
      message: messages[status],
      sentAt: now.toISOString(),
    };
    notifications = insertSorted(notifications, notification, byRank);
  } else if (time(event.occurredAt) < time(seen.at)) {
    // A second event for the same status (not expected): the earliest time wins, whatever the order.
    history = history.map((h) => (h === seen ? { status, at: event.occurredAt } : h));
  }

  const view: OrderView = {
    ...base,
    status: statusRank[status] > statusRank[base.status] ? status : base.status,
    history,
    updatedAt: time(event.occurredAt) > time(base.updatedAt) ? event.occurredAt : base.updatedAt,
    appliedEventIds: insertSorted(base.appliedEventIds, event.id, (a, b) => a < b),
    notifications,
  };
  if (event.type === 'OrderPlaced') {
    view.storeName = event.data.storeName;
    view.totalAmount = event.data.totalAmount;
  }
  if (event.type === 'OrderDelivered' || (event.type === 'OrderPickedUp' && view.riderId === undefined)) {
    view.riderId = event.data.riderId;
  }
  return { kind: 'applied', view, notification };
}

/**
 * Which of two views of one order is newer: each applied event adds one id and
 * none is ever removed, so the count orders them (-1: no view yet).
 */
export const viewVersion = (v: OrderView | null | undefined): number => v?.appliedEventIds.length ?? -1;

export function publicView(v: OrderView): PublicOrderView {
  return {
    orderId: v.orderId,
    status: v.status,
    storeName: v.storeName,
    totalAmount: v.totalAmount,
    ...(v.riderId === undefined ? {} : { riderId: v.riderId }),
    // Rebuilt so the keys keep their order after a round trip through the sidecar (which sorts them).
    history: v.history.map((h) => ({ status: h.status, at: h.at })),
    updatedAt: v.updatedAt,
  };
}

/** Newest first by sentAt; within the same instant, the later status first. */
export function newestFirst(a: Notification, b: Notification): number {
  return time(b.sentAt) - time(a.sentAt) || statusRank[b.status] - statusRank[a.status];
}
