/** What the order service consumes: catalog snapshots and delivery facts. */
import type { DeliveryEvent, StoreCatalogPublished } from '@baedal/platform/contracts/events';
import { handleOnce } from '@baedal/platform/inbox';
import type { MikroORM } from '@mikro-orm/mysql';
import type { OrderCommands } from '../domain/order-commands.ts';
import { CatalogStore } from '../entities/catalog.ts';

/** Keeps the newest snapshot of each store (older or repeated revisions change nothing). */
export async function onCatalogPublished(
  orm: MikroORM,
  event: StoreCatalogPublished,
  afterCommit: (storeId: string) => void = () => {},
): Promise<void> {
  await handleOnce(orm, event, async (em) => {
    const d = event.data;
    const current = await em.findOne(CatalogStore, { storeId: d.storeId });
    if (current && current.revision >= d.revision) return;
    await em.upsert(CatalogStore, {
      storeId: d.storeId,
      name: d.name,
      lat: d.location.lat,
      lng: d.location.lng,
      open: d.open,
      revision: d.revision,
      items: d.items,
      updatedAt: new Date(),
    });
  });
  afterCommit(event.data.storeId);
}

export async function onDeliveryEvent(orm: MikroORM, commands: OrderCommands, event: DeliveryEvent): Promise<void> {
  const reached = event.type === 'DeliveryPickedUp' ? 'PICKED_UP' : 'DELIVERED';
  await handleOnce(orm, event, (em) => commands.followDelivery(em, event.orderId, reached, event.data.riderId));
}
