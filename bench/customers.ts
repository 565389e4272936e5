/** The bench's customers, what they order, and what the store owner does with it. */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { demoStores } from '@baedal/platform/contracts/demo';
import { call } from '../test/kit/api.ts';
import { localToken } from '../test/kit/tokens.ts';
import { entry } from './instance.ts';

const store = demoStores[0];

export const orderBody = (line: string) => ({
  storeId: store.id,
  items: [{ menuItemId: store.items[0].id, quantity: 1 }],
  deliveryAddress: { line, lat: store.location.lat + 0.002, lng: store.location.lng + 0.002 },
});

/**
 * Tokens of many synthetic customers, signed as the login signs them: the order
 * load rotates through them, so no one customer's limits or rows dominate.
 * Two hours: longer than the longest run.
 */
export async function customerTokens(n: number): Promise<string[]> {
  return Promise.all(
    Array.from({ length: n }, (_, i) =>
      localToken({ id: randomUUID(), username: `bench-${i}`, role: 'customer' }, 2 * 60 * 60),
    ),
  );
}

/** The owner's steps of an order, in order: each moves it one status on. */
export const ownerActions = ['accept', 'start-cooking', 'finish-cooking'] as const;
export type OwnerAction = (typeof ownerActions)[number];

/**
 * One owner step through the entry point; its HTTP status. The store learns of
 * a new order through its own subscription and answers 404 until then, so a
 * 404 is asked again (every 10 ms, for 2 s at most).
 */
export async function ownerStep(orderId: string, action: OwnerAction, token: string) {
  let r = await call(entry, 'POST', `/api/store/orders/${orderId}/${action}`, { token });
  for (let n = 0; n < 200 && r.status === 404; n++) {
    await sleep(10);
    r = await call(entry, 'POST', `/api/store/orders/${orderId}/${action}`, { token });
  }
  return r.status;
}
