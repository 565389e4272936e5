import { describe, expect, it } from '@jest/globals';
import { StoreCatalogPublished } from '@baedal/platform/contracts/events';
import type { MenuItem, Store } from '../entities/store.ts';
import { catalogSnapshot } from './catalog.ts';

const store = {
  id: '5e0d1b7a-1111-4c3e-9a51-000000000001',
  name: 'Gangnam Fried Chicken',
  lat: 37.4979,
  lng: 127.0276,
  open: true,
  revision: 4,
} as Store;
const other = '5e0d1b7a-2222-4c3e-9a51-000000000002';
const item = (n: number, storeId: string, position: number) =>
  ({
    id: `6a1f0c2e-1111-4d2a-8b11-00000000010${n}`,
    storeId,
    name: `item ${n}`,
    unitPrice: 1000 * n,
    position,
  }) as MenuItem;

describe('catalogSnapshot', () => {
  it('when built, then it holds the store, its revision and only its items in menu order', () => {
    const data = catalogSnapshot(store, [item(2, store.id, 1), item(3, other, 0), item(1, store.id, 0)]);
    expect(data).toEqual({
      storeId: store.id,
      name: store.name,
      location: { lat: 37.4979, lng: 127.0276 },
      open: true,
      revision: 4,
      items: [
        { id: item(1, store.id, 0).id, name: 'item 1', unitPrice: 1000 },
        { id: item(2, store.id, 1).id, name: 'item 2', unitPrice: 2000 },
      ],
    });
  });

  it('matches the published event schema', () => {
    const event = {
      id: '0f6a3c1e-7b2d-4e5f-9a8b-1c2d3e4f5a6b',
      type: 'StoreCatalogPublished',
      version: 1,
      occurredAt: new Date().toISOString(),
      data: catalogSnapshot(store, [item(1, store.id, 0)]),
    };
    expect(StoreCatalogPublished.safeParse(event).success).toBe(true);
  });
});
