/**
 * In-process change feed: the subscription handler publishes every view it
 * wrote, open status streams of that order listen. Changes written by another
 * replica reach streams through their state store poll instead.
 */
import { EventEmitter } from 'node:events';
import type { OrderView } from '../domain/view.ts';

export class ViewChanges {
  private readonly emitter = new EventEmitter();
  private readonly everyOrder = new Set<(view: OrderView) => void>();

  constructor() {
    // One listener per open stream; there is no meaningful limit.
    this.emitter.setMaxListeners(0);
  }

  publish(view: OrderView): void {
    this.emitter.emit(view.orderId, view);
    for (const listener of this.everyOrder) listener(view);
  }

  /** Every view written, whatever the order (the routes' FreshViews). */
  subscribeAll(listener: (view: OrderView) => void): void {
    this.everyOrder.add(listener);
  }

  /** Returns the unsubscribe function. */
  subscribe(orderId: string, listener: (view: OrderView) => void): () => void {
    this.emitter.on(orderId, listener);
    return () => this.emitter.off(orderId, listener);
  }
}
