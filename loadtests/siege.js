// @ts-check
/**
 * The seed's autoscale test, `siege -c20 -t40S -v http://customer:8080/customer`,
 * as a k6 script: 20 virtual users for 40 s, each reading the customer's
 * order-status view (the CQRS read model, customer service) in a closed loop
 * with no think time, like siege; then, once the HPA has had time to scale back
 * in, a longer ramp on the same view: the readers ramp up from none to 20,
 * hold, and ramp down (scenario `ramp`, executor ramping-vus). Watch the HPA
 * meanwhile: `kubectl get hpa -n baedal -w`.
 *
 *   k6 run -e BASE_URL=https://<ingress host> loadtests/siege.js
 *   k6 run -e SCENARIO=ramp ...                 one of the two (siege or ramp), at once
 *
 * setup() logs in as the customer, places one order and waits until the view
 * has it; every virtual user then reads that order. Env: BASE_URL (default
 * http://127.0.0.1:8080), CUSTOMER_USER (alice), PASSWORD (demo-pass), SCENARIO,
 * VUS and DURATION (the siege's, 20 and 40s by default: a smoke-sized run
 * such as the local cluster's `helm test` sets fewer and shorter).
 * The per-user rate limit (100 requests/s by default) must be lifted for the
 * test: RATE_LIMIT_ENABLED=false, or the chart's app.rateLimit.
 * loadtests/local/run.ts runs the same scenarios with autocannon (no k6 here),
 * reading their shapes from this file's options (loadtests/local/k6-options.ts);
 * loadtests/cluster/hpa.ts runs both against the local cluster.
 */
import http from 'k6/http';
import { check, fail, sleep } from 'k6';

const base = (__ENV.BASE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const password = __ENV.PASSWORD || 'demo-pass';
const customerUser = __ENV.CUSTOMER_USER || 'alice';

/** @type {Record<string, import('k6/options').Scenario>} */
const scenarios = {
  siege: {
    executor: 'constant-vus',
    vus: Number(__ENV.VUS || 20),
    duration: __ENV.DURATION || '40s',
    gracefulStop: '5s',
  },
  // Longer than the siege, and gradual: the HPA sees the CPU climb over a minute
  // instead of at once. It starts after the siege's 45 s and 75 s more, about
  // the time the HPA of tools/cluster/hpa-values.yaml took to scale back in
  // (the chart's own scale-in policy takes minutes: there the ramp starts
  // before it ends); loadtests/cluster/hpa.ts waits for the scale-in instead.
  ramp: {
    executor: 'ramping-vus',
    startVUs: 0,
    stages: [
      { duration: '60s', target: 20 },
      { duration: '20s', target: 20 },
      { duration: '20s', target: 0 },
    ],
    gracefulRampDown: '5s',
    startTime: '2m',
  },
};
const only = __ENV.SCENARIO;
if (only !== undefined && !(only in scenarios)) fail(`SCENARIO must be one of ${Object.keys(scenarios).join(', ')}`);
const selected = Object.entries(scenarios).filter(([name]) => only === undefined || name === only);

/** @type {import('k6/options').Options} */
export const options = {
  // Run alone, a scenario starts at once.
  scenarios: Object.fromEntries(
    selected.map(([name, s]) => {
      const { startTime, ...atOnce } = s;
      return [name, only === undefined ? s : atOnce];
    }),
  ),
  // Only the scenarios' own requests count (not setup()'s login and order).
  thresholds: Object.fromEntries(
    selected.flatMap(([name]) => [
      [`http_req_failed{scenario:${name}}`, ['rate<0.01']],
      [`http_req_duration{scenario:${name}}`, ['p(95)<200', 'p(99)<500']],
      [`checks{scenario:${name}}`, ['rate>0.99']],
    ]),
  ),
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
