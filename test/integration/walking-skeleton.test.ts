/**
 * The wiring is real: an order placed through the entry point makes the order
 * service call payment through its sidecar (service invocation), publish
 * OrderPlaced through pub/sub (Redis Streams), and the store service receive it
 * through its own sidecar's subscription — each visible through an HTTP read
 * and in the sidecars' own metrics.
 */
import { describe, expect, it } from '@jest/globals';
import { demoStores } from '@baedal/platform/contracts/demo';
import { apps } from '../../tools/stack/env-instance.ts';
import { serviceOf } from '../../tools/stack/topology.ts';
import { call, eventually, login, scrapeCounter } from './client.ts';

const sidecarMetrics = (name: string) => {
  const app = apps.find((a) => a.name === name);
  if (!app?.dapr) throw new Error(`no sidecar for ${name}`);
  return `http://127.0.0.1:${app.dapr.metricsPort}/metrics`;
};

/** A counter summed over the sidecars of every replica of `service` (a call or an event reaches one of them). */
const overReplicas = async (service: string, name: string, labels: Record<string, string>) => {
  let sum = 0;
  for (const app of apps.filter((a) => serviceOf(a) === service && a.dapr))
    sum += await scrapeCounter(sidecarMetrics(app.name), name, labels);
  return sum;
};

const store = demoStores[0];

describe('walking skeleton (real daprd, MariaDB, Redis)', () => {
  it('every service answers /healthz, /readyz and /metrics on its own port', async () => {
    for (const app of apps) {
      const base = `http://127.0.0.1:${app.appPort}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const ready = await fetch(`${base}/readyz`);
      expect({ app: app.name, status: ready.status }).toEqual({ app: app.name, status: 200 });
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toContain('process_resident_memory_bytes');
    }
  });

  it('when a customer orders, then payment is invoked through the sidecar and the store receives the event through its own', async () => {
    // Counters of the sidecars themselves: order's sidecar sent, payment's sidecar received.
    const invocations = async () => ({
      sent: await scrapeCounter(sidecarMetrics('order'), 'dapr_runtime_service_invocation_req_sent_total', {
        app_id: 'order',
        dst_app_id: 'payment',
      }),
      received: await overReplicas('payment', 'dapr_runtime_service_invocation_req_recv_total', {
        app_id: 'payment',
        src_app_id: 'order',
      }),
    });
    const published = () =>
      overReplicas('order', 'dapr_component_pubsub_egress_count', {
        app_id: 'order',
        topic: 'orders',
      });
    const delivered = () =>
      overReplicas('store', 'dapr_component_pubsub_ingress_count', {
        app_id: 'store',
        topic: 'orders',
        status: 'success',
      });
    const before = { ...(await invocations()), published: await published(), delivered: await delivered() };

    const alice = await login('alice');
    const placed = await call<{ id: string; status: string; totalAmount: number }>('POST', '/api/orders', {
      token: alice,
      body: {
        storeId: store.id,
        items: [
          { menuItemId: store.items[0].id, quantity: 2 },
          { menuItemId: store.items[2].id, quantity: 1 },
        ],
        deliveryAddress: { line: '1 Teheran-ro, Gangnam-gu', lat: 37.5006, lng: 127.0364 },
      },
    });
    expect(placed.status).toBe(201);
    expect(placed.body.status).toBe('PAID');
    expect(placed.body.totalAmount).toBe(store.items[0].unitPrice * 2 + store.items[2].unitPrice);
    expect(placed.headers.get('location')).toBe(`/api/orders/${placed.body.id}`);
    const orderId = placed.body.id;

    // Service invocation: the payment service holds the charge the order service asked for.
    const payments = await call<{ orderId: string; amount: number; status: string }[]>(
      'GET',
      `/api/payments?orderId=${orderId}`,
      { token: alice },
    );
    expect(payments.status).toBe(200);
    expect(payments.body).toEqual([
      expect.objectContaining({ orderId, amount: placed.body.totalAmount, status: 'APPROVED' }),
    ]);

    // Pub/sub: the store's inbox (fed only by its sidecar subscription) shows the order.
    const owner = await login('owner1');
    const inboxRow = await eventually(async () => {
      const r = await call<{ orderId: string; status: string; totalAmount: number }[]>('GET', '/api/store/orders', {
        token: owner,
      });
      return r.body.find((o) => o.orderId === orderId);
    });
    expect(inboxRow).toEqual(
      expect.objectContaining({ orderId, status: 'PAID', totalAmount: placed.body.totalAmount }),
    );

    // The CQRS view (customer service, Dapr state store) saw the same event.
    const view = await eventually(async () => {
      const r = await call<{ status: string }>('GET', `/api/order-status/${orderId}`, { token: alice });
      return r.status === 200 ? r.body : undefined;
    });
    expect(view.status).toBe('PAID');

    // And the sidecars say so themselves.
    const after = await invocations();
    expect(after.sent).toBeGreaterThan(before.sent);
    expect(after.received).toBeGreaterThan(before.received);
    expect(await published()).toBeGreaterThan(before.published);
    expect(await delivered()).toBeGreaterThan(before.delivered);
  });
});
