/**
 * A finished cooking makes the order's delivery visible to riders: one READY
 * delivery per order. Idempotent twice over: the inbox skips a redelivered
 * event, and the unique order id skips a second CookingFinished for the same
 * order. Other lifecycle events are not this service's business.
 */
import type { OrderEvent } from '@baedal/platform/contracts/events';
import { isDuplicateKey } from '@baedal/platform/db';
import { handleOnce } from '@baedal/platform/inbox';
import type { MikroORM } from '@mikro-orm/mysql';
import { randomUUID } from 'node:crypto';
import { Delivery } from '../entities/delivery.ts';

export async function onOrderEvent(orm: MikroORM, event: OrderEvent): Promise<void> {
  if (event.type !== 'CookingFinished') return;
  await handleOnce(orm, event, async (em) => {
    const now = new Date();
    try {
      await em.insert(Delivery, {
        id: randomUUID(),
        orderId: event.orderId,
        storeId: event.data.storeId,
        customerId: event.data.customerId,
        pickupLat: event.data.pickup.lat,
        pickupLng: event.data.pickup.lng,
        dropoffLat: event.data.dropoff.lat,
        dropoffLng: event.data.dropoff.lng,
        status: 'READY',
        riderId: null,
        createdAt: now,
        updatedAt: now,
        pickedUpAt: null,
        deliveredAt: null,
      });
    } catch (e) {
      // The order already has its delivery (another CookingFinished event id, maybe concurrent):
      // one INSERT decides, and MySQL keeps the transaction usable after the failed statement.
      if (!isDuplicateKey(e)) throw e;
    }
  });
}
