/**
 * Catalog snapshots (topic `catalog`, partition key storeId): the order service
 * keeps a replica, so it prices and accepts orders while this service is down.
 * Every start republishes each store with a higher revision; newest revision wins.
 */
import { makeEvent, topics, type StoreCatalogPublished } from '@baedal/platform/contracts/events';
import { enqueue } from '@baedal/platform/outbox';
import { LockMode, type MikroORM } from '@mikro-orm/mysql';
import { MenuItem, Store } from '../entities/store.ts';

/** The event data of one store's snapshot; `items` in menu order. */
export function catalogSnapshot(store: Store, items: MenuItem[]): StoreCatalogPublished['data'] {
  return {
    storeId: store.id,
    name: store.name,
    location: { lat: store.lat, lng: store.lng },
    open: store.open,
    revision: store.revision,
    items: [...items]
      .filter((i) => i.storeId === store.id)
      .sort((a, b) => a.position - b.position)
      .map((i) => ({ id: i.id, name: i.name, unitPrice: i.unitPrice })),
  };
}

/**
 * In one transaction: bump every store's revision and enqueue its snapshot.
 * The rows are locked so replicas starting together publish distinct revisions.
 * Returns how many snapshots were enqueued (the relay publishes them after the commit).
 */
export async function enqueueCatalogSnapshots(orm: MikroORM): Promise<number> {
  return orm.em.fork().transactional(async (em) => {
    const stores = await em.find(Store, {}, { orderBy: { id: 'asc' }, lockMode: LockMode.PESSIMISTIC_WRITE });
    if (stores.length === 0) return 0;
    const items = await em.find(MenuItem, { storeId: { $in: stores.map((s) => s.id) } });
    for (const store of stores) {
      store.revision += 1;
      const event = makeEvent('StoreCatalogPublished', { data: catalogSnapshot(store, items) });
      enqueue(em, topics.catalog, event);
    }
    return stores.length;
  });
}
