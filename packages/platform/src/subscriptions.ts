/**
 * Pub/sub subscriptions served by Koa: GET /dapr/subscribe lists them
 * (programmatic subscriptions), and each route parses the CloudEvent, validates
 * its data with the contract's schema and answers Dapr with SUCCESS, RETRY or
 * DROP. A DROP (an event that can never be handled) goes to the dead-letter topic.
 */
import type Router from '@koa/router';
import type { z } from 'zod';
import { SidecarUnavailableError } from './dapr.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';

export const DEAD_LETTER_TOPIC = 'deadletters';

/**
 * How long a delivery attempt that failed because a dependency is unreachable
 * (the database refuses connections, the sidecar does not answer) waits
 * before it answers RETRY. Why: the inbound retry policy counts attempts, and
 * an attempt that fails in 2 ms makes the whole chain last ~10 s (as little as
 * 4.8 s: components/resiliency.yaml eventRetry), shorter than a database
 * restart, so an event would end in the dead letters for an outage it could
 * have outlived. Failing slowly stretches the chain to about 20 s (7 attempts
 * of 1.5 s plus the backoff), still inside the window the redelivery check
 * allows (redelivery-window.spec.ts assumes attempts hanging the whole 2 s
 * pubsubDelivery timeout). A handler error of any other kind answers at once.
 */
export const UNREACHABLE_HOLD_MS = 1_500;

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'PROTOCOL_CONNECTION_LOST']);

/** True for an error that says a dependency could not be reached (not that the work itself failed). */
export function isUnreachable(e: unknown): boolean {
  const err = e as { code?: unknown; name?: unknown; cause?: unknown } | null;
  if (!err || typeof err !== 'object') return false;
  if (e instanceof SidecarUnavailableError || err.name === 'ConnectionException') return true;
  if (typeof err.code === 'string' && UNREACHABLE_CODES.has(err.code)) return true;
  return err.cause !== undefined && err.cause !== e && isUnreachable(err.cause);
}

/** The app route the sidecar delivers a topic's events to (POST, one CloudEvent each). */
export const subscriptionRoute = (topic: string) => `/events/${topic}`;

export interface Subscription {
  topic: string;
  schema: z.ZodType;
  handle: (event: unknown) => Promise<void>;
}

/**
 * One subscription: `handle` gets the event parsed with `schema`. Return
 * normally when handled (or a duplicate); throw to have Dapr redeliver.
 */
export function subscription<S extends z.ZodType>(
  topic: string,
  schema: S,
  handle: (event: z.infer<S>) => Promise<void>,
): Subscription {
  return { topic, schema, handle: (e) => handle(e as z.infer<S>) };
}

export function mountSubscriptions(
  router: Router,
  opts: {
    pubsub: string;
    logger: Logger;
    metrics: Metrics;
    /** Subscriptions served by routes of their own (the dead-letter collector). */
    extra?: { pubsubname: string; topic: string; route: string }[];
  },
  subscriptions: Subscription[],
): void {
  router.get('/dapr/subscribe', (ctx) => {
    ctx.body = [
      ...subscriptions.map((s) => ({
        pubsubname: opts.pubsub,
        topic: s.topic,
        route: subscriptionRoute(s.topic),
        deadLetterTopic: DEAD_LETTER_TOPIC,
      })),
      ...(opts.extra ?? []),
    ];
  });
  for (const sub of subscriptions) {
    router.post(subscriptionRoute(sub.topic), async (ctx) => {
      const envelope = ctx.request.body as { data?: unknown; id?: string; type?: string } | undefined;
      const parsed = sub.schema.safeParse(envelope?.data);
      if (!parsed.success) {
        opts.metrics.eventsHandled.inc({ topic: sub.topic, type: 'unknown', outcome: 'drop' });
        opts.logger.error(
          { topic: sub.topic, cloudEventId: envelope?.id, issues: parsed.error.issues.slice(0, 5) },
          'event does not match its schema; dropping to the dead-letter topic',
        );
        ctx.body = { status: 'DROP' };
        return;
      }
      const event = parsed.data as { id: string; type: string };
      const started = Date.now();
      try {
        await sub.handle(parsed.data);
        opts.metrics.eventsHandled.inc({ topic: sub.topic, type: event.type, outcome: 'processed' });
        ctx.body = { status: 'SUCCESS' };
      } catch (e) {
        opts.metrics.eventsHandled.inc({ topic: sub.topic, type: event.type, outcome: 'retry' });
        opts.logger.warn(
          { topic: sub.topic, eventId: event.id, type: event.type, err: e },
          'event handler failed; retry',
        );
        if (isUnreachable(e)) {
          await new Promise((r) => setTimeout(r, Math.max(0, started + UNREACHABLE_HOLD_MS - Date.now())));
        }
        // A non-2xx status makes the sidecar apply the inbound retry policy.
        ctx.status = 500;
        ctx.body = { status: 'RETRY' };
      }
    });
  }
}
