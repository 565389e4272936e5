/**
 * Re-drive: a service publishes the latest event of each key (an order, a
 * store) once more when that key has stayed quiet for a while, for the event
 * types it names: the ones another service must act on, or that settle
 * something (an order's end and its refund).
 *
 * Why, when the outbox and the broker already deliver at least once: in two
 * chaos runs on fresh clones (one of them CI's) a consumer's sidecar
 * acknowledged one event its app never handled (the customer view missed a
 * CookingFinished; the payment service missed an OrderCancelled and kept the
 * money). No error, no dead letter, no redelivery; we did not find the cause
 * in daprd 1.18.0 or its Redis component, nor reproduce it here. Every consumer deduplicates by event id
 * (its inbox, the view's applied ids), so a re-driven event that was handled
 * changes nothing, and one that was lost is handled now. The latest event of
 * a key is the one whose loss matters: the key waits on it (the store must see
 * OrderPlaced, delivery CookingFinished, the order a DeliveryPickedUp) or it
 * settles the key (OrderCancelled refunds). An earlier one lost by the
 * customer view is taken from the order's event log when the order ends.
 *
 * Once per event, `afterSeconds` after it was written, unless a newer event
 * of the same key came first. Dapr has nothing like it (its retries end at the
 * acknowledgement), hence this sweeper.
 */
import { IsolationLevel, LockMode, type MikroORM } from '@mikro-orm/mysql';
import type { AnyEvent } from './contracts/events.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import { OutboxMessage, type OutboxRelay } from './outbox.ts';
import { repeat } from './repeat.ts';

/** Migration DDL: when the sweeper dealt with a row (re-published it, or found a newer event of its key). */
export const outboxRedriveColumnSql = 'alter table outbox add column redrive_checked_at datetime(3) null';
/** Migration DDL: a key's events, newest last (the order service's outbox has it already). */
export const outboxByKeyIndexSql = 'create index outbox_by_key on outbox (partition_key, created_at)';

/** Rows older than this many re-drive periods are left alone (a service down that long restarts clean). */
const LOOKBACK_PERIODS = 10;
const BATCH = 500;

export interface OutboxRow {
  id: string;
  topic: string;
  partitionKey: string;
  createdAt: Date;
}

/** The rows of `due` that are still the newest event of their key and topic among `all`. */
export function newestOfTheirKey<T extends OutboxRow>(due: readonly T[], all: readonly OutboxRow[]): T[] {
  return due.filter(
    (row) =>
      !all.some(
        (other) =>
          other.partitionKey === row.partitionKey &&
          other.topic === row.topic &&
          other.createdAt.getTime() > row.createdAt.getTime(),
      ),
  );
}

export class OutboxRedriver {
  private loop: { stop(): void } | undefined;
  private readonly deps: {
    orm: MikroORM;
    relay: OutboxRelay;
    logger: Logger;
    metrics: Metrics;
    /** 0 turns re-drive off. */
    afterSeconds: number;
    /** The event types worth a second publish (see the top of this file). */
    types: readonly AnyEvent['type'][];
  };

  constructor(deps: OutboxRedriver['deps']) {
    this.deps = deps;
  }

  start(): void {
    if (this.deps.afterSeconds <= 0 || this.deps.types.length === 0) return;
    this.loop = repeat(
      Math.min(10_000, (this.deps.afterSeconds * 1000) / 4),
      () => this.sweep(),
      (e) => this.deps.logger.warn({ err: e }, 're-drive sweep failed'),
    );
  }

  stop(): void {
    this.loop?.stop();
  }

  /** One pass; returns how many events it marked for publishing again. */
  async sweep(now = new Date()): Promise<number> {
    const { orm, logger, metrics, afterSeconds, types } = this.deps;
    const periodMs = afterSeconds * 1000;
    let redriven = 0;
    for (;;) {
      // Claimed like the relay's rows (outbox-claims.ts): with several replicas each
      // due row is locked by one sweep (SKIP LOCKED: the others pass it by) and the
      // update is guarded, so one event is re-driven once, not once per replica.
      const { due, count } = await orm.em.fork().transactional(
        async (em) => {
          const due = await em.find(
            OutboxMessage,
            {
              state: 'published',
              redriveCheckedAt: null,
              type: { $in: [...types] },
              createdAt: {
                $gt: new Date(now.getTime() - periodMs * LOOKBACK_PERIODS),
                $lte: new Date(now.getTime() - periodMs),
              },
            },
            {
              fields: ['id', 'topic', 'type', 'partitionKey', 'createdAt'],
              orderBy: { createdAt: 'asc' },
              limit: BATCH,
              lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE,
            },
          );
          if (due.length === 0) return { due, count: 0 };
          const keys = [...new Set(due.map((r) => r.partitionKey))];
          const ofKeys = await em.find(
            OutboxMessage,
            { partitionKey: { $in: keys } },
            { fields: ['id', 'topic', 'partitionKey', 'createdAt'] },
          );
          const newest = newestOfTheirKey(due, ofKeys);
          const superseded = due.filter((r) => !newest.includes(r));
          if (superseded.length > 0) {
            await em.nativeUpdate(
              OutboxMessage,
              { id: { $in: superseded.map((r) => r.id) }, redriveCheckedAt: null },
              { redriveCheckedAt: now },
            );
          }
          if (newest.length > 0) {
            // Pending again: the relay publishes it like any other, in order with its key's newer events.
            await em.nativeUpdate(
              OutboxMessage,
              { id: { $in: newest.map((r) => r.id) }, state: 'published', redriveCheckedAt: null },
              { state: 'pending', publishedAt: null, redriveCheckedAt: now },
            );
            for (const r of newest) {
              metrics.eventsRedriven.inc({ topic: r.topic, type: r.type });
              logger.info({ eventId: r.id, type: r.type, partitionKey: r.partitionKey }, 'event re-driven');
            }
          }
          return { due, count: newest.length };
        },
        { isolationLevel: IsolationLevel.READ_COMMITTED },
      );
      redriven += count;
      if (due.length < BATCH) break;
    }
    if (redriven > 0) this.deps.relay.kick();
    return redriven;
  }
}
