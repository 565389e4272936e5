/**
 * GET /openapi.json: OpenAPI 3.2 of the external contract (shared spec api.md).
 * The schemas are the ones the services validate with and answer in
 * (@baedal/platform/contracts/api), turned into JSON Schema 2020-12 by zod's
 * z.toJSONSchema. The paths come from the route table of the contracts
 * (@baedal/platform/contracts/routes: method, path, roles, query, body, answer
 * and summary of each documented operation); only each operation's tag, error
 * answers and longer wording are written here, and they must follow api.md and
 * what the services really answer. Requests are strict objects
 * (unknown fields → 400), answers are open (clients must ignore fields they do
 * not know). The same document is committed as services/edge/openapi.json
 * (`npm run openapi` writes it; openapi.spec.ts fails when it is stale).
 */
import {
  DeliveryResponse,
  EmptyRequest,
  FaultsRequest,
  FaultsResponse,
  IdempotencyKey,
  InboxOrderResponse,
  LatLng,
  LoginRequest,
  LoginResponse,
  MenuItemResponse,
  NearbyDeliveryResponse,
  NotificationResponse,
  OrderLine,
  OrderPageResponse,
  OrderResponse,
  OrderStatusResponse,
  PaymentResponse,
  PlaceOrderRequest,
  Problem,
  RejectRequest,
  StoreResponse,
  User,
} from '@baedal/platform/contracts/api';
import { operationKey, operations, pathParams, type Answer, type Operation } from '@baedal/platform/contracts/routes';
import { sortKeys, tidy, type JsonSchema } from '@baedal/platform/contracts/json-schema';
import { z } from 'zod';

/** Request bodies, documented as what they accept (io 'input'). */
const requestComponents = {
  LoginRequest,
  PlaceOrderRequest,
  RejectRequest,
  FaultsRequest,
  EmptyRequest,
};

/** Answers, documented as what the services send (io 'output'). */
const responseComponents = {
  Problem,
  LatLng,
  User,
  LoginResponse,
  Store: StoreResponse,
  MenuItem: MenuItemResponse,
  OrderLine,
  Order: OrderResponse,
  OrderPage: OrderPageResponse,
  InboxOrder: InboxOrderResponse,
  NearbyDelivery: NearbyDeliveryResponse,
  Delivery: DeliveryResponse,
  OrderStatusView: OrderStatusResponse,
  Notification: NotificationResponse,
  Payment: PaymentResponse,
  Faults: FaultsResponse,
};

type ComponentName = keyof typeof requestComponents | keyof typeof responseComponents;

const uri = (id: string) => `#/components/schemas/${id}`;

function schemasOf(components: Record<string, z.ZodType>, io: 'input' | 'output'): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(components)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    io,
    uri,
    // Output mode closes every object; answers stay open (only strict objects say additionalProperties: false).
    override: ({ zodSchema, jsonSchema }) => {
      const def = zodSchema._zod.def;
      if (io === 'output' && def.type === 'object' && !def.catchall) delete jsonSchema.additionalProperties;
    },
  });
  return tidy(schemas) as Record<string, unknown>;
}

function componentSchemas(): Record<string, unknown> {
  const requests = schemasOf(requestComponents, 'input');
  const responses = schemasOf(responseComponents, 'output');
  for (const id of Object.keys(requests)) {
    if (id in responses) throw new Error(`component ${id} is both a request and an answer`);
  }
  return { ...requests, ...responses };
}

/**
 * One parameter per field of a strict query schema. The schema shown is the
 * parsed value (io 'output': numbers with their bounds and defaults, not the
 * raw strings of the query); required when the field may not be left out.
 */
function queryParameters(schema: z.ZodObject) {
  return Object.entries(schema.shape).map(([name, field]) => {
    const json = tidy(z.toJSONSchema(field as z.ZodType, { io: 'output' })) as JsonSchema;
    const { description, ...rest } = json;
    return {
      name,
      in: 'query',
      required: !(field as z.ZodType).safeParse(undefined).success,
      schema: rest,
      ...(description ? { description } : {}),
    };
  });
}

const pathParam = (name: string) => ({
  name,
  in: 'path',
  required: true,
  description: 'A uuid; anything else names nothing (404)',
  schema: tidy(z.toJSONSchema(z.uuid())),
});

const ref = (name: ComponentName) => ({ $ref: uri(name) });
const arrayOf = (name: ComponentName) => ({ type: 'array', items: ref(name) });
const json = (schema: unknown) => ({ 'application/json': { schema } });
const ok = (description: string, schema: unknown) => ({ description, content: json(schema) });
const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ref('Problem') } },
});
const retryAfter = {
  'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer' } },
};
const unavailable = { ...problem('An upstream service is unavailable'), headers: retryAfter };
const rateLimited = {
  ...problem('Too many requests from this client address or user (the limits are per service process)'),
  headers: retryAfter,
};

/** Every operation may answer 429: the rate limits apply to all of /api (an operation may say more). */
function withRateLimit(all: Record<string, unknown>): Record<string, unknown> {
  for (const ops of Object.values(all) as Record<string, { responses: Record<string, unknown> }>[]) {
    for (const op of Object.values(ops)) op.responses['429'] ??= rateLimited;
  }
  return all;
}

/** The errors every authenticated route may answer. */
const authErrors = {
  '401': problem('Missing, malformed, expired or badly signed token'),
  '403': problem('Wrong role for this operation'),
  '503': unavailable,
};
const queryError = { '400': problem('Query fails validation or has unknown parameters') };
const bodyErrors = {
  '400': problem('Body or query fails validation or has unknown fields'),
  '413': problem('Body larger than 64 KiB'),
  '415': problem('Body is not JSON'),
};
const body = (name: ComponentName) => ({ required: true, content: json(ref(name)) });
/** Actions without a body: none, or an empty object. */
const noBody = { required: false, content: json(ref('EmptyRequest')) };
const secured = (role: string, op: JsonSchema): JsonSchema => ({
  ...op,
  security: [{ bearer: [] }],
  description: `Role: ${role}.${op.description ? ` ${String(op.description)}` : ''}`,
  // What an operation says about a status is more precise than the generic auth errors.
  responses: { ...authErrors, ...(op.responses as JsonSchema) },
});

/**
 * What the document says about an operation beyond the route table: its tag,
 * a longer description, extra parameters and headers, and the errors it
 * answers with their meaning. Keyed by operationKey; every documented
 * operation of the table has exactly one entry.
 */
interface Wording {
  tag: string;
  description?: string;
  parameters?: JsonSchema[];
  answerHeaders?: JsonSchema;
  responses?: JsonSchema;
}

const ownStoreOrder = {
  tag: 'store inbox',
  responses: {
    '404': problem('No such order in the owner’s store'),
    '409': problem('Not allowed in the current state'),
  },
};

const wording: Record<string, Wording> = {
  'POST /api/auth/login': { tag: 'identity', responses: { '401': problem('Wrong credentials') } },
  'GET /api/stores': { tag: 'catalog', responses: { '503': unavailable } },
  'GET /api/stores/{storeId}/menu': {
    tag: 'catalog',
    responses: { '404': problem('No such store'), '503': unavailable },
  },
  'POST /api/orders': {
    tag: 'orders',
    description:
      'Priced from the menu and paid synchronously; a retry with the same Idempotency-Key and body returns the same order.',
    parameters: [
      {
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        description: 'A retry with the same key and body returns the same order and charges once',
        schema: tidy(z.toJSONSchema(IdempotencyKey, { io: 'input' })),
      },
    ],
    answerHeaders: { Location: { schema: { type: 'string' }, description: 'URL of the new order' } },
    responses: {
      '400': problem(
        'Body or query fails validation or has unknown fields, or its ids name no store or no item of that store’s menu',
      ),
      '409': problem('The store is closed, or the Idempotency-Key was used with another body'),
      '503': { ...problem('Payment unavailable, too slow or circuit open; not charged'), headers: retryAfter },
    },
  },
  'GET /api/orders': {
    tag: 'orders',
    responses: {
      '400': problem('Query fails validation or has unknown parameters, or the cursor is not one this API issued'),
    },
  },
  'GET /api/orders/{orderId}': { tag: 'orders', responses: { '404': problem('No such order of the caller') } },
  'POST /api/orders/{orderId}/cancel': {
    tag: 'orders',
    responses: { '404': problem('No such order of the caller'), '409': problem('Cooking has started') },
  },
  'POST /api/orders/{orderId}/confirm': {
    tag: 'orders',
    responses: { '404': problem('No such order of the caller'), '409': problem('Not picked up or delivered yet') },
  },
  'GET /api/store/orders': { tag: 'store inbox' },
  'POST /api/store/orders/{orderId}/accept': ownStoreOrder,
  'POST /api/store/orders/{orderId}/reject': ownStoreOrder,
  'POST /api/store/orders/{orderId}/start-cooking': ownStoreOrder,
  'POST /api/store/orders/{orderId}/finish-cooking': ownStoreOrder,
  'GET /api/deliveries': { tag: 'deliveries' },
  'GET /api/deliveries/mine': { tag: 'deliveries' },
  'POST /api/deliveries/{deliveryId}/pick': {
    tag: 'deliveries',
    responses: { '404': problem('No such delivery'), '409': problem('Another rider picked it') },
  },
  'POST /api/deliveries/{deliveryId}/deliver': {
    tag: 'deliveries',
    responses: {
      '404': problem('No such delivery of the caller'),
      '409': problem('Not allowed in the current state'),
    },
  },
  'GET /api/order-status': { tag: 'order status' },
  'GET /api/order-status/{orderId}': {
    tag: 'order status',
    responses: { '404': problem('No such order of the caller') },
  },
  'GET /api/order-status/{orderId}/stream': {
    tag: 'order status',
    responses: {
      '404': problem('No such order of the caller'),
      '429': {
        ...problem(
          'The caller already has the most open streams allowed (/problems/too-many-streams), or a rate limit',
        ),
        headers: retryAfter,
      },
    },
  },
  'GET /api/notifications': { tag: 'order status' },
  'GET /api/payments': { tag: 'payments' },
  'PUT /api/admin/faults/payment': {
    tag: 'payments',
    description: '{ "delayMs": 0, "failureRate": 0 } restores it.',
    responses: { '404': problem('Fault injection is disabled') },
  },
};

/** The component a schema of the table is documented as. */
const componentNames = new Map<z.ZodType, ComponentName>(
  Object.entries({ ...requestComponents, ...responseComponents }).map(([name, schema]) => [
    schema as z.ZodType,
    name as ComponentName,
  ]),
);
function componentOf(schema: z.ZodType, what: string): ComponentName {
  const name = componentNames.get(schema);
  if (!name) throw new Error(`${what}: its schema is no component of the document`);
  return name;
}

function answerResponse(answer: Answer, key: string, headers: JsonSchema | undefined): JsonSchema {
  const name = componentOf(answer.schema, key);
  if (answer.stream) {
    return {
      description: answer.description,
      content: {
        // OpenAPI 3.2: itemSchema describes one event of the stream as a
        // parsed event ({ data, event, id, retry }); the stream never ends
        // on its own (`:` comment lines keep it alive and are no events).
        'text/event-stream': {
          itemSchema: {
            type: 'object',
            required: ['data'],
            properties: {
              data: { type: 'string', contentMediaType: 'application/json', contentSchema: ref(name) },
              event: { type: 'string', const: 'message', description: 'No event field is sent' },
            },
          },
        },
      },
    };
  }
  return { ...ok(answer.description, answer.list ? arrayOf(name) : ref(name)), ...(headers ? { headers } : {}) };
}

/** The OpenAPI operation of a route of the table. */
function operationObject(op: Operation): JsonSchema {
  const key = operationKey(op);
  const w = wording[key];
  if (!w) throw new Error(`${key}: documented in the route table, but openapi.ts has no wording for it`);
  const parameters = [
    ...pathParams(op.path).map(pathParam),
    ...(w.parameters ?? []),
    ...(op.query ? queryParameters(op.query) : []),
  ];
  const requestBody = !op.body ? undefined : op.body === EmptyRequest ? noBody : body(componentOf(op.body, key));
  const documented: JsonSchema = {
    tags: [w.tag],
    summary: op.summary,
    ...(w.description ? { description: w.description } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses: {
      ...(op.answer ? { [op.answer.status]: answerResponse(op.answer, key, w.answerHeaders) } : {}),
      ...(op.body ? bodyErrors : {}),
      ...(op.query ? queryError : {}),
      ...w.responses,
    },
  };
  if (op.roles.length === 0) return documented;
  return secured(`${op.roles.join(' or ')}${op.scope ? `, ${op.scope}` : ''}`, documented);
}

function paths(opts: { loginEnabled: boolean }): Record<string, Record<string, unknown>> {
  const documented = operations.filter((op) => op.documented && (opts.loginEnabled || op.switch !== 'login'));
  for (const key of Object.keys(wording)) {
    if (!operations.some((op) => op.documented && operationKey(op) === key))
      throw new Error(`openapi.ts words ${key}, which the route table does not document`);
  }
  const all: Record<string, Record<string, unknown>> = {};
  for (const op of documented) (all[op.path] ??= {})[op.method] = operationObject(op);
  return all;
}

export function openApiDocument(opts: { loginEnabled: boolean }): Record<string, unknown> {
  const allPaths = withRateLimit(paths(opts));
  return sortKeys({
    openapi: '3.2.0',
    info: {
      title: 'baedal food delivery API',
      version: '0.1.0',
      description:
        'One base URL serves the whole system. JSON in and out; times are ISO-8601 UTC; money is an integer number of won. Errors are RFC 9457 problem documents.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: '/' }],
    paths: allPaths,
    components: {
      schemas: componentSchemas(),
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
  }) as Record<string, unknown>;
}

/** The committed form of the document (services/edge/openapi.json, before formatting): login documented. */
export function openApiJson(): string {
  return `${JSON.stringify(openApiDocument({ loginEnabled: true }), null, 2)}\n`;
}
