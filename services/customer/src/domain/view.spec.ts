import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { OrderEvent } from '@baedal/platform/contracts/events';
import fc from 'fast-check';
import { notificationId } from './notification.ts';
import { applyEvent, publicView, statusRank, type OrderView } from './view.ts';

const orderId = '11111111-1111-4111-8111-111111111111';
const customerId = '22222222-2222-4222-8222-222222222222';
const storeId = '33333333-3333-4333-8333-333333333333';
const riderId = '44444444-4444-4444-8444-444444444444';
const now = new Date('2026-11-26T12:00:00.000Z');

type EventType = OrderEvent['type'];

/** A well-formed event of `type`, occurring `minute` minutes after noon. */
function event(type: EventType, minute: number): OrderEvent {
  const common = {
    id: randomUUID(),
    version: 1 as const,
    occurredAt: new Date(Date.UTC(2026, 10, 26, 12, minute)).toISOString(),
    orderId,
  };
  const data = { customerId, storeId };
  switch (type) {
    case 'OrderPlaced':
      return {
        ...common,
        type,
        data: {
          ...data,
          storeName: 'Gangnam Fried Chicken',
          items: [],
          totalAmount: 19000,
          deliveryAddress: { line: 'Teheran-ro 1', lat: 37.5, lng: 127 },
          paymentId: randomUUID(),
        },
      };
    case 'OrderRejected':
      return { ...common, type, data: { ...data, reason: 'closed' } };
    case 'CookingFinished':
      return { ...common, type, data: { ...data, pickup: { lat: 37.5, lng: 127 }, dropoff: { lat: 37.5, lng: 127 } } };
    case 'OrderPickedUp':
    case 'OrderDelivered':
      return { ...common, type, data: { ...data, riderId } };
    default:
      return { ...common, type, data } as OrderEvent;
  }
}

const happyPath: EventType[] = [
  'OrderPlaced',
  'OrderAccepted',
  'CookingStarted',
  'CookingFinished',
  'OrderPickedUp',
  'OrderDelivered',
  'OrderCompleted',
];

/** Every lifecycle an order can really go through (api.md), each cut at any point. */
const lifecycles: EventType[][] = [
  ...happyPath.map((_, i) => happyPath.slice(0, i + 1)),
  ['OrderPlaced', 'OrderRejected'],
  ['OrderPlaced', 'OrderCancelled'],
  ['OrderPlaced', 'OrderAccepted', 'OrderCancelled'],
  // Confirmed without waiting for the rider to report delivery.
  ['OrderPlaced', 'OrderAccepted', 'CookingStarted', 'CookingFinished', 'OrderPickedUp', 'OrderCompleted'],
];

function replay(events: OrderEvent[]): { view: OrderView | null; notified: string[]; statuses: string[] } {
  let view: OrderView | null = null;
  const notified: string[] = [];
  const statuses: string[] = [];
  for (const e of events) {
    const r = applyEvent(view, e, now);
    if (r.kind === 'duplicate') continue;
    view = r.view;
    statuses.push(view.status);
    if (r.notification) notified.push(r.notification.id);
  }
  return { view, notified, statuses };
}

/** A valid sequence, plus a delivery order: a permutation with duplicates of it. */
const scenario = fc
  .constantFrom(...lifecycles)
  .map((types) => types.map((t, i) => event(t, i)))
  .chain((events) =>
    fc
      .tuple(
        fc.array(fc.nat(events.length - 1), { maxLength: 10 }),
        fc.array(fc.double({ noNaN: true }), { minLength: events.length + 10, maxLength: events.length + 10 }),
      )
      .map(([extra, keys]) => {
        const indices = [...events.keys(), ...extra];
        const order = indices
          .map((index, i) => ({ index, key: keys[i]! }))
          .sort((a, b) => a.key - b.key)
          .map((x) => x.index);
        return { events, delivered: order.map((i) => events[i]!) };
      }),
  );

describe('order-status view', () => {
  it('when the events arrive in order, then the view follows the lifecycle', () => {
    const events = happyPath.map((t, i) => event(t, i));
    const { view, notified } = replay(events);
    expect(view && publicView(view)).toEqual({
      orderId,
      status: 'COMPLETED',
      storeName: 'Gangnam Fried Chicken',
      totalAmount: 19000,
      riderId,
      history: events.map((e, i) => ({
        status: ['PAID', 'ACCEPTED', 'COOKING', 'COOKED', 'PICKED_UP', 'DELIVERED', 'COMPLETED'][i],
        at: e.occurredAt,
      })),
      updatedAt: events[6]!.occurredAt,
    });
    expect(notified).toEqual(events.map((e) => notificationId(e.id)));
  });

  it('when a lifecycle event arrives before OrderPlaced, then its history is recorded and the rest filled in later', () => {
    const placed = event('OrderPlaced', 0);
    const accepted = event('OrderAccepted', 1);
    const first = applyEvent(null, accepted, now);
    expect(first.kind).toBe('applied');
    if (first.kind !== 'applied') return;
    expect(publicView(first.view)).toMatchObject({
      status: 'ACCEPTED',
      storeName: null,
      totalAmount: null,
      history: [{ status: 'ACCEPTED', at: accepted.occurredAt }],
    });
    const second = applyEvent(first.view, placed, now);
    if (second.kind !== 'applied') throw new Error('expected applied');
    expect(second.view.status).toBe('ACCEPTED');
    expect(second.view.storeName).toBe('Gangnam Fried Chicken');
    expect(second.view.totalAmount).toBe(19000);
    expect(second.view.history.map((h) => h.status)).toEqual(['PAID', 'ACCEPTED']);
    expect(second.notification?.status).toBe('PAID');
    expect(second.view.customerId).toBe(customerId);
  });

  it('when an event is delivered again, then nothing changes', () => {
    const placed = event('OrderPlaced', 0);
    const r = applyEvent(null, placed, now);
    if (r.kind !== 'applied') throw new Error('expected applied');
    expect(applyEvent(r.view, placed, new Date())).toEqual({ kind: 'duplicate' });
  });

  it('when the order is cancelled, then later-ranked statuses cannot move it', () => {
    const events = [event('OrderPlaced', 0), event('OrderCancelled', 1), event('OrderAccepted', 2)];
    const { view } = replay([events[1]!, events[0]!, events[2]!]);
    expect(view?.status).toBe('CANCELLED');
    expect(view?.history.map((h) => h.status)).toEqual(['PAID', 'ACCEPTED', 'CANCELLED']);
  });

  it('the public view has no customer id, event ids or notifications', () => {
    const { view } = replay([event('OrderPlaced', 0)]);
    expect(Object.keys(publicView(view!)).sort()).toEqual(
      ['history', 'orderId', 'status', 'storeName', 'totalAmount', 'updatedAt'].sort(),
    );
  });

  it('property: any permutation with duplicates yields the same final view and never moves the status backwards', () => {
    fc.assert(
      fc.property(scenario, ({ events, delivered }) => {
        const canonical = replay(events);
        const shuffled = replay(delivered);
        expect(shuffled.view).toEqual(canonical.view);
        for (let i = 1; i < shuffled.statuses.length; i++) {
          const before = statusRank[shuffled.statuses[i - 1] as keyof typeof statusRank];
          const after = statusRank[shuffled.statuses[i] as keyof typeof statusRank];
          expect(after).toBeGreaterThanOrEqual(before);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('property: exactly one notification per status of the order, whatever the delivery order', () => {
    fc.assert(
      fc.property(scenario, ({ events, delivered }) => {
        const { view, notified } = replay(delivered);
        expect(new Set(notified).size).toBe(notified.length);
        expect(notified.sort()).toEqual(events.map((e) => notificationId(e.id)).sort());
        expect(view?.notifications.map((n) => n.status)).toEqual(view?.history.map((h) => h.status));
      }),
      { numRuns: 1000 },
    );
  });
});
