/**
 * Transactional outbox (after eShop's IntegrationEventLogEntry): an event is
 * saved in the same transaction as the state change it announces, and a relay
 * publishes it through the sidecar after commit. A rolled-back change publishes
 * nothing; a crash between commit and publish is healed by the relay on restart.
 * The relay publishes right after every commit that wrote an event (a MikroORM
 * transaction subscriber), so callers only write their change and its event.
 */
import os from 'node:os';
import { defineEntity, p, type EntityManager } from '@mikro-orm/mysql';
import { partitionKeyOf, type AnyEvent, type Topic } from './contracts/events.ts';
import { BulkPublishUnsupportedError, type DaprSidecar } from './dapr.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import type { MikroORM } from '@mikro-orm/mysql';
import { Gauge } from 'prom-client';
import { currentTraceparent, inTrace, traceIdOf, untraced } from './trace.ts';
import {
  defaultClaimPolicy,
  SqlOutboxStore,
  type ClaimedEvent,
  type ClaimPolicy,
  type OutboxStore,
} from './outbox-claims.ts';

export const OutboxMessage = defineEntity({
  name: 'OutboxMessage',
  tableName: 'outbox',
  properties: {
    id: p.uuid().primary(),
    topic: p.string().length(64),
    type: p.string().length(64),
    partitionKey: p.string().length(64),
    payload: p.json<Record<string, unknown>>(),
    state: p.string().length(16),
    attempts: p.integer(),
    lastError: p.text().nullable(),
    createdAt: p.datetime(3),
    publishedAt: p.datetime(3).nullable(),
    /** When the re-drive sweep dealt with it (outbox-redrive.ts); added by a later migration. */
    redriveCheckedAt: p.datetime(3).nullable(),
    /**
     * The relay's lease on the row (outbox-claims.ts, which also adds `seq`, left out here:
     * the database numbers each row and only the relay's own SQL reads it).
     */
    claimedBy: p.string().length(64).nullable(),
    claimedUntil: p.datetime(3).nullable(),
    /**
     * W3C `traceparent` of the transaction that wrote the event (trace.ts), which the relay
     * publishes it with, so its consumers join that trace; null when there was none.
     */
    traceparent: p.string().length(55).nullable(),
  },
});

/** DDL of the outbox table, for each service's first migration. */
export const outboxTableSql = `create table outbox (
  id char(36) not null primary key,
  topic varchar(64) not null,
  type varchar(64) not null,
  partition_key varchar(64) not null,
  payload json not null,
  state varchar(16) not null,
  attempts int not null default 0,
  last_error text null,
  created_at datetime(3) not null,
  published_at datetime(3) null,
  index outbox_pending (state, created_at)
) engine=InnoDB default charset=utf8mb4`;

/** Migration DDL: the trace context each event is published in (a later addition to outboxTableSql). */
export const outboxTraceparentSql = 'alter table outbox add column traceparent varchar(55) null';

function outboxRow(topic: string, event: AnyEvent, partitionKey: string) {
  return {
    id: event.id,
    topic,
    type: event.type,
    partitionKey,
    payload: event as unknown as Record<string, unknown>,
    state: 'pending',
    attempts: 0,
    lastError: null,
    createdAt: new Date(),
    publishedAt: null,
    redriveCheckedAt: null,
    claimedBy: null,
    claimedUntil: null,
    traceparent: currentTraceparent() ?? null,
  };
}

/**
 * The entity managers (each transaction's own fork) that wrote an event; the
 * relay of their ORM publishes right after that transaction commits. A nested
 * transaction marks its own fork, so its events wait for the relay's poll.
 */
const wroteEvents = new WeakSet<object>();

/** Adds an event to the outbox in the caller's transaction (flushed with it), keyed as its topic says. */
export function enqueue(em: EntityManager, topic: Topic, event: AnyEvent): void {
  em.create(OutboxMessage, outboxRow(topic, event, partitionKeyOf(topic, event)));
  wroteEvents.add(em);
}

/**
 * Writes an event to the outbox at once, with one INSERT in the caller's
 * transaction: for callers that write their state change with em.insert too
 * and have nothing for the unit of work to flush.
 */
export async function insertEvent(em: EntityManager, topic: Topic, event: AnyEvent) {
  await em.insert(OutboxMessage, outboxRow(topic, event, partitionKeyOf(topic, event)));
  wroteEvents.add(em);
}

/** The CloudEvent we hand to the sidecar: its id is our event id. */
export function toCloudEvent(source: string, event: Record<string, unknown>): Record<string, unknown> {
  return {
    specversion: '1.0',
    id: event.id,
    source,
    type: event.type,
    time: event.occurredAt,
    datacontenttype: 'application/json',
    data: event,
  };
}

/** Events read per pass, and how many partition keys publish at the same time. */
const BATCH_SIZE = 100;
const PUBLISH_PARALLELISM = 16;

interface RelayDeps {
  orm: MikroORM;
  dapr: DaprSidecar;
  pubsub: string;
  source: string;
  logger: Logger;
  metrics: Metrics;
  /** Safety-net poll; commits kick the relay at once. */
  pollMs?: number;
  /** Lease, parking and backoff (outbox-claims.ts); the defaults otherwise. */
  claims?: Partial<ClaimPolicy>;
  /** The table as the relay uses it: SqlOutboxStore over `orm` unless given (unit tests). */
  store?: OutboxStore;
}

export class OutboxRelay {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  /** False once the sidecar turned out to lack the bulk publish API. */
  private bulk = true;

  private readonly deps: RelayDeps;
  private readonly store: OutboxStore;

  constructor(deps: RelayDeps) {
    this.deps = deps;
    // The owner names this relay in the table's claimed_by: host, pid and a random tag
    // (two relays of one process, as in the tests, are two owners).
    const owner = `${os.hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`.slice(0, 64);
    this.store = deps.store ?? new SqlOutboxStore(deps.orm, owner, { ...defaultClaimPolicy, ...deps.claims });
    // Publish as soon as a transaction that wrote an event commits. Forks made from now on
    // (one per request or event) get a copy of this subscriber with their event manager.
    deps.orm.em.getEventManager().registerSubscriber({
      afterTransactionCommit: ({ em }) => {
        // On the next turn of the event loop: the caller's code after its commit runs first.
        if (!this.stopped && wroteEvents.delete(em)) setImmediate(() => this.kick());
      },
    });
  }

  start(): void {
    const poll = () => {
      if (this.stopped) return;
      this.kick();
      this.timer = setTimeout(poll, this.deps.pollMs ?? 1000);
      this.timer.unref();
    };
    poll();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Publishes pending events now (called right after a commit, and by the poll). */
  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    // Not in the context of the request that kicked it: each event goes out in its own trace.
    this.running = untraced(() => this.drain())
      .catch((e: unknown) => this.deps.logger.warn({ err: e }, 'outbox relay pass failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again && !this.stopped) {
          this.again = false;
          this.kick();
        }
      });
  }

  /**
   * One pass: claims pending events in sequence order, in batches (outbox-claims.ts:
   * other relay replicas skip what this one holds, and a key whose earlier event
   * another replica holds is left alone). Events of one partition key (one order,
   * one store) leave one after the other, in order: a batch goes out in rounds,
   * round n carrying the n-th claimed event of each key, one bulk publish per
   * topic (one sidecar call for many events), and a round starts when the one
   * before it is done. A batch is marked published with one UPDATE. A failed
   * publish stops its key for this pass (its later events are given back, so
   * they never overtake it; the failed one waits its backoff or is parked) and
   * ends the pass; the next poll tries again.
   */
  private async drain(): Promise<void> {
    const { store } = this;
    for (;;) {
      const { events: batch, scanned } = await store.claim(BATCH_SIZE);
      if (batch.length === 0) return;
      const byKey = new Map<string, ClaimedEvent[]>();
      for (const msg of batch) {
        const same = byKey.get(msg.partitionKey);
        if (same) same.push(msg);
        else byKey.set(msg.partitionKey, [msg]);
      }
      const published: string[] = [];
      const tried = new Set<string>();
      let failed = false;
      let queues = [...byKey.values()];
      for (let round = 0; queues.length > 0; round++) {
        const heads = queues.map((q) => q[round]).filter((m) => m !== undefined);
        if (heads.length === 0) break;
        const errors = await this.publishRound(heads);
        for (const msg of heads) {
          tried.add(msg.id);
          const err = errors.get(msg.id);
          if (err === undefined) {
            published.push(msg.id);
            this.deps.metrics.eventsPublished.inc({ topic: msg.topic });
            continue;
          }
          failed = true;
          const outcome = await store.failed(msg, String(err.message));
          if (outcome === 'parked') {
            this.deps.metrics.eventsParked.inc({ topic: msg.topic });
            this.deps.logger.error(
              {
                eventId: msg.id,
                topic: msg.topic,
                attempts: msg.attempts + 1,
                traceId: traceIdOf(msg.traceparent),
                err,
              },
              'publish failed too often; event parked',
            );
          } else {
            this.deps.logger.warn(
              { eventId: msg.id, topic: msg.topic, traceId: traceIdOf(msg.traceparent), err },
              'publish failed; will retry',
            );
          }
        }
        // A key whose event failed stops here; the others go on with their next event.
        queues = queues.filter((q) => q.length > round + 1 && !errors.has(q[round]?.id ?? ''));
      }
      await store.published(published);
      await store.release(batch.filter((m) => !tried.has(m.id)).map((m) => m.id));
      if (failed || scanned < BATCH_SIZE) return;
    }
  }

  /**
   * Publishes events of different keys side by side: one bulk call per topic
   * and trace context (a single event goes out alone), made in that context,
   * so the sidecar records the publish in the trace of the transaction that
   * wrote the event and its consumers continue it. Without tracing no row has
   * a context and each topic is one bulk call; with it, events of different
   * transactions go out in calls of their own, at most PUBLISH_PARALLELISM at
   * a time (a round may hold a hundred keys). Returns the error of each event
   * that was not published.
   */
  private async publishRound(msgs: ClaimedEvent[]): Promise<Map<string, Error>> {
    const { dapr, pubsub, source } = this.deps;
    const groups = new Map<string, ClaimedEvent[]>();
    for (const msg of msgs) {
      const key = `${msg.topic}\n${msg.traceparent ?? ''}`;
      const same = groups.get(key);
      if (same) same.push(msg);
      else groups.set(key, [msg]);
    }
    const errors = new Map<string, Error>();
    await mapLimit([...groups.values()], PUBLISH_PARALLELISM, (group) =>
      inTrace(group[0]?.traceparent, async () => {
        const topic = group[0]?.topic ?? '';
        try {
          if (group.length === 1 || !this.bulk) {
            await mapLimit(group, PUBLISH_PARALLELISM, async (msg) => {
              try {
                await dapr.publish(pubsub, topic, toCloudEvent(source, msg.payload), {
                  partitionKey: msg.partitionKey,
                });
              } catch (e) {
                errors.set(msg.id, e as Error);
              }
            });
            return;
          }
          const notPublished = await dapr.publishBulk(
            pubsub,
            topic,
            group.map((msg) => ({
              entryId: msg.id,
              event: toCloudEvent(source, msg.payload),
              metadata: { partitionKey: msg.partitionKey },
            })),
          );
          for (const msg of group) {
            const error = notPublished.get(msg.id);
            if (error !== undefined) errors.set(msg.id, new Error(`bulk publish to ${topic} failed: ${error}`));
          }
        } catch (e) {
          if (e instanceof BulkPublishUnsupportedError) {
            // An older sidecar without the bulk API: publish one by one from now on.
            this.bulk = false;
            this.deps.logger.warn({ err: e.message }, 'bulk publish unsupported; publishing events one by one');
          }
          for (const msg of group) errors.set(msg.id, e as Error);
        }
      }),
    );
    return errors;
  }
}

/**
 * The relay's backlog, read from the table at each scrape: how many events
 * wait to be published (backing off included; parked ones are counted by
 * outbox_parked_total) and how long the one waiting longest has been due (since
 * it was written, or re-driven). One query serves both gauges of a scrape.
 */
export function watchOutboxBacklog(orm: MikroORM, metrics: Metrics): void {
  let read: { at: number; value: Promise<{ pending: number; oldestAgeSeconds: number }> } | undefined;
  const backlog = () => {
    if (!read || Date.now() - read.at > 1000) {
      const value = orm.em
        .fork()
        .execute<{ pending: number | string; age_us: number | string | null }[]>(
          // A re-driven row is due again from its re-drive (outbox-redrive.ts), not from its first write.
          `select count(*) as pending,
             timestampdiff(microsecond, min(coalesce(redrive_checked_at, created_at)), utc_timestamp(3)) as age_us
           from outbox where state = 'pending'`,
        )
        .then(([row]) => ({ pending: Number(row?.pending ?? 0), oldestAgeSeconds: Number(row?.age_us ?? 0) / 1e6 }))
        // The database unreachable: no value (NaN) rather than a failed scrape of every metric.
        .catch(() => ({ pending: Number.NaN, oldestAgeSeconds: Number.NaN }));
      read = { at: Date.now(), value };
    }
    return read.value;
  };
  const gauges = [
    ['outbox_pending_events', 'Events in the outbox not yet published (outbox.ts)', 'pending'],
    [
      'outbox_oldest_pending_age_seconds',
      'How long the event waiting longest in the outbox has been due for publishing (0 when none waits)',
      'oldestAgeSeconds',
    ],
  ] as const;
  for (const [name, help, field] of gauges) {
    new Gauge({
      name,
      help,
      registers: [metrics.registry],
      async collect() {
        this.set((await backlog())[field]);
      },
    });
  }
}

/** Runs `fn` over `items`, at most `limit` at a time. */
async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const worker = async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
