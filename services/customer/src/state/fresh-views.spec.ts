import { describe, expect, it } from '@jest/globals';
import type { OrderView } from '../domain/view.ts';
import { FreshViews } from './fresh-views.ts';
import type { Versioned } from './view-store.ts';

const orderId = '11111111-1111-4111-8111-111111111111';

/** A view with `n` applied events (its version). */
function viewOf(n: number, id = orderId): OrderView {
  return {
    orderId: id,
    customerId: '22222222-2222-4222-8222-222222222222',
    status: 'PLACED',
    appliedEventIds: Array.from({ length: n }, (_, i) => `e${i}`),
  } as unknown as OrderView;
}

/** A state store whose reads are counted and answered when the test says so. */
function storeOf(initial: OrderView | null) {
  let current = initial;
  const pending: (() => void)[] = [];
  const store = {
    reads: 0,
    manual: false,
    set(v: OrderView | null) {
      current = v;
    },
    /** Answers the reads under way with the value as of when each began. */
    answer() {
      for (const done of pending.splice(0)) done();
    },
    getView(): Promise<Versioned<OrderView> | null> {
      store.reads++;
      const value = current;
      const result = value ? { value, etag: '1' } : null;
      if (!store.manual) return Promise.resolve(result);
      return new Promise((resolve) => pending.push(() => resolve(result)));
    },
  };
  return store;
}

function clock() {
  const c = { t: 1000, now: () => c.t };
  return c;
}

describe('FreshViews', () => {
  it('when reads come within the max age, then one state read answers them all; after it, a new read', async () => {
    const store = storeOf(viewOf(1));
    const c = clock();
    const views = new FreshViews(store, { maxAgeMs: 25, maxEntries: 100, now: c.now });
    for (let i = 0; i < 10; i++) expect(await views.get(orderId)).toEqual(viewOf(1));
    expect(store.reads).toBe(1);
    store.set(viewOf(2));
    c.t += 24;
    expect(await views.get(orderId)).toEqual(viewOf(1));
    c.t += 1;
    expect(await views.get(orderId)).toEqual(viewOf(2));
    expect(store.reads).toBe(2);
  });

  it('when reads come while one is under way, then they share it', async () => {
    const store = storeOf(viewOf(1));
    store.manual = true;
    const views = new FreshViews(store, { maxAgeMs: 25, maxEntries: 100, now: clock().now });
    const all = Promise.all([views.get(orderId), views.get(orderId), views.get(orderId)]);
    store.answer();
    expect(await all).toEqual([viewOf(1), viewOf(1), viewOf(1)]);
    expect(store.reads).toBe(1);
  });

  it('when this replica writes a newer version while a read of the older is under way, then the newer one is answered and kept', async () => {
    const store = storeOf(viewOf(1));
    store.manual = true;
    const views = new FreshViews(store, { maxAgeMs: 25, maxEntries: 100, now: clock().now });
    const reading = views.get(orderId);
    views.offer(viewOf(2));
    store.answer();
    expect(await reading).toEqual(viewOf(2));
    expect(await views.get(orderId)).toEqual(viewOf(2));
    expect(store.reads).toBe(1);
  });

  it('when an order has no view yet, then null, kept for the max age like a view', async () => {
    const store = storeOf(null);
    const c = clock();
    const views = new FreshViews(store, { maxAgeMs: 25, maxEntries: 100, now: c.now });
    expect(await views.get(orderId)).toBeNull();
    store.set(viewOf(1));
    expect(await views.get(orderId)).toBeNull();
    c.t += 25;
    expect(await views.get(orderId)).toEqual(viewOf(1));
  });

  it('when the max age is 0, then every read goes to the state store', async () => {
    const store = storeOf(viewOf(1));
    const views = new FreshViews(store, { maxAgeMs: 0, maxEntries: 100, now: clock().now });
    views.offer(viewOf(2));
    await views.get(orderId);
    await views.get(orderId);
    expect({ reads: store.reads, kept: views.size }).toEqual({ reads: 2, kept: 0 });
  });

  it('when the state read fails, then the callers get the error and the next read tries again', async () => {
    let fail = true;
    const store = {
      reads: 0,
      getView() {
        store.reads++;
        return fail ? Promise.reject(new Error('sidecar down')) : Promise.resolve({ value: viewOf(1), etag: '1' });
      },
    };
    const views = new FreshViews(store, { maxAgeMs: 25, maxEntries: 100, now: clock().now });
    await expect(views.get(orderId)).rejects.toThrow('sidecar down');
    fail = false;
    expect(await views.get(orderId)).toEqual(viewOf(1));
    expect(store.reads).toBe(2);
  });

  it('when many orders are read, then only the entries of the last max age are held, at most maxEntries', async () => {
    const c = clock();
    const store = { getView: (id: string) => Promise.resolve({ value: viewOf(1, id), etag: '1' }) };
    const views = new FreshViews(store, { maxAgeMs: 25, maxEntries: 3, now: c.now });
    for (let i = 0; i < 5; i++) await views.get(`order-${i}`);
    expect(views.size).toBe(3);
    c.t += 25;
    await views.get('order-late');
    expect(views.size).toBe(1);
  });
});
