/**
 * The k6 scenarios of loadtests/*.js, for the local stack (k6 is not available
 * here): the same setup, the same load shape, the same thresholds, and a
 * summary in k6's words. loadtests/local/run.ts is the command line;
 * loadtests/local/hpa-evidence.ts drives the siege while it samples CPU.
 *
 * - siege: autocannon, 20 connections (k6: 20 VUs) for 40 s, closed loop, no
 *   think time, GET /api/order-status/{id} of one order placed in setup.
 * - ramp (siege.js's second scenario): the same reads by a ramping number of
 *   virtual users (k6 ramping-vus), each one autocannon connection in a closed
 *   loop; the stages are read from siege.js's options (k6-options.ts).
 * - order-saga: whole sagas started at a ramping arrival rate (open model)
 *   with fetch, polling the eventual steps every 100 ms.
 */
import autocannon from 'autocannon';
import { DEMO_PASSWORD } from '@baedal/platform/contracts/demo';
import { call, defaultBaseUrl, login as kitLogin } from '../../test/kit/api.ts';
import { quantiles } from '../../test/kit/quantiles.ts';
import { k6Options, rampingScenario, scenarioThresholds, type K6Options } from './k6-options.ts';
import { stagesSeconds, vusAt, type Stage } from './stages.ts';

export const defaultBase = defaultBaseUrl;
const password = process.env.PASSWORD ?? DEMO_PASSWORD;

interface Threshold {
  metric: string;
  expr: string;
  ok: boolean;
}

export interface Summary {
  scenario: string;
  shape: string;
  durationSeconds: number;
  requests: number;
  failed: number;
  /** Failed requests by cause: `status 429`, `errors`, `timeouts`. */
  failures: Record<string, number>;
  latenciesMs: number[];
  extra: string[];
  thresholds: Threshold[];
}

// ---- HTTP helpers -------------------------------------------------------------

interface StoreListing {
  id: string;
  open: boolean;
  location: { lat: number; lng: number };
}

const login = (base: string, username: string) => kitLogin(base, username, password);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await probe();
    if (v !== undefined) return v;
    await sleep(100);
  }
  return undefined;
}

function placeOrder(base: string, token: string, body: unknown, idempotencyKey: string) {
  return call<{ id: string }>(base, 'POST', '/api/orders', {
    token,
    body,
    headers: { 'idempotency-key': idempotencyKey },
  });
}

// ---- siege --------------------------------------------------------------------

/** siege.js setup(): log in as the customer, place one order, wait until the view has it. */
export async function siegeSetup(base: string, customer = process.env.CUSTOMER_USER ?? 'alice') {
  const token = (await login(base, customer)).accessToken;
  const stores = (await call<StoreListing[]>(base, 'GET', '/api/stores')).body;
  const store = stores.find((s) => s.open);
  if (!store) throw new Error('no open store');
  const menu = (await call<{ id: string }[]>(base, 'GET', `/api/stores/${store.id}/menu`)).body;
  const item = menu[0];
  if (!item) throw new Error(`store ${store.id} has no menu`);
  const order = {
    storeId: store.id,
    items: [{ menuItemId: item.id, quantity: 1 }],
    deliveryAddress: { line: 'siege (local)', lat: store.location.lat + 0.002, lng: store.location.lng + 0.002 },
  };
  // 503 + Retry-After while payment is unavailable: retry for up to a minute, as a client would.
  const idempotencyKey = crypto.randomUUID();
  let placed = await placeOrder(base, token, order, idempotencyKey);
  for (let i = 0; i < 20 && placed.status === 503; i++) {
    await sleep(3000);
    placed = await placeOrder(base, token, order, idempotencyKey);
  }
  if (placed.status !== 201) throw new Error(`placing the order: ${placed.status} ${JSON.stringify(placed.body)}`);
  const orderId = placed.body.id;
  const seen = await until(async () =>
    (await call(base, 'GET', `/api/order-status/${orderId}`, { token })).status === 200 ? true : undefined,
  );
  if (!seen) throw new Error(`order ${orderId} did not reach the status view`);
  return { token, orderId };
}

export async function runSiege(opts: {
  /** Where the status view is read: the entry point, or one customer process directly (as the Ingress routes it). */
  base: string;
  connections: number;
  durationSeconds: number;
  token: string;
  orderId: string;
  /** The route under siege (default `/api/order-status/{id}`); `{id}` stands for orderId. */
  path?: string;
  onTick?: (secondsElapsed: number) => void;
  /** Every answer's status and latency (ms) as it arrives; status 0 for a request that got none (connection error, timeout). */
  onResponse?: (status: number, ms: number) => void;
}): Promise<Summary> {
  const path = opts.path ?? '/api/order-status/{id}';
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let tick = 0;
  const ticker = opts.onTick ? setInterval(() => opts.onTick?.(++tick), 1000) : undefined;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${opts.base}${path.replace('{id}', opts.orderId)}`,
        connections: opts.connections,
        duration: opts.durationSeconds,
        headers: { authorization: `Bearer ${opts.token}` },
        timeout: 10,
      },
      (err, res) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(res)),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      latencies.push(responseTime);
      statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1);
      opts.onResponse?.(statusCode, responseTime);
    });
    instance.on('reqError', () => opts.onResponse?.(0, 0));
  });
  if (ticker) clearInterval(ticker);
  const failures: Record<string, number> = {};
  for (const [status, n] of statuses) if (status >= 400) failures[`status ${status}`] = n;
  if (result.errors > result.timeouts) failures.errors = result.errors - result.timeouts;
  if (result.timeouts) failures.timeouts = result.timeouts;
  const failed = Object.values(failures).reduce((a, b) => a + b, 0);
  const requests = latencies.length + (result.errors ?? 0);
  const summary: Summary = {
    scenario: 'siege',
    shape: `${opts.connections} connections (k6: looping VUs) for ${opts.durationSeconds}s, GET ${path}`,
    durationSeconds: result.duration,
    requests,
    failed,
    failures,
    latenciesMs: latencies,
    extra: [],
    thresholds: [],
  };
  // The thresholds of loadtests/siege.js.
  const q = quantiles(latencies);
  summary.thresholds = [
    { metric: 'http_req_failed', expr: 'rate<0.01', ok: failed / Math.max(1, requests) < 0.01 },
    { metric: 'http_req_duration', expr: 'p(95)<200', ok: q(95) < 200 },
    { metric: 'http_req_duration', expr: 'p(99)<500', ok: q(99) < 500 },
  ];
  return summary;
}

// ---- ramp ---------------------------------------------------------------------

/** The k6 script whose `ramp` scenario runRamp runs. */
export const rampScript = new URL('../siege.js', import.meta.url).pathname;

/** siege.js's ramp scenario: its shape and thresholds, as k6 would read them. */
export async function rampShape(): Promise<RampShape> {
  return { ...(await rampingScenario(rampScript, 'ramp')), options: await k6Options(rampScript, { SCENARIO: 'ramp' }) };
}
export interface RampShape {
  startVUs: number;
  stages: Stage[];
  gracefulRampDown: string;
  options: K6Options;
}

/**
 * k6's ramping-vus on the status view: every 100 ms the virtual users are
 * brought to vusAt(stages); each is one autocannon connection reading in a closed
 * loop with no think time, as a k6 VU looping over the default function. A VU
 * ramped down stops within 100 ms (its request in flight is dropped, uncounted:
 * k6's gracefulRampDown lets it finish, which only shortens the tail).
 */
export async function runRamp(opts: {
  base: string;
  shape: RampShape;
  token: string;
  orderId: string;
  /** The route read (default `/api/order-status/{id}`); `{id}` stands for orderId. */
  path?: string;
  /** Every answer's status and latency (ms) as it arrives; status 0 for a request that got none. */
  onResponse?: (status: number, ms: number) => void;
  /** The virtual users running, whenever that changes. */
  onVus?: (vus: number) => void;
}): Promise<Summary> {
  const { shape } = opts;
  const path = opts.path ?? '/api/order-status/{id}';
  const url = `${opts.base}${path.replace('{id}', opts.orderId)}`;
  const total = stagesSeconds(shape.stages);
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let errors = 0;
  let timeouts = 0;
  const running: { stop: () => void; done: Promise<void> }[] = [];
  const finished: Promise<void>[] = [];
  const startVu = () => {
    let instance: autocannon.Instance | undefined;
    const done = new Promise<void>((resolve, reject) => {
      instance = autocannon(
        {
          url,
          connections: 1,
          // Stopped by the ramp; the duration only bounds a VU the ramp lost.
          duration: total + 60,
          headers: { authorization: `Bearer ${opts.token}` },
          timeout: 10,
          // How soon a stop takes effect (autocannon acts on it once per sample).
          sampleInt: 100,
        },
        (err, res) => {
          if (err) return reject(err instanceof Error ? err : new Error(String(err)));
          errors += res.errors - res.timeouts;
          timeouts += res.timeouts;
          resolve();
        },
      );
      instance.on('response', (_client, statusCode, _bytes, responseTime) => {
        latencies.push(responseTime);
        statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1);
        opts.onResponse?.(statusCode, responseTime);
      });
      instance.on('reqError', () => opts.onResponse?.(0, 0));
    });
    running.push({ stop: () => instance?.stop(), done });
  };
  const t0 = performance.now();
  let vus = -1;
  for (let t = 0; t < total; t = (performance.now() - t0) / 1000) {
    const want = vusAt(shape.startVUs, shape.stages, t);
    while (running.length < want) startVu();
    while (running.length > want) {
      const vu = running.pop();
      vu?.stop();
      if (vu) finished.push(vu.done);
    }
    if (want !== vus) opts.onVus?.((vus = want));
    await sleep(100);
  }
  for (const vu of running.splice(0)) {
    vu.stop();
    finished.push(vu.done);
  }
  opts.onVus?.(0);
  await Promise.all(finished);
  const durationSeconds = (performance.now() - t0) / 1000;
  const failures: Record<string, number> = {};
  for (const [status, n] of statuses) if (status >= 400) failures[`status ${status}`] = n;
  if (errors) failures.errors = errors;
  if (timeouts) failures.timeouts = timeouts;
  const failed = Object.values(failures).reduce((a, b) => a + b, 0);
  const requests = latencies.length + errors + timeouts;
  const q = quantiles(latencies);
  const stages = shape.stages.map((st) => `${st.target} over ${st.duration}`).join(', ');
  return {
    scenario: 'ramp',
    shape: `ramping VUs from ${shape.startVUs}: ${stages} (autocannon connections, closed loop), GET ${path}`,
    durationSeconds,
    requests,
    failed,
    failures,
    latenciesMs: latencies,
    extra: [`vus_max........................: ${Math.max(...shape.stages.map((st) => st.target), shape.startVUs)}`],
    // The thresholds of siege.js's ramp scenario.
    thresholds: scenarioThresholds(shape.options, 'ramp', {
      failedRate: failed / Math.max(1, requests),
      latency: q,
      avgMs: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
    }),
  };
}

// ---- order saga ---------------------------------------------------------------

/** order-saga.js: sagas started at a ramping arrival rate (30 s up to `rate`/s, `holdSeconds` at it, 15 s down). */
export async function runOrderSaga(opts: { base: string; rate: number; holdSeconds: number }): Promise<Summary> {
  const { base } = opts;
  const [customer, ownerLogin, rider] = await Promise.all([
    login(base, process.env.CUSTOMER_USER ?? 'alice'),
    login(base, process.env.OWNER_USER ?? 'owner1'),
    login(base, process.env.RIDER_USER ?? 'rider1'),
  ]);
  const storeId = ownerLogin.user.storeId;
  if (!storeId) throw new Error('the owner owns no store');
  const store = (await call<StoreListing[]>(base, 'GET', '/api/stores')).body.find((s) => s.id === storeId);
  if (!store) throw new Error(`store ${storeId} is not listed`);
  const item = (await call<{ id: string }[]>(base, 'GET', `/api/stores/${storeId}/menu`)).body[0];
  if (!item) throw new Error('empty menu');
  const owner = ownerLogin.accessToken;

  const latencies: number[] = [];
  const failures: Record<string, number> = {};
  const sagaMs: number[] = [];
  let requests = 0;
  let failed = 0;
  let checksFailed = 0;
  /** One request; `expect` lists the statuses that are not failures (polls expect 409). */
  const counted = async <T>(method: string, path: string, token: string, body?: unknown, expect = [200, 201]) => {
    const t0 = performance.now();
    try {
      const r = await call<T>(base, method, path, { token, body });
      latencies.push(performance.now() - t0);
      requests++;
      if (!expect.includes(r.status)) {
        failed++;
        failures[`status ${r.status}`] = (failures[`status ${r.status}`] ?? 0) + 1;
      }
      return r;
    } catch (e) {
      requests++;
      failed++;
      failures.errors = (failures.errors ?? 0) + 1;
      throw e;
    }
  };

  const saga = async (n: number) => {
    const started = performance.now();
    const placed = await counted<{ id: string }>('POST', '/api/orders', customer.accessToken, {
      storeId,
      items: [{ menuItemId: item.id, quantity: 1 }],
      deliveryAddress: { line: `saga ${n}`, lat: store.location.lat + 0.002, lng: store.location.lng + 0.002 },
    });
    if (placed.status !== 201) return void checksFailed++;
    const orderId = placed.body.id;
    const inInbox = await until(async () => {
      const r = await counted<{ orderId: string }[]>('GET', '/api/store/orders?status=PAID', owner);
      return r.status === 200 && r.body.some((o) => o.orderId === orderId) ? true : undefined;
    });
    if (!inInbox) return void checksFailed++;
    for (const action of ['accept', 'start-cooking', 'finish-cooking']) {
      if ((await counted('POST', `/api/store/orders/${orderId}/${action}`, owner)).status !== 200)
        return void checksFailed++;
    }
    const near = `lat=${store.location.lat}&lng=${store.location.lng}&radiusKm=3`;
    const delivery = await until(async () => {
      const r = await counted<{ id: string; orderId: string }[]>('GET', `/api/deliveries?${near}`, rider.accessToken);
      return r.status === 200 ? r.body.find((x) => x.orderId === orderId) : undefined;
    });
    if (!delivery) return void checksFailed++;
    for (const action of ['pick', 'deliver']) {
      const r = await counted('POST', `/api/deliveries/${delivery.id}/${action}`, rider.accessToken);
      if (r.status !== 200) return void checksFailed++;
    }
    const confirmed = await until(async () => {
      const r = await counted('POST', `/api/orders/${orderId}/confirm`, customer.accessToken, undefined, [200, 409]);
      return r.status === 200 ? true : undefined;
    });
    if (!confirmed) return void checksFailed++;
    sagaMs.push(performance.now() - started);
  };

  // The ramping-arrival-rate executor: the rate ramps linearly within each stage;
  // a saga starts whenever the integral of the rate passes the next whole number.
  const stages = [
    { target: opts.rate, seconds: 30 },
    { target: opts.rate, seconds: opts.holdSeconds },
    { target: 0, seconds: 15 },
  ];
  const running = new Set<Promise<void>>();
  const t0 = performance.now();
  let started = 0;
  let from = 1;
  let elapsedBefore = 0;
  let owed = 0;
  for (const stage of stages) {
    const stageStart = elapsedBefore;
    for (;;) {
      const t = (performance.now() - t0) / 1000 - stageStart;
      if (t >= stage.seconds) break;
      const rateNow = from + ((stage.target - from) * t) / stage.seconds;
      owed += rateNow * 0.01;
      while (owed >= 1) {
        owed -= 1;
        const p = saga(++started).catch(() => void checksFailed++);
        running.add(p);
        void p.finally(() => running.delete(p));
      }
      await sleep(10);
    }
    elapsedBefore += stage.seconds;
    from = stage.target;
  }
  await Promise.all(running);
  const durationSeconds = (performance.now() - t0) / 1000;
  sagaMs.sort((a, b) => a - b);
  const sq = quantiles(sagaMs);
  const q = quantiles(latencies);
  return {
    scenario: 'order-saga',
    shape: `ramping arrival rate 1→${opts.rate}/s over 30s, ${opts.holdSeconds}s at ${opts.rate}/s, down over 15s`,
    durationSeconds,
    requests,
    failed,
    failures,
    latenciesMs: latencies,
    extra: [
      `sagas_completed................: ${sagaMs.length} of ${started} started (${(sagaMs.length / durationSeconds).toFixed(2)}/s)`,
      `saga_duration..................: ${trendLine(sagaMs)}`,
      `checks.........................: ${((1 - checksFailed / Math.max(1, started)) * 100).toFixed(2)}% (${checksFailed} sagas failed a step)`,
    ],
    // The thresholds of loadtests/order-saga.js (dropped_iterations does not apply: nothing caps the concurrency here).
    thresholds: [
      { metric: 'http_req_failed', expr: 'rate<0.01', ok: failed / Math.max(1, requests) < 0.01 },
      { metric: 'http_req_duration', expr: 'p(95)<300', ok: q(95) < 300 },
      { metric: 'checks', expr: 'rate>0.99', ok: checksFailed / Math.max(1, started) < 0.01 },
      { metric: 'saga_duration', expr: 'p(95)<5000', ok: sq(95) < 5000 },
    ],
  };
}

// ---- summary ------------------------------------------------------------------

const ms = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(2)}s` : `${v.toFixed(2)}ms`);

function trendLine(values: number[]): string {
  const q = quantiles(values);
  const avg = values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
  return `avg=${ms(avg)} min=${ms(q(0))} med=${ms(q(50))} p(90)=${ms(q(90))} p(95)=${ms(q(95))} p(99)=${ms(q(99))} max=${ms(q(100))}`;
}

/** Prints the summary the way k6 does (the lines a reader compares), and returns true when every threshold held. */
export function printSummary(s: Summary): boolean {
  const rate = s.requests / s.durationSeconds;
  const failedPct = (100 * s.failed) / Math.max(1, s.requests);
  const causes = Object.entries(s.failures)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  console.log(`
  scenario: ${s.scenario}, ${s.shape}

  THRESHOLDS
${s.thresholds.map((t) => `    ${t.ok ? '✓' : '✗'} ${t.metric} '${t.expr}'`).join('\n')}

  HTTP
    http_req_duration..............: ${trendLine(s.latenciesMs)}
    http_req_failed................: ${failedPct.toFixed(2)}% ${s.failed} out of ${s.requests}${causes ? ` (${causes})` : ''}
    http_reqs......................: ${s.requests} ${rate.toFixed(1)}/s
${s.extra.map((l) => `    ${l}`).join('\n')}
  running (${s.durationSeconds.toFixed(1)}s)
`);
  const ok = s.thresholds.every((t) => t.ok);
  if (!ok)
    console.error(
      `level=error msg="thresholds on metrics '${s.thresholds
        .filter((t) => !t.ok)
        .map((t) => t.metric)
        .join("', '")}' have been crossed"`,
    );
  return ok;
}
