/**
 * The order views the status routes read, kept in this process for a few
 * milliseconds: a customer (or the seed's siege) polling one order's status
 * costs one state read per `maxAgeMs` instead of one per request, and a read
 * never waits on a second state read of the same key already under way.
 *
 * How stale a read can be: an entry is the state store's value as of the
 * moment its read began (or a view this replica's projector just wrote), and
 * it is served until `maxAgeMs` after that moment. A newer version written by
 * another replica (events are spread over the replicas) therefore shows at
 * most `maxAgeMs` later than a read of the state store would show it, plus
 * the read's own time. Views of this replica's own writes are offered at once
 * (`offer`), so they show without that delay. Versions are ordered by their
 * count of applied events (each write adds exactly one, view-store.ts): an
 * older copy never replaces a newer one.
 *
 * Why not a library cache (lru-cache and the like): the single flight, the
 * version order and the "as of when the read began" age are the point here,
 * and they are a few lines; the bound on entries is a Map in insertion order.
 */
import { viewVersion, type OrderView } from '../domain/view.ts';
import type { ViewStore } from './view-store.ts';

interface Entry {
  view: OrderView | null;
  /** When the state it holds was current: the start of its read, or the write it came from. */
  asOf: number;
}

export interface FreshViewsOptions {
  /** How long an entry answers reads; 0: none kept (reads at the same moment still share one). */
  maxAgeMs: number;
  /** Entries kept at most (beyond the expired ones, which go first); the oldest goes first. */
  maxEntries: number;
  now?: () => number;
}

export class FreshViews {
  private readonly entries = new Map<string, Entry>();
  private readonly reading = new Map<string, Promise<OrderView | null>>();
  private readonly store: Pick<ViewStore, 'getView'>;
  private readonly maxAgeMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(store: Pick<ViewStore, 'getView'>, opts: FreshViewsOptions) {
    this.store = store;
    this.maxAgeMs = opts.maxAgeMs;
    this.maxEntries = opts.maxEntries;
    this.now = opts.now ?? (() => performance.now());
  }

  /** The order's view as of at most `maxAgeMs` ago; null when it does not exist. */
  get(orderId: string): Promise<OrderView | null> {
    const entry = this.entries.get(orderId);
    if (entry && this.now() - entry.asOf < this.maxAgeMs) return Promise.resolve(entry.view);
    const under = this.reading.get(orderId);
    if (under) return under;
    const asOf = this.now();
    const read = this.store
      .getView(orderId)
      .then((found) => {
        const view = found?.value ?? null;
        this.keep(orderId, view, asOf);
        // A newer version offered while this read was under way wins.
        const held = this.entries.get(orderId);
        return held && viewVersion(held.view) > viewVersion(view) ? held.view : view;
      })
      .finally(() => this.reading.delete(orderId));
    this.reading.set(orderId, read);
    return read;
  }

  /** A view this replica just wrote: newer than the state store's copy any read began before. */
  offer(view: OrderView): void {
    this.keep(view.orderId, view, this.now());
  }

  get size(): number {
    return this.entries.size;
  }

  private keep(orderId: string, view: OrderView | null, asOf: number): void {
    if (this.maxAgeMs <= 0) return;
    const held = this.entries.get(orderId);
    // A newer version is held (offered after this read began): keep it.
    if (held && viewVersion(held.view) > viewVersion(view)) return;
    this.entries.delete(orderId);
    this.entries.set(orderId, { view, asOf });
    // Insertion order is about the order of `asOf` (a read's is its start): the
    // expired entries lead. Drop them, and the oldest beyond the bound, so the
    // map holds the views of the last moments only.
    const expiredBefore = this.now() - this.maxAgeMs;
    for (const [id, e] of this.entries) {
      if (e.asOf > expiredBefore && this.entries.size <= this.maxEntries) break;
      this.entries.delete(id);
    }
  }
}
