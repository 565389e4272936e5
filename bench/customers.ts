/** The bench's customers and what they order. */
import { randomUUID } from 'node:crypto';
import { demoStores } from '@baedal/platform/contracts/demo';
import { localToken } from '../test/kit/tokens.ts';

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
