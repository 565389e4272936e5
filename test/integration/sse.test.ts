/** The live view: one event at once, then one per change, statuses in order. */
import { describe, expect, it } from '@jest/globals';
import { BASE_URL, call, eventually, login } from './client.ts';
import { recordedReplicas } from '../../tools/stack/topology.ts';
import { completeSaga, placeOrder } from './flows.ts';
import { sseEvents } from '../kit/sse.ts';

interface StreamedView {
  status: string;
  history?: { status: string }[];
}

/** Reads server-sent events from a fetch body until `stop` says so or the time is up. */
async function collect(
  url: string,
  token: string,
  stop: (views: StreamedView[]) => boolean,
  onView: () => void = () => undefined,
  ms = 20_000,
) {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), ms);
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: ac.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const views: StreamedView[] = [];
  try {
    for await (const event of sseEvents(res.body!)) {
      views.push(JSON.parse(event.data) as StreamedView);
      onView();
      if (stop(views)) break;
    }
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
  return views;
}

describe('live order status (SSE)', () => {
  it('when the saga runs, then the stream shows every status in order', async () => {
    const [alice, owner, rider] = await Promise.all([login('alice'), login('owner1'), login('rider1')]);
    const order = await placeOrder(alice);
    // The view is eventually consistent: the stream exists once the view has seen the order.
    await eventually(async () =>
      (await call('GET', `/api/order-status/${order.id}`, { token: alice })).status === 200 ? true : undefined,
    );
    let connected: () => void = () => undefined;
    const firstView = new Promise<void>((resolve) => (connected = resolve));
    const streamed = collect(
      `${BASE_URL}/api/order-status/${order.id}/stream`,
      alice,
      (v) => v.some((x) => x.status === 'COMPLETED'),
      () => connected(),
    );
    await firstView;
    await completeSaga({ customer: alice, owner, rider }, order);
    const views = await streamed;
    const statuses = views.map((v) => v.status).filter((s, i, all) => i === 0 || all[i - 1] !== s);
    const lifecycle = ['PAID', 'ACCEPTED', 'COOKING', 'COOKED', 'PICKED_UP', 'DELIVERED', 'COMPLETED'];
    if (recordedReplicas() === 1) {
      expect(statuses).toEqual(lifecycle);
    } else {
      // Another replica's changes come by the stream's state store poll, which sees
      // only the newest view: steps faster than a poll arrive merged. Still in
      // order, never backwards, ending COMPLETED, with every step in the history.
      expect(statuses[0]).toBe('PAID');
      expect(statuses.at(-1)).toBe('COMPLETED');
      expect(statuses.map((s) => lifecycle.indexOf(s))).toEqual(
        statuses.map((s) => lifecycle.indexOf(s)).sort((a, b) => a - b),
      );
      expect(views.at(-1)?.history?.map((h) => h.status)).toEqual(lifecycle);
    }
  });
});
