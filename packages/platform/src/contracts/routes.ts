/**
 * The public route table, once: every operation a client may call through the
 * one entry point, with the service that owns it, the roles it admits and the
 * schemas of api.ts it reads and answers. What follows from it:
 *
 * - the edge's proxy prefixes (route-prefixes.ts → services/edge/src/domain/route-table.ts);
 * - the paths of the OpenAPI document (services/edge/src/openapi.ts, which adds
 *   only the error answers and wording of each documented operation);
 * - the Ingress paths of the Helm chart (tools/k8s/chart-routes.ts writes
 *   charts/baedal/files/routes.yaml; tools/k8s/check-rendered.ts compares);
 * - the routes the fuzz test attacks (test/fuzz/hostile.ts);
 * - the endpoint tables of the services' README.md files (`npm run routes`).
 *
 * Each service still mounts its own handlers; its routes.spec.ts (through
 * mounted-routes.ts) checks that its router mounts exactly the operations it
 * owns here. Internal paths
 * (/internal, /dapr, /events) and probes are not public and are not here.
 */
import type { z } from 'zod';
import type { Role } from '../auth.ts';
import {
  CustomerFaultsRequest,
  DeliveryResponse,
  EmptyQuery,
  EmptyRequest,
  FaultsRequest,
  FaultsResponse,
  InboxOrderResponse,
  InboxQuery,
  ListOrdersQuery,
  ListOrderStatusQuery,
  LoginRequest,
  LoginResponse,
  MenuItemResponse,
  NearbyDeliveriesQuery,
  NearbyDeliveryResponse,
  NotificationResponse,
  OrderFaultsRequest,
  OrderPageResponse,
  OrderResponse,
  OrderStatusResponse,
  PaymentResponse,
  PaymentsQuery,
  PlaceOrderRequest,
  RejectRequest,
  StoreResponse,
} from './api.ts';

/** The processes that serve public operations: the five services and the edge itself. */
export type RouteOwner = 'order' | 'payment' | 'store' | 'delivery' | 'customer' | 'edge';
export type HttpMethod = 'get' | 'post' | 'put';

/** The success answer of an operation. */
export interface Answer {
  status: 200 | 201;
  description: string;
  schema: z.ZodType;
  /** A JSON array of `schema`. */
  list?: true;
  /** Server-Sent Events, each event's data one `schema` as JSON. */
  stream?: true;
}

export interface Operation {
  method: HttpMethod;
  /** Path template; `{name}` is one path segment (an id: a malformed one is 404). */
  path: string;
  service: RouteOwner;
  /** Roles requireRole admits; empty: no token needed. */
  roles: readonly Role[];
  /** A narrower rule the handler applies on top of the role. */
  scope?: string;
  summary: string;
  /** Strict query schema; absent: the route does not look at its query. */
  query?: z.ZodObject;
  /** Request body; EmptyRequest means none or `{}`. Absent: no body is read. */
  body?: z.ZodType;
  answer?: Answer;
  /** Served only when this switch is on (FAULT_INJECTION, LOGIN_ENABLED); otherwise 404. */
  switch?: 'faultInjection' | 'login';
  /**
   * In api.md and the OpenAPI document. Operator routes (test hooks and the
   * admin's dead-letter views) are routed but not part of the documented API.
   */
  documented: boolean;
}

const storeAction = (action: string, result: string, body: z.ZodType = EmptyRequest): Operation => ({
  method: 'post',
  path: `/api/store/orders/{orderId}/${action}`,
  service: 'store',
  roles: ['owner'],
  scope: 'own store only',
  summary: `→ ${result}`,
  body,
  answer: {
    status: 200,
    description: 'The order as the inbox shows it, in its new status',
    schema: InboxOrderResponse,
  },
  documented: true,
});

/** GET /api/admin/parked-events/<service>: the events its outbox gave up publishing (platform deadletters.ts). */
const parkedEvents = (service: 'order' | 'payment' | 'store' | 'delivery'): Operation => ({
  method: 'get',
  path: `/api/admin/parked-events/${service}`,
  service,
  roles: ['admin'],
  summary: `Events the ${service} service's outbox gave up publishing`,
  documented: false,
});

export const operations: readonly Operation[] = [
  {
    method: 'post',
    path: '/api/auth/login',
    service: 'edge',
    roles: [],
    summary: 'Log in (local issuer; may be switched off in production)',
    body: LoginRequest,
    answer: { status: 200, description: 'A bearer token', schema: LoginResponse },
    switch: 'login',
    documented: true,
  },
  {
    method: 'get',
    path: '/api/stores',
    service: 'store',
    roles: [],
    summary: 'List stores',
    answer: { status: 200, description: 'Stores', schema: StoreResponse, list: true },
    documented: true,
  },
  {
    method: 'get',
    path: '/api/stores/{storeId}/menu',
    service: 'store',
    roles: [],
    summary: 'Menu of a store',
    answer: { status: 200, description: 'Menu items', schema: MenuItemResponse, list: true },
    documented: true,
  },
  {
    method: 'post',
    path: '/api/orders',
    service: 'order',
    roles: ['customer'],
    summary: 'Place and pay an order',
    body: PlaceOrderRequest,
    answer: { status: 201, description: 'The paid order', schema: OrderResponse },
    documented: true,
  },
  {
    method: 'get',
    path: '/api/orders',
    service: 'order',
    roles: ['customer'],
    summary: "The caller's orders, newest first",
    query: ListOrdersQuery,
    answer: { status: 200, description: 'One page', schema: OrderPageResponse },
    documented: true,
  },
  {
    method: 'get',
    path: '/api/orders/{orderId}',
    service: 'order',
    roles: ['customer'],
    summary: 'One order with its current status',
    answer: { status: 200, description: 'The order', schema: OrderResponse },
    documented: true,
  },
  {
    method: 'post',
    path: '/api/orders/{orderId}/cancel',
    service: 'order',
    roles: ['customer'],
    summary: 'Cancel before cooking starts (refunded asynchronously)',
    body: EmptyRequest,
    answer: { status: 200, description: 'The order, CANCELLED', schema: OrderResponse },
    documented: true,
  },
  {
    method: 'post',
    path: '/api/orders/{orderId}/confirm',
    service: 'order',
    roles: ['customer'],
    summary: 'Confirm delivery: completes the order',
    body: EmptyRequest,
    answer: { status: 200, description: 'The order, COMPLETED', schema: OrderResponse },
    documented: true,
  },
  {
    method: 'get',
    path: '/api/store/orders',
    service: 'store',
    roles: ['owner'],
    summary: "Paid orders of the owner's store, newest first (at most 100)",
    query: InboxQuery,
    answer: { status: 200, description: 'Inbox', schema: InboxOrderResponse, list: true },
    documented: true,
  },
  storeAction('accept', 'ACCEPTED'),
  storeAction('reject', 'REJECTED (the payment is refunded)', RejectRequest),
  storeAction('start-cooking', 'COOKING'),
  storeAction('finish-cooking', 'COOKED (the delivery becomes visible to riders)'),
  {
    method: 'get',
    path: '/api/deliveries',
    service: 'delivery',
    roles: ['rider'],
    summary: 'Deliveries ready for pickup within the radius of the customer address, nearest first',
    query: NearbyDeliveriesQuery,
    answer: { status: 200, description: 'Ready deliveries', schema: NearbyDeliveryResponse, list: true },
    documented: true,
  },
  {
    method: 'get',
    path: '/api/deliveries/mine',
    service: 'delivery',
    roles: ['rider'],
    summary: "The caller's picked and delivered deliveries, newest pick first (at most 100)",
    query: EmptyQuery,
    answer: { status: 200, description: 'Deliveries', schema: DeliveryResponse, list: true },
    documented: true,
  },
  {
    method: 'post',
    path: '/api/deliveries/{deliveryId}/pick',
    service: 'delivery',
    roles: ['rider'],
    summary: 'Pick up: exactly one rider wins',
    answer: { status: 200, description: 'The delivery, PICKED_UP by the caller', schema: DeliveryResponse },
    documented: true,
  },
  {
    method: 'post',
    path: '/api/deliveries/{deliveryId}/deliver',
    service: 'delivery',
    roles: ['rider'],
    summary: 'Mark delivered (only the rider who picked it)',
    answer: { status: 200, description: 'The delivery, DELIVERED', schema: DeliveryResponse },
    documented: true,
  },
  {
    method: 'get',
    path: '/api/order-status',
    service: 'customer',
    roles: ['customer'],
    summary: "The caller's orders from the read model, newest first",
    query: ListOrderStatusQuery,
    answer: { status: 200, description: 'Views', schema: OrderStatusResponse, list: true },
    documented: true,
  },
  {
    method: 'get',
    path: '/api/order-status/{orderId}',
    service: 'customer',
    roles: ['customer'],
    summary:
      'The order status view (CQRS read model; a change another replica projected shows within VIEW_MAX_AGE_MS, 25 ms by default)',
    query: EmptyQuery,
    answer: { status: 200, description: 'The view', schema: OrderStatusResponse },
    documented: true,
  },
  {
    method: 'get',
    path: '/api/order-status/{orderId}/stream',
    service: 'customer',
    roles: ['customer'],
    summary:
      'Server-Sent Events: the current view at once, then one event per visible change (a change another replica projected arrives within SSE_POLL_MS, the newest of several); the stream ends when the token expires',
    query: EmptyQuery,
    answer: {
      status: 200,
      description: 'One event per change; its data field is an OrderStatusView as JSON',
      schema: OrderStatusResponse,
      stream: true,
    },
    documented: true,
  },
  {
    method: 'get',
    path: '/api/notifications',
    service: 'customer',
    roles: ['customer'],
    summary: "The caller's notifications, newest first: one per status change, never duplicated",
    query: EmptyQuery,
    answer: { status: 200, description: 'Notifications', schema: NotificationResponse, list: true },
    documented: true,
  },
  {
    method: 'get',
    path: '/api/payments',
    service: 'payment',
    roles: ['customer', 'admin'],
    summary: 'Payments, newest first (a customer sees only their own; at most 100)',
    query: PaymentsQuery,
    answer: { status: 200, description: 'Payments', schema: PaymentResponse, list: true },
    documented: true,
  },
  {
    method: 'put',
    path: '/api/admin/faults/payment',
    service: 'payment',
    roles: ['admin'],
    summary: 'Simulated gateway faults (only when fault injection is enabled)',
    body: FaultsRequest,
    answer: { status: 200, description: 'The faults now in force', schema: FaultsResponse },
    switch: 'faultInjection',
    documented: true,
  },
  {
    method: 'put',
    path: '/api/admin/faults/order',
    service: 'order',
    roles: ['admin'],
    summary: 'Crash the order service right after its next commit (fault tests)',
    body: OrderFaultsRequest,
    switch: 'faultInjection',
    documented: false,
  },
  {
    method: 'put',
    path: '/api/admin/faults/customer',
    service: 'customer',
    roles: ['admin'],
    summary: 'Lose the next events the customer service receives (fault tests)',
    body: CustomerFaultsRequest,
    switch: 'faultInjection',
    documented: false,
  },
  {
    method: 'get',
    path: '/api/admin/dead-letters',
    service: 'order',
    roles: ['admin'],
    summary: 'Events every subscriber dropped, as the dead-letter collector recorded them',
    documented: false,
  },
  parkedEvents('order'),
  parkedEvents('payment'),
  parkedEvents('store'),
  parkedEvents('delivery'),
];

/** `METHOD /path/{param}`: how an operation is named in tests, documents and messages. */
export const operationKey = (op: Pick<Operation, 'method' | 'path'>) => `${op.method.toUpperCase()} ${op.path}`;

/** The names of the path parameters, in order. */
export const pathParams = (path: string): string[] => [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] ?? '');

/** The path in Koa router syntax (`{orderId}` → `:orderId`). */
export const koaPath = (path: string) => path.replace(/\{([^}]+)\}/g, ':$1');

export const operationsOf = (service: RouteOwner) => operations.filter((op) => op.service === service);
