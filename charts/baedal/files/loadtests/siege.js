// GENERATED from loadtests/siege.js by tools/k8s/sync-chart-files.sh: edit the source, then rerun the script.
// @ts-check
/**
 * The seed's autoscale test, `siege -c20 -t40S -v http://customer:8080/customer`,
 * as a k6 script: 20 virtual users for 40 s, each reading the customer's
 * order-status view (the CQRS read model, customer service) in a closed loop
 * with no think time, like siege. Watch the HPA meanwhile:
 * `kubectl get hpa -n baedal -w`.
 *
 *   k6 run -e BASE_URL=https://<ingress host> loadtests/siege.js
 *
 * setup() logs in as the customer, places one order and waits until the view
 * has it; every virtual user then reads that order. Env: BASE_URL (default
 * http://127.0.0.1:8080), CUSTOMER_USER (alice), PASSWORD (demo-pass).
 * The per-user rate limit (100 requests/s by default) must be lifted for the
 * test: RATE_LIMIT_ENABLED=false, or the chart's app.rateLimit.
 * loadtests/local/run.ts runs the same scenario with autocannon (no k6 here).
 */
import http from 'k6/http';
import { check, fail, sleep } from 'k6';

const base = (__ENV.BASE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const password = __ENV.PASSWORD || 'demo-pass';
const customerUser = __ENV.CUSTOMER_USER || 'alice';

/** @type {import('k6/options').Options} */
export const options = {
  scenarios: {
    siege: { executor: 'constant-vus', vus: 20, duration: '40s', gracefulStop: '5s' },
  },
  // Only the siege's own requests count (not setup()'s login and order).
  thresholds: {
    'http_req_failed{scenario:siege}': ['rate<0.01'],
    'http_req_duration{scenario:siege}': ['p(95)<200', 'p(99)<500'],
    'checks{scenario:siege}': ['rate>0.99'],
  },
  setupTimeout: '180s',
  summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'],
};

/** @param {string} path @param {unknown} body @param {string} [token] @param {string} [idempotencyKey] */
function post(path, body, token, idempotencyKey) {
  return http.post(`${base}${path}`, JSON.stringify(body), {
    headers: {
      'Content-Type': 'application/json',
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {}),
    },
    tags: { name: `POST ${path.replace(/[0-9a-f-]{36}/g, '{id}')}` },
  });
}

/** @param {string} path @param {string} [token] */
function get(path, token) {
  return http.get(`${base}${path}`, {
    headers: token ? { Authorization: `Bearer ${token}` } : {},
    tags: { name: `GET ${path.replace(/[0-9a-f-]{36}/g, '{id}').replace(/\?.*$/, '')}` },
  });
}

/** Logs in, retrying while the app is still starting (the k6 Job may start first). @param {string} username */
function login(username) {
  for (let attempt = 1; attempt <= 60; attempt++) {
    const res = post('/api/auth/login', { username, password });
    if (res.status === 200) return /** @type {{ accessToken: string }} */ (res.json()).accessToken;
    if (res.status === 401) fail(`login as ${username} refused: wrong user or password (demo data off?)`);
    sleep(2);
  }
  return fail(`login as ${username}: the app did not answer within 2 minutes`);
}

export function setup() {
  const token = login(customerUser);
  const stores = /** @type {{ id: string, open: boolean, location: { lat: number, lng: number } }[]} */ (
    get('/api/stores').json()
  );
  const store = stores.find((s) => s.open) ?? fail('no open store');
  const menu = /** @type {{ id: string }[]} */ (get(`/api/stores/${store.id}/menu`).json());
  const item = menu[0] ?? fail(`store ${store.id} has no menu`);
  const order = {
    storeId: store.id,
    items: [{ menuItemId: item.id, quantity: 1 }],
    deliveryAddress: { line: 'k6 siege', lat: store.location.lat + 0.002, lng: store.location.lng + 0.002 },
  };
  // 503 + Retry-After while payment is unavailable: retry for up to a minute with the same Idempotency-Key.
  const key = `k6-siege-${Date.now()}`;
  let placed = post('/api/orders', order, token, key);
  for (let i = 0; i < 20 && placed.status === 503; i++) {
    sleep(3);
    placed = post('/api/orders', order, token, key);
  }
  if (placed.status !== 201) fail(`placing the order: ${placed.status} ${placed.body}`);
  const orderId = /** @type {{ id: string }} */ (placed.json()).id;
  // The view is eventually consistent: wait until it has the order.
  for (let i = 0; i < 300; i++) {
    if (get(`/api/order-status/${orderId}`, token).status === 200) return { token, orderId };
    sleep(0.1);
  }
  return fail(`order ${orderId} did not reach the status view within 30 s`);
}

/** @param {{ token: string, orderId: string }} data */
export default function (data) {
  const res = http.get(`${base}/api/order-status/${data.orderId}`, {
    headers: { Authorization: `Bearer ${data.token}` },
    tags: { name: 'GET /api/order-status/{id}' },
  });
  check(res, {
    'status is 200': (r) => r.status === 200,
    'the view shows the order': (r) =>
      r.status === 200 && /** @type {{ orderId: string }} */ (r.json()).orderId === data.orderId,
  });
}
