/**
 * GET /openapi.json: OpenAPI 3.2 of the external contract (shared spec api.md).
 * The schemas are the ones the services validate with and answer in
 * (@baedal/platform/contracts/api), turned into JSON Schema 2020-12 by zod's
 * z.toJSONSchema; only the paths map is written here, and it must follow
 * api.md and what the services really answer. Requests are strict objects
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
  InboxQuery,
  LatLng,
  ListOrdersQuery,
  ListOrderStatusQuery,
  LoginRequest,
  LoginResponse,
  MenuItemResponse,
  NearbyDeliveriesQuery,
  NearbyDeliveryResponse,
  NotificationResponse,
  OrderLine,
  OrderPageResponse,
  OrderResponse,
  OrderStatusResponse,
  PaymentResponse,
  PaymentsQuery,
  PlaceOrderRequest,
  Problem,
  RejectRequest,
  StoreResponse,
  User,
} from '@baedal/platform/contracts/api';
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
type JsonSchema = Record<string, unknown>;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * Drops what zod adds that only adds noise here: $schema/$id and safe-integer
 * bounds. A pattern beside a format stays: it is the stricter rule zod applies
 * (z.uuid() takes only RFC 9562 versions and variants, not every 8-4-4-4-12 hex).
 */
function tidy(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(tidy);
  if (!node || typeof node !== 'object') return node;
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(node as JsonSchema)) {
    if (k === '$schema' || k === '$id') continue;
    if ((k === 'minimum' && v === -MAX_SAFE) || (k === 'maximum' && v === MAX_SAFE)) continue;
    out[k] = tidy(v);
  }
  return out;
}

/** Sorts object keys recursively (arrays keep their order): the document is the same whatever built it. */
function sortKeys(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(sortKeys);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.keys(node)
      .sort()
      .map((k) => [k, sortKeys((node as JsonSchema)[k])]),
  );
}

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
  responses: { ...(op.responses as JsonSchema), ...authErrors },
});

function paths(): Record<string, unknown> {
  return {
    '/api/auth/login': {
      post: {
        tags: ['identity'],
        summary: 'Log in (local issuer; may be switched off in production)',
        requestBody: body('LoginRequest'),
        responses: {
          '200': ok('A bearer token', ref('LoginResponse')),
          ...bodyErrors,
          '401': problem('Wrong credentials'),
        },
      },
    },
    '/api/stores': {
      get: {
        tags: ['catalog'],
        summary: 'List stores',
        responses: { '200': ok('Stores', arrayOf('Store')), '503': unavailable },
      },
    },
    '/api/stores/{storeId}/menu': {
      get: {
        tags: ['catalog'],
        summary: 'Menu of a store',
        parameters: [pathParam('storeId')],
        responses: {
          '200': ok('Menu items', arrayOf('MenuItem')),
          '404': problem('No such store'),
          '503': unavailable,
        },
      },
    },
    '/api/orders': {
      post: secured('customer', {
        tags: ['orders'],
        summary: 'Place and pay an order',
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
        requestBody: body('PlaceOrderRequest'),
        responses: {
          '201': {
            ...ok('The paid order', ref('Order')),
            headers: { Location: { schema: { type: 'string' }, description: 'URL of the new order' } },
          },
          ...bodyErrors,
          '400': problem(
            'Body or query fails validation or has unknown fields, or its ids name no store or no item of that store’s menu',
          ),
          '409': problem('The store is closed, or the Idempotency-Key was used with another body'),
          '503': { ...problem('Payment unavailable, too slow or circuit open; not charged'), headers: retryAfter },
        },
      }),
      get: secured('customer', {
        tags: ['orders'],
        summary: "The caller's orders, newest first",
        parameters: queryParameters(ListOrdersQuery),
        responses: {
          '200': ok('One page', ref('OrderPage')),
          '400': problem('Query fails validation or has unknown parameters, or the cursor is not one this API issued'),
        },
      }),
    },
    '/api/orders/{orderId}': {
      get: secured('customer', {
        tags: ['orders'],
        summary: 'One order with its current status',
        parameters: [pathParam('orderId')],
        responses: { '200': ok('The order', ref('Order')), '404': problem('No such order of the caller') },
      }),
    },
    '/api/orders/{orderId}/cancel': {
      post: secured('customer', {
        tags: ['orders'],
        summary: 'Cancel before cooking starts (refunded asynchronously)',
        parameters: [pathParam('orderId')],
        requestBody: noBody,
        responses: {
          '200': ok('The order, CANCELLED', ref('Order')),
          ...bodyErrors,
          '404': problem('No such order of the caller'),
          '409': problem('Cooking has started'),
        },
      }),
    },
    '/api/orders/{orderId}/confirm': {
      post: secured('customer', {
        tags: ['orders'],
        summary: 'Confirm delivery: completes the order',
        parameters: [pathParam('orderId')],
        requestBody: noBody,
        responses: {
          '200': ok('The order, COMPLETED', ref('Order')),
          ...bodyErrors,
          '404': problem('No such order of the caller'),
          '409': problem('Not picked up or delivered yet'),
        },
      }),
    },
    '/api/store/orders': {
      get: secured('owner', {
        tags: ['store inbox'],
        summary: "Paid orders of the owner's store, newest first (at most 100)",
        parameters: queryParameters(InboxQuery),
        responses: { '200': ok('Inbox', arrayOf('InboxOrder')), ...queryError },
      }),
    },
    ...Object.fromEntries(
      (
        [
          ['accept', 'ACCEPTED', undefined],
          ['reject', 'REJECTED (the payment is refunded)', 'RejectRequest'],
          ['start-cooking', 'COOKING', undefined],
          ['finish-cooking', 'COOKED (the delivery becomes visible to riders)', undefined],
        ] as const
      ).map(([action, result, request]) => [
        `/api/store/orders/{orderId}/${action}`,
        {
          post: secured('owner, own store only', {
            tags: ['store inbox'],
            summary: `→ ${result}`,
            parameters: [pathParam('orderId')],
            requestBody: request ? body(request) : noBody,
            responses: {
              '200': ok('The order as the inbox shows it, in its new status', ref('InboxOrder')),
              ...bodyErrors,
              '404': problem('No such order in the owner’s store'),
              '409': problem('Not allowed in the current state'),
            },
          }),
        },
      ]),
    ),
    '/api/deliveries': {
      get: secured('rider', {
        tags: ['deliveries'],
        summary: 'Deliveries ready for pickup within the radius of the customer address, nearest first',
        parameters: queryParameters(NearbyDeliveriesQuery),
        responses: { '200': ok('Ready deliveries', arrayOf('NearbyDelivery')), ...queryError },
      }),
    },
    '/api/deliveries/mine': {
      get: secured('rider', {
        tags: ['deliveries'],
        summary: "The caller's picked and delivered deliveries, newest pick first (at most 100)",
        responses: { '200': ok('Deliveries', arrayOf('Delivery')), ...queryError },
      }),
    },
    '/api/deliveries/{deliveryId}/pick': {
      post: secured('rider', {
        tags: ['deliveries'],
        summary: 'Pick up: exactly one rider wins',
        parameters: [pathParam('deliveryId')],
        responses: {
          '200': ok('The delivery, PICKED_UP by the caller', ref('Delivery')),
          '404': problem('No such delivery'),
          '409': problem('Another rider picked it'),
        },
      }),
    },
    '/api/deliveries/{deliveryId}/deliver': {
      post: secured('rider', {
        tags: ['deliveries'],
        summary: 'Mark delivered (only the rider who picked it)',
        parameters: [pathParam('deliveryId')],
        responses: {
          '200': ok('The delivery, DELIVERED', ref('Delivery')),
          '404': problem('No such delivery of the caller'),
          '409': problem('Not allowed in the current state'),
        },
      }),
    },
    '/api/order-status': {
      get: secured('customer', {
        tags: ['order status'],
        summary: "The caller's orders from the read model, newest first",
        parameters: queryParameters(ListOrderStatusQuery),
        responses: { '200': ok('Views', arrayOf('OrderStatusView')), ...queryError },
      }),
    },
    '/api/order-status/{orderId}': {
      get: secured('customer', {
        tags: ['order status'],
        summary: 'The order status view (CQRS read model)',
        parameters: [pathParam('orderId')],
        responses: {
          '200': ok('The view', ref('OrderStatusView')),
          ...queryError,
          '404': problem('No such order of the caller'),
        },
      }),
    },
    '/api/order-status/{orderId}/stream': {
      get: secured('customer', {
        tags: ['order status'],
        summary:
          'Server-Sent Events: the current view at once, then one event per change; the stream ends when the token expires',
        parameters: [pathParam('orderId')],
        responses: {
          '200': {
            description: 'One event per change; its data field is an OrderStatusView as JSON',
            content: {
              // OpenAPI 3.2: itemSchema describes one event of the stream as a
              // parsed event ({ data, event, id, retry }); the stream never ends
              // on its own (`:` comment lines keep it alive and are no events).
              'text/event-stream': {
                itemSchema: {
                  type: 'object',
                  required: ['data'],
                  properties: {
                    data: {
                      type: 'string',
                      contentMediaType: 'application/json',
                      contentSchema: ref('OrderStatusView'),
                    },
                    event: { type: 'string', const: 'message', description: 'No event field is sent' },
                  },
                },
              },
            },
          },
          ...queryError,
          '404': problem('No such order of the caller'),
          '429': {
            ...problem(
              'The caller already has the most open streams allowed (/problems/too-many-streams), or a rate limit',
            ),
            headers: retryAfter,
          },
        },
      }),
    },
    '/api/notifications': {
      get: secured('customer', {
        tags: ['order status'],
        summary: "The caller's notifications, newest first: one per status change, never duplicated",
        responses: { '200': ok('Notifications', arrayOf('Notification')), ...queryError },
      }),
    },
    '/api/payments': {
      get: secured('customer or admin', {
        tags: ['payments'],
        summary: 'Payments, newest first (a customer sees only their own; at most 100)',
        parameters: queryParameters(PaymentsQuery),
        responses: { '200': ok('Payments', arrayOf('Payment')), ...queryError },
      }),
    },
    '/api/admin/faults/payment': {
      put: secured('admin', {
        tags: ['payments'],
        summary: 'Simulated gateway faults (only when fault injection is enabled)',
        description: '{ "delayMs": 0, "failureRate": 0 } restores it.',
        requestBody: body('FaultsRequest'),
        responses: {
          '200': ok('The faults now in force', ref('Faults')),
          ...bodyErrors,
          '404': problem('Fault injection is disabled'),
        },
      }),
    },
  };
}

export function openApiDocument(opts: { loginEnabled: boolean }): Record<string, unknown> {
  const allPaths = withRateLimit(paths());
  if (!opts.loginEnabled) delete allPaths['/api/auth/login'];
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
