/**
 * Payment slowed to 5 s per charge (components/resiliency.yaml: 2 s per
 * attempt, retries on 429/5xx, a breaker that trips after 5 consecutive
 * failures and stays open 15 s; the order service gives the whole payment call
 * an overall deadline of 2.5 s). The first answers are 503 + Retry-After
 * within ~2.6 s each, the breaker opens, and from then on customers are told
 * to retry later in under 300 ms instead of waiting. When payment is healthy
 * again the breaker closes (after its 15 s open period) and orders go through.
 * The charges the slow gateway completed after the caller gave up are voided
 * by the payment service's capture sweeper (PAYMENT_CAPTURE_TIMEOUT_SECONDS=15
 * locally), since their orders were never saved. Dapr retries a timed-out
 * attempt while the first is still charging: the retry finds the order's
 * charge claimed (PENDING) and waits instead of charging, so the gateway's own
 * log shows at most one charge call per order, and its ledger ends with every
 * abandoned charge given back.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { chargeCallsThatCounted, gatewayTallies } from '../integration/gateway-ledger.ts';
import { casts, SagaDriver, type Cast } from './saga.ts';
import { clearPaymentFaults, healStack, ms, report, secs, setPaymentFaults, sql, sqlList, until } from './support.ts';
import { percentile } from '../kit/quantiles.ts';

const FAST_MS = 300;
/**
 * The order service's overall payment deadline (2.5 s) plus its own and the edge's overhead
 * (measured 20–140 ms; 140 ms with four calls at once on the 2-core machine shared with other stacks).
 */
const SLOW_BOUND_MS = 2800;
const FAST_IN_A_ROW = 10;
/** How long the slow phase may last (the breaker stays open 15 s; stay inside one open period). */
const SLOW_PHASE_MS = 40_000;

interface Attempt {
  worker: number;
  key: string;
  status: number;
  startMs: number;
  ms: number;
  retryAfter: string | null;
}

/**
 * `workers` customers place orders back to back while payment takes 5 s per
 * charge, until each has seen FAST_IN_A_ROW fast answers or the phase ends.
 */
async function slowPhase(cast: Cast, driver: SagaDriver, run: string, workers: number): Promise<Attempt[]> {
  const attempts: Attempt[] = [];
  const t00 = performance.now();
  await setPaymentFaults(5000, 0);
  try {
    await Promise.all(
      Array.from({ length: workers }, async (_, worker) => {
        let inARow = 0;
        for (let i = 0; inARow < FAST_IN_A_ROW && performance.now() - t00 < SLOW_PHASE_MS; i++) {
          const key = `slow-${run}-${worker}-${i}`;
          const t0 = performance.now();
          const r = await driver.placeOnce(cast, key);
          const took = performance.now() - t0;
          attempts.push({
            worker,
            key,
            status: r?.status ?? 0,
            startMs: t0 - t00,
            ms: took,
            retryAfter: r?.headers.get('retry-after') ?? null,
          });
          inARow = took < FAST_MS ? inARow + 1 : 0;
        }
      }),
    );
  } finally {
    await clearPaymentFaults();
  }
  return attempts.sort((a, b) => a.startMs - b.startMs);
}

/** Orders go through again once the breaker lets a trial call pass; returns the time that took. */
async function recovery(cast: Cast, driver: SagaDriver, run: string) {
  const recovered = await until(
    'an order accepted after payment recovered',
    async () => ((await driver.placeOnce(cast, `slow-${run}-after-${Date.now()}`))?.status === 201 ? true : undefined),
    45_000,
    250,
  );
  const after: { status: number | undefined; ms: number }[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const r = await driver.placeOnce(cast, `slow-${run}-ok-${i}`);
    after.push({ status: r?.status, ms: performance.now() - t0 });
  }
  return { recoveredMs: recovered.elapsedMs, after };
}

/**
 * The slow gateway finished some charges after their callers had given up: no
 * order exists for a refused call, and each such charge ends voided (REFUNDED)
 * once its capture timeout has passed. Returns how many there were.
 */
async function lateChargesVoided(refusedKeys: string[]) {
  const reserved = (
    await sql(`select order_id from baedal_order.order_request where idempotency_key in ${sqlList(refusedKeys)}`)
  ).map((r) => r[0]!);
  expect(reserved).toHaveLength(refusedKeys.length);
  const orders = await sql(`select count(*) from baedal_order.orders where id in ${sqlList(reserved)}`);
  expect(orders[0]![0]).toBe('0');
  return until(
    'every late charge voided',
    async () => {
      const rows = await sql(`select status from baedal_payment.payment where order_id in ${sqlList(reserved)}`);
      return rows.every((r) => r[0] === 'REFUNDED') ? rows.length : undefined;
    },
    60_000,
    500,
  );
}

/**
 * Counted at the gateway: charge calls per order that reached it (declined
 * ones aside), for every key of the run. Each order at most once, and every
 * order saved exactly once; the abandoned ones end holding no money.
 */
async function chargedOnceAtGateway(keys: string[], placedKeys: Set<string>) {
  const reserved = await sql(
    `select idempotency_key, order_id from baedal_order.order_request where idempotency_key in ${sqlList(keys)}`,
  );
  const tallies = await gatewayTallies(reserved.map((r) => r[1]!));
  const calls = reserved.map(([key, orderId]) => ({
    key: key!,
    calls: chargeCallsThatCounted(tallies.get(orderId!)!),
    net: tallies.get(orderId!)!.net,
  }));
  const maxCalls = Math.max(...calls.map((c) => c.calls));
  const twice = calls.filter((c) => c.calls > 1).map((c) => `${c.key}: ${c.calls}`);
  expect(twice).toEqual([]);
  expect(calls.filter((c) => placedKeys.has(c.key)).every((c) => c.calls === 1)).toBe(true);
  const abandonedStillCharged = calls.filter((c) => !placedKeys.has(c.key) && c.net > 0).map((c) => c.key);
  expect(abandonedStillCharged).toEqual([]);
  return { orders: calls.length, maxCalls, charged: calls.filter((c) => c.calls === 1).length };
}

const perCall = (attempts: Attempt[]) =>
  attempts.map((a) => `${a.status} ${Math.round(a.ms)}`).join(' | ') + ' (status latency-ms, in start order)';

describe('fault: payment slowed to 5 s', () => {
  beforeAll(async () => {
    await healStack();
    await clearPaymentFaults();
  }, 120_000);
  afterAll(async () => {
    await clearPaymentFaults();
    await healStack();
  }, 120_000);

  /** The breaker starts closed: an order goes through first (a previous test may have left it open). */
  async function breakerClosed(cast: Cast, driver: SagaDriver, run: string) {
    await until(
      'a first order (breaker closed)',
      async () => ((await driver.placeOnce(cast, `slow-${run}-warm`))?.status === 201 ? true : undefined),
      40_000,
      500,
    );
  }

  it('with four customers ordering at once: timeouts, the breaker opens, later 503s come in under 300 ms; it closes again after recovery', async () => {
    const [cast] = await casts();
    const driver = new SagaDriver();
    const run = randomUUID().slice(0, 8);
    await breakerClosed(cast, driver, run);

    const attempts = await slowPhase(cast, driver, run, 4);
    const slow = attempts.filter((a) => a.ms >= FAST_MS);
    const fast = attempts.filter((a) => a.ms < FAST_MS);
    const openedAt = Math.min(...fast.map((a) => a.startMs));
    const { recoveredMs, after } = await recovery(cast, driver, run);
    const voided = await lateChargesVoided(attempts.filter((a) => a.status !== 201).map((a) => a.key));
    const atGateway = await chargedOnceAtGateway(
      attempts.map((a) => a.key),
      new Set(attempts.filter((a) => a.status === 201).map((a) => a.key)),
    );

    report('payment slowed to 5 s, four customers at once', [
      `per call: ${perCall(attempts)}`,
      `slow answers before the breaker opened: ${slow.length} (${slow.map((a) => ms(a.ms)).join(', ')});` +
        ` breaker open ${ms(openedAt)} after payment slowed`,
      `breaker-open answers: ${fast.length}, 503 + Retry-After ${fast[0]?.retryAfter} s,` +
        ` p50 ${ms(
          percentile(
            fast.map((a) => a.ms),
            50,
          ),
        )}, max ${ms(Math.max(...fast.map((a) => a.ms)))}`,
      `payment restored → first order accepted after ${secs(recoveredMs)} (open period 15 s);` +
        ` next 5 orders: ${after.map((a) => `${a.status} ${Math.round(a.ms)} ms`).join(', ')}`,
      `late charges completed by the slow gateway for refused orders: ${voided.value}, all voided` +
        ` ${secs(voided.elapsedMs)} after recovery; orders saved for refused calls: 0`,
      `at the gateway: ${atGateway.charged} of ${atGateway.orders} orders charged, at most` +
        ` ${atGateway.maxCalls} charge call per order; every abandoned charge given back`,
    ]);
    expect(attempts.every((a) => a.status === 503 && Number(a.retryAfter) > 0)).toBe(true);
    expect(Math.max(...slow.map((a) => a.ms))).toBeLessThan(SLOW_BOUND_MS);
    expect(fast.length).toBeGreaterThanOrEqual(4 * FAST_IN_A_ROW);
    expect(Math.max(...attempts.filter((a) => a.startMs > openedAt).map((a) => a.ms))).toBeLessThan(FAST_MS);
    expect(after.every((a) => a.status === 201)).toBe(true);
  }, 240_000);

  it('with one customer retrying: the first answers are 503 within ~2.6 s each, the breaker opens, later answers come in under 300 ms; after recovery orders succeed and abandoned charges are voided', async () => {
    const [cast] = await casts();
    const driver = new SagaDriver();
    const run = randomUUID().slice(0, 8);
    await breakerClosed(cast, driver, run);

    const attempts = await slowPhase(cast, driver, run, 1);
    const openAfter = attempts.findIndex((a) => a.ms < FAST_MS);
    const fast = openAfter < 0 ? [] : attempts.slice(openAfter);
    const { recoveredMs, after } = await recovery(cast, driver, run);
    const refused = attempts.filter((a) => a.status !== 201);
    const voided = await lateChargesVoided(refused.map((a) => a.key));
    const atGateway = await chargedOnceAtGateway(
      attempts.map((a) => a.key),
      new Set(attempts.filter((a) => a.status === 201).map((a) => a.key)),
    );

    report('payment slowed to 5 s, one customer', [
      `per call: ${perCall(attempts)}`,
      `calls before the breaker opened: ${openAfter < 0 ? `${attempts.length} (it never opened)` : openAfter}`,
      `breaker-open answers: ${fast.length}` +
        (fast.length
          ? `, p50 ${ms(
              percentile(
                fast.map((a) => a.ms),
                50,
              ),
            )}, max ${ms(Math.max(...fast.map((a) => a.ms)))}`
          : ''),
      `answers 201 while payment was slow: ${attempts.filter((a) => a.status === 201).length}`,
      `payment restored → first order accepted after ${secs(recoveredMs)};` +
        ` late charges for refused calls: ${voided.value}, all voided`,
      `at the gateway: ${atGateway.charged} of ${atGateway.orders} orders charged, at most` +
        ` ${atGateway.maxCalls} charge call per order; every abandoned charge given back`,
    ]);
    // The issue's wording: the first answers are 503 (+ Retry-After) within ~2.6 s each,
    expect(openAfter).toBeGreaterThan(0);
    for (const a of attempts.slice(0, openAfter)) {
      expect({ status: a.status, retryAfter: Number(a.retryAfter) > 0, withinBound: a.ms < SLOW_BOUND_MS }).toEqual({
        status: 503,
        retryAfter: true,
        withinBound: true,
      });
    }
    // the breaker opens (after at most five calls: it trips at five consecutive failures),
    expect(openAfter).toBeLessThanOrEqual(5);
    // and every later answer is a 503 + Retry-After in under 300 ms;
    expect(fast.length).toBeGreaterThanOrEqual(FAST_IN_A_ROW);
    expect(fast.every((a) => a.status === 503 && Number(a.retryAfter) > 0)).toBe(true);
    expect(Math.max(...fast.map((a) => a.ms))).toBeLessThan(FAST_MS);
    // after payment is restored the breaker closes and orders succeed (checked below),
    // and every abandoned charge (one per call that reached the slow gateway) ends voided.
    expect(voided.value).toBe(openAfter);
    expect(after.every((a) => a.status === 201)).toBe(true);
  }, 240_000);
});
