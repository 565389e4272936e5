/**
 * Dead letters made visible. Every subscription names the `deadletters` topic;
 * Dapr sends there what a handler dropped (schema mismatch) or kept failing
 * after the inbound retries. One service (the order service) collects them:
 * each is logged at error level with the whole event and kept in its database
 * for `GET /api/admin/dead-letters`. Beside them, each service with an outbox
 * lists the events it gave up publishing (parked, outbox-claims.ts) at
 * `GET /api/admin/parked-events/<service>`.
 */
import Router from '@koa/router';
import { defineEntity, p, type InferEntity, type MikroORM } from '@mikro-orm/mysql';
import type { TokenVerifier } from './auth.ts';
import { requireRole } from './auth.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import { OutboxMessage } from './outbox.ts';
import { DEAD_LETTER_TOPIC, subscriptionRoute } from './subscriptions.ts';

export const DeadLetter = defineEntity({
  name: 'DeadLetter',
  tableName: 'dead_letter',
  properties: {
    /** One row per arrival: an event every subscriber dropped arrives once per subscriber. */
    id: p.bigint('number').primary().autoincrement(),
    eventId: p.string().length(64),
    topic: p.string().length(64),
    type: p.string().length(64),
    source: p.string().length(64),
    payload: p.json<unknown>(),
    receivedAt: p.datetime(3),
  },
});
export type DeadLetter = InferEntity<typeof DeadLetter>;

export const deadLetterTableSql = `create table dead_letter (
  id bigint not null auto_increment primary key,
  event_id varchar(64) not null,
  topic varchar(64) not null,
  type varchar(64) not null,
  source varchar(64) not null,
  payload json not null,
  received_at datetime(3) not null,
  index dead_letter_newest (received_at),
  index dead_letter_event (event_id)
) engine=InnoDB default charset=utf8mb4`;

/** The subscription and the admin route of the collector. */
export function deadLetterRoutes(deps: {
  orm: MikroORM;
  pubsub: string;
  verifier: TokenVerifier;
  logger: Logger;
  metrics: Metrics;
}): { subscription: { pubsubname: string; topic: string; route: string }; router: Router } {
  const router = new Router();
  const route = subscriptionRoute(DEAD_LETTER_TOPIC);
  router.post(route, async (ctx) => {
    // Whatever arrives here is accepted (SUCCESS) once stored: a dead letter must never loop
    // back to the dead-letter topic. One that cannot be stored is answered RETRY, so the
    // sidecar delivers it again (inbound retries, then the pub/sub's redelivery) instead of
    // acknowledging a letter nobody kept.
    const ce = (ctx.request.body ?? {}) as Record<string, unknown>;
    const eventId = typeof ce.id === 'string' && ce.id ? ce.id.slice(0, 64) : 'unknown';
    const letter = {
      eventId,
      topic: String(ce.topic ?? ce.pubsubtopic ?? 'unknown').slice(0, 64),
      type: String(ce.type ?? 'unknown').slice(0, 64),
      source: String(ce.source ?? 'unknown').slice(0, 64),
      payload: ce.data ?? null,
      receivedAt: new Date(),
    };
    try {
      await deps.orm.em.fork().insert(DeadLetter, letter);
    } catch (e) {
      deps.logger.error({ err: e, deadLetter: letter }, 'dead letter could not be stored; asking for redelivery');
      ctx.status = 500;
      ctx.body = { status: 'RETRY' };
      return;
    }
    // Logged and counted once stored: a letter refused while the database is away comes back
    // with every redelivery, and would otherwise be counted (and alerted on) each time.
    deps.logger.error({ deadLetter: letter }, 'dead letter: an event could not be handled');
    deps.metrics.eventsHandled.inc({ topic: DEAD_LETTER_TOPIC, type: letter.type, outcome: 'dead-letter' });
    ctx.body = { status: 'SUCCESS' };
  });
  router.get('/api/admin/dead-letters', requireRole(deps.verifier, 'admin'), async (ctx) => {
    const rows = await deps.orm.em.fork().find(DeadLetter, {}, { orderBy: { receivedAt: 'desc' }, limit: 100 });
    ctx.body = rows.map((r) => ({ ...r, receivedAt: r.receivedAt.toISOString() }));
  });
  return { subscription: { pubsubname: deps.pubsub, topic: DEAD_LETTER_TOPIC, route }, router };
}

/** Path of a service's parked-events listing (the edge routes it to that service). */
export const parkedEventsPath = (service: string) => `/api/admin/parked-events/${service}`;

/**
 * The events this service's outbox relay gave up on (state 'parked' after too
 * many failed publishes), newest first, for an admin: the outbox counterpart of
 * the dead letters. Payloads are included so an operator sees what was not sent.
 */
export function parkedEventRoutes(deps: { orm: MikroORM; service: string; verifier: TokenVerifier }): Router {
  const router = new Router();
  router.get(parkedEventsPath(deps.service), requireRole(deps.verifier, 'admin'), async (ctx) => {
    const rows = await deps.orm.em
      .fork()
      .find(OutboxMessage, { state: 'parked' }, { orderBy: { createdAt: 'desc' }, limit: 100 });
    ctx.body = rows.map((r) => ({
      eventId: r.id,
      topic: r.topic,
      type: r.type,
      partitionKey: r.partitionKey,
      attempts: r.attempts,
      lastError: r.lastError,
      createdAt: r.createdAt.toISOString(),
      payload: r.payload,
    }));
  });
  return router;
}
