/**
 * The read model in the Dapr state store, reached only through the sidecar.
 *
 * Keys (the sidecar prefixes them with the app id, `customer||`):
 * - `order-view:<orderId>`: the OrderView of one order, its applied event ids
 *   and its notifications — one key, so the view and the notifications it
 *   causes are written together atomically;
 * - `customer-orders:<customerId>`: the customer's order ids, newest first;
 * - `notification-sent:<notificationId>`: written once a notification was
 *   sent, so that a redelivered or re-driven event does not send it again;
 * - `notification-claim:<notificationId>`: who is sending it now, since when
 *   (order-events.ts `send`), so that two overlapping handlings send it once.
 *
 * Every write uses first-write-wins concurrency: with the etag read before, or
 * with no etag to create a key that must not exist yet. A conflict answers
 * false and the caller reads again.
 *
 * Why not the state transaction API for view + notification list: the Redis
 * state store runs a transaction as MULTI/EXEC of one Lua script per key, and
 * Redis does not roll back, so an etag mismatch on one key still writes the
 * others (components-contrib state/redis Multi). A single key is atomic.
 */
import { SidecarUnavailableError, type DaprSidecar } from '@baedal/platform';
import type { OrderView } from '../domain/view.ts';

export interface Versioned<T> {
  value: T;
  etag: string;
}

export interface CustomerIndex {
  orders: { orderId: string; at: string }[];
}

/** What the event handler and the routes need; tests use an in-memory fake. */
export interface ViewStore {
  getView(orderId: string): Promise<Versioned<OrderView> | null>;
  /** The views of these orders that exist, in the same order. */
  getViews(orderIds: string[]): Promise<OrderView[]>;
  /** etag null: create, only if the key does not exist. False on a conflict. */
  putView(view: OrderView, etag: string | null): Promise<boolean>;
  getIndex(customerId: string): Promise<Versioned<CustomerIndex> | null>;
  /** The view and the customer's index in one read (a new order needs both). */
  getViewAndIndex(
    orderId: string,
    customerId: string,
  ): Promise<{ view: Versioned<OrderView> | null; index: Versioned<CustomerIndex> | null }>;
  putIndex(customerId: string, index: CustomerIndex, etag: string | null): Promise<boolean>;
  /** Whether a send of this notification finished (markSent). */
  wasSent(notificationId: string): Promise<boolean>;
  /** Of these notifications, the ones whose send finished (one read). */
  sentOf(notificationIds: string[]): Promise<Set<string>>;
  /** Records that a send of this notification finished. */
  markSent(notificationId: string): Promise<void>;
  /** The claim on a notification's one send. */
  getSendClaim(notificationId: string): Promise<Versioned<SendClaim> | null>;
  /** etag null: create, only if the key does not exist. False on a conflict. */
  putSendClaim(notificationId: string, claim: SendClaim, etag: string | null): Promise<boolean>;
  /** Resolves when the state store answers a read. */
  ping(): Promise<void>;
}

/** A send in progress: claimed at `at` (epoch ms); 0 gives it up. */
export interface SendClaim {
  at: number;
}

export const viewKey = (orderId: string) => `order-view:${orderId}`;
export const indexKey = (customerId: string) => `customer-orders:${customerId}`;
export const sentKey = (notificationId: string) => `notification-sent:${notificationId}`;
export const claimKey = (notificationId: string) => `notification-claim:${notificationId}`;
const PROBE_KEY = 'readiness-probe';

export class DaprViewStore implements ViewStore {
  private readonly dapr: DaprSidecar;
  private readonly store: string;

  constructor(dapr: DaprSidecar, opts: { store: string }) {
    this.dapr = dapr;
    this.store = opts.store;
  }

  getView(orderId: string) {
    return this.dapr.getState<OrderView>(this.store, viewKey(orderId));
  }

  async getViews(orderIds: string[]): Promise<OrderView[]> {
    if (orderIds.length === 0) return [];
    const found = await this.getBulk<OrderView>(orderIds.map(viewKey));
    return orderIds.flatMap((id) => {
      const v = found.get(viewKey(id));
      return v ? [v.value] : [];
    });
  }

  async getViewAndIndex(orderId: string, customerId: string) {
    const found = await this.getBulk<OrderView | CustomerIndex>([viewKey(orderId), indexKey(customerId)]);
    return {
      view: (found.get(viewKey(orderId)) as Versioned<OrderView> | undefined) ?? null,
      index: (found.get(indexKey(customerId)) as Versioned<CustomerIndex> | undefined) ?? null,
    };
  }

  putView(view: OrderView, etag: string | null) {
    return this.put(viewKey(view.orderId), view, etag);
  }

  getIndex(customerId: string) {
    return this.dapr.getState<CustomerIndex>(this.store, indexKey(customerId));
  }

  putIndex(customerId: string, index: CustomerIndex, etag: string | null) {
    return this.put(indexKey(customerId), index, etag);
  }

  async wasSent(notificationId: string): Promise<boolean> {
    return (await this.dapr.getState<string>(this.store, sentKey(notificationId))) !== null;
  }

  async sentOf(notificationIds: string[]): Promise<Set<string>> {
    if (notificationIds.length === 0) return new Set();
    const found = await this.getBulk<string>(notificationIds.map(sentKey));
    return new Set(notificationIds.filter((id) => found.has(sentKey(id))));
  }

  async markSent(notificationId: string): Promise<void> {
    await this.dapr.saveState(this.store, [{ key: sentKey(notificationId), value: new Date().toISOString() }]);
  }

  getSendClaim(notificationId: string) {
    return this.dapr.getState<SendClaim>(this.store, claimKey(notificationId));
  }

  putSendClaim(notificationId: string, claim: SendClaim, etag: string | null) {
    return this.put(claimKey(notificationId), claim, etag);
  }

  async ping(): Promise<void> {
    await this.dapr.getState(this.store, PROBE_KEY);
  }

  private async put(key: string, value: unknown, etag: string | null): Promise<boolean> {
    if (etag !== null) return this.dapr.saveState(this.store, [{ key, value, etag }]);
    try {
      // An empty etag with first-write concurrency creates the key only if it does not exist.
      return await this.dapr.saveState(this.store, [{ key, value, etag: '' }]);
    } catch (e) {
      // Redis answers an existing key with a plain error (500), not an etag mismatch (409).
      // Report a conflict: the caller reads again, and that read fails if the sidecar is down.
      if (e instanceof SidecarUnavailableError) return false;
      throw e;
    }
  }

  /** One round trip for many keys (with their etags). */
  private async getBulk<T>(keys: string[]): Promise<Map<string, Versioned<T>>> {
    const items = await this.dapr.getBulkState<T>(this.store, keys);
    const out = new Map<string, Versioned<T>>();
    for (const item of items) {
      if (item.error) throw new SidecarUnavailableError(`state bulk get of ${item.key} failed: ${item.error}`);
      if (item.data !== undefined && item.data !== null) out.set(item.key, { value: item.data, etag: item.etag ?? '' });
    }
    return out;
  }
}
