/**
 * One order, one trace: an order placed and walked to COMPLETED through the
 * entry point (customer, owner, rider, customer again) is one trace in the
 * stack's Zipkin, whose id is the order id without its dashes, and that trace
 * holds spans of all five services' sidecars (each under its Dapr app id): the charge (order → payment),
 * each of the order's seven events published and delivered to its four
 * consumers, the owner's transitions (store → order), the rider's events
 * (delivery → order), and the calls a consumer makes while handling an event
 * (the customer's state store). Any broken link leaves spans in a trace of
 * their own, missing here.
 *
 * Needs a stack brought up with --observe (npm run stack -- up --observe).
 */
import { describe, expect, it } from '@jest/globals';
import { orderTraceId } from '@baedal/platform/trace';
import { recordedObserve } from '../../tools/stack/env-instance.ts';
import { fetchTrace, spansByService, traceUiUrl, zipkinApi, type ZipkinSpan } from '../../tools/stack/trace-view.ts';
import { login } from '../integration/client.ts';
import { fullSaga, orderReaches } from '../integration/flows.ts';

const services = ['order', 'payment', 'store', 'delivery', 'customer'] as const;
/** OrderPlaced, OrderAccepted, CookingStarted, CookingFinished, OrderPickedUp, OrderDelivered, OrderCompleted. */
const ORDER_EVENTS = 7;

const count = (names: Map<string, number> | undefined, match: RegExp) =>
  [...(names ?? new Map<string, number>())].filter(([n]) => match.test(n)).reduce((sum, [, c]) => sum + c, 0);

/**
 * What the trace of a completed saga must hold, as counts of span names per
 * service (each the sidecar's): undefined once everything is there.
 */
function missing(trace: ZipkinSpan[] | undefined): string | undefined {
  if (!trace) return 'no trace yet';
  const seen = spansByService(trace);
  const lacks = services.filter((s) => !seen.has(s));
  if (lacks.length > 0) return `no spans of ${lacks.join(', ')}`;
  // Span names are the sidecars' (Dapr 1.18): `pubsub/<topic>` a delivery to the app,
  // `/v1.0/publish/...` a publish, `CallLocal/<app>/<method>` an invocation, `/v1.0/state/...`;
  // Zipkin keeps them in lower case, hence /i.
  const wants: [string, RegExp, number][] = [
    // The charge while placing the order (order → payment).
    ['payment', /^CallLocal\/payment\/internal\/payments$/i, 1],
    // The order's seven events, placed to completed, each published in the trace ...
    ['order', /^\/v1\.0\/publish\/pubsub\/orders$/i, ORDER_EVENTS],
    // ... and delivered to each of its four consumers in it (the outbox kept the context).
    ...(['payment', 'store', 'delivery', 'customer'] as const).map((s): [string, RegExp, number] => [
      s,
      /^pubsub\/orders$/i,
      ORDER_EVENTS,
    ]),
    // The owner's accept, start and finish (store → order), in the order's trace.
    ['store', /^CallLocal\/order\/internal\/orders\/[^/]+\/transitions$/i, 3],
    // The rider's pick-up and delivery: published by delivery, delivered to order.
    ['delivery', /^\/v1\.0\/publish\/pubsub\/deliveries$/i, 2],
    ['order', /^pubsub\/deliveries$/i, 2],
    // What the customer service does while handling an event (its sidecar's traceparent handed on).
    ['customer', /^\/v1\.0\/state\/statestore/i, 1],
  ];
  for (const [service, match, least] of wants) {
    const n = count(seen.get(service), match);
    if (n < least) return `${service}: ${n} span(s) matching ${match}, expected at least ${least}`;
  }
  return undefined;
}

describe('one order, one trace', () => {
  it('when an order is walked to COMPLETED, then one trace (the order id) holds spans of all five services', async () => {
    expect({ observed: recordedObserve() }).toEqual({ observed: true });
    const t = { customer: await login('alice'), owner: await login('owner1'), rider: await login('rider1') };
    const started = Date.now();
    const order = await fullSaga(t);
    await orderReaches(t.customer, order.id, 'COMPLETED');
    const sagaMs = Date.now() - started;
    const traceId = orderTraceId(order.id) ?? '';

    // The sidecars export in batches (every few seconds): wait until the last steps are in.
    let trace: ZipkinSpan[] | undefined;
    let why: string | undefined = 'not read yet';
    const deadline = Date.now() + 30_000;
    while (why !== undefined && Date.now() < deadline) {
      trace = await fetchTrace(traceId);
      why = missing(trace);
      if (why !== undefined) await new Promise((r) => setTimeout(r, 1000));
    }

    const seen = trace ? spansByService(trace) : new Map<string, Map<string, number>>();
    const lines = [
      `order ${order.id}: ${trace?.length ?? 0} spans, ${zipkinApi}/trace/${traceId}, ${traceUiUrl(traceId)} ` +
        `(npm run trace -- ${order.id}), saga ${sagaMs} ms`,
    ];
    for (const service of services) {
      const names = seen.get(service) ?? new Map<string, number>();
      const total = [...names.values()].reduce((a, b) => a + b, 0);
      const top = [...names].sort((a, b) => b[1] - a[1]).map(([n, c]) => `${c}× ${n}`);
      lines.push(`  ${service.padEnd(8)} ${String(total).padStart(3)} spans: ${top.join(', ')}`);
    }
    const others = [...seen.keys()].filter((s) => !(services as readonly string[]).includes(s));
    if (others.length > 0) lines.push(`  also: ${others.join(', ')}`);
    console.log(lines.join('\n'));

    expect({ missing: why }).toEqual({ missing: undefined });
    expect([...seen.keys()].sort()).toEqual([...services].sort());
  });
});
