/** Scenario steps shared by the end-to-end tests, each through the entry point. */
import { expect } from '@jest/globals';
import { demoStores } from '@baedal/platform/contracts/demo';
import { apps } from '../../tools/stack/env-instance.ts';
import { call, eventually } from './client.ts';

export type DemoStore = (typeof demoStores)[number];
export const gangnam: DemoStore = demoStores[0];
export const mapo: DemoStore = demoStores[1];

export interface OrderBody {
  id: string;
  status: string;
  totalAmount: number;
  customerId: string;
}

export async function placeOrder(token: string, store: DemoStore = gangnam, headers: Record<string, string> = {}) {
  const r = await call<OrderBody>('POST', '/api/orders', {
    token,
    headers,
    body: {
      storeId: store.id,
      items: [{ menuItemId: store.items[0].id, quantity: 1 }],
      deliveryAddress: { line: '1 Teheran-ro', lat: store.location.lat + 0.003, lng: store.location.lng + 0.003 },
    },
  });
  expect(r.status).toBe(201);
  return r.body;
}

/** Waits until the store's inbox (fed by pub/sub) has the order. */
export async function inInbox(ownerToken: string, orderId: string) {
  return eventually(async () => {
    const r = await call<{ orderId: string; status: string }[]>('GET', '/api/store/orders', { token: ownerToken });
    return r.body.find((o) => o.orderId === orderId);
  });
}

export async function ownerAction(ownerToken: string, orderId: string, action: string, body?: unknown) {
  return call<{ status: string }>('POST', `/api/store/orders/${orderId}/${action}`, {
    token: ownerToken,
    ...(body !== undefined ? { body } : {}),
  });
}

/** Waits until the order (owned by the order service) reaches `status`. */
export async function orderReaches(token: string, orderId: string, status: string) {
  return eventually(async () => {
    const r = await call<OrderBody>('GET', `/api/orders/${orderId}`, { token });
    return r.body.status === status ? r.body : undefined;
  });
}

export async function paymentsOf(token: string, orderId: string) {
  const r = await call<{ amount: number; status: string }[]>('GET', `/api/payments?orderId=${orderId}`, { token });
  expect(r.status).toBe(200);
  return r.body;
}

export interface Tokens {
  customer: string;
  owner: string;
  rider: string;
}

/** Finds the order's delivery among those near the store (where the test addresses are). */
export async function readyDelivery(riderToken: string, orderId: string, store: DemoStore = gangnam) {
  return eventually(async () => {
    const r = await call<{ id: string; orderId: string; distanceKm: number }[]>(
      'GET',
      `/api/deliveries?lat=${store.location.lat}&lng=${store.location.lng}&radiusKm=5`,
      { token: riderToken },
    );
    return r.body.find((d) => d.orderId === orderId);
  });
}

/** The owner takes a placed order to cooked, once the store lists it (the delivery becomes visible to riders). */
async function cook(t: Tokens, order: OrderBody) {
  await inInbox(t.owner, order.id);
  for (const action of ['accept', 'start-cooking', 'finish-cooking']) {
    const r = await ownerAction(t.owner, order.id, action);
    // On a failure the answer's problem says which hop refused (edge, store or order).
    expect({ action, status: r.status, ...(r.status === 200 ? {} : { problem: r.body }) }).toEqual({
      action,
      status: 200,
    });
  }
  return order;
}

/** Takes an order from placed to cooked (the delivery becomes visible to riders). */
export async function cookedOrder(t: Tokens, store: DemoStore = gangnam) {
  return cook(t, await placeOrder(t.customer, store));
}

/** The whole saga driven through the API: placed → completed. */
export async function fullSaga(t: Tokens, store: DemoStore = gangnam) {
  return completeSaga(t, await placeOrder(t.customer, store), store);
}

/** Drives a placed order to COMPLETED: owner, rider, customer. */
export async function completeSaga(t: Tokens, order: OrderBody, store: DemoStore = gangnam) {
  await cook(t, order);
  const delivery = await readyDelivery(t.rider, order.id, store);
  expect((await call('POST', `/api/deliveries/${delivery.id}/pick`, { token: t.rider })).status).toBe(200);
  expect((await call('POST', `/api/deliveries/${delivery.id}/deliver`, { token: t.rider })).status).toBe(200);
  await orderReaches(t.customer, order.id, 'DELIVERED');
  const confirmed = await call<{ status: string }>('POST', `/api/orders/${order.id}/confirm`, { token: t.customer });
  expect(confirmed.status).toBe(200);
  return order;
}

/**
 * PUT /api/admin/faults/payment through the entry point (which reaches payment
 * replica 1), then straight to every other payment replica: the faults live in
 * each process, and the order service's calls spread over all replicas.
 * Answers the entry point's reply.
 */
export async function putPaymentFaults(adminToken: string, faults: { delayMs: number; failureRate: number }) {
  const reply = await call('PUT', '/api/admin/faults/payment', { token: adminToken, body: faults });
  if (reply.status !== 200) return reply;
  for (const replica of apps.filter((a) => a.replicaOf === 'payment')) {
    const res = await fetch(`http://127.0.0.1:${replica.appPort}/api/admin/faults/payment`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(faults),
    });
    if (res.status !== 200) return { status: res.status, headers: res.headers, body: await res.text() };
  }
  return reply;
}
