/**
 * Subscription handler of topic `orders`: projects each lifecycle event into
 * the order-status view with optimistic concurrency, then tells open streams
 * and sends the notification the change caused.
 *
 * Exactly-once listing, at-least-once sending: the notification is stored in
 * the same single-key write as the view; it is sent after the write, and the
 * finished send is recorded. A redelivered event sends it again only when no
 * send was recorded (a failed send throws, so Dapr redelivers until the send
 * works). Each send is its own file (notifier.ts), so the fault audit counts
 * sends per notification.
 *
 * When an order ends (completed, cancelled, rejected), the projector reads the
 * order's event log from the order service once and applies any event the
 * view lacks. Why, when delivery is at-least-once: in one CI chaos run (1,000
 * sagas, 32 faults) the customer's sidecar acknowledged one CookingFinished
 * that never reached this handler (no handler call, no error, no dead letter;
 * the app had been SIGKILLed just before and its retries were in flight), and
 * the view missed COOKED for good; a later run lost an event to the payment
 * service the same way. Re-drive (platform outbox-redrive.ts) sends an order's
 * latest event again; this check covers the earlier ones: a read model that
 * checks itself against the source of truth at the one moment the order stops
 * changing. It costs one invocation per order; a failed read is logged and
 * leaves the view as its events made it. At that moment it also sends every
 * listed notification whose send was never recorded (one bulk read): a send
 * cut off by a crash or a failed send of a filled-in event is not left to a
 * redelivery of that event, which may never come.
 */
import type { Logger } from '@baedal/platform';
import type { OrderEvent } from '@baedal/platform/contracts/events';
import { notificationId } from '../domain/notification.ts';
import { applyEvent, type OrderView } from '../domain/view.ts';
import type { CustomerIndex, Versioned, ViewStore } from '../state/view-store.ts';
import type { Notifier } from './notifier.ts';
import type { OrderEventSource } from './order-event-log.ts';
import type { ViewChanges } from './view-changes.ts';

/** How many orders the per-customer index remembers (the routes read the newest 100). */
export const INDEX_CAPACITY = 1000;

/**
 * How long a notification's send claim holds: far above a send's time (one
 * binding call, milliseconds), and short enough that the inbound retries of
 * one delivery (components/resiliency.yaml: at least 4.8 s of waits, plus
 * CLAIM_WAIT_MS per attempt) outlast the claim of a sender that died.
 */
const SEND_LEASE_MS = 5_000;

/**
 * How long a handling waits for another one's send before it fails and lets
 * Dapr retry the delivery: below the 2 s per-attempt timeout of inbound
 * delivery (components/resiliency.yaml pubsubDelivery).
 */
const CLAIM_WAIT_MS = 1_500;
const CLAIM_POLL_MS = 100;

export class WriteConflictError extends Error {}

/** Another handling holds the send of this notification and has not recorded it: retry the delivery. */
export class SendInProgressError extends Error {}

/** The events after which an order never changes again. */
const ENDS_ORDER: ReadonlySet<OrderEvent['type']> = new Set(['OrderCompleted', 'OrderCancelled', 'OrderRejected']);

export interface ProjectorDeps {
  store: ViewStore;
  notifier: Notifier;
  changes: ViewChanges;
  logger: Logger;
  /** The order service's record of an order's events (checked when the order ends). */
  eventLog?: OrderEventSource;
  clock?: () => Date;
  maxAttempts?: number;
  /** How long a send claim holds (SEND_LEASE_MS; tests shorten it). */
  sendLeaseMs?: number;
  onConflict?: () => void;
  onSent?: () => void;
  /** Events the view lacked when its order ended, taken from the event log. */
  onFilled?: (count: number) => void;
  /** A delivered event changed the view, at `at` (event to view: at − event.occurredAt). */
  onApplied?: (event: OrderEvent, at: Date) => void;
}

const pause = (attempt: number) => new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));

export class OrderStatusProjector {
  private readonly deps: ProjectorDeps;
  private readonly clock: () => Date;
  private readonly maxAttempts: number;
  private readonly sendLeaseMs: number;

  constructor(deps: ProjectorDeps) {
    this.deps = deps;
    this.clock = deps.clock ?? (() => new Date());
    this.maxAttempts = deps.maxAttempts ?? 20;
    this.sendLeaseMs = deps.sendLeaseMs ?? SEND_LEASE_MS;
  }

  async handle(event: OrderEvent): Promise<void> {
    const view = await this.project(event);
    if (view && ENDS_ORDER.has(event.type)) await this.sendUnsent(await this.fillGaps(view));
  }

  /**
   * Applies one event; returns the view as it stands after it (null if the
   * event was ignored). `fromLog`: the event comes from the order event log,
   * not from its own delivery.
   */
  private async project(event: OrderEvent, fromLog = false): Promise<OrderView | null> {
    const { store, logger } = this.deps;
    // A new order (its first event) needs the customer's index too: read both in one call.
    let index: Versioned<CustomerIndex> | null | undefined;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      let current: Versioned<OrderView> | null;
      if (attempt === 1 && event.type === 'OrderPlaced') {
        ({ view: current, index } = await store.getViewAndIndex(event.orderId, event.data.customerId));
      } else {
        current = await store.getView(event.orderId);
      }
      if (current && current.value.customerId !== event.data.customerId) {
        // Never mix two customers' data; an event like this can never be applied.
        logger.error({ eventId: event.id, orderId: event.orderId }, 'event names another customer; ignored');
        return null;
      }
      const result = applyEvent(current?.value ?? null, event, this.clock());
      if (result.kind === 'duplicate') {
        if (!fromLog && current?.value.filledEventIds?.includes(event.id)) {
          // Its delivery was late, not lost: what the chaos run counts to tell the two apart.
          logger.info(
            { eventId: event.id, orderId: event.orderId, type: event.type },
            'an event taken from the order event log arrived after all',
          );
        }
        if (current) await this.resend(current.value, event.id);
        return current?.value ?? null;
      }
      if (fromLog) result.view.filledEventIds = [...(result.view.filledEventIds ?? []), event.id];
      // The index first: a view that exists is always listed.
      if (!current) await this.addToIndex(event.data.customerId, event.orderId, event.occurredAt, index);
      index = undefined;
      if (!(await store.putView(result.view, current?.etag ?? null))) {
        this.deps.onConflict?.();
        await pause(attempt);
        continue;
      }
      logger.debug({ eventId: event.id, orderId: event.orderId, status: result.view.status }, 'order view updated');
      if (!fromLog) this.deps.onApplied?.(event, this.clock());
      this.deps.changes.publish(result.view);
      if (result.notification) await this.send(result.view.customerId, result.notification);
      return result.view;
    }
    throw new WriteConflictError(`order ${event.orderId}: gave up after ${this.maxAttempts} write conflicts`);
  }

  /**
   * The order has ended: apply every event of its log that the view lacks (see
   * the top of this file). A redelivered final event checks again, so a check
   * that failed half way is finished by the redelivery.
   */
  private async fillGaps(view: OrderView): Promise<OrderView> {
    const { eventLog, logger } = this.deps;
    if (!eventLog) return view;
    let events: OrderEvent[];
    try {
      events = await eventLog.events(view.orderId);
    } catch (err) {
      logger.warn({ orderId: view.orderId, err }, 'order event log unavailable; the view stays as its events made it');
      return view;
    }
    const missing = events.filter((e) => !view.appliedEventIds.includes(e.id));
    const filled: OrderEvent[] = [];
    let latest = view;
    for (const e of missing) {
      // Its own delivery may land meanwhile (then this is a duplicate, not a fill).
      const after = await this.project(e, true);
      if (after) latest = after;
      if (after?.filledEventIds?.includes(e.id)) filled.push(e);
    }
    if (filled.length === 0) return latest;
    logger.warn(
      { orderId: view.orderId, events: filled.map((e) => ({ id: e.id, type: e.type })) },
      'order view lacked events when the order ended; applied them from the order event log',
    );
    this.deps.onFilled?.(filled.length);
    return latest;
  }

  /**
   * The order has ended: send each listed notification with no recorded send.
   * Usually none (one bulk read); a redelivered final event checks again.
   */
  private async sendUnsent(view: OrderView): Promise<void> {
    const sent = await this.deps.store.sentOf(view.notifications.map((n) => n.id));
    for (const n of view.notifications) {
      if (sent.has(n.id)) continue;
      this.deps.logger.info(
        { orderId: view.orderId, notificationId: n.id, status: n.status },
        'unsent notification sent at the order end',
      );
      await this.send(view.customerId, n);
    }
  }

  /**
   * The event was applied before: send its notification again only if no send
   * of it finished (the first failed, or the process died before recording it).
   * Re-drive publishes an order's latest event again after a quiet minute, so
   * without the record every such order would message its customer twice.
   */
  private async resend(view: OrderView, eventId: string): Promise<void> {
    const id = notificationId(eventId);
    const notification = view.notifications.find((n) => n.id === id);
    if (notification && !(await this.deps.store.wasSent(notification.id))) {
      await this.send(view.customerId, notification);
    }
  }

  /**
   * Sends, then records the send: a crash between the two sends it once more
   * (at least once). Two handlings of one event can overlap (a redelivery, or
   * the order-end checks while the event's own delivery is being handled); only
   * the one that claims the send sends. The other waits for the send's record
   * and acknowledges its event only then: a claim is no proof of a send (its
   * sender may die before sending). If the claim stays unrecorded past
   * CLAIM_WAIT_MS, this handling fails and Dapr retries it; a claim whose
   * sender died goes stale after the lease and the retry takes it over.
   */
  private async send(customerId: string, notification: OrderView['notifications'][number]): Promise<void> {
    const deadline = Date.now() + CLAIM_WAIT_MS;
    for (;;) {
      const staleInMs = await this.claimSend(notification.id);
      if (staleInMs === 0) break;
      if (await this.deps.store.wasSent(notification.id)) return;
      const left = deadline - Date.now();
      if (left <= 0) throw new SendInProgressError(`notification ${notification.id}: another handling is sending it`);
      await new Promise((r) => setTimeout(r, Math.min(CLAIM_POLL_MS, staleInMs, left)));
    }
    try {
      await this.deps.notifier.send(customerId, notification);
    } catch (e) {
      await this.releaseSend(notification.id);
      throw e;
    }
    this.deps.onSent?.();
    await this.deps.store.markSent(notification.id);
  }

  /**
   * 0 for the one caller that may send this notification now (see send); else
   * how long until the current claim goes stale (at least 1 ms).
   */
  private async claimSend(notificationId: string): Promise<number> {
    const { store } = this.deps;
    const now = Date.now();
    if (await store.putSendClaim(notificationId, { at: now }, null)) return 0;
    const current = await store.getSendClaim(notificationId);
    const won = current
      ? now - current.value.at >= this.sendLeaseMs &&
        (await store.putSendClaim(notificationId, { at: now }, current.etag))
      : await store.putSendClaim(notificationId, { at: now }, null);
    if (won) return 0;
    return Math.max(1, (current?.value.at ?? now) + this.sendLeaseMs - now);
  }

  /** A failed send gives its claim up, so the handler's retry may send at once. */
  private async releaseSend(notificationId: string): Promise<void> {
    try {
      const mine = await this.deps.store.getSendClaim(notificationId);
      if (mine) await this.deps.store.putSendClaim(notificationId, { at: 0 }, mine.etag);
    } catch (err) {
      this.deps.logger.warn({ notificationId, err }, 'could not give up a notification send claim; it goes stale');
    }
  }

  /** Adds the order to the customer's index, newest first; idempotent. `read`: the index just read, if any. */
  private async addToIndex(
    customerId: string,
    orderId: string,
    at: string,
    read?: Versioned<CustomerIndex> | null,
  ): Promise<void> {
    const { store } = this.deps;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const current = attempt === 1 && read !== undefined ? read : await store.getIndex(customerId);
      const orders = current?.value.orders ?? [];
      if (orders.some((o) => o.orderId === orderId)) return;
      const i = orders.findIndex((o) => Date.parse(o.at) < Date.parse(at));
      const entry = { orderId, at };
      const next = i < 0 ? [...orders, entry] : [...orders.slice(0, i), entry, ...orders.slice(i)];
      if (await store.putIndex(customerId, { orders: next.slice(0, INDEX_CAPACITY) }, current?.etag ?? null)) return;
      this.deps.onConflict?.();
      await pause(attempt);
    }
    throw new WriteConflictError(`customer ${customerId}: gave up after ${this.maxAttempts} index write conflicts`);
  }
}
