/**
 * Event to view: the time from the order service's status change (its history
 * timestamp) to the status arriving on the customer's live stream (SSE through
 * the entry point), for owner actions made through the API while orders are
 * placed in the background.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { call, login } from '../../test/kit/api.ts';
import { sseEvents } from '../../test/kit/sse.ts';
import { orderBody, ownerStep, type OwnerAction } from '../customers.ts';
import { percentiles, round } from '../figures.ts';
import { entry } from '../instance.ts';
import { paced } from '../load.ts';
import { eventOrders, instanceBroker, log } from '../settings.ts';

interface StreamView {
  status: string;
  history: { status: string; at: string }[];
}

/** The customer's live stream of one order: every view it sends, with its arrival time (epoch ms). */
async function openStream(orderId: string, token: string) {
  const abort = new AbortController();
  const res = await fetch(`${entry}/api/order-status/${orderId}/stream`, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    signal: abort.signal,
  });
  if (res.status !== 200 || !res.body) throw new Error(`stream of ${orderId}: ${res.status}`);
  const waiting: { status: string; resolve: (v: { view: StreamView; at: number }) => void }[] = [];
  const seen: { view: StreamView; at: number }[] = [];
  const body = res.body;
  void (async () => {
    try {
      for await (const event of sseEvents(body)) {
        const item = { view: JSON.parse(event.data) as StreamView, at: event.at };
        seen.push(item);
        for (const w of waiting.splice(0)) {
          if (w.status === item.view.status) w.resolve(item);
          else waiting.push(w);
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    /** Resolves when a view with this status arrives (or has arrived). */
    next(status: string, timeoutMs = 10_000): Promise<{ view: StreamView; at: number }> {
      const found = seen.find((s) => s.view.status === status);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${orderId}: no ${status} on the stream`)), timeoutMs);
        waiting.push({
          status,
          resolve: (v) => {
            clearTimeout(timer);
            resolve(v);
          },
        });
      });
    },
    close: () => abort.abort(),
  };
}

export async function phaseEvents(
  tokens: string[],
  backgroundRate: number,
  orders = eventOrders,
  what = 'event to view',
) {
  log(
    `${what} on ${instanceBroker}: ${orders} orders x 3 owner actions, orders placed at ${backgroundRate}/s meanwhile`,
  );
  const alice = (await login(entry, 'alice')).accessToken;
  const owner = (await login(entry, 'owner1')).accessToken;
  const orderIds: string[] = [];
  for (let i = 0; i < orders; i++) {
    const r = await call<{ id: string }>(entry, 'POST', '/api/orders', { token: alice, body: orderBody(`event ${i}`) });
    if (r.status !== 201) throw new Error(`placing an order: ${r.status} ${JSON.stringify(r.body)}`);
    orderIds.push(r.body.id);
  }
  const background = paced({
    url: `${entry}/api/orders`,
    method: 'POST',
    body: JSON.stringify(orderBody('background')),
    tokens,
    connections: 8,
    seconds: 600,
    rate: backgroundRate,
  });
  await sleep(1000);
  const samples: number[] = [];
  const detail: { orderId: string; status: string; changedAt: string; ms: number }[] = [];
  const misses: string[] = [];
  const steps = [
    ['accept', 'ACCEPTED'],
    ['start-cooking', 'COOKING'],
    ['finish-cooking', 'COOKED'],
  ] as const satisfies readonly (readonly [OwnerAction, string])[];
  try {
    for (const orderId of orderIds) {
      const stream = await openStream(orderId, alice);
      try {
        await stream.next('PAID');
        for (const [action, status] of steps) {
          const r = await ownerStep(orderId, action, owner);
          if (r !== 200) {
            misses.push(`${action} ${orderId}: ${r}`);
            break;
          }
          const seen = await stream.next(status);
          const changedAt = seen.view.history.find((h) => h.status === status)?.at;
          if (!changedAt) throw new Error(`${orderId}: ${status} without a history entry`);
          const ms = round(seen.at - Date.parse(changedAt), 1);
          samples.push(ms);
          detail.push({ orderId, status, changedAt, ms });
        }
      } catch (e) {
        misses.push((e as Error).message);
      } finally {
        stream.close();
      }
    }
  } finally {
    background.stop();
  }
  const bg = await background.done;
  return {
    ...percentiles(samples),
    misses,
    background: { rate: backgroundRate, rps: bg.rps, failures: bg.failures },
    samples: detail,
  };
}

export type EventsResult = Awaited<ReturnType<typeof phaseEvents>>;
