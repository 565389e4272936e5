import { afterEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { createLogger } from '@baedal/platform';
import type { OrderStatus } from '@baedal/platform/contracts/events';
import type { OrderView } from '../domain/view.ts';
import { ViewChanges } from '../events/view-changes.ts';
import type { Versioned, ViewStore } from '../state/view-store.ts';
import { followView, type ViewSink } from './order-status.ts';

const logger = createLogger('customer-test', 'silent');
const POLL_MS = 20;
const customerId = randomUUID();
const orderId = randomUUID();

/** The state store as every replica writes it: followView only reads views. */
class FakeStore {
  view: OrderView | null = null;
  reads = 0;
  async getView(id: string): Promise<Versioned<OrderView> | null> {
    this.reads++;
    await new Promise((r) => setImmediate(r));
    return this.view && id === this.view.orderId
      ? { value: structuredClone(this.view), etag: String(this.view.appliedEventIds.length) }
      : null;
  }
}

class FakeSink implements ViewSink {
  readonly sent: { status: string; history: unknown[] }[] = [];
  private readonly cleanups: (() => void)[] = [];
  send(data: unknown) {
    this.sent.push(data as { status: string; history: unknown[] });
  }
  comment() {}
  onClose(fn: () => void) {
    this.cleanups.push(fn);
  }
  close() {
    for (const fn of this.cleanups.splice(0)) fn();
  }
  statuses() {
    return this.sent.map((s) => s.status);
  }
}

const path: OrderStatus[] = ['PAID', 'ACCEPTED', 'COOKING', 'COOKED'];

/** The view after the first `n` statuses of `path` (one applied event each). */
function viewAt(n: number): OrderView {
  const history = path.slice(0, n).map((status, i) => ({ status, at: new Date(1_000 * (i + 1)).toISOString() }));
  return {
    orderId,
    customerId,
    status: path[n - 1]!,
    storeName: 'Gangnam Fried Chicken',
    totalAmount: 19000,
    history,
    updatedAt: history.at(-1)!.at,
    appliedEventIds: path.slice(0, n).map((_, i) => `00000000-0000-4000-8000-00000000000${i}`),
    notifications: [],
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const polls = (n: number) => sleep(POLL_MS * n + 10);

const sinks: FakeSink[] = [];
afterEach(() => {
  for (const s of sinks.splice(0)) s.close();
});

function follow(store: FakeStore, changes = new ViewChanges()) {
  const sink = new FakeSink();
  sinks.push(sink);
  followView(
    { store: store as unknown as ViewStore, changes, timing: { pollMs: POLL_MS, heartbeatMs: 60_000 }, logger },
    sink,
    customerId,
    viewAt(1),
  );
  return { sink, changes };
}

describe('followView: a live status stream with several replicas', () => {
  it('when another replica projects a change (no event on this change feed), then the stream sends it from the state store within a poll', async () => {
    const store = new FakeStore();
    store.view = viewAt(1);
    const { sink } = follow(store);
    expect(sink.statuses()).toEqual(['PAID']);

    store.view = viewAt(2);
    await polls(3);
    store.view = viewAt(3);
    await polls(3);
    expect(sink.statuses()).toEqual(['PAID', 'ACCEPTED', 'COOKING']);
  });

  it('when this replica publishes a change, then it is sent at once and the polls that read it again send nothing', async () => {
    const store = new FakeStore();
    store.view = viewAt(1);
    const { sink, changes } = follow(store);

    store.view = viewAt(2);
    changes.publish(viewAt(2));
    expect(sink.statuses()).toEqual(['PAID', 'ACCEPTED']);
    await polls(4);
    expect(sink.statuses()).toEqual(['PAID', 'ACCEPTED']);
  });

  it('when a poll reads an older version than the change feed already sent, then it is not sent (the status never goes back)', async () => {
    const store = new FakeStore();
    store.view = viewAt(2);
    const { sink, changes } = follow(store);

    changes.publish(viewAt(3));
    await polls(3);
    changes.publish(viewAt(2));
    expect(sink.statuses()).toEqual(['PAID', 'COOKING']);
  });

  it('when a view of another customer comes by, then it is not sent', async () => {
    const store = new FakeStore();
    store.view = { ...viewAt(2), customerId: randomUUID() };
    const { sink, changes } = follow(store);
    changes.publish({ ...viewAt(3), customerId: randomUUID() });
    await polls(3);
    expect(sink.statuses()).toEqual(['PAID']);
  });

  it('when the stream closes, then the polls stop and the change feed is left', async () => {
    const store = new FakeStore();
    store.view = viewAt(1);
    const { sink, changes } = follow(store);
    await polls(2);
    expect(store.reads).toBeGreaterThan(0);

    sink.close();
    await sleep(POLL_MS);
    const reads = store.reads;
    store.view = viewAt(2);
    changes.publish(viewAt(2));
    await polls(3);
    expect(store.reads).toBe(reads);
    expect(sink.statuses()).toEqual(['PAID']);
  });
});
