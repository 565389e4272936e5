/**
 * Poison events, published straight into topic `orders` through the order
 * sidecar's publish API (as a buggy publisher of the owner would):
 * - a malformed event: every subscriber answers DROP at once and it lands in
 *   the `deadletters` topic, visible at GET /api/admin/dead-letters;
 * - a well-formed DeliveryPickedUp for an order nobody knows, published
 *   into `deliveries` through the delivery sidecar: the order service's
 *   handler fails every time (a delivery fact never comes before its order),
 *   the sidecar retries it as the inbound policy says
 *   (components/resiliency.yaml eventRetry: 6 retries, exponential
 *   500 ms → 3 s, about 9.6 s), then dead-letters it, once. (An order event
 *   that overtakes its OrderPlaced is no poison: the store keeps it.)
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { appTokens, port } from '../../tools/stack/env-instance.ts';
import { call, scrapeCounter } from '../integration/client.ts';
import { componentSetting, durationMs, readComponent } from '../kit/components.ts';
import { admin, healStack, ms, report, secs, sleep, until } from './support.ts';

/** The inbound retry policy every sidecar applies (the one source: components/resiliency.yaml). */
const eventRetry = (
  readComponent('resiliency.yaml') as {
    spec: {
      policies: { retries: { eventRetry: { maxRetries: number; maxInterval: string } } };
    };
  }
).spec.policies.retries.eventRetry;

/**
 * How long the last of the dead letters may take: a daprd hands its one over at
 * once, but a delivery it cuts short (its Redis component logs "context
 * canceled") stays pending in the consumer group until the reclaim redelivers
 * it: after processingTimeout, looked for every redeliverInterval
 * (components/pubsub.yaml). At least once, and one row per subscriber in the
 * end. Twice that bound, for a machine under load.
 */
const DEAD_LETTER_WITHIN_MS =
  2 *
  (durationMs(componentSetting('pubsub.yaml', 'processingTimeout') ?? '30s') +
    durationMs(componentSetting('pubsub.yaml', 'redeliverInterval') ?? '3s'));

/**
 * The order service's sidecar, with the order service's Dapr API token: only the
 * owner of `orders` may publish to it (publishingScopes in components/pubsub.yaml).
 */
const PUBLISH_URL = `http://127.0.0.1:${port(3501)}/v1.0/publish/pubsub/orders`;
/** The delivery sidecar, the one publisher of `deliveries`. */
const PUBLISH_DELIVERIES_URL = `http://127.0.0.1:${port(3504)}/v1.0/publish/pubsub/deliveries`;
const ORDER_METRICS = `http://127.0.0.1:${port(3101)}/metrics`;
/** Subscribers of `orders`: store, payment, delivery, customer. */
const ORDERS_SUBSCRIBERS = 4;

interface DeadLetter {
  eventId: string;
  topic: string;
  type: string;
  source: string;
  receivedAt: string;
}

/** Publishes through a topic owner's sidecar (by default the order service's, into `orders`). */
async function publish(
  cloudEvent: Record<string, unknown>,
  via: { url: string; app: string } = { url: PUBLISH_URL, app: 'order' },
): Promise<number> {
  const res = await fetch(via.url, {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents+json', 'dapr-api-token': appTokens(via.app).daprApiToken },
    body: JSON.stringify(cloudEvent),
  });
  return res.status;
}

async function deadLettersOf(eventId: string): Promise<DeadLetter[]> {
  const r = await call<DeadLetter[]>('GET', '/api/admin/dead-letters', { token: await admin() });
  expect(r.status).toBe(200);
  return r.body.filter((d) => d.eventId === eventId);
}

const cloudEvent = (id: string, type: string, data: unknown) => ({
  specversion: '1.0',
  id,
  source: 'fault-test',
  type,
  time: new Date().toISOString(),
  datacontenttype: 'application/json',
  data,
});

describe('fault: poison events', () => {
  beforeAll(healStack, 120_000);
  afterAll(healStack, 120_000);

  it(
    'a malformed event is dropped by every subscriber and dead-lettered at once, once per subscriber',
    async () => {
      const id = randomUUID();
      const t0 = Date.now();
      expect(
        await publish(cloudEvent(id, 'OrderPlaced', { id: 'not-a-uuid', type: 'OrderPlaced', totalAmount: -1 })),
      ).toBe(204);
      const first = await until(
        'first dead letter',
        async () => ((await deadLettersOf(id)).length ? true : undefined),
        30_000,
      );
      const all = await until(
        'a dead letter from each subscriber',
        async () => {
          const found = await deadLettersOf(id);
          return found.length >= ORDERS_SUBSCRIBERS ? found : undefined;
        },
        DEAD_LETTER_WITHIN_MS,
      );
      const allMs = Date.now() - t0;
      await sleep(3000);
      const settled = await deadLettersOf(id);
      expect(settled).toHaveLength(ORDERS_SUBSCRIBERS);
      expect(settled.every((d) => d.type === 'OrderPlaced')).toBe(true);
      report('poison event: malformed', [
        `published ${id} (fails the OrderPlaced schema) through the order service's sidecar`,
        `dead letters: ${settled.length} (one per subscriber of orders); first after ${ms(first.elapsedMs)},` +
          ` all ${all.value.length} after ${ms(allMs)}; none more 3 s later`,
      ]);
    },
    60_000 + DEAD_LETTER_WITHIN_MS,
  );

  it('an event whose handler keeps failing is retried at most 1 + 10 times (resiliency eventRetry), then dead-lettered once', async () => {
    const id = randomUUID();
    const orderId = randomUUID();
    const retries = () =>
      scrapeCounter(ORDER_METRICS, 'events_handled_total', {
        topic: 'deliveries',
        type: 'DeliveryPickedUp',
        outcome: 'retry',
      });
    const retriesBefore = await retries();
    const t0 = Date.now();
    const event = {
      id,
      type: 'DeliveryPickedUp',
      version: 1,
      occurredAt: new Date().toISOString(),
      orderId,
      data: { deliveryId: randomUUID(), riderId: randomUUID() },
    };
    expect(
      await publish(cloudEvent(id, 'DeliveryPickedUp', event), { url: PUBLISH_DELIVERIES_URL, app: 'delivery' }),
    ).toBe(204);
    const dead = await until(
      'the failing event in the dead letters',
      async () => {
        const found = await deadLettersOf(id);
        return found.length ? found : undefined;
      },
      150_000,
      250,
    );
    const deadAfterMs = Date.now() - t0;
    // Watch until the handler has been left alone for QUIET_MS (longer than the policy's
    // 10 s max interval plus the Redis component's 5 s redeliver interval).
    const QUIET_MS = 25_000;
    const attemptAt: number[] = [];
    let count = await retries();
    let lastChange = Date.now();
    while (Date.now() - lastChange < QUIET_MS && Date.now() - t0 < 150_000) {
      await sleep(250);
      const now = await retries();
      if (now !== count) {
        count = now;
        lastChange = Date.now();
        attemptAt.push(lastChange - t0);
      }
    }
    const attempts = count - retriesBefore;
    const settled = await deadLettersOf(id);
    report('poison event: handler keeps failing', [
      `published DeliveryPickedUp ${id} for unknown order ${orderId}`,
      `policy: ${eventRetry.maxRetries} retries, exponential 500ms → ${eventRetry.maxInterval}, then the dead-letter topic`,
      `order service handler attempts (all failed): ${attempts}; first dead letter after ${secs(deadAfterMs)};` +
        ` attempts seen after it at ${attemptAt.map(secs).join(', ') || 'none'}`,
      `dead letters for it: ${settled.length} (at ${settled.map((d) => d.receivedAt).join(', ')})`,
    ]);
    expect(dead.value[0]!.type).toBe('DeliveryPickedUp');
    expect(deadAfterMs).toBeLessThan(60_000);
    expect(attempts).toBeGreaterThan(1);
    // Bounded as configured: the first delivery plus at most maxRetries retries, and one dead letter.
    expect(attempts).toBeLessThanOrEqual(eventRetry.maxRetries + 1);
    expect(settled).toHaveLength(1);
  }, 240_000);
});
