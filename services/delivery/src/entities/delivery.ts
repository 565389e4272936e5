import type { DeliveryResponse } from '@baedal/platform/contracts/api';
import { defineEntity, p, type InferEntity } from '@mikro-orm/mysql';
import { roundKm } from '../domain/geo.ts';

export const deliveryStatuses = ['READY', 'PICKED_UP', 'DELIVERED', 'CANCELLED'] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

/**
 * One delivery per order, created READY when cooking finishes. Picks and
 * drops are decided by conditional updates on `status` (and `riderId`), so
 * two riders can never both win.
 */
export const Delivery = defineEntity({
  name: 'Delivery',
  tableName: 'delivery',
  properties: {
    id: p.uuid().primary(),
    orderId: p.uuid().unique(),
    storeId: p.uuid(),
    customerId: p.uuid(),
    pickupLat: p.double().$type<number>().runtimeType('number'),
    pickupLng: p.double().$type<number>().runtimeType('number'),
    dropoffLat: p.double().$type<number>().runtimeType('number'),
    dropoffLng: p.double().$type<number>().runtimeType('number'),
    status: p.string().length(16).$type<DeliveryStatus>(),
    riderId: p.uuid().nullable(),
    createdAt: p.datetime(3),
    updatedAt: p.datetime(3),
    pickedUpAt: p.datetime(3).nullable(),
    deliveredAt: p.datetime(3).nullable(),
  },
});
export type Delivery = InferEntity<typeof Delivery>;

/** A READY delivery as listed to a rider nearby (api.md). */
export function nearbyView(d: Delivery, distanceKm: number) {
  return {
    id: d.id,
    orderId: d.orderId,
    storeId: d.storeId,
    pickup: { lat: d.pickupLat, lng: d.pickupLng },
    dropoff: { lat: d.dropoffLat, lng: d.dropoffLng },
    distanceKm: roundKm(distanceKm),
    status: d.status,
  };
}

/** A delivery as its rider sees it (pick, deliver, mine): the real status and who rides it. */
export function deliveryView(d: Delivery): DeliveryResponse {
  return {
    id: d.id,
    orderId: d.orderId,
    storeId: d.storeId,
    pickup: { lat: d.pickupLat, lng: d.pickupLng },
    dropoff: { lat: d.dropoffLat, lng: d.dropoffLng },
    status: d.status,
    riderId: d.riderId ?? null,
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
    pickedUpAt: d.pickedUpAt ? d.pickedUpAt.toISOString() : null,
    deliveredAt: d.deliveredAt ? d.deliveredAt.toISOString() : null,
  };
}
