/**
 * The external HTTP contract of api.md as zod schemas, once: the services
 * validate requests with them and the edge turns the very same schemas into
 * its OpenAPI document (services/edge/src/openapi.ts, committed as
 * services/edge/openapi.json).
 *
 * Requests (bodies and queries) are strict objects: an unknown field is a 400,
 * so a client never sets a price, a status or an owner. Answers are open
 * objects: clients must ignore fields they do not know. Path ids are not here:
 * a malformed id names nothing and answers 404 (parseIdParam in validate.ts).
 */
import { z } from 'zod';
import { roles } from '../auth.ts';
import { orderStatuses, statusOfEvent, type OrderEvent } from './events.ts';

const uuid = z.uuid();
const time = z.iso.datetime().describe('ISO-8601 UTC');
const won = z.number().int().min(0).describe('Integer number of won');
const orderStatus = z.enum(orderStatuses);
const latitude = z.number().min(-90).max(90);
const longitude = z.number().min(-180).max(180);
const quantity = z.number().int().min(1).max(99);

/**
 * At most `max` characters, counted as JSON Schema's maxLength counts them (code
 * points), not as String.length does (UTF-16 units: an emoji is two), so the
 * OpenAPI's maxLength is exactly what is accepted.
 */
const chars = (max: number) =>
  z
    .string()
    .refine((s) => [...s].length <= max, `At most ${max} characters.`)
    .meta({ maxLength: max });

/** What String.trim() removes (JavaScript's white space and line terminators), spelled out for every regex engine. */
const TRIMMED = '\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';

/**
 * Text the client must fill in: checked as sent (length, not blank), then
 * trimmed. Checking before trimming keeps the documented maxLength and pattern
 * the whole rule; a trimmed min(1) would refuse "  " that the schema allows.
 */
const filled = (max: number) =>
  chars(max)
    .regex(new RegExp(`[^${TRIMMED}]`), 'Must not be blank.')
    .trim();

// ---------------------------------------------------------------- requests

/** Customer and owner actions take no body; an empty object is tolerated. */
export const EmptyRequest = z.strictObject({});
export const EmptyBody = EmptyRequest.optional();

/** Routes without query parameters still refuse unknown ones. */
export const EmptyQuery = z.strictObject({});

/** POST /api/auth/login */
export const LoginRequest = z.strictObject({
  username: chars(64).min(1),
  password: chars(256).min(1),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

/** POST /api/orders: 1–20 items, quantity 1–99; prices come from the menu, never from the client. */
export const PlaceOrderRequest = z.strictObject({
  storeId: uuid,
  items: z
    .array(z.strictObject({ menuItemId: uuid, quantity }))
    .min(1)
    .max(20),
  deliveryAddress: z.strictObject({
    line: filled(200),
    lat: latitude,
    lng: longitude,
  }),
});
export type PlaceOrderRequest = z.infer<typeof PlaceOrderRequest>;

/** The optional Idempotency-Key header of POST /api/orders. */
export const IdempotencyKey = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only');

/** GET /api/orders */
export const ListOrdersQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: chars(200).optional().describe('nextCursor of the previous page'),
});

/** GET /api/store/orders */
export const InboxQuery = z.strictObject({ status: orderStatus.optional() });

/** POST /api/store/orders/{orderId}/reject */
export const RejectRequest = z.strictObject({ reason: filled(500) });

export const MAX_RADIUS_KM = 20;
export const DEFAULT_RADIUS_KM = 3;

/** A query parameter that must be one decimal number (a repeated parameter is refused). */
const decimal = z
  .string()
  .trim()
  .regex(/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/, 'Expected a decimal number.')
  .transform(Number);

/** GET /api/deliveries */
export const NearbyDeliveriesQuery = z.strictObject({
  lat: decimal.pipe(latitude),
  lng: decimal.pipe(longitude),
  radiusKm: decimal.pipe(z.number().gt(0).max(MAX_RADIUS_KM)).default(DEFAULT_RADIUS_KM),
});

/** GET /api/order-status */
export const ListOrderStatusQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(100),
});

/** GET /api/payments */
export const PaymentsQuery = z.strictObject({ orderId: uuid.optional() });

/**
 * The next event of this type is acknowledged without being handled, as a lost
 * delivery would be (null disarms). Fault injection of the customer and payment services.
 */
const loseNextEvent = z
  .enum(Object.keys(statusOfEvent) as [OrderEvent['type'], ...OrderEvent['type'][]])
  .nullable()
  .describe('Acknowledge the next order event of this type without handling it (null disarms)');

/** PUT /api/admin/faults/payment; loseNextEvent and pauseAfterChargeMs are ours (api.md names the other two). */
export const FaultsRequest = z.strictObject({
  delayMs: z.number().int().min(0).max(60_000),
  failureRate: z.number().min(0).max(1),
  loseNextEvent: loseNextEvent.optional(),
  pauseAfterChargeMs: z
    .number()
    .int()
    .min(0)
    .max(60_000)
    .optional()
    .describe(
      'Hold each charge this long after the gateway answered, before it is recorded (a crash window; 0 or absent: none)',
    ),
});
export type FaultsRequest = z.infer<typeof FaultsRequest>;

/** PUT /api/admin/faults/order (admin, fault injection on): crash after the next order commit, before its publish. */
export const OrderFaultsRequest = z.strictObject({ crashAfterCommit: z.boolean() });
export type OrderFaultsRequest = z.infer<typeof OrderFaultsRequest>;

/** PUT /api/admin/faults/customer (admin, fault injection on). */
export const CustomerFaultsRequest = z.strictObject({ loseNextEvent });
export type CustomerFaultsRequest = z.infer<typeof CustomerFaultsRequest>;

// --------------------------------------------------------------- responses

/** RFC 9457 problem document: every 4xx and 5xx answer. */
export const Problem = z.object({
  type: z.string().describe('Relative URI; GET it for an explanation (/problems/{slug})'),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string().optional().describe('The path of the request'),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

export const LatLng = z.object({ lat: latitude, lng: longitude });

export const User = z.object({
  id: uuid,
  username: z.string(),
  role: z.enum(roles),
  storeId: uuid.optional().describe('Only for owners: the one store they own'),
});

/** 200 of POST /api/auth/login */
export const LoginResponse = z.object({
  accessToken: z.string(),
  tokenType: z.literal('Bearer'),
  expiresIn: z.number().int().describe('Seconds'),
  user: User,
});
export type LoginResponse = z.output<typeof LoginResponse>;

/** An element of GET /api/stores */
export const StoreResponse = z.object({ id: uuid, name: z.string(), location: LatLng, open: z.boolean() });
export type StoreResponse = z.output<typeof StoreResponse>;

/** An element of GET /api/stores/{storeId}/menu */
export const MenuItemResponse = z.object({ id: uuid, name: z.string(), unitPrice: won });
export type MenuItemResponse = z.output<typeof MenuItemResponse>;

/** A priced line of an order (orders and the store inbox). */
export const OrderLine = z.object({ menuItemId: uuid, name: z.string(), unitPrice: won, quantity });

/** The order as its customer sees it (POST /api/orders and the other /api/orders routes). */
export const OrderResponse = z.object({
  id: uuid,
  customerId: uuid,
  storeId: uuid,
  items: z.array(OrderLine),
  totalAmount: won,
  status: orderStatus,
  createdAt: time,
  updatedAt: time,
});
export type OrderResponse = z.output<typeof OrderResponse>;

/** GET /api/orders */
export const OrderPageResponse = z.object({
  items: z.array(OrderResponse),
  nextCursor: z.string().nullable().describe('null on the last page'),
});
export type OrderPageResponse = z.output<typeof OrderPageResponse>;

/** An element of GET /api/store/orders, and the answer of every owner action (accept, reject, ...). */
export const InboxOrderResponse = z.object({
  orderId: uuid,
  status: orderStatus,
  items: z.array(OrderLine),
  totalAmount: won,
  createdAt: time.describe('When the order was placed'),
});
export type InboxOrderResponse = z.output<typeof InboxOrderResponse>;

/** An element of GET /api/deliveries: a delivery ready for pickup near the rider. */
export const NearbyDeliveryResponse = z.object({
  id: uuid,
  orderId: uuid,
  storeId: uuid,
  pickup: LatLng,
  dropoff: LatLng,
  distanceKm: z.number().min(0).describe('From the given point to the dropoff, rounded to 10 m'),
  status: z.literal('READY'),
});
export type NearbyDeliveryResponse = z.output<typeof NearbyDeliveryResponse>;

/** A delivery as its rider sees it: GET /api/deliveries/mine, pick and deliver. */
export const DeliveryResponse = z.object({
  id: uuid,
  orderId: uuid,
  storeId: uuid,
  pickup: LatLng,
  dropoff: LatLng,
  status: z.enum(['READY', 'PICKED_UP', 'DELIVERED', 'CANCELLED']),
  riderId: uuid.nullable(),
  createdAt: time,
  updatedAt: time,
  pickedUpAt: time.nullable(),
  deliveredAt: time.nullable(),
});
export type DeliveryResponse = z.output<typeof DeliveryResponse>;

/** GET /api/order-status/{orderId}, the elements of GET /api/order-status and the events of its stream. */
export const OrderStatusResponse = z.object({
  orderId: uuid,
  status: orderStatus,
  storeName: z.string().nullable().describe('null until the view has seen the order placed'),
  totalAmount: won.nullable().describe('null until the view has seen the order placed'),
  riderId: uuid.optional(),
  history: z.array(z.object({ status: orderStatus, at: time })),
  updatedAt: time,
});
export type OrderStatusResponse = z.output<typeof OrderStatusResponse>;

/** An element of GET /api/notifications */
export const NotificationResponse = z.object({
  id: uuid,
  orderId: uuid,
  status: orderStatus,
  message: z.string(),
  sentAt: time,
});
export type NotificationResponse = z.output<typeof NotificationResponse>;

/** An element of GET /api/payments */
export const PaymentResponse = z.object({
  id: uuid,
  orderId: uuid,
  amount: won,
  status: z.enum(['APPROVED', 'REFUNDED']),
  createdAt: time,
  updatedAt: time,
});
export type PaymentResponse = z.output<typeof PaymentResponse>;

/** 200 of PUT /api/admin/faults/payment: the faults now in force. */
export const FaultsResponse = z.object({
  delayMs: z.number().int().min(0),
  failureRate: z.number().min(0).max(1),
  pauseAfterChargeMs: z.number().int().min(0),
});
export type FaultsResponse = z.output<typeof FaultsResponse>;
