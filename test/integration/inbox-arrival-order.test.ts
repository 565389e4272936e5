/**
 * The store inbox does not depend on the order its events arrive in (with two
 * consumer replicas, OrderPlaced can wait out a killed replica's redelivery
 * while a later event of the order reaches the other one). Events are posted
 * straight to the store app's subscription route, as its sidecar would: a
 * later event before OrderPlaced is handled (SUCCESS, not RETRY), the row
 * stays out of the owner's inbox until OrderPlaced fills it in, and its status
 * never moves back.
 */
import { describe, expect, it } from '@jest/globals';
import { makeEvent, type OrderEvent } from '@baedal/platform/contracts/events';
import { toCloudEvent } from '@baedal/platform/outbox';
import { appByName, appTokens } from '../../tools/stack/env-instance.ts';
import { call, login } from './client.ts';
import { gangnam, ownerAction } from './flows.ts';

const storeApp = (() => {
  const app = appByName('store');
  if (!app) throw new Error('no store app in tools/stack/topology.ts');
  return `http://127.0.0.1:${app.appPort}`;
})();

/** Posts `event` as the store's sidecar delivers it; returns the app's answer to the sidecar. */
async function deliver(event: OrderEvent): Promise<string> {
  const res = await fetch(`${storeApp}/events/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents+json', 'dapr-api-token': appTokens('store').appApiToken },
    body: JSON.stringify(toCloudEvent('order', event)),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { status: string }).status;
}

function anOrder() {
  const orderId = crypto.randomUUID();
  const data = { customerId: crypto.randomUUID(), storeId: gangnam.id };
  const item = gangnam.items[0];
  const placed = makeEvent('OrderPlaced', {
    orderId,
    data: {
      ...data,
      storeName: gangnam.name,
      items: [{ menuItemId: item.id, name: item.name, unitPrice: item.unitPrice, quantity: 2 }],
      totalAmount: item.unitPrice * 2,
      deliveryAddress: { line: '1 Teheran-ro', lat: gangnam.location.lat, lng: gangnam.location.lng },
      paymentId: crypto.randomUUID(),
    },
  });
  return { orderId, data, placed };
}

async function inboxRow(owner: string, orderId: string) {
  const r = await call<{ orderId: string; status: string; items: unknown[]; totalAmount: number }[]>(
    'GET',
    '/api/store/orders',
    { token: owner },
  );
  expect(r.status).toBe(200);
  return r.body.find((o) => o.orderId === orderId);
}

describe('store inbox: events of one order in any arrival order', () => {
  it('when OrderCancelled arrives before OrderPlaced, then it is handled, hidden until OrderPlaced, and the order shows CANCELLED with its items', async () => {
    const owner = await login('owner1');
    const { orderId, data, placed } = anOrder();

    expect(await deliver(makeEvent('OrderCancelled', { orderId, data }))).toBe('SUCCESS');
    expect(await inboxRow(owner, orderId)).toBeUndefined();
    // The owner cannot act on it yet: the problem answer of an unknown order.
    const accept = await ownerAction(owner, orderId, 'accept');
    expect(accept.status).toBe(404);

    expect(await deliver(placed)).toBe('SUCCESS');
    expect(await inboxRow(owner, orderId)).toEqual({
      orderId,
      status: 'CANCELLED',
      items: placed.data.items,
      totalAmount: placed.data.totalAmount,
      createdAt: placed.occurredAt,
    });
    // A redelivery of OrderPlaced, or a second OrderPlaced event of the order, changes nothing.
    expect(await deliver(placed)).toBe('SUCCESS');
    expect(await deliver({ ...placed, id: crypto.randomUUID() })).toBe('SUCCESS');
    expect((await inboxRow(owner, orderId))?.status).toBe('CANCELLED');
  });

  it('when CookingStarted, then OrderAccepted, then OrderPlaced arrive, then the order shows COOKING', async () => {
    const owner = await login('owner1');
    const { orderId, data, placed } = anOrder();

    expect(await deliver(makeEvent('CookingStarted', { orderId, data }))).toBe('SUCCESS');
    expect(await deliver(makeEvent('OrderAccepted', { orderId, data }))).toBe('SUCCESS');
    expect(await inboxRow(owner, orderId)).toBeUndefined();
    expect(await deliver(placed)).toBe('SUCCESS');
    expect(await inboxRow(owner, orderId)).toMatchObject({ status: 'COOKING', totalAmount: placed.data.totalAmount });
  });
});
