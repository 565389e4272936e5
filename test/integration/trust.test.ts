/**
 * Who may call what on the real stack (docs/security.md): each refused call
 * answers 401 or 403 and changes nothing, checked where a change would happen
 * (the order's status, the payment row, the payment outbox and inbox).
 *
 * - an app's sidecar-only routes (/internal, /events, /dapr) need its sidecar's
 *   app API token;
 * - a sidecar's API needs its app's Dapr API token;
 * - a sidecar publishes only to the topics its app owns (publishingScopes);
 * - a sidecar invokes only the calls the access policy gives its app
 *   (components/config.yaml accessControl; callers known by their mTLS certificate).
 */
import { describe, expect, it } from '@jest/globals';
import { makeEvent } from '@baedal/platform/contracts/events';
import { toCloudEvent } from '@baedal/platform/outbox';
import { appByName, appTokens } from '../../tools/stack/env-instance.ts';
import { sleep, sql, sqlList } from '../faults/support.ts';
import { call, login } from './client.ts';
import { gangnam, paymentsOf, placeOrder, type OrderBody } from './flows.ts';

function ports(name: string) {
  const app = appByName(name);
  if (!app?.dapr) throw new Error(`${name} has no sidecar in tools/stack/topology.ts`);
  return { app: `http://127.0.0.1:${app.appPort}`, sidecar: `http://127.0.0.1:${app.dapr.httpPort}` };
}

const payment = ports('payment');
const order = ports('order');
const store = ports('store');

/** Long enough for a delivered event to have been handled (the flows see one in well under a second). */
const SETTLE_MS = 3000;

/** A PAID order of alice's, with its one approved charge. */
async function paidOrder(): Promise<{ alice: string; order: OrderBody }> {
  const alice = await login('alice');
  const placed = await placeOrder(alice);
  expect(placed.status).toBe('PAID');
  return { alice, order: placed };
}

/** Ids of the events the tests forged: no service may have handled one. */
const forged: string[] = [];

/** What a refund or a forged status change would have touched, for one order. */
async function effectsOf(alice: string, orderId: string) {
  const [current, charges, outbox, ...inboxes] = await Promise.all([
    call<OrderBody>('GET', `/api/orders/${orderId}`, { token: alice }),
    paymentsOf(alice, orderId),
    sql(`select type from baedal_payment.outbox where partition_key in ${sqlList([orderId])}`),
    ...['payment', 'store', 'delivery'].map((svc) =>
      sql(`select count(*) from baedal_${svc}.processed_event where event_id in ${sqlList(forged)}`),
    ),
  ]);
  return {
    status: current.body.status,
    charges: charges.map((c) => c.status),
    paymentOutbox: outbox.map((r) => r[0]),
    forgedHandled: inboxes.reduce((n, rows) => n + Number(rows[0]?.[0]), 0),
  };
}

/** The CloudEvent the order service would publish to cancel `o`. */
function cancelled(o: OrderBody) {
  const event = makeEvent('OrderCancelled', {
    orderId: o.id,
    data: { customerId: o.customerId, storeId: gangnam.id },
  });
  forged.push(event.id);
  return toCloudEvent('order', event);
}

const json = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

async function problem(res: Response) {
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  return (await res.json()) as { type: string; status: number };
}

describe('trust: an app answers only its own sidecar on sidecar-only routes', () => {
  it('when /internal/payments is called straight, without a token or with a wrong one, then 401 and no charge', async () => {
    const orderId = crypto.randomUUID();
    const charge = { orderId, customerId: crypto.randomUUID(), amount: 1000 };
    for (const headers of [
      {} as Record<string, string>,
      { 'dapr-api-token': 'wrong' },
      { 'dapr-api-token': appTokens('order').appApiToken },
    ]) {
      const res = await fetch(`${payment.app}/internal/payments`, json(charge, headers));
      expect(res.status).toBe(401);
      expect(await problem(res)).toMatchObject({ type: '/problems/sidecar-only', status: 401 });
    }
    expect(await sql(`select id from baedal_payment.payment where order_id in ${sqlList([orderId])}`)).toEqual([]);
    // The token is checked, not a door shut to all: the sidecar's own token opens it.
    const ok = await fetch(`${payment.app}/dapr/subscribe`, {
      headers: { 'dapr-api-token': appTokens('payment').appApiToken },
    });
    expect(ok.status).toBe(200);
  });

  it('when a forged OrderCancelled of a PAID order is posted straight to each /events/orders, then 401 and the order stays PAID, charged, unrefunded', async () => {
    const { alice, order: o } = await paidOrder();
    const before = await effectsOf(alice, o.id);
    expect(before).toMatchObject({ status: 'PAID', charges: ['APPROVED'] });
    for (const name of ['payment', 'store', 'delivery', 'customer']) {
      const res = await fetch(`${ports(name).app}/events/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/cloudevents+json' },
        body: JSON.stringify(cancelled(o)),
      });
      expect({ name, status: res.status }).toEqual({ name, status: 401 });
    }
    await sleep(SETTLE_MS);
    expect(await effectsOf(alice, o.id)).toEqual(before);
  });

  it('when the order transition route is called straight with the store id GET /api/stores publishes, then 401 and the order stays PAID', async () => {
    const { alice, order: o } = await paidOrder();
    const res = await fetch(
      `${order.app}/internal/orders/${o.id}/transitions`,
      json({ to: 'REJECTED', storeId: gangnam.id, reason: 'forged' }),
    );
    expect(res.status).toBe(401);
    expect((await effectsOf(alice, o.id)).status).toBe('PAID');
  });
});

describe('trust: a sidecar answers only its own app', () => {
  it('when its API is called without the Dapr API token or with a wrong one, then 401 and nothing is published, invoked or read', async () => {
    const { alice, order: o } = await paidOrder();
    const before = await effectsOf(alice, o.id);
    for (const headers of [
      {} as Record<string, string>,
      { 'dapr-api-token': 'wrong' },
      { 'dapr-api-token': appTokens('store').daprApiToken },
    ]) {
      const publish = await fetch(`${order.sidecar}/v1.0/publish/pubsub/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/cloudevents+json', ...headers },
        body: JSON.stringify(cancelled(o)),
      });
      expect(publish.status).toBe(401);
      const invoke = await fetch(
        `${order.sidecar}/v1.0/invoke/payment/method/internal/payments`,
        json({ orderId: crypto.randomUUID(), customerId: o.customerId, amount: 1 }, headers),
      );
      expect(invoke.status).toBe(401);
      const state = await fetch(`${ports('customer').sidecar}/v1.0/state/statestore/order-view:${o.id}`, { headers });
      expect(state.status).toBe(401);
    }
    // Probes need no token.
    expect((await fetch(`${order.sidecar}/v1.0/healthz`)).status).toBe(204);
    await sleep(SETTLE_MS);
    expect(await effectsOf(alice, o.id)).toEqual(before);
  });
});

describe('trust: only the owner of a topic publishes to it', () => {
  it('when the store sidecar is asked, with its own token, to publish OrderCancelled to orders, then 403 and the order stays PAID, unrefunded', async () => {
    const { alice, order: o } = await paidOrder();
    const before = await effectsOf(alice, o.id);
    const token = { 'dapr-api-token': appTokens('store').daprApiToken };
    const res = await fetch(`${store.sidecar}/v1.0/publish/pubsub/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json', ...token },
      body: JSON.stringify(cancelled(o)),
    });
    expect(res.status).toBe(403);
    // The token was right: the same sidecar answers its metadata to it.
    expect((await fetch(`${store.sidecar}/v1.0/metadata`, { headers: token })).status).toBe(200);
    await sleep(SETTLE_MS);
    expect(await effectsOf(alice, o.id)).toEqual(before);
  });
});

describe('trust: only the calls the architecture has pass the access policy', () => {
  /** Service invocation through `caller`'s sidecar, with `caller`'s own Dapr API token. */
  const invokeAs = (caller: string, target: string, method: string, init: RequestInit = {}) =>
    fetch(`${ports(caller).sidecar}/v1.0/invoke/${target}/method/${method}`, {
      ...init,
      headers: { ...(init.headers as Record<string, string>), 'dapr-api-token': appTokens(caller).daprApiToken },
    });

  it('when delivery or store asks payment for a charge through its own sidecar, then 403 and no charge', async () => {
    const orderId = crypto.randomUUID();
    const charge = { orderId, customerId: crypto.randomUUID(), amount: 1000 };
    for (const caller of ['delivery', 'store', 'customer']) {
      const res = await invokeAs(caller, 'payment', 'internal/payments', json(charge));
      expect({ caller, status: res.status }).toEqual({ caller, status: 403 });
      expect(await res.text()).toContain('access control policy has denied access');
    }
    expect(await sql(`select id from baedal_payment.payment where order_id in ${sqlList([orderId])}`)).toEqual([]);
  });

  it('when an app makes a call of another app, or its own call with another verb, then 403 and the order stays PAID', async () => {
    const { alice, order: o } = await paidOrder();
    const transition = json({ to: 'REJECTED', storeId: gangnam.id, reason: 'forged' });
    // The store's call, made by delivery; the store's path with payment's verb.
    expect((await invokeAs('delivery', 'order', `internal/orders/${o.id}/transitions`, transition)).status).toBe(403);
    expect((await invokeAs('payment', 'order', `internal/orders/${o.id}/transitions`, transition)).status).toBe(403);
    expect((await invokeAs('store', 'order', `internal/orders/${o.id}/transitions`, { method: 'GET' })).status).toBe(
      403,
    );
    expect((await invokeAs('delivery', 'order', `internal/orders/${o.id}`)).status).toBe(403);
    expect((await effectsOf(alice, o.id)).status).toBe('PAID');
    // The policy lets the real calls through: the reads of payment and customer.
    expect((await invokeAs('payment', 'order', `internal/orders/${o.id}`)).status).toBe(200);
    expect((await invokeAs('customer', 'order', `internal/orders/${o.id}/events`)).status).toBe(200);
  });
});
