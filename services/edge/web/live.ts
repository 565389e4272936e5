/**
 * The live order view: text/event-stream read with fetch (EventSource cannot
 * send the bearer token), reconnecting until the order is final.
 */
import type { OrderStatusResponse } from '@baedal/platform/contracts/api';
import { isFinal } from '@baedal/platform/contracts/lifecycle';
import { ApiError } from './api.ts';
import { sleep } from './dom.ts';
import { session } from './session.ts';

/** Splits a text/event-stream buffer into complete events' data and the unfinished rest. */
export function parseEvents(buffer: string): { data: string[]; rest: string } {
  const events = buffer.split(/\r?\n\r?\n/);
  const rest = events.pop() ?? '';
  const data = events
    .map((raw) =>
      raw
        .split(/\r?\n/)
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).replace(/^ /, ''))
        .join('\n'),
    )
    .filter(Boolean);
  return { data, rest };
}

export async function streamView(
  orderId: string,
  signal: AbortSignal,
  onView: (view: OrderStatusResponse) => void,
): Promise<void> {
  let last: OrderStatusResponse | null = null;
  for (let attempt = 0; !signal.aborted; attempt++) {
    try {
      const res = await fetch(`/api/order-status/${orderId}/stream`, {
        headers: { Accept: 'text/event-stream', Authorization: `Bearer ${session.current?.token ?? ''}` },
        signal,
      });
      if (res.status === 404 && attempt < 20) {
        await sleep(500); // the read model may not have seen the order yet
        continue;
      }
      if (!res.ok || !res.body) {
        throw new ApiError(res.status, await res.json().catch(() => null), res.headers.get('Retry-After'));
      }
      attempt = 0;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const { data, rest } = parseEvents(buffer + value);
        buffer = rest;
        for (const d of data) onView((last = JSON.parse(d) as OrderStatusResponse));
      }
    } catch (e) {
      if (signal.aborted) return;
      if (e instanceof ApiError && e.status !== 503) throw e;
    }
    if (last && isFinal(last.status)) return;
    await sleep(2000);
  }
}
