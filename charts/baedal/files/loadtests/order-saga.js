// GENERATED from loadtests/order-saga.js by tools/k8s/sync-chart-files.sh: edit the source, then rerun the script.
// @ts-check
/**
 * Whole sagas at a ramping arrival rate (an open model: new sagas start on
 * schedule however slow the system gets, as real customers would):
 * the customer orders and pays, the owner accepts, starts and finishes
 * cooking, a rider nearby sees the delivery, picks it up and delivers it, the
 * customer confirms. The eventual steps (the owner's inbox, the delivery
 * becoming visible, the order following the delivery) are polled every
 * 100 ms, so `saga_duration` includes the event propagation through Dapr.
 *
 *   k6 run -e BASE_URL=https://<ingress host> loadtests/order-saga.js
 *
 * Env: BASE_URL (default http://127.0.0.1:8080), CUSTOMER_USER (alice),
 * OWNER_USER (owner1; the orders go to the owner's store), RIDER_USER
 * (rider1), PASSWORD (demo-pass), SAGA_RATE (peak sagas per second, 5),
 * SAGA_HOLD (how long the peak lasts, 60s). Lift the per-user rate limit for
 * the test (RATE_LIMIT_ENABLED=false, or the chart's app.rateLimit).
 */
import http from 'k6/http';
import { check, fail, sleep } from 'k6';
import { Counter, Trend } from 'k6/metrics';

const base = (__ENV.BASE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const password = __ENV.PASSWORD || 'demo-pass';
const users = {
  customer: __ENV.CUSTOMER_USER || 'alice',
  owner: __ENV.OWNER_USER || 'owner1',
  rider: __ENV.RIDER_USER || 'rider1',
};
const rate = Number(__ENV.SAGA_RATE || 5);
const hold = __ENV.SAGA_HOLD || '60s';
const pollSeconds = 0.1;
const pollAttempts = 150; // 15 s per eventual step

const sagaDuration = new Trend('saga_duration', true);
const sagasCompleted = new Counter('sagas_completed');

/** @type {import('k6/options').Options} */
export const options = {
  scenarios: {
    sagas: {
      executor: 'ramping-arrival-rate',
      startRate: 1,
      timeUnit: '1s',
      preAllocatedVUs: 20,
      maxVUs: 200,
      stages: [
        { target: rate, duration: '30s' },
        { target: rate, duration: hold },
        { target: 0, duration: '15s' },
      ],
      gracefulStop: '30s',
    },
  },
  thresholds: {
    'http_req_failed{scenario:sagas}': ['rate<0.01'],
    'http_req_duration{scenario:sagas}': ['p(95)<300'],
    'http_req_duration{scenario:sagas,step:place}': ['p(95)<500'],
    'checks{scenario:sagas}': ['rate>0.99'],
    saga_duration: ['p(95)<5000'],
    // Sagas the arrival rate wanted but no free virtual user could start.
    dropped_iterations: ['count<10'],
  },
  setupTimeout: '180s',
  summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'],
};

/**
 * @param {'GET' | 'POST'} method
 * @param {string} path
 * @param {{ token?: string, body?: unknown, step: string, expect?: number[] }} opts
 */
function call(method, path, opts) {
  return http.request(method, `${base}${path}`, opts.body === undefined ? null : JSON.stringify(opts.body), {
    headers: {
      ...(opts.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...(opts.token ? { Authorization: `Bearer ${opts.token}` } : {}),
    },
    tags: { name: `${method} ${path.replace(/[0-9a-f-]{36}/g, '{id}').replace(/\?.*$/, '')}`, step: opts.step },
    // Polls expect "not yet" answers (409 from confirm before the order has followed the delivery).
    responseCallback: http.expectedStatuses(...(opts.expect ?? [200, 201])),
  });
}

/** Logs in, retrying while the app is still starting. @param {string} username */
function login(username) {
  for (let attempt = 1; attempt <= 60; attempt++) {
    const res = call('POST', '/api/auth/login', {
      body: { username, password },
      step: 'login',
      expect: [200, 401, 503],
    });
    if (res.status === 200) return /** @type {{ accessToken: string, user: { storeId?: string } }} */ (res.json());
    if (res.status === 401) fail(`login as ${username} refused: wrong user or password (demo data off?)`);
    sleep(2);
  }
  return fail(`login as ${username}: the app did not answer within 2 minutes`);
}

/**
 * Polls until probe() returns something, at most pollAttempts times.
 * @template T
 * @param {() => T | undefined} probe
 * @returns {T | undefined}
 */
function until(probe) {
  for (let i = 0; i < pollAttempts; i++) {
    const v = probe();
    if (v !== undefined) return v;
    sleep(pollSeconds);
  }
  return undefined;
}

export function setup() {
  const customer = login(users.customer).accessToken;
  const ownerLogin = login(users.owner);
  const rider = login(users.rider).accessToken;
  const storeId = ownerLogin.user.storeId ?? fail(`${users.owner} owns no store`);
  const stores = /** @type {{ id: string, location: { lat: number, lng: number } }[]} */ (
    call('GET', '/api/stores', { step: 'setup' }).json()
  );
  const store = stores.find((s) => s.id === storeId) ?? fail(`store ${storeId} is not listed`);
  const menu = /** @type {{ id: string }[]} */ (call('GET', `/api/stores/${storeId}/menu`, { step: 'setup' }).json());
  const item = menu[0] ?? fail(`store ${storeId} has no menu`);
  return { customer, owner: ownerLogin.accessToken, rider, storeId, location: store.location, menuItemId: item.id };
}

/** @param {ReturnType<typeof setup>} d */
export default function (d) {
  const started = Date.now();
  const placed = call('POST', '/api/orders', {
    token: d.customer,
    step: 'place',
    expect: [201],
    body: {
      storeId: d.storeId,
      items: [{ menuItemId: d.menuItemId, quantity: 1 }],
      deliveryAddress: { line: `k6 saga ${__VU}-${__ITER}`, lat: d.location.lat + 0.002, lng: d.location.lng + 0.002 },
    },
  });
  if (!check(placed, { 'order placed (201)': (r) => r.status === 201 })) return;
  const orderId = /** @type {{ id: string }} */ (placed.json()).id;

  const inInbox = until(() => {
    const r = call('GET', '/api/store/orders?status=PAID', { token: d.owner, step: 'inbox' });
    const list = r.status === 200 ? /** @type {{ orderId: string }[]} */ (r.json()) : [];
    return list.some((o) => o.orderId === orderId) ? true : undefined;
  });
  if (!check(inInbox, { 'order reached the owner': (v) => v === true })) return;

  for (const action of ['accept', 'start-cooking', 'finish-cooking']) {
    const r = call('POST', `/api/store/orders/${orderId}/${action}`, { token: d.owner, step: action });
    if (!check(r, { [`owner: ${action} (200)`]: (res) => res.status === 200 })) return;
  }

  const near = `lat=${d.location.lat}&lng=${d.location.lng}&radiusKm=3`;
  const delivery = until(() => {
    const r = call('GET', `/api/deliveries?${near}`, { token: d.rider, step: 'deliveries' });
    const list = r.status === 200 ? /** @type {{ id: string, orderId: string }[]} */ (r.json()) : [];
    return list.find((x) => x.orderId === orderId);
  });
  if (!check(delivery, { 'delivery visible to the rider': (v) => v !== undefined }) || !delivery) return;

  for (const action of ['pick', 'deliver']) {
    const r = call('POST', `/api/deliveries/${delivery.id}/${action}`, { token: d.rider, step: action });
    if (!check(r, { [`rider: ${action} (200)`]: (res) => res.status === 200 })) return;
  }

  // 409 until the order service has followed the delivery (an event away).
  const confirmed = until(() => {
    const r = call('POST', `/api/orders/${orderId}/confirm`, {
      token: d.customer,
      step: 'confirm',
      expect: [200, 409],
    });
    return r.status === 200 ? true : undefined;
  });
  if (!check(confirmed, { 'customer confirmed (200)': (v) => v === true })) return;

  sagaDuration.add(Date.now() - started);
  sagasCompleted.add(1);
}
