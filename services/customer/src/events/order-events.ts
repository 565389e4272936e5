/**
 * Subscription handler of topic `orders`: projects each lifecycle event into
 * the order-status view with optimistic concurrency, then tells open streams
 * and sends the notification the change caused.
 *
 * Exactly-once listing, at-least-once sending: the notification is stored in
 * the same single-key write as the view; it is sent after the write, and
 * again whenever the same event is redelivered (a failed send throws, so Dapr
 * redelivers until the send works). Resends overwrite the same file.
 */
import type { Logger } from '@baedal/platform';
import type { OrderEvent } from '@baedal/platform/contracts/events';
import { notificationId } from '../domain/notification.ts';
import { applyEvent, type OrderView } from '../domain/view.ts';
import type { CustomerIndex, Versioned, ViewStore } from '../state/view-store.ts';
import type { Notifier } from './notifier.ts';
import type { ViewChanges } from './view-changes.ts';

/** How many orders the per-customer index remembers (the routes read the newest 100). */
export const INDEX_CAPACITY = 1000;

export class WriteConflictError extends Error {}

export interface ProjectorDeps {
  store: ViewStore;
  notifier: Notifier;
  changes: ViewChanges;
  logger: Logger;
  clock?: () => Date;
  maxAttempts?: number;
  onConflict?: () => void;
  onSent?: () => void;
}

const pause = (attempt: number) => new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));

export class OrderStatusProjector {
  private readonly deps: ProjectorDeps;
  private readonly clock: () => Date;
  private readonly maxAttempts: number;

  constructor(deps: ProjectorDeps) {
    this.deps = deps;
    this.clock = deps.clock ?? (() => new Date());
    this.maxAttempts = deps.maxAttempts ?? 20;
  }

  async handle(event: OrderEvent): Promise<void> {
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
        return;
      }
      const result = applyEvent(current?.value ?? null, event, this.clock());
      if (result.kind === 'duplicate') {
        if (current) await this.resend(current.value, event.id);
        return;
      }
      // The index first: a view that exists is always listed.
      if (!current) await this.addToIndex(event.data.customerId, event.orderId, event.occurredAt, index);
      index = undefined;
      if (!(await store.putView(result.view, current?.etag ?? null))) {
        this.deps.onConflict?.();
        await pause(attempt);
        continue;
      }
      logger.debug({ eventId: event.id, orderId: event.orderId, status: result.view.status }, 'order view updated');
      this.deps.changes.publish(result.view);
      if (result.notification) await this.send(result.view.customerId, result.notification);
      return;
    }
    throw new WriteConflictError(`order ${event.orderId}: gave up after ${this.maxAttempts} write conflicts`);
  }

  /** The event was applied before: send its notification again in case the first send was lost. */
  private async resend(view: OrderView, eventId: string): Promise<void> {
    const id = notificationId(eventId);
    const notification = view.notifications.find((n) => n.id === id);
    if (notification) await this.send(view.customerId, notification);
  }

  private async send(customerId: string, notification: OrderView['notifications'][number]): Promise<void> {
    await this.deps.notifier.send(customerId, notification);
    this.deps.onSent?.();
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
