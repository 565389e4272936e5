/**
 * Re-drives an order's latest event: when an order has been quiet for a while
 * (no new status), its latest event is published again, with the same id.
 *
 * Why, when the outbox and the broker already deliver at least once: in two CI
 * chaos runs a consumer's sidecar acknowledged one event its app never
 * handled (the customer view missed a CookingFinished; the payment service
 * missed an OrderCancelled and kept the money). No error, no dead letter, no
 * redelivery; we could not find the cause in daprd or the Redis component,
 * nor reproduce it here. The order service is the saga's source of truth, so
 * it makes sure its latest word reaches everyone: every consumer deduplicates
 * by event id (their inboxes, the view's applied ids), so a re-driven event
 * that was handled is a no-op, and one that was lost is handled now. The
 * latest event is the one whose loss matters: it is the one the order waits
 * on (OrderPlaced for the store, CookingFinished for delivery) or the one
 * that settles it (OrderCancelled for the refund). Earlier events lost by the
 * customer view are taken from the event log when the order ends.
 *
 * Schedule: `afterSeconds` after each status change; then, while the order is
 * still running, after 2x, 4x, ... that, at most `MAX_REDRIVES` times. An
 * order that has ended is re-driven once. Dapr has nothing like this (its
 * retries end at the acknowledgement), hence our own sweeper.
 */
import type { Logger, Metrics } from '@baedal/platform';
import { topics } from '@baedal/platform/contracts/events';
import { OutboxMessage, type OutboxRelay } from '@baedal/platform/outbox';
import { LockMode, type MikroORM } from '@mikro-orm/mysql';
import { Counter } from 'prom-client';
import { Order } from '../entities/order.ts';
import { eventTypeOfStatus, isTerminal } from './lifecycle.ts';
import type { OrderStatus } from '@baedal/platform/contracts/events';

/** A running order's latest event goes out again at most this many times (about 63x afterSeconds in all). */
export const MAX_REDRIVES = 6;
const BATCH = 100;

/** When an order that just reached a status is first re-driven. */
export function firstRedriveAt(changedAt: Date, afterSeconds: number): Date {
  return new Date(changedAt.getTime() + afterSeconds * 1000);
}

/** When to re-drive again after the `redrives`-th time (null: never again). */
export function nextRedriveAt(status: OrderStatus, redrives: number, now: Date, afterSeconds: number): Date | null {
  if (isTerminal(status) || redrives >= MAX_REDRIVES) return null;
  return new Date(now.getTime() + afterSeconds * 1000 * 2 ** redrives);
}

export class EventRedriver {
  private timer: NodeJS.Timeout | undefined;
  private readonly redriven: Counter<'type'>;
  private readonly deps: {
    orm: MikroORM;
    relay: OutboxRelay;
    logger: Logger;
    metrics: Metrics;
    afterSeconds: number;
  };

  constructor(deps: EventRedriver['deps']) {
    this.deps = deps;
    this.redriven = new Counter({
      name: 'events_redriven_total',
      help: 'Order events published again because their order stayed quiet (domain/event-redriver.ts)',
      labelNames: ['type'],
      registers: [deps.metrics.registry],
    });
  }

  start(): void {
    const every = Math.min(10_000, (this.deps.afterSeconds * 1000) / 4);
    const tick = () => {
      this.sweep()
        .catch((e: unknown) => this.deps.logger.warn({ err: e }, 're-drive sweep failed'))
        .finally(() => {
          this.timer = setTimeout(tick, every);
          this.timer.unref();
        });
    };
    this.timer = setTimeout(tick, every);
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  /** One pass over the orders that are due; returns how many events it re-drove. */
  async sweep(now = new Date()): Promise<number> {
    const { orm } = this.deps;
    let count = 0;
    for (;;) {
      const due = await orm.em
        .fork()
        .find(Order, { redriveAt: { $lte: now } }, { fields: ['id'], orderBy: { redriveAt: 'asc' }, limit: BATCH });
      for (const { id } of due) if (await this.redrive(id, now)) count++;
      if (due.length < BATCH) break;
    }
    if (count > 0) this.deps.relay.kick();
    return count;
  }

  /**
   * Under the order's row lock (status changes take it too, so no newer event
   * can appear meanwhile), marks the outbox row of the order's latest event
   * pending again; the relay publishes it like any other. Reschedules either way.
   */
  private async redrive(orderId: string, now: Date): Promise<boolean> {
    const { orm, logger, afterSeconds } = this.deps;
    return orm.em.fork().transactional(async (tx) => {
      const o = await tx.findOne(
        Order,
        { id: orderId, redriveAt: { $lte: now } },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (!o) return false; // its status changed meanwhile: rescheduled by that change
      const type = eventTypeOfStatus[o.status];
      const latest = await tx.findOne(OutboxMessage, { partitionKey: o.id, topic: topics.orders, type });
      o.redrives += 1;
      o.redriveAt = nextRedriveAt(o.status, o.redrives, now, afterSeconds);
      // Still pending: the relay has not published it once yet (the broker is down); nothing to add.
      if (!latest || latest.state !== 'published') return false;
      latest.state = 'pending';
      latest.publishedAt = null;
      this.redriven.inc({ type });
      logger.info({ orderId: o.id, eventId: latest.id, type, redrive: o.redrives }, 'event re-driven');
      return true;
    });
  }
}
