/**
 * AsyncAPI 3.0 of the integration events, built from the contracts beside it:
 * the topics and their events (events.ts topicEvents), who publishes and who
 * consumes each (topicRoutes, through topic-scopes.ts, with the dead-letter
 * topic), the partition keys, and each event's zod schema turned into JSON
 * Schema (draft-07, the dialect AsyncAPI schemas extend) by z.toJSONSchema.
 * Nothing here lists an event or a topic: a new one in events.ts is in the
 * document. The edge serves it at GET /asyncapi.json and commits it as
 * services/edge/asyncapi.json (`npm run asyncapi`).
 *
 * A message is what travels on the broker: a CloudEvent 1.0 in structured mode
 * (outbox.ts toCloudEvent), whose `data` is the event. The sidecar delivers the
 * same CloudEvent to each subscribed app, with `topic`, `pubsubname` and the
 * trace context added.
 */
import { z } from 'zod';
import { DEAD_LETTER_TOPIC, subscriptionRoute } from '../subscriptions.ts';
import { deadLetterCollector, partitionKeys, sidecarApps, statusOfEvent, topicEvents, topicRoutes } from './events.ts';
import { consumedBy, publishedBy } from './topic-scopes.ts';
import { sortKeys, tidy, type JsonSchema } from './json-schema.ts';

type Topic = keyof typeof topicEvents;

/** The name of the Dapr pub/sub component every service publishes and subscribes through (PUBSUB_NAME). */
export const PUBSUB_COMPONENT = 'pubsub';

/** The brokers the component can be, as the local stack runs them (components/pubsub*.yaml). */
export const brokers = {
  redis: {
    host: '127.0.0.1:16379',
    protocol: 'redis',
    type: 'pubsub.redis',
    file: 'components/pubsub.yaml',
    what: 'Redis Streams: one stream per topic, one consumer group per app. The default.',
  },
  kafka: {
    host: '127.0.0.1:19092',
    protocol: 'kafka',
    type: 'pubsub.kafka',
    file: 'components/pubsub-kafka.yaml',
    what: 'Kafka: the alternative component of the same name (`npm run stack -- up --broker kafka`, or pubsub.type=kafka in the Helm chart); one consumer group per app, the partition key is the message key.',
  },
} as const;

/**
 * What consumers parse is open: a field they do not know is ignored (zod
 * strips it), so a producer may add one without breaking them.
 */
const jsonSchema = (schema: z.ZodType) =>
  tidy(z.toJSONSchema(schema, { target: 'draft-07', io: 'input' })) as JsonSchema;

/** The events a topic's schema stands for: the options of a union, or the one event. */
function eventsOf(schema: z.ZodType): z.ZodObject[] {
  const def = schema._zod.def;
  if (def.type === 'union') return (def as unknown as { options: z.ZodType[] }).options.flatMap(eventsOf);
  if (schema instanceof z.ZodObject) return [schema];
  throw new Error(`an event schema must be an object or a union of objects, not ${def.type}`);
}

function typeOf(event: z.ZodObject): string {
  const type = event.shape.type;
  if (!(type instanceof z.ZodLiteral) || typeof type.value !== 'string') {
    throw new Error('an event must have a literal string `type`');
  }
  return type.value;
}

/** "OrderPlaced" → "Order placed". */
const titleOf = (type: string) => type.replace(/(?<=[a-z])(?=[A-Z])/g, ' ').replace(/ [A-Z]/g, (c) => c.toLowerCase());

/** The CloudEvent the outbox relay publishes for one event of `topic` (outbox.ts toCloudEvent). */
function cloudEventOf(topic: Topic, event: z.ZodObject, type: string): z.ZodObject {
  const addedBySidecar = (what: string) =>
    z
      .string()
      .optional()
      .meta({ description: `${what}; added by the sidecar.` });
  return z.object({
    specversion: z.literal('1.0'),
    id: z.uuid().meta({ description: 'The event id (data.id): consumers deduplicate on it.' }),
    source: z.literal(topicRoutes[topic].owner).meta({ description: 'The Dapr app id of the publishing service.' }),
    type: z.literal(type),
    time: z.iso.datetime().meta({ description: 'When it happened (data.occurredAt).' }),
    datacontenttype: z.literal('application/json'),
    data: event,
    topic: z.literal(topic).optional().meta({ description: 'The topic; added by the sidecar.' }),
    pubsubname: addedBySidecar('The pub/sub component'),
    traceid: addedBySidecar('W3C trace context'),
    traceparent: addedBySidecar('W3C trace context'),
    tracestate: addedBySidecar('W3C trace context'),
  });
}

/** The schema of the value a JSON pointer names in an object schema. */
function schemaAt(schema: JsonSchema, pointer: string): JsonSchema {
  let at = schema;
  for (const key of pointer.split('/').slice(1)) {
    const next = (at.properties as Record<string, JsonSchema> | undefined)?.[key];
    if (!next) throw new Error(`partition key ${pointer} is not a field of the event`);
    at = next;
  }
  return at;
}

function message(topic: Topic, event: z.ZodObject) {
  const type = typeOf(event);
  const payload = jsonSchema(cloudEventOf(topic, event, type));
  const data = (payload.properties as Record<string, JsonSchema>).data as JsonSchema;
  const key = partitionKeys[topic];
  const keyField = `data${key.replace(/\//g, '.')}`;
  const status = (statusOfEvent as Record<string, string>)[type];
  return {
    name: type,
    title: titleOf(type),
    ...(typeof data.description === 'string' ? { summary: data.description } : {}),
    description: [
      `Published by the ${topicRoutes[topic].owner} service on topic \`${topic}\`.`,
      status ? `The order is now ${status}.` : '',
      'The CloudEvent `data` is the event; its `id` is the CloudEvent id.',
    ]
      .filter(Boolean)
      .join(' '),
    contentType: 'application/cloudevents+json',
    payload,
    correlationId: {
      description: `The partition key (${keyField}): events with the same key arrive in the order they were published.`,
      location: `$message.payload#/data${key}`,
    },
    bindings: { kafka: { bindingVersion: '0.5.0', key: schemaAt(data, key) } },
  };
}

/** What the sidecar of a consumer sends to the dead-letter topic: the CloudEvent it could not have handled. */
function deadLetterMessage() {
  return {
    name: 'DeadLetter',
    title: 'Dead letter',
    summary: 'An event a consumer dropped (it did not match its schema) or whose handling failed every retry.',
    description: `The CloudEvent as the sidecar delivered it to its app, whatever its topic; \`data\` may not match any event schema. The ${deadLetterCollector} service keeps each one (GET /api/admin/dead-letters).`,
    contentType: 'application/cloudevents+json',
    payload: jsonSchema(
      z.object({
        specversion: z.string(),
        id: z.string(),
        source: z.string(),
        type: z.string(),
        time: z.string().optional(),
        datacontenttype: z.string().optional(),
        data: z.unknown().optional().meta({ description: 'The event, as it was published.' }),
        topic: z.string().optional().meta({ description: 'The topic it was first published on.' }),
        pubsubname: z.string().optional(),
      }),
    ),
  };
}

const ref = (to: string) => ({ $ref: to });
const capitalized = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export function asyncApiDocument(): Record<string, unknown> {
  const topicsInOrder = Object.keys(topicEvents) as Topic[];
  const messages: Record<string, unknown> = {};
  const messagesOf = new Map<string, string[]>();
  for (const topic of topicsInOrder) {
    const names: string[] = [];
    for (const event of eventsOf(topicEvents[topic])) {
      const m = message(topic, event);
      if (m.name in messages) throw new Error(`event type ${m.name} is on two topics`);
      messages[m.name] = m;
      names.push(m.name);
    }
    messagesOf.set(topic, names);
  }
  messages.DeadLetter = deadLetterMessage();
  messagesOf.set(DEAD_LETTER_TOPIC, ['DeadLetter']);
  const namesOn = (topic: string) => messagesOf.get(topic) ?? [];

  const channels: Record<string, unknown> = {};
  for (const topic of topicsInOrder) {
    const { owner, consumers } = topicRoutes[topic];
    channels[topic] = {
      address: topic,
      title: capitalized(topic),
      description: `Published only by the ${owner} service; consumed by ${
        consumers.length > 0 ? consumers.join(', ') : 'no service yet'
      }. Partition key: ${partitionKeys[topic].slice(1).replace(/\//g, '.')}.`,
      messages: Object.fromEntries(namesOn(topic).map((m) => [m, ref(`#/components/messages/${m}`)])),
    };
  }
  channels[DEAD_LETTER_TOPIC] = {
    address: DEAD_LETTER_TOPIC,
    title: 'Dead letters',
    description: `Every subscription names this topic as its dead-letter topic. Consumed only by the ${deadLetterCollector} service.`,
    messages: { DeadLetter: ref('#/components/messages/DeadLetter') },
  };

  const operations: Record<string, unknown> = {};
  const channelMessages = (topic: string) => namesOn(topic).map((m) => ref(`#/channels/${topic}/messages/${m}`));
  for (const app of sidecarApps) {
    for (const topic of publishedBy(app)) {
      const dead = topic === DEAD_LETTER_TOPIC;
      operations[`${app}-sends-${topic}`] = {
        action: 'send',
        channel: ref(`#/channels/${topic}`),
        title: dead ? `The ${app} sidecar sends dead letters` : `The ${app} service publishes ${topic}`,
        description: dead
          ? `The sidecar of ${app} publishes what its app dropped or could not handle after the inbound retries.`
          : `Through its transactional outbox, in order per partition key, at least once (a CloudEvent whose id is the event id).`,
        messages: channelMessages(topic),
      };
    }
    for (const topic of consumedBy(app)) {
      operations[`${app}-receives-${topic}`] = {
        action: 'receive',
        channel: ref(`#/channels/${topic}`),
        title: `The ${app} service consumes ${topic}`,
        description:
          `Dapr subscription of app ${app} on component ${PUBSUB_COMPONENT}: the sidecar POSTs each CloudEvent to ${subscriptionRoute(topic)}` +
          (topic === DEAD_LETTER_TOPIC
            ? '.'
            : `; the app answers SUCCESS, RETRY (the inbound retry policy applies) or DROP (to ${DEAD_LETTER_TOPIC}). At least once: it deduplicates on the event id.`),
        messages: channelMessages(topic),
        'x-dapr-subscription': {
          pubsubname: PUBSUB_COMPONENT,
          topic,
          route: subscriptionRoute(topic),
          ...(topic === DEAD_LETTER_TOPIC ? {} : { deadLetterTopic: DEAD_LETTER_TOPIC }),
        },
      };
    }
  }

  const servers = Object.fromEntries(
    Object.entries(brokers).map(([name, b]) => [
      name,
      {
        host: b.host,
        protocol: b.protocol,
        title: `Dapr component ${PUBSUB_COMPONENT} (${b.type})`,
        description: `${b.what} The services reach it only through their sidecars, as the Dapr pub/sub component \`${PUBSUB_COMPONENT}\` (${b.file}); the host is the local stack's, the Helm chart sets its own.`,
        'x-dapr-component': { name: PUBSUB_COMPONENT, type: b.type },
      },
    ]),
  );

  return sortKeys({
    asyncapi: '3.0.0',
    info: {
      title: 'baedal integration events',
      version: '0.1.0',
      description:
        'The events the baedal services publish to each other through Dapr pub/sub. Each message is a CloudEvent 1.0 (structured, application/cloudevents+json) whose `data` is the event: `id` (uuid, the deduplication key), `type`, `version`, `occurredAt` (ISO-8601 UTC), `orderId` for order events, and `data`. Delivery is at least once; events of one partition key arrive in the order they were published. A consumer ignores fields it does not know.',
      license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
    },
    defaultContentType: 'application/cloudevents+json',
    servers,
    channels,
    operations,
    components: { messages },
  }) as Record<string, unknown>;
}

/** The committed form of the document (services/edge/asyncapi.json, before formatting). */
export function asyncApiJson(): string {
  return `${JSON.stringify(asyncApiDocument(), null, 2)}\n`;
}
