/**
 * The AsyncAPI document against the contracts it is built from: its structure
 * (what AsyncAPI 3.0 requires, every reference resolving), every topic and
 * every event schema of events.ts in it, the owners and consumers of
 * topicRoutes as its operations, the brokers of the pub/sub components as its
 * servers, and each message's payload, as JSON Schema (ajv), accepting the
 * CloudEvent the outbox relay publishes for a real event. ajv 6 (draft-07,
 * the dialect of the payloads) is the one eslint already installs.
 */
import { describe, expect, it } from '@jest/globals';
import Ajv from 'ajv';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import { toCloudEvent } from '../outbox.ts';
import { DEAD_LETTER_TOPIC } from '../subscriptions.ts';
import { asyncApiDocument, brokers, PUBSUB_COMPONENT } from './asyncapi.ts';
import * as events from './events.ts';
import { makeEvent, partitionKeys, topicEvents, topicRoutes, topics, type AnyEvent } from './events.ts';

type Obj = Record<string, unknown>;
type Ref = { $ref: string };
interface Doc {
  asyncapi: string;
  info: { title: string; version: string };
  servers: Record<string, { host: string; protocol: string; 'x-dapr-component': { name: string; type: string } }>;
  channels: Record<string, { address: string; messages: Record<string, Ref> }>;
  operations: Record<
    string,
    { action: string; channel: Ref; messages: Ref[]; 'x-dapr-subscription'?: { route: string; topic: string } }
  >;
  components: {
    messages: Record<
      string,
      { name: string; title: string; payload: Obj; correlationId?: { location: string }; summary?: string }
    >;
  };
}

const doc = asyncApiDocument() as unknown as Doc;
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** Resolves a local $ref ("#/a/b") in the document. */
function resolve(ref: string): unknown {
  expect(ref.startsWith('#/')).toBe(true);
  return ref
    .slice(2)
    .split('/')
    .reduce<unknown>((at, key) => (at && typeof at === 'object' ? (at as Obj)[key] : undefined), doc);
}

/** Every event schema events.ts exports: an object with a literal `type`. */
const exportedEventTypes = (Object.values(events) as unknown[])
  .filter((v): v is z.ZodObject => v instanceof z.ZodObject && v.shape.type instanceof z.ZodLiteral)
  .map((v) => (v.shape.type as z.ZodLiteral).value as string);

const topicOf = (type: string) =>
  (Object.keys(topicEvents) as (keyof typeof topicEvents)[]).find((t) => doc.channels[t]?.messages[type] !== undefined);

const A = '6a1f0c2e-1111-4d2a-8b11-000000000101';
const B = '6a1f0c2e-1111-4d2a-8b11-000000000102';
const C = '6a1f0c2e-1111-4d2a-8b11-000000000103';
const at = { lat: 37.5, lng: 127 };
const order = { orderId: A };
const parties = { customerId: B, storeId: C };

/** One real event of every type: a type without one does not compile. */
const samples: { [T in AnyEvent['type']]: Parameters<typeof makeEvent<T>>[1] } = {
  OrderPlaced: {
    ...order,
    data: {
      ...parties,
      storeName: 'Kimbap Heaven',
      items: [{ menuItemId: C, name: 'Kimbap', unitPrice: 4500, quantity: 2 }],
      totalAmount: 9000,
      deliveryAddress: { ...at, line: '1 Sejong-daero' },
      paymentId: B,
    },
  },
  OrderAccepted: { ...order, data: parties },
  OrderRejected: { ...order, data: { ...parties, reason: 'Out of rice' } },
  CookingStarted: { ...order, data: parties },
  CookingFinished: { ...order, data: { ...parties, pickup: at, dropoff: at } },
  OrderPickedUp: { ...order, data: { ...parties, riderId: B } },
  OrderDelivered: { ...order, data: { ...parties, riderId: B } },
  OrderCompleted: { ...order, data: parties },
  OrderCancelled: { ...order, data: parties },
  DeliveryPickedUp: { ...order, data: { deliveryId: C, riderId: B } },
  DeliveryCompleted: { ...order, data: { deliveryId: C, riderId: B } },
  PaymentRefunded: { ...order, data: { paymentId: B, amount: 9000 } },
  StoreCatalogPublished: {
    data: {
      storeId: C,
      name: 'Kimbap Heaven',
      location: at,
      open: true,
      revision: 3,
      items: [{ id: A, name: 'Kimbap', unitPrice: 4500 }],
    },
  },
};
const sampleTypes = Object.keys(samples) as AnyEvent['type'][];
const sample = <T extends AnyEvent['type']>(type: T) => makeEvent(type, samples[type]);

const ajv = new Ajv({ allErrors: true });
const validators = new Map<string, Ajv.ValidateFunction>();
function accepts(messageName: string, value: unknown): boolean {
  let validate = validators.get(messageName);
  if (!validate) {
    const payload = doc.components.messages[messageName]?.payload;
    expect(payload).toBeDefined();
    validate = ajv.compile(payload as object);
    validators.set(messageName, validate);
  }
  return validate(value) as boolean;
}

describe('asyncApiDocument: structure', () => {
  it('when built, then it has what AsyncAPI 3.0 requires', () => {
    expect(doc.asyncapi).toBe('3.0.0');
    expect(doc.info).toEqual(expect.objectContaining({ title: expect.any(String), version: expect.any(String) }));
    for (const server of Object.values(doc.servers)) {
      expect(server).toEqual(expect.objectContaining({ host: expect.any(String), protocol: expect.any(String) }));
    }
    for (const [id, channel] of Object.entries(doc.channels)) {
      expect({ id, address: channel.address }).toEqual({ id, address: id });
    }
    // Component and operation keys: ^[A-Za-z0-9_\-]+$.
    for (const key of [...Object.keys(doc.components.messages), ...Object.keys(doc.operations)]) {
      expect(key).toMatch(/^[A-Za-z0-9_-]+$/);
    }
    expect(JSON.stringify(doc)).not.toContain('$schema');
  });

  it('when a channel names a message, then the message exists, under its own name', () => {
    for (const channel of Object.values(doc.channels)) {
      for (const [name, ref] of Object.entries(channel.messages)) {
        expect(ref.$ref).toBe(`#/components/messages/${name}`);
        expect(resolve(ref.$ref)).toEqual(expect.objectContaining({ name, payload: expect.any(Object) }));
      }
    }
  });

  it("when an operation names its channel and messages, then they exist and the messages are the channel's", () => {
    for (const op of Object.values(doc.operations)) {
      expect(['send', 'receive']).toContain(op.action);
      expect(resolve(op.channel.$ref)).toBeDefined();
      expect(op.messages.length).toBeGreaterThan(0);
      for (const m of op.messages) {
        expect(m.$ref.startsWith(`${op.channel.$ref}/messages/`)).toBe(true);
        expect(resolve(m.$ref)).toBeDefined();
      }
    }
  });

  it('when a message has a correlation id, then it is a runtime expression into the payload', () => {
    for (const m of Object.values(doc.components.messages)) {
      if (m.correlationId) expect(m.correlationId.location).toMatch(/^\$message\.payload#\/data\//);
    }
  });
});

describe('asyncApiDocument: the contracts', () => {
  it('when the contracts name a topic, then it is a channel of that address, beside the dead-letter topic', () => {
    expect(Object.keys(doc.channels).sort()).toEqual([...Object.values(topics), DEAD_LETTER_TOPIC].sort());
  });

  it('when events.ts exports an event schema, then it is a message, on one topic, with its title and summary', () => {
    expect(exportedEventTypes.length).toBeGreaterThan(0);
    expect([...exportedEventTypes].sort()).toEqual([...sampleTypes].sort());
    for (const type of exportedEventTypes) {
      expect({ type, topic: topicOf(type) }).toEqual({ type, topic: expect.any(String) });
      const m = doc.components.messages[type]!;
      expect(m.title).toMatch(/^[A-Z][a-z]+( [a-z]+)+$/);
      expect(m.summary).toEqual(expect.any(String));
    }
  });

  it("when a topic has an owner and consumers, then the owner sends it and each consumer receives it on Dapr's route", () => {
    for (const [topic, { owner, consumers }] of Object.entries(topicRoutes)) {
      const ops = Object.values(doc.operations).filter((op) => op.channel.$ref === `#/channels/${topic}`);
      expect(ops.filter((op) => op.action === 'send').map((op) => op.messages.length)).toEqual([
        Object.keys(doc.channels[topic]!.messages).length,
      ]);
      expect(doc.operations[`${owner}-sends-${topic}`]?.action).toBe('send');
      const receivers = Object.entries(doc.operations)
        .filter(([, op]) => op.action === 'receive' && op.channel.$ref === `#/channels/${topic}`)
        .map(([id, op]) => ({ id, subscription: op['x-dapr-subscription'] }));
      expect(receivers.sort((a, b) => a.id.localeCompare(b.id))).toEqual(
        [...consumers].sort().map((app) => ({
          id: `${app}-receives-${topic}`,
          subscription: expect.objectContaining({ topic, route: `/events/${topic}` }),
        })),
      );
    }
  });

  it.each(Object.entries(brokers))(
    'when the %s server is described, then it is the pub/sub component of its file',
    (name, broker) => {
      const component = parse(readFileSync(path.join(repoRoot, broker.file), 'utf8')) as {
        metadata: { name: string };
        spec: { type: string; metadata: { name: string; value: string }[] };
      };
      const meta = Object.fromEntries(component.spec.metadata.map((m) => [m.name, m.value]));
      expect(component.metadata.name).toBe(PUBSUB_COMPONENT);
      expect(doc.servers[name]).toEqual(
        expect.objectContaining({
          host: meta.redisHost ?? meta.brokers,
          protocol: name,
          'x-dapr-component': { name: PUBSUB_COMPONENT, type: component.spec.type },
        }),
      );
    },
  );
});

describe('asyncApiDocument: payloads', () => {
  it.each(sampleTypes)(
    'when %s is published, then its payload schema accepts the CloudEvent on the wire, and only that type',
    (type) => {
      const event = sample(type);
      expect(events.topicEvents[topicOf(type)!].safeParse(event).success).toBe(true);
      const topic = topicOf(type)!;
      const published = toCloudEvent(topicRoutes[topic].owner, event);
      expect({
        type,
        accepted: accepts(type, published),
        errors: ajv.errorsText(validators.get(type)?.errors),
      }).toEqual({ type, accepted: true, errors: 'No errors' });
      // As the sidecar delivers it, and as a dead letter.
      const delivered = {
        ...published,
        topic,
        pubsubname: 'pubsub',
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      };
      expect(accepts(type, delivered)).toBe(true);
      expect(accepts('DeadLetter', delivered)).toBe(true);
      // The event alone is the payload's data.
      const data = (doc.components.messages[type]!.payload.properties as Obj).data as object;
      expect(ajv.validate(data, event)).toBe(true);

      // Refused: another type, a missing field, a malformed id, an unknown source.
      const other = sampleTypes.find((t) => t !== type && topicOf(t) === topic) ?? sampleTypes.find((t) => t !== type)!;
      expect(accepts(type, toCloudEvent(topicRoutes[topicOf(other)!].owner, sample(other)))).toBe(false);
      const withoutTime: Obj = { ...event };
      delete withoutTime.occurredAt;
      expect(accepts(type, { ...published, data: withoutTime })).toBe(false);
      expect(accepts(type, { ...published, data: { ...event, id: 'not-a-uuid' } })).toBe(false);
      expect(accepts(type, { ...published, source: 'someone-else' })).toBe(false);
    },
  );

  it.each(sampleTypes)('when %s is published, then its correlation id is the partition key', (type) => {
    const topic = topicOf(type)!;
    const event = sample(type) as unknown as Obj;
    const pointer = partitionKeys[topic];
    const key = pointer
      .split('/')
      .slice(1)
      .reduce<unknown>((at, k) => (at as Obj)[k], event);
    expect(key).toEqual(expect.stringMatching(/^[0-9a-f-]{36}$/));
    expect(doc.components.messages[type]!.correlationId?.location).toBe(`$message.payload#/data${pointer}`);
  });
});

describe('partitionKeyOf: the key the outbox stores and the document names', () => {
  it("when any event is queued on its topic, then its key is the value at the topic's pointer", () => {
    for (const type of sampleTypes) {
      const event = sample(type);
      const topic = topicOf(type)! as events.Topic;
      const expected =
        topic === 'catalog' ? (event.data as { storeId: string }).storeId : (event as { orderId: string }).orderId;
      expect({ type, key: events.partitionKeyOf(topic, event) }).toEqual({ type, key: expected });
    }
  });

  it('when an event is queued on a topic whose key it lacks, then it is refused', () => {
    expect(() => events.partitionKeyOf('orders', sample('StoreCatalogPublished'))).toThrow('no partition key');
  });
});
