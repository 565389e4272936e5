/**
 * A saga driver that behaves like a patient client while things break: every
 * step is retried on 5xx, 429 and connection errors until its deadline, with
 * the same Idempotency-Key for placing; a 409 is checked against the order's
 * state (the earlier attempt may have won before its answer was lost).
 */
import { createHash, randomUUID } from 'node:crypto';
import { demoStores } from '@baedal/platform/contracts/demo';
import { call, login, type Reply } from '../integration/client.ts';
import { allowedTransitions, statusRank } from '../../packages/platform/src/contracts/lifecycle.ts';
import { sleep } from './support.ts';

export type DemoStore = (typeof demoStores)[number];

export interface Cast {
  customer: string;
  owner: string;
  rider: string;
  store: DemoStore;
}

export interface OrderBody {
  id: string;
  status: string;
  totalAmount: number;
  customerId: string;
}

/** Two independent casts: alice/owner1/rider1 at the Gangnam store, bob/owner2/rider2 at Mapo. */
export async function casts(): Promise<[Cast, Cast]> {
  const [alice, bob, owner1, owner2, rider1, rider2] = await Promise.all(
    ['alice', 'bob', 'owner1', 'owner2', 'rider1', 'rider2'].map(login),
  );
  return [
    { customer: alice!, owner: owner1!, rider: rider1!, store: demoStores[0] },
    { customer: bob!, owner: owner2!, rider: rider2!, store: demoStores[1] },
  ];
}

// The audit checks histories against the order service's own state machine (its unit tests hold
// that table to api.md), and uses its rank to tell "at least this far" from an exit.
const lifecycle: Readonly<Record<string, readonly string[]>> = allowedTransitions;
const rank: Readonly<Record<string, number>> = statusRank;

/** A history is legal when it starts at PAID and every step is an allowed transition. */
export function illegalStep(statuses: readonly string[]): string | null {
  if (statuses[0] !== 'PAID') return `starts at ${statuses[0] ?? 'nothing'}`;
  for (let i = 1; i < statuses.length; i++) {
    if (!lifecycle[statuses[i - 1]!]?.includes(statuses[i]!)) return `${statuses[i - 1]} → ${statuses[i]}`;
  }
  return null;
}

export class SagaError extends Error {}

/** 1 to 3, a function of the idempotency key: a retry with the same key sends the same request. */
export function quantityOf(key: string): number {
  return 1 + (createHash('sha256').update(key).digest().readUInt8(0) % 3);
}

/** Whether an answer is worth another try: overload, unavailable, or no answer at all. */
const transient = (status: number) => status >= 500 || status === 429;

async function tryCall<T>(method: string, path: string, opts: Parameters<typeof call>[2]): Promise<Reply<T> | null> {
  try {
    return await call<T>(method, path, opts);
  } catch {
    return null; // connection refused or reset: the edge itself is restarting
  }
}

export interface StepCounters {
  /** Answers that were retried: 5xx, 429, no answer. */
  retries: number;
  /** 429 answers (rate limited), by API area (`orders`, `store`, `deliveries`...). */
  rateLimited: Record<string, number>;
  /** Time spent waiting because an answer's Retry-After asked for it. */
  retryAfterWaitMs: number;
  /** Requests sent through persist (every saga step), and how many per wall-clock second. */
  requests: number;
  perSecond: Map<number, number>;
  /** Keys a client gave up on after a 503 (the charge, if any, is left to the capture sweeper). */
  abandonedKeys: number;
}

/** A Retry-After in seconds as milliseconds, capped; undefined when absent or not a number. */
function retryAfterMs(r: Reply<unknown> | null, capMs: number): number | undefined {
  const raw = r?.headers.get('retry-after');
  const s = raw === null || raw === undefined ? NaN : Number(raw);
  return Number.isFinite(s) && s >= 0 ? Math.min(capMs, s * 1000) : undefined;
}

export class SagaDriver {
  readonly counters: StepCounters = {
    retries: 0,
    rateLimited: {},
    retryAfterWaitMs: 0,
    requests: 0,
    perSecond: new Map(),
    abandonedKeys: 0,
  };
  readonly stepDeadlineMs: number;
  private readonly retryAfterCapMs: number;

  constructor(opts: { stepDeadlineMs?: number; retryAfterCapMs?: number } = {}) {
    this.stepDeadlineMs = opts.stepDeadlineMs ?? 90_000;
    this.retryAfterCapMs = opts.retryAfterCapMs ?? 10_000;
  }

  /**
   * Calls until the answer is not transient or the step's time is up. A 429 or
   * 503 with Retry-After is retried after the time it asks for (capped); other
   * transient answers after an exponential pause (100 ms → 1 s).
   */
  async persist<T>(
    what: string,
    method: string,
    path: string,
    opts: Parameters<typeof call>[2],
    giveUp?: (r: Reply<T>) => boolean,
  ) {
    const deadline = Date.now() + this.stepDeadlineMs;
    let pauseMs = 100;
    for (;;) {
      const second = Math.floor(Date.now() / 1000);
      this.counters.requests++;
      this.counters.perSecond.set(second, (this.counters.perSecond.get(second) ?? 0) + 1);
      const r = await tryCall<T>(method, path, opts);
      if (r && !transient(r.status)) return r;
      if (Date.now() > deadline) throw new SagaError(`${what}: still ${r?.status ?? 'no answer'} at the deadline`);
      if (r && giveUp?.(r)) return r;
      this.counters.retries++;
      if (r?.status === 429) {
        const area = path.split('/')[2]?.split('?')[0] ?? path;
        this.counters.rateLimited[area] = (this.counters.rateLimited[area] ?? 0) + 1;
      }
      const asked = r && (r.status === 429 || r.status === 503) ? retryAfterMs(r, this.retryAfterCapMs) : undefined;
      if (asked !== undefined) this.counters.retryAfterWaitMs += asked;
      await sleep(asked ?? pauseMs);
      pauseMs = Math.min(1000, pauseMs * 2);
    }
  }

  /**
   * One POST /api/orders with an Idempotency-Key; returns the reply as is
   * (201, 503...), or null when nothing answered.
   */
  async placeOnce(c: Cast, key: string): Promise<Reply<OrderBody> | null> {
    return tryCall<OrderBody>('POST', '/api/orders', {
      token: c.customer,
      headers: { 'idempotency-key': key },
      body: {
        storeId: c.store.id,
        // The same key must carry the same body (another body under a used key is a 409).
        items: [{ menuItemId: c.store.items[0].id, quantity: quantityOf(key) }],
        deliveryAddress: { line: 'fault test', lat: c.store.location.lat + 0.003, lng: c.store.location.lng + 0.003 },
      },
    });
  }

  async order(c: Cast, orderId: string): Promise<OrderBody> {
    const r = await this.persist<OrderBody>('GET order', 'GET', `/api/orders/${orderId}`, { token: c.customer });
    if (r.status !== 200) throw new SagaError(`GET order ${orderId}: ${r.status}`);
    return r.body;
  }

  async waitStatus(c: Cast, orderId: string, atLeast: string): Promise<OrderBody> {
    const deadline = Date.now() + this.stepDeadlineMs;
    for (;;) {
      const o = await this.order(c, orderId);
      if (o.status === atLeast || (rank[o.status]! >= rank[atLeast]! && rank[o.status]! < 7)) return o;
      if (rank[o.status] === 7 && rank[atLeast] !== 7) throw new SagaError(`order ${orderId} is ${o.status}`);
      if (Date.now() > deadline) throw new SagaError(`order ${orderId} still ${o.status}, waiting for ${atLeast}`);
      await sleep(50);
    }
  }

  /**
   * An owner's action; 404 means "not in my inbox yet" (the event is on its
   * way) and is retried; a 409 is fine when the order is already there.
   */
  async owner(c: Cast, orderId: string, action: string, target: string): Promise<void> {
    const deadline = Date.now() + this.stepDeadlineMs;
    const body = action === 'reject' ? { reason: 'fault test: out of stock' } : undefined;
    for (;;) {
      const r = await this.persist<{ status: string }>(action, 'POST', `/api/store/orders/${orderId}/${action}`, {
        token: c.owner,
        ...(body ? { body } : {}),
      });
      if (r.status === 200) return;
      if (r.status === 409) {
        const o = await this.order(c, orderId);
        if (o.status === target || (rank[o.status]! > rank[target]! && rank[o.status]! < 7)) return;
        throw new SagaError(`${action} ${orderId}: 409 while the order is ${o.status}`);
      }
      if (r.status !== 404 || Date.now() > deadline) {
        throw new SagaError(`${action} ${orderId}: ${r.status} ${JSON.stringify(r.body)}`);
      }
      await sleep(50);
    }
  }

  async cancel(c: Cast, orderId: string): Promise<void> {
    const r = await this.persist('cancel', 'POST', `/api/orders/${orderId}/cancel`, { token: c.customer });
    if (r.status === 200) return;
    const o = await this.order(c, orderId);
    if (r.status === 409 && o.status === 'CANCELLED') return;
    throw new SagaError(`cancel ${orderId}: ${r.status} while ${o.status}`);
  }

  /** The rider looks near the store until the order's delivery shows up (its CookingFinished was handled). */
  private async findDelivery(c: Cast, orderId: string): Promise<{ id: string }> {
    const deadline = Date.now() + this.stepDeadlineMs;
    let delivery: { id: string } | undefined;
    while (!delivery) {
      const r = await this.persist<{ id: string; orderId: string }[]>(
        'deliveries',
        'GET',
        `/api/deliveries?lat=${c.store.location.lat}&lng=${c.store.location.lng}&radiusKm=5`,
        { token: c.rider },
      );
      delivery = r.status === 200 ? r.body.find((d) => d.orderId === orderId) : undefined;
      if (!delivery) {
        if (Date.now() > deadline) throw new SagaError(`no delivery for ${orderId}`);
        await sleep(50);
      }
    }
    return delivery;
  }

  /** The rider finds the delivery near the store, picks it and delivers it. */
  async ride(c: Cast, orderId: string): Promise<string> {
    const delivery = await this.findDelivery(c, orderId);
    const mine = async () =>
      (
        await this.persist<{ id: string; status: string }[]>('mine', 'GET', '/api/deliveries/mine', {
          token: c.rider,
        })
      ).body.find((d) => d.id === delivery.id);
    const pick = await this.persist('pick', 'POST', `/api/deliveries/${delivery.id}/pick`, { token: c.rider });
    if (pick.status !== 200 && !(pick.status === 409 && (await mine()))) {
      throw new SagaError(`pick ${orderId}: ${pick.status}`);
    }
    const done = await this.persist('deliver', 'POST', `/api/deliveries/${delivery.id}/deliver`, { token: c.rider });
    if (done.status !== 200 && !(done.status === 409 && (await mine())?.status === 'DELIVERED')) {
      throw new SagaError(`deliver ${orderId}: ${done.status}`);
    }
    return delivery.id;
  }

  async confirm(c: Cast, orderId: string): Promise<void> {
    await this.waitStatus(c, orderId, 'DELIVERED');
    const r = await this.persist('confirm', 'POST', `/api/orders/${orderId}/confirm`, { token: c.customer });
    if (r.status === 200) return;
    const o = await this.order(c, orderId);
    if (r.status === 409 && o.status === 'COMPLETED') return;
    throw new SagaError(`confirm ${orderId}: ${r.status} while ${o.status}`);
  }

  /** Placed → COMPLETED through every actor. */
  async complete(c: Cast, orderId: string): Promise<void> {
    await this.owner(c, orderId, 'accept', 'ACCEPTED');
    await this.owner(c, orderId, 'start-cooking', 'COOKING');
    await this.owner(c, orderId, 'finish-cooking', 'COOKED');
    await this.ride(c, orderId);
    await this.confirm(c, orderId);
  }

  /**
   * Places like a patient client while payment misbehaves: transient answers
   * are retried with the same key (honouring Retry-After); a 409 on placing
   * means that key's charge was voided (its capture deadline passed while the
   * order could not be saved), so the client starts again with a new key.
   * Returns the order and every key used (the earlier ones never became orders).
   */
  async placePatiently(
    c: Cast,
    prefix: string,
    opts: { abandonAfter503?: () => boolean } = {},
  ): Promise<{ order: OrderBody; keys: string[] }> {
    const keys: string[] = [];
    const deadline = Date.now() + this.stepDeadlineMs * 2;
    for (;;) {
      const key = `${prefix}-${keys.length}`;
      keys.push(key);
      const r = await this.persist<OrderBody>(
        'place',
        'POST',
        '/api/orders',
        {
          token: c.customer,
          headers: { 'idempotency-key': key },
          body: {
            storeId: c.store.id,
            items: [{ menuItemId: c.store.items[0].id, quantity: quantityOf(key) }],
            deliveryAddress: {
              line: 'fault test',
              lat: c.store.location.lat + 0.003,
              lng: c.store.location.lng + 0.003,
            },
          },
        },
        (answer) => answer.status === 503 && (opts.abandonAfter503?.() ?? false),
      );
      if (r.status === 201) return { order: r.body, keys };
      if (r.status === 503) {
        // This customer gave up on the key (and ordered again with a new one).
        this.counters.abandonedKeys++;
        continue;
      }
      if (r.status !== 409 || Date.now() > deadline) {
        throw new SagaError(`place ${key}: ${r.status} ${JSON.stringify(r.body)}`);
      }
    }
  }

  /**
   * After ACCEPTED, the customer cancels while the owner starts cooking, at
   * once: exactly one may win. Returns the status it ended in (CANCELLED or COOKING).
   */
  async raceCancelCook(c: Cast, orderId: string): Promise<'CANCELLED' | 'COOKING'> {
    const [cancel, cook] = await Promise.all([
      this.persist('race cancel', 'POST', `/api/orders/${orderId}/cancel`, { token: c.customer }),
      this.persist('race start-cooking', 'POST', `/api/store/orders/${orderId}/start-cooking`, { token: c.owner }),
    ]);
    const o = await this.order(c, orderId);
    const expected = { 200: true, 409: true } as Record<number, boolean>;
    if (!expected[cancel.status] || !expected[cook.status]) {
      throw new SagaError(`race ${orderId}: cancel ${cancel.status}, start-cooking ${cook.status}`);
    }
    if (o.status !== 'CANCELLED' && o.status !== 'COOKING') throw new SagaError(`race ${orderId}: ended ${o.status}`);
    // Both answered 200: impossible (one database decides). A retried call may see 409 for its own earlier win.
    if (cancel.status === 200 && cook.status === 200) throw new SagaError(`race ${orderId}: both won`);
    return o.status;
  }

  /**
   * The customer confirms as soon as the rider has picked the food up, while
   * the rider reports the delivery at the same moment (api.md allows confirming
   * from PICKED_UP): the late DeliveryCompleted must not move the order back.
   */
  async completeEarly(c: Cast, orderId: string): Promise<void> {
    await this.owner(c, orderId, 'accept', 'ACCEPTED');
    await this.owner(c, orderId, 'start-cooking', 'COOKING');
    await this.owner(c, orderId, 'finish-cooking', 'COOKED');
    const delivery = await this.findDelivery(c, orderId);
    const pick = await this.persist('pick', 'POST', `/api/deliveries/${delivery.id}/pick`, { token: c.rider });
    if (pick.status !== 200 && pick.status !== 409) throw new SagaError(`pick ${orderId}: ${pick.status}`);
    await this.waitStatus(c, orderId, 'PICKED_UP');
    const [done, confirm] = await Promise.all([
      this.persist('deliver', 'POST', `/api/deliveries/${delivery.id}/deliver`, { token: c.rider }),
      this.persist('confirm', 'POST', `/api/orders/${orderId}/confirm`, { token: c.customer }),
    ]);
    if ((done.status !== 200 && done.status !== 409) || (confirm.status !== 200 && confirm.status !== 409)) {
      throw new SagaError(`early confirm ${orderId}: deliver ${done.status}, confirm ${confirm.status}`);
    }
    const o = await this.order(c, orderId);
    if (o.status !== 'COMPLETED') throw new SagaError(`early confirm ${orderId}: ${o.status}`);
  }

  /** Places with retries on transient answers (same key), failing the test if it never gets a 201. */
  async place(c: Cast, key = `fault-${randomUUID()}`): Promise<OrderBody> {
    const r = await this.persist<OrderBody>('place', 'POST', '/api/orders', {
      token: c.customer,
      headers: { 'idempotency-key': key },
      body: {
        storeId: c.store.id,
        items: [{ menuItemId: c.store.items[0].id, quantity: 1 }],
        deliveryAddress: { line: 'fault test', lat: c.store.location.lat + 0.003, lng: c.store.location.lng + 0.003 },
      },
    });
    if (r.status !== 201) throw new SagaError(`place: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }
}

/** The customer's view of an order (CQRS) and their notifications for it. */
export async function viewOf(c: Cast, orderId: string) {
  const r = await call<{ status: string; history: { status: string }[] }>('GET', `/api/order-status/${orderId}`, {
    token: c.customer,
  });
  return r.status === 200 ? r.body : undefined;
}

export async function notificationsOf(c: Cast) {
  const r = await call<{ orderId: string; status: string; id: string }[]>('GET', '/api/notifications', {
    token: c.customer,
  });
  if (r.status !== 200) throw new Error(`notifications: ${r.status}`);
  return r.body;
}
