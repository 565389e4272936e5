/**
 * The relay's publishing order against a fake outbox and a fake sidecar: one
 * bulk call per topic and round, never two events of one key in a call, a
 * key's events in order, and a failed event stopping only its own key.
 */
import { describe, expect, it } from '@jest/globals';
import type { MikroORM } from '@mikro-orm/mysql';
import type { DaprSidecar } from './dapr.ts';
import { BulkPublishUnsupportedError } from './dapr.ts';
import { createLogger } from './logger.ts';
import { Metrics } from './metrics.ts';
import { OutboxRelay } from './outbox.ts';
import type { OutboxStore } from './outbox-claims.ts';
import { currentTraceparent, inTrace } from './trace.ts';

interface Row {
  id: string;
  topic: string;
  type: string;
  partitionKey: string;
  payload: Record<string, unknown>;
  state: string;
  attempts: number;
  lastError: string | null;
  seq: number;
  traceparent: string | null;
}

const metrics = new Metrics('outbox-test');
const logger = createLogger('outbox-test', 'silent');

/** Attempts after which the fake store parks a row (the real rule: outbox-claims.ts afterFailure). */
const MAX_ATTEMPTS = 3;

/** The table as the relay sees it: claims in sequence order, backoff and parking left out (outbox-claims.spec.ts). */
function fakeStore(rows: Row[]): OutboxStore {
  const byId = (id: string) => rows.find((r) => r.id === id) as Row;
  return {
    claim: async (limit) => {
      const events = rows
        .filter((r) => r.state === 'pending')
        .sort((a, b) => a.seq - b.seq)
        .slice(0, limit)
        .map((r) => ({ ...r }));
      return { events, scanned: events.length };
    },
    published: async (ids) => {
      for (const id of ids) byId(id).state = 'published';
    },
    failed: async (event, error) => {
      const attempts = event.attempts + 1;
      const parked = attempts >= MAX_ATTEMPTS;
      Object.assign(byId(event.id), { attempts, lastError: error, ...(parked ? { state: 'parked' } : {}) });
      return parked ? 'parked' : 'retry';
    },
    release: async () => {},
  };
}

function row(i: number, key: string, topic = 'orders', traceparent: string | null = null): Row {
  return {
    id: `e${i}`,
    topic,
    type: 'T',
    partitionKey: key,
    payload: { id: `e${i}`, type: 'T', occurredAt: new Date(i).toISOString() },
    state: 'pending',
    attempts: 0,
    lastError: null,
    seq: i,
    traceparent,
  };
}

class FakeSidecar {
  /** Each call with the trace context it was made in (what dapr.ts sends as `traceparent`). */
  readonly calls: { topic: string; ids: string[]; keys: string[]; trace?: string | undefined }[] = [];
  failIds = new Set<string>();
  bulkMissing = false;
  /** Single publishes under way at once, at most. */
  mostAtOnce = 0;
  private atOnce = 0;

  async publish(_pubsub: string, topic: string, ce: Record<string, unknown>, md: Record<string, string>) {
    const id = String(ce.id);
    this.calls.push({ topic, ids: [id], keys: [md.partitionKey ?? ''], trace: currentTraceparent() });
    this.mostAtOnce = Math.max(this.mostAtOnce, ++this.atOnce);
    // A sidecar call takes a while: the others started meanwhile overlap it.
    await new Promise((r) => setImmediate(r));
    this.atOnce--;
    if (this.failIds.has(id)) throw new Error('publish failed');
  }

  async publishBulk(
    _pubsub: string,
    topic: string,
    entries: { entryId: string; event: Record<string, unknown>; metadata?: Record<string, string> }[],
  ) {
    if (this.bulkMissing) throw new BulkPublishUnsupportedError('404');
    expect(entries.every((e) => e.event.id === e.entryId)).toBe(true);
    this.calls.push({
      topic,
      ids: entries.map((e) => e.entryId),
      keys: entries.map((e) => e.metadata?.partitionKey ?? ''),
      trace: currentTraceparent(),
    });
    return new Map(entries.filter((e) => this.failIds.has(e.entryId)).map((e) => [e.entryId, 'publish failed']));
  }
}

function relayOver(rows: Row[], sidecar: FakeSidecar) {
  return new OutboxRelay({
    // Only the commit subscriber touches the ORM; the store stands in for the table.
    orm: { em: { getEventManager: () => ({ registerSubscriber: () => undefined }) } } as unknown as MikroORM,
    store: fakeStore(rows),
    dapr: sidecar as unknown as DaprSidecar,
    pubsub: 'pubsub',
    source: 'test',
    logger,
    metrics,
    pollMs: 60_000,
  });
}

/** One relay pass over the rows: kicked once, then stopped (stop waits for the pass). */
async function pass(relay: OutboxRelay) {
  relay.kick();
  await relay.stop();
}

describe('outbox relay', () => {
  it('publishes in rounds: one call per topic and round, a key at most once per call, in order', async () => {
    const rows = [row(1, 'a'), row(2, 'b'), row(3, 'a'), row(4, 'c', 'catalog'), row(5, 'd', 'catalog'), row(6, 'a')];
    const sidecar = new FakeSidecar();
    await pass(relayOver(rows, sidecar));
    expect(rows.every((r) => r.state === 'published')).toBe(true);
    for (const call of sidecar.calls) expect(new Set(call.keys).size).toBe(call.keys.length);
    const order = sidecar.calls.flatMap((c) => c.ids);
    expect(order.indexOf('e1')).toBeLessThan(order.indexOf('e3'));
    expect(order.indexOf('e3')).toBeLessThan(order.indexOf('e6'));
    // Round 1: orders [e1, e2] and catalog [e4, e5]; round 2: e3 alone; round 3: e6 alone.
    expect(sidecar.calls).toHaveLength(4);
  });

  it('a failed event stops its key; the other keys are published', async () => {
    const rows = [row(1, 'a'), row(2, 'b'), row(3, 'a'), row(4, 'b')];
    const sidecar = new FakeSidecar();
    sidecar.failIds.add('e1');
    await pass(relayOver(rows, sidecar));
    expect(rows.map((r) => r.state)).toEqual(['pending', 'published', 'pending', 'published']);
    expect(rows[0]?.attempts).toBe(1);
    expect(rows[0]?.lastError).toContain('failed');
    expect(sidecar.calls.flatMap((c) => c.ids)).not.toContain('e3');
  });

  it('falls back to one publish per event when the sidecar has no bulk API', async () => {
    const rows = [row(1, 'a'), row(2, 'b'), row(3, 'c')];
    const sidecar = new FakeSidecar();
    sidecar.bulkMissing = true;
    const relay = relayOver(rows, sidecar);
    await pass(relay);
    // The first pass fails as a whole (nothing lost: the events stay pending) ...
    expect(rows.every((r) => r.state === 'pending')).toBe(true);
    // ... and the next one publishes event by event.
    (relay as unknown as { stopped: boolean }).stopped = false;
    await pass(relay);
    expect(rows.every((r) => r.state === 'published')).toBe(true);
    expect(sidecar.calls.map((c) => c.ids.length)).toEqual([1, 1, 1]);
  });

  it('when the store parks a failing event, then the relay counts it in outbox_parked_total and its key goes on', async () => {
    const parkedTotal = async () =>
      (await metrics.registry.getSingleMetric('outbox_parked_total')?.get())?.values.find(
        (v) => v.labels.topic === 'orders',
      )?.value ?? 0;
    const before = await parkedTotal();
    const rows = [{ ...row(1, 'a'), attempts: MAX_ATTEMPTS - 1 }, row(2, 'a')];
    const sidecar = new FakeSidecar();
    sidecar.failIds.add('e1');
    const relay = relayOver(rows, sidecar);
    await pass(relay);
    expect(rows.map((r) => r.state)).toEqual(['parked', 'pending']);
    expect((await parkedTotal()) - before).toBe(1);
    // The next pass publishes the key's later event: a parked event no longer holds its key.
    (relay as unknown as { stopped: boolean }).stopped = false;
    await pass(relay);
    expect(rows.map((r) => r.state)).toEqual(['parked', 'published']);
  });

  it('publishes each event in the trace context its row keeps: one call per topic and context, none without', async () => {
    const t1 = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const t2 = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const rows = [
      row(1, 'a', 'orders', t1),
      row(2, 'b', 'orders', t1),
      row(3, 'c', 'orders', t2),
      row(4, 'd'),
      row(5, 'e'),
    ];
    const sidecar = new FakeSidecar();
    const relay = relayOver(rows, sidecar);
    // Kicked by a request of a third trace (a commit's kick): none of its events is published in it.
    inTrace('00-11111111111111111111111111111111-2222222222222222-01', () => relay.kick());
    await relay.stop();
    expect(rows.every((r) => r.state === 'published')).toBe(true);
    const calls = sidecar.calls
      .map((c) => ({ ids: c.ids.join(','), trace: c.trace }))
      .sort((x, y) => x.ids.localeCompare(y.ids));
    expect(calls).toEqual([
      { ids: 'e1,e2', trace: t1 },
      { ids: 'e3', trace: t2 },
      { ids: 'e4,e5', trace: undefined },
    ]);
  });

  it('publishes the events of a hundred traces in calls of their own, 16 at a time at most', async () => {
    const trace = (i: number) => `00-${(i + 1).toString(16).padStart(32, '0')}-b7ad6b7169203331-01`;
    const rows = Array.from({ length: 100 }, (_, i) => row(i + 1, `k${i}`, 'orders', trace(i)));
    const sidecar = new FakeSidecar();
    await pass(relayOver(rows, sidecar));
    expect(rows.every((r) => r.state === 'published')).toBe(true);
    expect(sidecar.calls.every((c) => c.ids.length === 1 && c.trace === trace(Number(c.ids[0]?.slice(1)) - 1))).toBe(
      true,
    );
    expect({ calls: sidecar.calls.length, mostAtOnce: sidecar.mostAtOnce }).toEqual({ calls: 100, mostAtOnce: 16 });
  });
});
