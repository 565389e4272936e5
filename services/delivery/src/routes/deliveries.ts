import Router from '@koa/router';
import type { TokenVerifier } from '@baedal/platform';
import { conflict, notFound, parseIdParam, parseWith, requireRole, userOf } from '@baedal/platform';
import { EmptyQuery, NearbyDeliveriesQuery } from '@baedal/platform/contracts/api';
import { makeEvent, topics } from '@baedal/platform/contracts/events';
import { enqueue } from '@baedal/platform/outbox';
import { joinOrderTrace } from '@baedal/platform/trace';
import type { EntityManager, MikroORM } from '@mikro-orm/mysql';
import { boundingBox, haversineKm } from '../domain/geo.ts';
import { Delivery, deliveryView, nearbyView } from '../entities/delivery.ts';

const MINE_LIMIT = 100;

export function deliveryRoutes(deps: { orm: MikroORM; verifier: TokenVerifier }): Router {
  const { orm, verifier } = deps;
  const router = new Router();
  const rider = requireRole(verifier, 'rider');

  /** READY deliveries whose dropoff (the customer's address) is within the radius, nearest first. */
  router.get('/api/deliveries', rider, async (ctx) => {
    const q = parseWith(NearbyDeliveriesQuery, ctx.query, 'query');
    const center = { lat: q.lat, lng: q.lng };
    const box = boundingBox(center, q.radiusKm);
    // The box is a superset of the circle; the indexed columns narrow the rows, haversine decides.
    const candidates = await orm.em.fork().find(Delivery, {
      status: 'READY',
      dropoffLat: { $gte: box.minLat, $lte: box.maxLat },
      $or: box.lngRanges.map(([lo, hi]) => ({ dropoffLng: { $gte: lo, $lte: hi } })),
    });
    ctx.body = candidates
      .map((d) => ({ d, km: haversineKm(center, { lat: d.dropoffLat, lng: d.dropoffLng }) }))
      .filter((c) => c.km <= q.radiusKm)
      .sort((a, b) => a.km - b.km || a.d.createdAt.getTime() - b.d.createdAt.getTime())
      .map((c) => nearbyView(c.d, c.km));
  });

  /** The caller's picked and delivered deliveries, newest pick first. */
  router.get('/api/deliveries/mine', rider, async (ctx) => {
    parseWith(EmptyQuery, ctx.query, 'query');
    const user = userOf(ctx);
    const found = await orm.em
      .fork()
      .find(
        Delivery,
        { riderId: user.id, status: { $in: ['PICKED_UP', 'DELIVERED'] } },
        { orderBy: { pickedUpAt: 'desc', id: 'asc' }, limit: MINE_LIMIT },
      );
    ctx.body = found.map(deliveryView);
  });

  /**
   * One winner: the conditional UPDATE only matches while the delivery is
   * READY, and InnoDB's row lock makes concurrent picks see the winner's write.
   */
  router.post('/api/deliveries/:deliveryId/pick', rider, async (ctx) => {
    const id = parseIdParam(ctx.params.deliveryId, 'This delivery');
    const user = userOf(ctx);
    const picked = await orm.em.fork().transactional(async (em) => {
      const now = new Date();
      const changed = await em.nativeUpdate(
        Delivery,
        { id, status: 'READY' },
        { status: 'PICKED_UP', riderId: user.id, pickedUpAt: now, updatedAt: now },
      );
      if (changed !== 1) {
        if (await exists(em, id)) throw conflict('This delivery is no longer ready for pickup.');
        throw notFound('This delivery');
      }
      const d = await em.findOneOrFail(Delivery, { id });
      joinOrderTrace(d.orderId);
      enqueue(
        em,
        topics.deliveries,
        makeEvent('DeliveryPickedUp', { orderId: d.orderId, data: { deliveryId: d.id, riderId: user.id } }, now),
      );
      return d;
    });
    ctx.body = deliveryView(picked);
  });

  /** Only the rider who picked it may deliver it; anyone else sees no such delivery. */
  router.post('/api/deliveries/:deliveryId/deliver', rider, async (ctx) => {
    const id = parseIdParam(ctx.params.deliveryId, 'This delivery');
    const user = userOf(ctx);
    const delivered = await orm.em.fork().transactional(async (em) => {
      const now = new Date();
      const changed = await em.nativeUpdate(
        Delivery,
        { id, status: 'PICKED_UP', riderId: user.id },
        { status: 'DELIVERED', deliveredAt: now, updatedAt: now },
      );
      if (changed !== 1) {
        const d = await em.findOne(Delivery, { id });
        if (!d || d.riderId !== user.id) throw notFound('This delivery');
        throw conflict(`This delivery is ${d.status}; only a picked-up delivery can be delivered.`);
      }
      const d = await em.findOneOrFail(Delivery, { id });
      joinOrderTrace(d.orderId);
      enqueue(
        em,
        topics.deliveries,
        makeEvent('DeliveryCompleted', { orderId: d.orderId, data: { deliveryId: d.id, riderId: user.id } }, now),
      );
      return d;
    });
    ctx.body = deliveryView(delivered);
  });

  return router;
}

async function exists(em: EntityManager, id: string): Promise<boolean> {
  return (await em.count(Delivery, { id })) > 0;
}
