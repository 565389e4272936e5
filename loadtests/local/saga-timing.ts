/**
 * `npm run saga:timing -- [count]`: drives whole sagas through the entry point
 * (place → accept → cook → finish → pick → deliver → confirm), one after the
 * other, and prints the median and p99 time from "order placed" to
 * "completed". Waits for eventual steps (the inbox, the delivery) by polling
 * every 5 ms, so the figure includes event propagation.
 */
import { demoStores } from '@baedal/platform/contracts/demo';
import { call, defaultBaseUrl, login as kitLogin } from '../../test/kit/api.ts';
import { quantiles } from '../../test/kit/quantiles.ts';

const base = defaultBaseUrl;
const count = Number(process.argv[2] ?? 50);
const store = demoStores[0];

const api = <T>(method: string, path: string, token?: string, body?: unknown) =>
  call<T>(base, method, path, { token, body });

async function must<T>(p: Promise<{ status: number; body: T }>, what: string): Promise<T> {
  const r = await p;
  if (r.status >= 300) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

async function until<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const login = async (username: string) => (await kitLogin(base, username)).accessToken;

const [customer, owner, rider] = [await login('alice'), await login('owner1'), await login('rider1')];

async function saga(): Promise<number> {
  const started = performance.now();
  const order = await must(
    api<{ id: string }>('POST', '/api/orders', customer, {
      storeId: store.id,
      items: [{ menuItemId: store.items[0].id, quantity: 1 }],
      deliveryAddress: { line: 'timing', lat: store.location.lat + 0.002, lng: store.location.lng + 0.002 },
    }),
    'place',
  );
  await until(async () => {
    const r = await api<{ orderId: string }[]>('GET', '/api/store/orders?status=PAID', owner);
    return r.body.some((o) => o.orderId === order.id) ? true : undefined;
  }, 'the inbox');
  for (const action of ['accept', 'start-cooking', 'finish-cooking']) {
    await must(api('POST', `/api/store/orders/${order.id}/${action}`, owner), action);
  }
  const delivery = await until(async () => {
    const r = await api<{ id: string; orderId: string }[]>(
      'GET',
      `/api/deliveries?lat=${store.location.lat}&lng=${store.location.lng}&radiusKm=3`,
      rider,
    );
    return r.body.find((d) => d.orderId === order.id);
  }, 'the delivery');
  await must(api('POST', `/api/deliveries/${delivery.id}/pick`, rider), 'pick');
  await must(api('POST', `/api/deliveries/${delivery.id}/deliver`, rider), 'deliver');
  // Confirm as soon as the order service has followed the delivery (409 until then).
  await until(async () => {
    const r = await api('POST', `/api/orders/${order.id}/confirm`, customer);
    return r.status === 200 ? true : undefined;
  }, 'confirm');
  return performance.now() - started;
}

const times: number[] = [];
for (let i = 0; i < count; i++) times.push(await saga());
const q = quantiles(times);
console.log(
  `saga: ${count} sagas placed→completed through ${base}: p50=${q(50).toFixed(1)}ms p90=${q(90).toFixed(1)}ms p99=${q(99).toFixed(1)}ms max=${q(100).toFixed(1)}ms`,
);
