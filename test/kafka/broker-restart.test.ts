/**
 * Kafka restarted while sagas are in flight (jest project "kafka", run by
 * `npm run test:kafka` against a stack brought up with `--broker kafka`).
 *
 * Sagas are driven through the entry point while the broker is stopped (SIGTERM,
 * a controlled shutdown) or killed (SIGKILL, a crash) and started again through
 * the stack library. Orders keep being placed and moved by owners and riders
 * meanwhile (those steps are synchronous: service invocation and outboxes); the
 * steps that wait for an event stall until Kafka is back. Then every order must
 * complete, and nothing may be lost or duplicated: every event of every order
 * was handled exactly once by each consumer (inbox rows), the customer got each
 * notification once, and the view saw every status once, in order.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  isReady,
  isRunning,
  mariadbSocket,
  pidOf,
  stackBroker,
  startApp,
  stopApp,
} from '../../tools/stack/env-instance.ts';
import { setStackLogger } from '../../tools/stack/proc.ts';
import { notificationFiles } from '../faults/audit.ts';
import { call, login } from '../integration/client.ts';
import type { Reply } from '../integration/client.ts';
import { gangnam, mapo } from '../integration/flows.ts';
import type { DemoStore, OrderBody } from '../integration/flows.ts';

const stackLog: string[] = [];
setStackLogger((line) => stackLog.push(`${new Date().toISOString()} ${line}`));

/** How long a saga step may wait for an event (the broker is down for part of it). */
const eventWaitMs = 120_000;
const statuses = ['PAID', 'ACCEPTED', 'COOKING', 'COOKED', 'PICKED_UP', 'DELIVERED', 'COMPLETED'];

interface Cast {
  customer: string;
  owner: string;
  rider: string;
  store: DemoStore;
}

/** A client that keeps trying while a dependency is down: 5xx, 429 and connection errors are retried. */
async function patient<T>(
  method: string,
  path: string,
  opts: { token: string; body?: unknown; headers?: Record<string, string> },
  timeoutMs = eventWaitMs,
): Promise<Reply<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let last: string;
    try {
      const r = await call<T>(method, path, opts);
      if (r.status < 500 && r.status !== 429) return r;
      last = `${r.status} ${JSON.stringify(r.body)}`;
    } catch (e) {
      last = String(e);
    }
    if (Date.now() > deadline) throw new Error(`${method} ${path}: still failing after ${timeoutMs} ms: ${last}`);
    await sleep(200);
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = eventWaitMs): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(150);
  }
}

function sql(query: string): Promise<string[][]> {
  if (!/^\s*select\b/i.test(query)) throw new Error('this test only reads the databases');
  return new Promise((resolve, reject) => {
    execFile(
      'mariadb',
      ['--no-defaults', `--socket=${mariadbSocket()}`, '-uroot', '--batch', '--skip-column-names', '-e', query],
      { maxBuffer: 16 * 1024 * 1024, timeout: 60_000 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`sql failed: ${stderr || err.message}\n${query}`));
        resolve(
          stdout
            .split('\n')
            .filter(Boolean)
            .map((l) => l.split('\t')),
        );
      },
    );
  });
}

function sqlList(ids: readonly string[]): string {
  for (const id of ids) if (!/^[0-9a-f-]{36}$/.test(id)) throw new Error(`not a uuid: ${id}`);
  return `(${ids.map((id) => `'${id}'`).join(',')})`;
}

/** Places an order, retrying with the same Idempotency-Key while something is down. */
async function place(c: Cast): Promise<OrderBody> {
  const r = await patient<OrderBody>('POST', '/api/orders', {
    token: c.customer,
    headers: { 'idempotency-key': `kafka-restart-${randomUUID()}` },
    body: {
      storeId: c.store.id,
      items: [{ menuItemId: c.store.items[0].id, quantity: 1 }],
      deliveryAddress: { line: '1 Teheran-ro', lat: c.store.location.lat + 0.003, lng: c.store.location.lng + 0.003 },
    },
  });
  expect(r.status).toBe(201);
  return r.body;
}

async function orderStatus(c: Cast, orderId: string): Promise<string> {
  const r = await patient<OrderBody>('GET', `/api/orders/${orderId}`, { token: c.customer });
  return r.body.status;
}

/** The rest of the saga, placed → completed; every wait for an event may span the outage. */
async function complete(c: Cast, orderId: string): Promise<void> {
  await until(`${orderId} in the store inbox`, async () => {
    const r = await call<{ orderId: string }[]>('GET', '/api/store/orders', { token: c.owner });
    return r.body.find((o) => o.orderId === orderId);
  });
  for (const action of ['accept', 'start-cooking', 'finish-cooking']) {
    const r = await patient('POST', `/api/store/orders/${orderId}/${action}`, { token: c.owner });
    expect({ orderId, action, status: r.status }).toEqual({ orderId, action, status: 200 });
  }
  const delivery = await until(`${orderId}'s delivery`, async () => {
    const { lat, lng } = c.store.location;
    const r = await call<{ id: string; orderId: string }[]>('GET', `/api/deliveries?lat=${lat}&lng=${lng}&radiusKm=5`, {
      token: c.rider,
    });
    return r.body.find((d) => d.orderId === orderId);
  });
  for (const step of ['pick', 'deliver']) {
    const r = await patient('POST', `/api/deliveries/${delivery.id}/${step}`, { token: c.rider });
    expect({ orderId, step, status: r.status }).toEqual({ orderId, step, status: 200 });
  }
  await until(`${orderId} DELIVERED`, async () => ((await orderStatus(c, orderId)) === 'DELIVERED' ? true : undefined));
  const confirmed = await patient<{ status: string }>('POST', `/api/orders/${orderId}/confirm`, { token: c.customer });
  expect({ orderId, status: confirmed.status, order: confirmed.body.status }).toEqual({
    orderId,
    status: 200,
    order: 'COMPLETED',
  });
}

/** Every process of the stack running and ready (a failed test must not leave Kafka down). */
async function kafkaUp(): Promise<void> {
  if (!isRunning('kafka') || !(await isReady('kafka'))) await startApp('kafka');
}

/** Nothing lost, nothing duplicated, for these orders; returns figures for the report. */
async function audit(casts: Cast[], orders: { cast: Cast; id: string }[], sinceMs: number): Promise<string[]> {
  const ids = orders.map((o) => o.id);
  const list = sqlList(ids);
  for (const o of orders)
    expect({ id: o.id, status: await orderStatus(o.cast, o.id) }).toEqual({ id: o.id, status: 'COMPLETED' });

  // Every event leaves its outbox. A saga counts as complete when its last state
  // change commits, which is before the relay publishes that change's event; and
  // right after a broker restart the Kafka client refuses a partition for up to
  // 10 s (its producer's own circuit breaker), so the relay may still be retrying
  // here. Wait for it, bounded, and report how long it took.
  const drainStart = Date.now();
  await until('every outbox row of these orders published', async () => {
    const [[pending = '']] = (await sql(
      `select (select count(*) from baedal_order.outbox where partition_key in ${list} and state <> 'published')
            + (select count(*) from baedal_delivery.outbox where partition_key in ${list} and state <> 'published')`,
    )) as [[string]];
    return pending === '0' ? true : undefined;
  });
  const outboxDrainMs = Date.now() - drainStart;
  const orderEvents = await sql(
    `select partition_key, type from baedal_order.outbox where topic = 'orders' and partition_key in ${list}`,
  );
  const deliveryEvents = await sql(
    `select partition_key, type from baedal_delivery.outbox where topic = 'deliveries' and partition_key in ${list}`,
  );
  // Published events, counted where they happen (the outbox id is the only key there):
  // per order each lifecycle event once and each delivery fact once, none twice.
  const typesOf = (rows: string[][], id: string) =>
    rows
      .filter((r) => r[0] === id)
      .map((r) => r[1])
      .sort();
  for (const id of ids) {
    expect({ id, types: typesOf(orderEvents, id) }).toEqual({
      id,
      types: [
        'CookingFinished',
        'CookingStarted',
        'OrderAccepted',
        'OrderCompleted',
        'OrderDelivered',
        'OrderPickedUp',
        'OrderPlaced',
      ],
    });
    expect({ id, types: typesOf(deliveryEvents, id) }).toEqual({
      id,
      types: ['DeliveryCompleted', 'DeliveryPickedUp'],
    });
  }
  // Every event reached its consumer's handler: an inbox row each. (A count, not a proof of
  // "once": the inbox key is the event id. Once shows in the effects: the events above, the
  // statuses and the notification sends below.)
  const handledIn = (db: string, source: string, topic: string) =>
    sql(
      `select count(*) from ${db}.processed_event p
        where p.event_id in (select id from ${source}.outbox where topic = '${topic}' and partition_key in ${list})`,
    );
  const inStore = await until('store handled every order event', async () => {
    const r = await handledIn('baedal_store', 'baedal_order', 'orders');
    return r[0]?.[0] === String(orderEvents.length) ? r : undefined;
  });
  const inOrder = await until('order handled every delivery event', async () => {
    const r = await handledIn('baedal_order', 'baedal_delivery', 'deliveries');
    return r[0]?.[0] === String(deliveryEvents.length) ? r : undefined;
  });
  // Presence: the store inbox and the delivery are keyed by the order id.
  const rows = await sql(
    `select (select count(*) from baedal_store.inbox_order where order_id in ${list} and status = 'COMPLETED'),
            (select count(*) from baedal_delivery.delivery where order_id in ${list} and status = 'DELIVERED'),
            (select count(*) from baedal_payment.payment where order_id in ${list} and status = 'APPROVED')`,
  );
  expect(rows).toEqual([[String(ids.length), String(ids.length), String(ids.length)]]);

  // The customer's view and notifications: every status once, in order, and no late duplicate.
  for (const o of orders) {
    const view = await until(`${o.id} view COMPLETED`, async () => {
      const r = await call<{ status: string; history: { status: string }[] }>('GET', `/api/order-status/${o.id}`, {
        token: o.cast.customer,
      });
      return r.body.status === 'COMPLETED' ? r.body : undefined;
    });
    expect(view.history.map((h) => h.status)).toEqual(statuses);
  }
  await sleep(3_000);
  // Sends, counted where they happen: the notifications binding writes a file per send.
  const sends = notificationFiles(new Set(ids), sinceMs);
  for (const id of ids) {
    const sent = (sends.get(id) ?? []).map((n) => n.id);
    expect({ id, sends: sent.length, notifications: new Set(sent).size }).toEqual({
      id,
      sends: statuses.length,
      notifications: statuses.length,
    });
  }
  let notifications = 0;
  for (const c of casts) {
    const r = await call<{ id: string; orderId: string; status: string }[]>('GET', '/api/notifications', {
      token: c.customer,
    });
    for (const o of orders.filter((x) => x.cast === c)) {
      const mine = r.body.filter((n) => n.orderId === o.id);
      expect({ orderId: o.id, statuses: mine.map((n) => n.status).sort() }).toEqual({
        orderId: o.id,
        statuses: [...statuses].sort(),
      });
      expect(new Set(mine.map((n) => n.id)).size).toBe(statuses.length);
      notifications += mine.length;
    }
  }
  return [
    `${ids.length} orders completed; ${orderEvents.length} order events and ${deliveryEvents.length} delivery events published` +
      ` (outboxes empty ${(outboxDrainMs / 1000).toFixed(1)} s after the last saga completed)`,
    `each order event published once per order and handled by the store (${inStore[0]?.[0]} inbox rows), each delivery fact once and handled by the order service (${inOrder[0]?.[0]})`,
    `inbox COMPLETED, delivery DELIVERED, one approved payment per order; ${notifications} notifications, 7 per order, each sent once`,
  ];
}

async function scenario(mode: 'stop' | 'kill'): Promise<string[]> {
  const startedAt = Date.now();
  const [alice, bob, owner1, owner2, rider1, rider2] = await Promise.all(
    ['alice', 'bob', 'owner1', 'owner2', 'rider1', 'rider2'].map(login),
  );
  const casts: Cast[] = [
    { customer: alice!, owner: owner1!, rider: rider1!, store: gangnam },
    { customer: bob!, owner: owner2!, rider: rider2!, store: mapo },
  ];
  const orders: { cast: Cast; id: string }[] = [];
  const sagas: Promise<void>[] = [];
  const launch = async (c: Cast): Promise<void> => {
    const order = await place(c);
    orders.push({ cast: c, id: order.id });
    const saga = complete(c, order.id);
    saga.catch(() => undefined); // reported by Promise.all below, not as an unhandled rejection
    sagas.push(saga);
  };

  // Six sagas under way, staggered so they are at different steps when the broker goes.
  for (let i = 0; i < 3; i++) {
    await Promise.all(casts.map(launch));
    await sleep(400);
  }
  const downAt = Date.now();
  if (mode === 'stop') {
    await stopApp('kafka');
  } else {
    const pid = pidOf('kafka');
    if (pid === null) throw new Error('kafka is not running');
    process.kill(pid, 'SIGKILL');
    await until('kafka gone', async () => (isRunning('kafka') ? undefined : true), 10_000);
  }
  const stoppedMs = Date.now() - downAt;
  // Four more orders while the broker is down: placing needs no event (payment is synchronous).
  for (let i = 0; i < 2; i++) await Promise.all(casts.map(launch));
  await sleep(5_000);
  const restartAt = Date.now();
  await startApp('kafka');
  const readyMs = Date.now() - restartAt;
  const outageMs = Date.now() - downAt;

  await Promise.all(sagas);
  const drainedMs = Date.now() - restartAt;
  const figures = await audit(casts, orders, startedAt);
  return [
    `kafka ${mode === 'stop' ? 'stopped (SIGTERM) in' : 'killed (SIGKILL), gone in'} ${stoppedMs} ms; ` +
      `down ${(outageMs / 1000).toFixed(1)} s; restart to ready ${readyMs} ms`,
    `all sagas completed ${(drainedMs / 1000).toFixed(1)} s after the restart began`,
    ...figures,
  ];
}

describe('kafka: broker restart mid-flow', () => {
  beforeAll(async () => {
    const broker = stackBroker();
    if (broker !== 'kafka') {
      throw new Error(`this stack runs on ${broker}: run these tests with npm run test:kafka`);
    }
    await kafkaUp();
  }, 120_000);
  afterAll(kafkaUp, 120_000);

  it.each([
    ['stopped', 'stop'],
    ['killed', 'kill'],
  ] as const)(
    'when Kafka is %s and started again while sagas are in flight, then every order completes with nothing lost or duplicated',
    async (_what, mode) => {
      const lines = await scenario(mode);
      console.log(`\n=== kafka ${mode} mid-flow ===\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
    },
    300_000,
  );
});
