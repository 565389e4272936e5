import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { createLogger } from '@baedal/platform';
import { makeEvent, type OrderEvent } from '@baedal/platform/contracts/events';
import fc from 'fast-check';
import { notificationId, type Notification } from '../domain/notification.ts';
import type { OrderView } from '../domain/view.ts';
import type { CustomerIndex, SendClaim, Versioned, ViewStore } from '../state/view-store.ts';
import type { OrderEventSource } from './order-event-log.ts';
import { OrderStatusProjector, SendInProgressError } from './order-events.ts';
import { ViewChanges } from './view-changes.ts';

/** The state store as the sidecar shows it: values copied in and out, first-write etags, yields between calls. */
class FakeStore implements ViewStore {
  readonly data = new Map<string, { value: string; version: number }>();
  conflicts = 0;

  private async get<T>(key: string): Promise<Versioned<T> | null> {
    await new Promise((r) => setImmediate(r));
    const found = this.data.get(key);
    return found ? { value: JSON.parse(found.value) as T, etag: String(found.version) } : null;
  }

  private async put(key: string, value: unknown, etag: string | null): Promise<boolean> {
    await new Promise((r) => setImmediate(r));
    const found = this.data.get(key);
    if ((etag === null && found) || (etag !== null && String(found?.version) !== etag)) {
      this.conflicts++;
      return false;
    }
    this.data.set(key, { value: JSON.stringify(value), version: (found?.version ?? 0) + 1 });
    return true;
  }

  getView(orderId: string) {
    return this.get<OrderView>(`view:${orderId}`);
  }
  async getViews(orderIds: string[]) {
    const found = await Promise.all(orderIds.map((id) => this.getView(id)));
    return found.flatMap((f) => (f ? [f.value] : []));
  }
  putView(view: OrderView, etag: string | null) {
    return this.put(`view:${view.orderId}`, view, etag);
  }
  getIndex(customerId: string) {
    return this.get<CustomerIndex>(`index:${customerId}`);
  }
  putIndex(customerId: string, index: CustomerIndex, etag: string | null) {
    return this.put(`index:${customerId}`, index, etag);
  }
  async getViewAndIndex(orderId: string, customerId: string) {
    const [view, index] = await Promise.all([this.getView(orderId), this.getIndex(customerId)]);
    return { view, index };
  }
  readonly sentIds = new Set<string>();
  async wasSent(notificationId: string) {
    return this.sentIds.has(notificationId);
  }
  async sentOf(notificationIds: string[]) {
    await new Promise((r) => setImmediate(r));
    return new Set(notificationIds.filter((id) => this.sentIds.has(id)));
  }
  async markSent(notificationId: string) {
    this.sentIds.add(notificationId);
  }
  getSendClaim(notificationId: string) {
    return this.get<SendClaim>(`claim:${notificationId}`);
  }
  putSendClaim(notificationId: string, claim: SendClaim, etag: string | null) {
    return this.put(`claim:${notificationId}`, claim, etag);
  }
  async ping() {}
}

class FakeNotifier {
  readonly sent: { customerId: string; notification: Notification }[] = [];
  failNext = 0;
  /** Fails the next send of this status. */
  failStatus: string | null = null;
  /** While set, a send waits for it (a slow binding). */
  hold: Promise<void> | null = null;
  waiting = 0;
  async send(customerId: string, notification: Notification) {
    if (this.hold) {
      this.waiting++;
      await this.hold;
      this.waiting--;
    }
    if (this.failStatus === notification.status) {
      this.failStatus = null;
      throw new Error('binding down');
    }
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('binding down');
    }
    this.sent.push({ customerId, notification });
  }
}

const logger = createLogger('customer-test', 'silent');
const customerId = randomUUID();
const storeId = randomUUID();
const riderId = randomUUID();

function lifecycle(orderId: string): OrderEvent[] {
  const at = (minute: number) => new Date(Date.UTC(2026, 10, 26, 12, minute));
  const base = { orderId, data: { customerId, storeId } };
  return [
    makeEvent(
      'OrderPlaced',
      {
        orderId,
        data: {
          customerId,
          storeId,
          storeName: 'Mapo Tteokbokki',
          items: [],
          totalAmount: 9000,
          deliveryAddress: { line: 'Mapo-daero 1', lat: 37.55, lng: 126.95 },
          paymentId: randomUUID(),
        },
      },
      at(0),
    ),
    makeEvent('OrderAccepted', base, at(1)),
    makeEvent('CookingStarted', base, at(2)),
    makeEvent(
      'CookingFinished',
      { orderId, data: { customerId, storeId, pickup: { lat: 37.5, lng: 127 }, dropoff: { lat: 37.5, lng: 127 } } },
      at(3),
    ),
    makeEvent('OrderPickedUp', { orderId, data: { customerId, storeId, riderId } }, at(4)),
    makeEvent('OrderDelivered', { orderId, data: { customerId, storeId, riderId } }, at(5)),
    makeEvent('OrderCompleted', base, at(6)),
  ];
}

function setup() {
  const store = new FakeStore();
  const notifier = new FakeNotifier();
  const changes = new ViewChanges();
  // Two replicas sharing one state store, each with its own change feed.
  const replicas = [0, 1].map(() => new OrderStatusProjector({ store, notifier, changes, logger, maxAttempts: 200 }));
  return { store, notifier, changes, replicas };
}

/** The order service's event log: what it holds per order, and every read. */
class FakeEventLog implements OrderEventSource {
  readonly log = new Map<string, OrderEvent[]>();
  readonly reads: string[] = [];
  down = false;
  async events(orderId: string) {
    this.reads.push(orderId);
    if (this.down) throw new Error('order service unavailable');
    return this.log.get(orderId) ?? [];
  }
}

function withEventLog() {
  const store = new FakeStore();
  const notifier = new FakeNotifier();
  const eventLog = new FakeEventLog();
  const filled: number[] = [];
  const projector = new OrderStatusProjector({
    store,
    notifier,
    changes: new ViewChanges(),
    logger,
    eventLog,
    onFilled: (n) => filled.push(n),
  });
  return { store, notifier, eventLog, filled, projector };
}

/** One projector whose send claims go stale after 100 ms (a sender that died is waited out quickly). */
function withShortLease() {
  const store = new FakeStore();
  const notifier = new FakeNotifier();
  const projector = new OrderStatusProjector({ store, notifier, changes: new ViewChanges(), logger, sendLeaseMs: 100 });
  return { store, notifier, projector };
}

describe('order-status projector, when an order ends', () => {
  it('when the view lacks an event the order service recorded, then it is applied and its notification sent', async () => {
    const { store, notifier, eventLog, filled, projector } = withEventLog();
    const orderId = randomUUID();
    const events = lifecycle(orderId);
    eventLog.log.set(orderId, events);
    const lost = events[3]!; // CookingFinished, acknowledged somewhere below and never handled
    for (const e of events) if (e !== lost) await projector.handle(e);
    const view = (await store.getView(orderId))?.value;
    expect(view?.history.map((h) => h.status)).toEqual([
      'PAID',
      'ACCEPTED',
      'COOKING',
      'COOKED',
      'PICKED_UP',
      'DELIVERED',
      'COMPLETED',
    ]);
    expect(view?.appliedEventIds).toContain(lost.id);
    expect(notifier.sent.map((s) => s.notification.status)).toContain('COOKED');
    expect(filled).toEqual([1]);
    expect(eventLog.reads).toEqual([orderId]); // once, at the end: no read for the six other events
    expect(view?.filledEventIds).toEqual([lost.id]);
    // Its own delivery arriving late changes nothing.
    const before = store.data.get(`view:${orderId}`);
    await projector.handle(lost);
    expect(store.data.get(`view:${orderId}`)).toEqual(before);
  });

  it('when nothing is missing, then the log is read once and nothing else is written', async () => {
    const { store, eventLog, filled, projector } = withEventLog();
    const orderId = randomUUID();
    eventLog.log.set(orderId, lifecycle(orderId));
    for (const e of eventLog.log.get(orderId)!) await projector.handle(e);
    const version = store.data.get(`view:${orderId}`)?.version;
    expect(version).toBe(7);
    expect(filled).toEqual([]);
    expect(eventLog.reads).toEqual([orderId]);
  });

  it('when the event log cannot be read, then the final event is still applied and the handler succeeds', async () => {
    const { store, eventLog, filled, projector } = withEventLog();
    const orderId = randomUUID();
    const events = lifecycle(orderId);
    eventLog.down = true;
    for (const e of events.filter((_, i) => i !== 3)) await projector.handle(e);
    expect((await store.getView(orderId))?.value.status).toBe('COMPLETED');
    expect(filled).toEqual([]);
  });

  it('when the final event is redelivered after a failed read, then the redelivery fills the gap', async () => {
    const { store, eventLog, filled, projector } = withEventLog();
    const orderId = randomUUID();
    const events = lifecycle(orderId);
    eventLog.log.set(orderId, events);
    for (const e of events.slice(0, 3)) await projector.handle(e);
    eventLog.down = true;
    await projector.handle(events[6]!);
    eventLog.down = false;
    await projector.handle(events[6]!);
    expect((await store.getView(orderId))?.value.history).toHaveLength(7);
    expect(filled).toEqual([3]);
  });

  it('when the send of a filled-in event failed, then the redelivered final event sends it', async () => {
    const { notifier, eventLog, projector } = withEventLog();
    const orderId = randomUUID();
    const events = lifecycle(orderId);
    eventLog.log.set(orderId, events);
    const lost = events[4]!; // OrderPickedUp
    for (const e of events.slice(0, 4)) await projector.handle(e);
    await projector.handle(events[5]!);
    notifier.failStatus = 'PICKED_UP'; // filled in from the log, its send fails
    await expect(projector.handle(events[6]!)).rejects.toThrow('binding down');
    expect(notifier.sent.map((s) => s.notification.status)).not.toContain('PICKED_UP');
    await projector.handle(events[6]!); // Dapr's retry: nothing is missing from the view any more
    const statuses = notifier.sent.map((s) => s.notification.status);
    expect([...statuses].sort()).toEqual([
      'ACCEPTED',
      'COMPLETED',
      'COOKED',
      'COOKING',
      'DELIVERED',
      'PAID',
      'PICKED_UP',
    ]);
    expect(notifier.sent.find((s) => s.notification.status === 'PICKED_UP')?.notification.id).toBe(
      notificationId(lost.id),
    );
  });

  it('when a send was claimed by a handling that died before sending, then the order end sends it', async () => {
    const { store, notifier, projector } = withShortLease();
    const events = lifecycle(randomUUID());
    for (const e of events.slice(0, 4)) await projector.handle(e);
    // OrderPickedUp applied and its send claimed, then the process died: no send, no record.
    const dead = new OrderStatusProjector({
      store,
      notifier: { send: () => new Promise<void>(() => {}) },
      changes: new ViewChanges(),
      logger,
    });
    void dead.handle(events[4]!);
    while (!store.data.has(`claim:${notificationId(events[4]!.id)}`)) await new Promise((r) => setImmediate(r));
    for (const e of events.slice(5)) await projector.handle(e);
    expect(notifier.sent.map((s) => s.notification.status)).toContain('PICKED_UP');
    expect(new Set(notifier.sent.map((s) => s.notification.id)).size).toBe(notifier.sent.length);
  });
});

describe('order-status projector', () => {
  it('when events are handled, then the view, the index and one notification per status are written', async () => {
    const { store, notifier, changes, replicas } = setup();
    const orderId = randomUUID();
    const published: string[] = [];
    changes.subscribe(orderId, (v) => published.push(v.status));
    for (const e of lifecycle(orderId)) await replicas[0]!.handle(e);
    const view = (await store.getView(orderId))?.value;
    expect(view?.status).toBe('COMPLETED');
    expect(view?.riderId).toBe(riderId);
    expect((await store.getIndex(customerId))?.value.orders.map((o) => o.orderId)).toEqual([orderId]);
    expect(notifier.sent.map((s) => s.notification.status)).toEqual(view?.history.map((h) => h.status));
    expect(published).toEqual(['PAID', 'ACCEPTED', 'COOKING', 'COOKED', 'PICKED_UP', 'DELIVERED', 'COMPLETED']);
  });

  it('when an event is redelivered (or re-driven) after its notification was sent, then nothing changes and nothing is sent', async () => {
    const { store, notifier, replicas } = setup();
    const [placed] = lifecycle(randomUUID());
    await replicas[0]!.handle(placed!);
    const before = store.data.get(`view:${placed!.orderId}`);
    await replicas[1]!.handle(placed!);
    expect(store.data.get(`view:${placed!.orderId}`)).toEqual(before);
    expect(notifier.sent).toHaveLength(1);
  });

  it('when the process died between a send and its record, then the redelivery sends it once more', async () => {
    const { store, notifier, replicas } = setup();
    const [placed] = lifecycle(randomUUID());
    await replicas[0]!.handle(placed!);
    store.sentIds.clear(); // the record never written
    // The redelivery comes after the send claim's lease (the pub/sub redelivers after 30 s).
    for (const [key, entry] of store.data) {
      if (key.startsWith('claim:'))
        store.data.set(key, { ...entry, value: JSON.stringify({ at: Date.now() - 60_000 }) });
    }
    await replicas[1]!.handle(placed!);
    expect(notifier.sent.map((s) => s.notification.id)).toEqual([
      notifier.sent[0]!.notification.id,
      notifier.sent[0]!.notification.id,
    ]);
  });

  it('when two handlings of one event overlap while its notification is being sent, then it is sent once', async () => {
    const { notifier, replicas } = setup();
    const [placed] = lifecycle(randomUUID());
    let release = () => {};
    notifier.hold = new Promise<void>((r) => (release = r));
    const first = replicas[0]!.handle(placed!);
    // The second handling finds the event applied and no finished send: without a claim it would send again.
    while (notifier.waiting === 0) await new Promise((r) => setImmediate(r));
    // It waits for the first one's record before it acknowledges the event.
    const second = replicas[1]!.handle(placed!);
    await new Promise((r) => setTimeout(r, 100));
    release();
    await Promise.all([first, second]);
    expect(notifier.sent).toHaveLength(1);
  });

  it('when a fresh claim was left by a sender that died, then a redelivery inside the lease fails, so Dapr retries it', async () => {
    const { store, notifier, replicas } = setup();
    const [placed] = lifecycle(randomUUID());
    await replicas[0]!.handle(placed!);
    store.sentIds.clear(); // died after the claim, the send unrecorded (sent or not: a claim is no proof)
    await expect(replicas[1]!.handle(placed!)).rejects.toThrow(SendInProgressError);
    expect(notifier.sent).toHaveLength(1);
  });

  it('when the sender of a claim died, then a handling waits out the lease and sends (at least once)', async () => {
    const { store, notifier, projector } = withShortLease();
    const [placed] = lifecycle(randomUUID());
    await projector.handle(placed!);
    store.sentIds.clear();
    const started = Date.now();
    await projector.handle(placed!);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(notifier.sent).toHaveLength(2);
    expect(notifier.sent[1]!.notification.id).toBe(notifier.sent[0]!.notification.id);
  });

  it('when sending fails, then the handler throws and the redelivery sends it', async () => {
    const { store, notifier, replicas } = setup();
    const [placed] = lifecycle(randomUUID());
    notifier.failNext = 1;
    await expect(replicas[0]!.handle(placed!)).rejects.toThrow('binding down');
    expect((await store.getView(placed!.orderId))?.value.notifications).toHaveLength(1);
    await replicas[0]!.handle(placed!);
    expect(notifier.sent.map((s) => s.notification.status)).toEqual(['PAID']);
  });

  it('when an event names another customer for a known order, then it is ignored', async () => {
    const { store, replicas } = setup();
    const [placed, accepted] = lifecycle(randomUUID());
    await replicas[0]!.handle(placed!);
    await replicas[0]!.handle({ ...accepted!, data: { ...accepted!.data, customerId: randomUUID() } } as OrderEvent);
    expect((await store.getView(placed!.orderId))?.value.status).toBe('PAID');
  });

  it('property: concurrent replicas, shuffled and duplicated deliveries converge with exactly one listed notification per status', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
        fc.array(fc.nat(20), { maxLength: 10 }),
        async (orders, keys, extra) => {
          const { store, notifier, replicas } = setup();
          const events = Array.from({ length: orders }, () => lifecycle(randomUUID())).flat();
          const deliveries = [...events, ...extra.map((i) => events[i % events.length]!)]
            .map((e, i) => ({ e, k: keys[i % keys.length]! + i / 100 }))
            .sort((a, b) => a.k - b.k)
            .map((x) => x.e);
          // Every delivery handled concurrently, alternating between the two replicas.
          await Promise.all(deliveries.map((e, i) => replicas[i % 2]!.handle(e)));

          const index = (await store.getIndex(customerId))?.value.orders ?? [];
          expect(new Set(index.map((o) => o.orderId)).size).toBe(orders);
          for (const orderId of new Set(events.map((e) => e.orderId))) {
            const view = (await store.getView(orderId))?.value;
            expect(view?.status).toBe('COMPLETED');
            expect(view?.storeName).toBe('Mapo Tteokbokki');
            expect(view?.history).toHaveLength(7);
            expect(view?.notifications.map((n) => n.status)).toEqual(view?.history.map((h) => h.status));
          }
          const distinctSent = new Set(notifier.sent.map((s) => s.notification.id));
          expect(distinctSent.size).toBe(events.length);
        },
      ),
      { numRuns: 100 },
    );
  });
});
