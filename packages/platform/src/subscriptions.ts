/**
 * Pub/sub subscriptions served by Koa: GET /dapr/subscribe lists them
 * (programmatic subscriptions), and each route parses the CloudEvent, validates
 * its data with the contract's schema and answers Dapr with SUCCESS, RETRY or
 * DROP. A DROP (an event that can never be handled) goes to the dead-letter topic.
 */
import type Router from '@koa/router';
import type { z } from 'zod';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';

export const DEAD_LETTER_TOPIC = 'deadletters';

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
        // A non-2xx status makes the sidecar apply the inbound retry policy.
        ctx.status = 500;
        ctx.body = { status: 'RETRY' };
      }
    });
  }
}
