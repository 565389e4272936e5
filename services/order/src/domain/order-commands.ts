/**
 * The order service's use cases. Each state change runs in one transaction
 * that locks the order row, applies the lifecycle, and writes the integration
 * event to the outbox; the relay publishes it after commit.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  AppError,
  badRequest,
  conflict,
  notFound,
  problemType,
  unavailable,
  SidecarUnavailableError,
  type DaprSidecar,
  type Logger,
} from '@baedal/platform';
import { makeEvent, topics, type OrderEvent, type OrderStatus } from '@baedal/platform/contracts/events';
import { CHARGE_PENDING_PROBLEM, ChargeResult, type ChargeRequest } from '@baedal/platform/contracts/internal';
import { isDuplicateKey } from '@baedal/platform/db';
import { enqueue, insertEvent, OutboxMessage } from '@baedal/platform/outbox';
import { joinOrderTrace } from '@baedal/platform/trace';
import { LockMode, type EntityManager, type MikroORM } from '@mikro-orm/mysql';
import { Order, OrderRequest, type DeliveryAddress } from '../entities/order.ts';
import type { CatalogCache } from './catalog-cache.ts';
import { eventTypeOfStatus, IllegalTransitionError, statusRank, transition } from './lifecycle.ts';
import { priceOrder } from './pricing.ts';

type EventExtra = { reason?: string | undefined; pickup?: { lat: number; lng: number } | undefined };

export interface PlaceOrderInput {
  storeId: string;
  items: { menuItemId: string; quantity: number }[];
  deliveryAddress: DeliveryAddress;
}

/** How long a customer is asked to wait when payment is unavailable. */
const PAYMENT_RETRY_AFTER_SECONDS = 5;
const CAPTURE_SAFETY_MARGIN_MS = 5000;
/**
 * The whole payment call, Dapr's retries included. Dapr retries a timed-out
 * attempt whatever the retry policy matches; this deadline makes a slow payment
 * a fast 503 instead (the abandoned charge, if any, is voided by the payment service).
 */
const PAYMENT_DEADLINE_MS = 2500;

export class OrderCommands {
  private readonly orm: MikroORM;
  private readonly dapr: DaprSidecar;
  private readonly logger: Logger;
  private readonly catalog: CatalogCache;
  /** Fault injection: simulate a crash between the commit of an order and the publish of its event. */
  crashAfterNextCommit = false;

  constructor(deps: { orm: MikroORM; dapr: DaprSidecar; logger: Logger; catalog: CatalogCache }) {
    this.orm = deps.orm;
    this.catalog = deps.catalog;
    this.dapr = deps.dapr;
    this.logger = deps.logger;
  }

  /**
   * Places an order: price from the catalog replica, charge through the
   * payment service (synchronously, via the sidecar), then save the order and
   * its OrderPlaced event together. Returns `created: false` for an
   * idempotent replay of an earlier request.
   */
  async place(customerId: string, input: PlaceOrderInput, idempotencyKey: string | undefined) {
    const catalog = await this.catalog.get(input.storeId);
    if (!catalog) throw badRequest('Unknown store.', [{ path: 'storeId', message: 'No such store.' }]);
    if (!catalog.open) throw conflict('This store is closed right now.');
    const priced = priceOrder(catalog.items, input.items);
    if (!priced.ok) throw badRequest('Some items are not on this store menu.', priced.errors);

    let orderId: string = randomUUID();
    if (idempotencyKey !== undefined) {
      const requestHash = createHash('sha256').update(JSON.stringify(input)).digest('hex');
      const claimed = await this.claimKey(customerId, idempotencyKey, requestHash, orderId);
      if (claimed.requestHash !== requestHash) {
        throw conflict('This Idempotency-Key was already used with a different request.');
      }
      if (claimed.orderId !== orderId) {
        // A replay: the key was claimed before, with the order id of that first request.
        orderId = claimed.orderId;
        const existing = await this.orm.em.fork().findOne(Order, { id: orderId });
        if (existing) return { order: existing, created: false };
      }
    }

    // The order's trace starts here (trace.ts): its charge, its events and every later step.
    joinOrderTrace(orderId);
    const payment = await this.charge({ orderId, customerId, amount: priced.total });
    // An order saved after its charge's capture deadline could meet a voided charge: refuse,
    // and let the payment service void it. The margin covers the insert and clock skew.
    if (Date.now() > Date.parse(payment.captureBy) - CAPTURE_SAFETY_MARGIN_MS) {
      this.logger.warn({ orderId }, 'charge too close to its capture deadline; not saving the order');
      throw unavailable('Payment took too long; please try again with a new request.', PAYMENT_RETRY_AFTER_SECONDS);
    }

    const now = new Date();
    const order: Order = {
      id: orderId,
      customerId,
      storeId: catalog.storeId,
      storeName: catalog.name,
      items: priced.lines,
      totalAmount: priced.total,
      status: 'PAID',
      history: [{ status: 'PAID', at: now.toISOString() }],
      deliveryAddress: input.deliveryAddress,
      paymentId: payment.id,
      riderId: null,
      createdAt: now,
      updatedAt: now,
    };
    try {
      // The order and its OrderPlaced, two INSERTs in one transaction (no unit of work to compute).
      await this.orm.em.fork().transactional(async (tx) => {
        await tx.insert(Order, order);
        await insertEvent(tx, topics.orders, this.eventOf(order, now));
      });
      if (this.crashAfterNextCommit) {
        // Before the relay's publish, which the commit scheduled for the next turn of the event loop.
        this.logger.fatal({ orderId }, 'fault injection: crashing between commit and publish');
        process.exit(137);
      }
      return { order, created: true };
    } catch (e) {
      // The same key raced in twice: the other request saved the order first.
      if (!isDuplicateKey(e)) throw e;
      return { order: await this.orm.em.fork().findOneOrFail(Order, { id: orderId }), created: false };
    }
  }

  /**
   * Records the key's first use (one INSERT), or returns the earlier record for
   * a replay (the INSERT meets the key, then one SELECT).
   */
  private async claimKey(customerId: string, idempotencyKey: string, requestHash: string, orderId: string) {
    try {
      await this.orm.em
        .fork()
        .insert(OrderRequest, { customerId, idempotencyKey, requestHash, orderId, createdAt: new Date() });
      return { requestHash, orderId };
    } catch (e) {
      if (!isDuplicateKey(e)) throw e;
      return this.orm.em.fork().findOneOrFail(OrderRequest, { customerId, idempotencyKey });
    }
  }

  /** Calls payment through the sidecar; the Resiliency policy adds timeout, retries and the breaker. */
  private async charge(req: ChargeRequest): Promise<ChargeResult> {
    let res;
    try {
      res = await this.dapr.invoke('payment', 'internal/payments', { body: req, timeoutMs: PAYMENT_DEADLINE_MS });
    } catch (e) {
      if (e instanceof SidecarUnavailableError) {
        this.logger.warn({ orderId: req.orderId, err: e.message }, 'payment call failed');
        throw unavailable('Payment is unavailable right now; please pay a little later.', PAYMENT_RETRY_AFTER_SECONDS);
      }
      throw e;
    }
    if (res.status === 200 || res.status === 201) return ChargeResult.parse(res.body);
    // Another call is charging this order (a retry raced the original): nothing charged by this one.
    if (
      res.status === 409 &&
      (res.body as { type?: unknown } | undefined)?.type === problemType(CHARGE_PENDING_PROBLEM)
    ) {
      this.logger.warn({ orderId: req.orderId }, 'payment: this order is being charged by another call');
      throw unavailable('Payment is still in progress; please try again shortly.', PAYMENT_RETRY_AFTER_SECONDS);
    }
    if (res.status === 409) {
      throw conflict('This request was already charged differently, or its charge has expired; use a new key.');
    }
    // 5xx from payment, a timeout or an open circuit reported by the sidecar.
    this.logger.warn({ orderId: req.orderId, status: res.status, body: res.body }, 'payment refused the charge');
    throw unavailable('Payment is unavailable right now; please pay a little later.', PAYMENT_RETRY_AFTER_SECONDS);
  }

  /** Any customer's order, for internal callers. */
  async find(orderId: string) {
    return this.orm.em.fork().findOne(Order, { id: orderId });
  }

  /** The order's lifecycle events as its outbox holds them (and published them), oldest first. */
  async eventLog(orderId: string): Promise<Record<string, unknown>[]> {
    const rows = await this.orm.em
      .fork()
      .find(
        OutboxMessage,
        { partitionKey: orderId, topic: topics.orders },
        { orderBy: { createdAt: 'asc' }, fields: ['payload'] },
      );
    return rows.map((r) => r.payload);
  }

  async get(customerId: string, orderId: string) {
    const order = await this.orm.em.fork().findOne(Order, { id: orderId, customerId });
    if (!order) throw notFound('The order');
    return order;
  }

  async list(customerId: string, limit: number, cursor: { createdAt: Date; id: string } | undefined) {
    const where = cursor
      ? {
          customerId,
          $or: [{ createdAt: { $lt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { $lt: cursor.id } }],
        }
      : { customerId };
    const rows = await this.orm.em.fork().find(Order, where, {
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return { items: page, next: rows.length > limit && last ? { createdAt: last.createdAt, id: last.id } : null };
  }

  /**
   * Moves an order to `to` under a row lock. `guard` narrows which orders the
   * caller may touch (its customer, its store); a miss is a 404.
   */
  async changeStatus(
    orderId: string,
    to: OrderStatus,
    guard: { customerId?: string; storeId?: string },
    extra: { reason?: string; riderId?: string } = {},
  ) {
    joinOrderTrace(orderId);
    const order = await this.orm.em.fork().transactional(async (tx) => {
      const o = await tx.findOne(Order, { id: orderId, ...guard }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!o) throw notFound('The order');
      const now = new Date();
      let next;
      try {
        next = transition({ status: o.status, history: o.history }, to, now);
      } catch (e) {
        if (e instanceof IllegalTransitionError) throw conflict(e.message);
        throw e;
      }
      o.status = next.status;
      o.history = next.history;
      o.updatedAt = now;
      if (extra.riderId) o.riderId = extra.riderId;
      const store = to === 'COOKED' ? await this.catalog.get(o.storeId) : null;
      this.publish(tx, o, now, {
        reason: extra.reason,
        pickup: store ? { lat: store.lat, lng: store.lng } : undefined,
      });
      return o;
    });
    return order;
  }

  /**
   * Applies a delivery fact. Unlike a command it is never refused: a fact the
   * order already moved past is a no-op, and a delivery reported before its
   * pick-up (events can overtake each other) applies the pick-up first.
   */
  async followDelivery(
    em: EntityManager,
    orderId: string,
    reached: 'PICKED_UP' | 'DELIVERED',
    riderId: string,
  ): Promise<void> {
    const o = await em.findOne(Order, { id: orderId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!o) throw new Error(`order ${orderId} not found for a delivery event; retry`);
    const steps: OrderStatus[] = reached === 'DELIVERED' ? ['PICKED_UP', 'DELIVERED'] : ['PICKED_UP'];
    for (const step of steps) {
      if (statusRank[o.status] >= statusRank[step]) continue;
      const now = new Date();
      const next = transition({ status: o.status, history: o.history }, step, now);
      o.status = next.status;
      o.history = next.history;
      o.updatedAt = now;
      o.riderId = riderId;
      this.publish(em, o, now);
    }
  }

  /** Writes the lifecycle event for the order's current status to the outbox (flushed with the order). */
  private publish(em: EntityManager, o: Order, at: Date, extra: EventExtra = {}): void {
    enqueue(em, topics.orders, this.eventOf(o, at, extra));
  }

  /** The lifecycle event for the order's current status. */
  private eventOf(o: Order, at: Date, extra: EventExtra = {}): OrderEvent {
    const base = { orderId: o.id, data: { customerId: o.customerId, storeId: o.storeId } };
    const type = eventTypeOfStatus[o.status];
    let event: OrderEvent;
    switch (type) {
      case 'OrderPlaced':
        event = makeEvent(
          type,
          {
            orderId: o.id,
            data: {
              ...base.data,
              storeName: o.storeName,
              items: o.items,
              totalAmount: o.totalAmount,
              deliveryAddress: o.deliveryAddress,
              paymentId: o.paymentId,
            },
          },
          at,
        );
        break;
      case 'OrderRejected':
        event = makeEvent(
          type,
          { orderId: o.id, data: { ...base.data, reason: extra.reason ?? 'rejected by the store' } },
          at,
        );
        break;
      case 'CookingFinished':
        event = makeEvent(
          type,
          {
            orderId: o.id,
            data: {
              ...base.data,
              // The store's location from the catalog replica; the drop-off is the customer's address.
              pickup: extra.pickup ?? { lat: o.deliveryAddress.lat, lng: o.deliveryAddress.lng },
              dropoff: { lat: o.deliveryAddress.lat, lng: o.deliveryAddress.lng },
            },
          },
          at,
        );
        break;
      case 'OrderPickedUp':
      case 'OrderDelivered':
        if (!o.riderId) throw new AppError(500, 'internal', 'Internal error', 'rider missing');
        event = makeEvent(type, { orderId: o.id, data: { ...base.data, riderId: o.riderId } }, at);
        break;
      default:
        event = makeEvent(type, base, at);
    }
    return event;
  }
}
