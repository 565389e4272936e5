/**
 * GET /openapi.json: OpenAPI 3.1 of the external contract (shared spec api.md).
 * Bodies and answers are zod schemas turned into JSON Schema 2020-12 by zod's
 * z.toJSONSchema; the paths map is written by hand and must follow api.md.
 * The upstream services validate with their own schemas; these describe them
 * for clients. Requests are strict objects (unknown fields → 400), answers
 * are open (clients must ignore fields they do not know).
 */
import { orderStatuses } from '@baedal/platform/contracts/events';
import { z } from 'zod';
import { LoginRequest } from './routes/auth.ts';

const uuid = z.uuid();
const time = z.iso.datetime().describe('ISO-8601 UTC');
const won = z.number().int().min(0).describe('Integer number of won');
const status = z.enum(orderStatuses);

const LatLng = z.object({ lat: z.number().min(-90).max(90), lng: z.number().min(-180).max(180) });
const Problem = z.object({
  type: z.string().describe('Relative URI; GET it for an explanation (/problems/{slug})'),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string().optional(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

const User = z.object({
  id: uuid,
  username: z.string(),
  role: z.enum(['customer', 'owner', 'rider', 'admin']),
  storeId: uuid.optional().describe('Only for owners: the one store they own'),
});
const LoginResponse = z.object({
  accessToken: z.string(),
  tokenType: z.literal('Bearer'),
  expiresIn: z.number().int().describe('Seconds'),
  user: User,
});

const Store = z.object({ id: uuid, name: z.string(), location: LatLng, open: z.boolean() });
const MenuItem = z.object({ id: uuid, name: z.string(), unitPrice: won });

const PlaceOrderRequest = z.strictObject({
  storeId: uuid,
  items: z
    .array(z.strictObject({ menuItemId: uuid, quantity: z.number().int().min(1).max(99) }))
    .min(1)
    .max(20),
  deliveryAddress: z.strictObject({
    line: z.string().min(1),
    lat: z.number().min(-90).max(90),
    lng: z.number().min(-180).max(180),
  }),
});
const OrderLine = z.object({ menuItemId: uuid, name: z.string(), unitPrice: won, quantity: z.number().int() });
const Order = z.object({
  id: uuid,
  customerId: uuid,
  storeId: uuid,
  items: z.array(OrderLine),
  totalAmount: won,
  status,
  createdAt: time,
  updatedAt: time,
});
const OrderPage = z.object({ items: z.array(Order), nextCursor: z.string().nullable() });

const InboxOrder = z.object({ orderId: uuid, status, items: z.array(OrderLine), totalAmount: won, createdAt: time });
const RejectRequest = z.strictObject({ reason: z.string().min(1) });
const TransitionResult = z.object({ orderId: uuid, status, updatedAt: time });

const Delivery = z.object({
  id: uuid,
  orderId: uuid,
  storeId: uuid,
  pickup: LatLng,
  dropoff: LatLng,
  distanceKm: z.number().optional(),
  status: z.enum(['READY', 'PICKED_UP', 'DELIVERED']),
});

const OrderStatusView = z.object({
  orderId: uuid,
  status,
  storeName: z.string(),
  totalAmount: won,
  riderId: uuid.optional(),
  history: z.array(z.object({ status, at: time })),
  updatedAt: time,
});
const Notification = z.object({ id: z.string(), orderId: uuid, status, message: z.string(), sentAt: time });

const Payment = z.object({
  id: uuid,
  orderId: uuid,
  amount: won,
  status: z.enum(['APPROVED', 'REFUNDED']),
  createdAt: time,
  updatedAt: time,
});
const Faults = z.strictObject({
  delayMs: z.number().int().min(0).max(60_000),
  failureRate: z.number().min(0).max(1),
});

const components = {
  Problem,
  LatLng,
  User,
  LoginRequest,
  LoginResponse,
  Store,
  MenuItem,
  PlaceOrderRequest,
  OrderLine,
  Order,
  OrderPage,
  InboxOrder,
  RejectRequest,
  TransitionResult,
  Delivery,
  OrderStatusView,
  Notification,
  Payment,
  Faults,
};

const OrdersQuery = z.strictObject({
  limit: z.number().int().min(1).max(100).optional(),
  cursor: z.string().optional().describe('nextCursor of the previous page'),
});
const InboxQuery = z.strictObject({ status: status.optional() });
const DeliveriesQuery = z.strictObject({
  lat: z.number().min(-90).max(90),
  lng: z.number().min(-180).max(180),
  radiusKm: z.number().gt(0).max(20).default(3),
});
const PaymentsQuery = z.strictObject({ orderId: uuid.optional() });

type JsonSchema = Record<string, unknown>;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Drops what zod adds that only adds noise here: $schema/$id, patterns beside a format, safe-integer bounds. */
function tidy(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(tidy);
  if (!node || typeof node !== 'object') return node;
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(node as JsonSchema)) {
    if (k === '$schema' || k === '$id') continue;
    if (k === 'pattern' && 'format' in (node as JsonSchema)) continue;
    if ((k === 'minimum' && v === -MAX_SAFE) || (k === 'maximum' && v === MAX_SAFE)) continue;
    out[k] = tidy(v);
  }
  return out;
}

const ref = (name: keyof typeof components) => ({ $ref: `#/components/schemas/${name}` });
const arrayOf = (name: keyof typeof components) => ({ type: 'array', items: ref(name) });

function componentSchemas(): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(components)) registry.add(schema, { id });
  // io 'input': requests are strict objects (additionalProperties false), answers stay open.
  const { schemas } = z.toJSONSchema(registry, { io: 'input', uri: (id) => `#/components/schemas/${id}` });
  return tidy(schemas) as Record<string, unknown>;
}

function queryParameters(schema: z.ZodObject) {
  return Object.entries(schema.shape).map(([name, field]) => {
    const json = tidy(z.toJSONSchema(field as z.ZodType, { io: 'input' })) as JsonSchema;
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

const pathParam = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string', format: 'uuid' } });

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

/** The errors every authenticated route may answer. */
const authErrors = {
  '401': problem('Missing, malformed, expired or badly signed token'),
  '403': problem('Wrong role for this operation'),
  '503': unavailable,
};
const bodyErrors = {
  '400': problem('Body or query fails validation or has unknown fields'),
  '413': problem('Body larger than 64 KiB'),
  '415': problem('Body is not JSON'),
};
const body = (name: keyof typeof components) => ({ required: true, content: json(ref(name)) });
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
          '400': bodyErrors['400'],
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
        parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string' } }],
        requestBody: body('PlaceOrderRequest'),
        responses: {
          '201': {
            ...ok('The paid order', ref('Order')),
            headers: { Location: { schema: { type: 'string' }, description: 'URL of the new order' } },
          },
          ...bodyErrors,
          '503': { ...problem('Payment unavailable, too slow or circuit open; not charged'), headers: retryAfter },
        },
      }),
      get: secured('customer', {
        tags: ['orders'],
        summary: "The caller's orders, newest first",
        parameters: queryParameters(OrdersQuery),
        responses: { '200': ok('One page', ref('OrderPage')), '400': bodyErrors['400'] },
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
        responses: {
          '200': ok('The order, CANCELLED', ref('Order')),
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
        responses: {
          '200': ok('The order, COMPLETED', ref('Order')),
          '404': problem('No such order of the caller'),
          '409': problem('Not picked up or delivered yet'),
        },
      }),
    },
    '/api/store/orders': {
      get: secured('owner', {
        tags: ['store inbox'],
        summary: "Paid orders of the owner's store",
        parameters: queryParameters(InboxQuery),
        responses: { '200': ok('Inbox', arrayOf('InboxOrder')), '400': bodyErrors['400'] },
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
            ...(request ? { requestBody: body(request) } : {}),
            responses: {
              '200': ok('The new status', ref('TransitionResult')),
              ...(request ? bodyErrors : {}),
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
        summary: 'Deliveries ready for pickup within the radius of the customer address',
        parameters: queryParameters(DeliveriesQuery),
        responses: { '200': ok('Ready deliveries', arrayOf('Delivery')), '400': bodyErrors['400'] },
      }),
    },
    '/api/deliveries/mine': {
      get: secured('rider', {
        tags: ['deliveries'],
        summary: "The caller's picked and delivered deliveries",
        responses: { '200': ok('Deliveries', arrayOf('Delivery')) },
      }),
    },
    '/api/deliveries/{deliveryId}/pick': {
      post: secured('rider', {
        tags: ['deliveries'],
        summary: 'Pick up: exactly one rider wins',
        parameters: [pathParam('deliveryId')],
        responses: {
          '200': ok('PICKED_UP', ref('Delivery')),
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
          '200': ok('DELIVERED', ref('Delivery')),
          '404': problem('No such delivery of the caller'),
          '409': problem('Not allowed in the current state'),
        },
      }),
    },
    '/api/order-status': {
      get: secured('customer', {
        tags: ['order status'],
        summary: "The caller's orders from the read model, newest first",
        responses: { '200': ok('Views', arrayOf('OrderStatusView')) },
      }),
    },
    '/api/order-status/{orderId}': {
      get: secured('customer', {
        tags: ['order status'],
        summary: 'The order status view (CQRS read model)',
        parameters: [pathParam('orderId')],
        responses: { '200': ok('The view', ref('OrderStatusView')), '404': problem('No such order of the caller') },
      }),
    },
    '/api/order-status/{orderId}/stream': {
      get: secured('customer', {
        tags: ['order status'],
        summary: 'Server-Sent Events: the current view at once, then one event per change',
        parameters: [pathParam('orderId')],
        responses: {
          '200': {
            description: 'Each event carries an OrderStatusView as JSON in its data field',
            content: {
              'text/event-stream': {
                schema: { type: 'string', description: 'data: <OrderStatusView as JSON>, one event per change' },
              },
            },
          },
          '404': problem('No such order of the caller'),
        },
      }),
    },
    '/api/notifications': {
      get: secured('customer', {
        tags: ['order status'],
        summary: "The caller's notifications: one per status change, never duplicated",
        responses: { '200': ok('Notifications', arrayOf('Notification')) },
      }),
    },
    '/api/payments': {
      get: secured('customer or admin', {
        tags: ['payments'],
        summary: 'Payments (a customer sees only their own)',
        parameters: queryParameters(PaymentsQuery),
        responses: { '200': ok('Payments', arrayOf('Payment')), '400': bodyErrors['400'] },
      }),
    },
    '/api/admin/faults/payment': {
      put: secured('admin', {
        tags: ['payments'],
        summary: 'Simulated gateway faults (only when fault injection is enabled)',
        description: '{ "delayMs": 0, "failureRate": 0 } restores it.',
        requestBody: body('Faults'),
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
  const allPaths = paths();
  if (!opts.loginEnabled) delete allPaths['/api/auth/login'];
  return {
    openapi: '3.1.0',
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
  };
}
