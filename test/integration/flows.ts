/** Scenario steps shared by the end-to-end tests, each through the entry point. */
import { expect } from '@jest/globals';
import { demoStores } from '@baedal/platform/contracts/demo';
import { call, eventually } from './client.ts';

export const gangnam = demoStores[0];
export const mapo = demoStores[1];

export interface OrderBody {
  id: string;
  status: string;
  totalAmount: number;
  customerId: string;
}

export async function placeOrder(token: string, store = gangnam, headers: Record<string, string> = {}) {
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
