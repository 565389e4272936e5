/**
 * Redis (the broker of every topic and the customer's state store) stopped
 * while sagas run, then started again. Orders are still taken meanwhile
 * (placing needs only the order and payment services and MariaDB); their
 * events wait in each service's outbox until Redis is back. Then every saga
 * is driven to the end state it was meant to reach, and the audit checks
 * that nothing was lost (every order, event, charge, inbox row, delivery,
 * view and notification is there) and nothing was duplicated (one event per
 * status, one notification per status, the inbox and the view once).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import { logFile } from '../../tools/stack/paths.ts';
import { isRunning, startApp, stopApp } from '../../tools/stack/processes.ts';
import { call } from '../integration/client.ts';
import { describeProblems, orphanCharges, settle, type Tracked } from './audit.ts';
import { plans, rng, weighted } from './plans.ts';
import { casts, SagaDriver, SagaError, type Cast } from './saga.ts';
import { clearPaymentFaults, healStack, ms, pool, report, secs, sleep, sql } from './support.ts';
import { percentile } from '../kit/quantiles.ts';

const SAGAS = Number(process.env.FAULT_REDIS_SAGAS ?? 48);
const OUTAGE_MS = Number(process.env.FAULT_REDIS_OUTAGE_MS ?? 10_000);
const CONCURRENCY = 8;
const PLACE_EVERY_MS = 500;
const SIDECARS = ['order', 'payment', 'store', 'delivery', 'customer'].map((a) => `${a}-dapr`);

const pendingOutbox = async () =>
  Number(
    (
      await sql(`select (select count(*) from baedal_order.outbox where state = 'pending')
        + (select count(*) from baedal_payment.outbox where state = 'pending')
        + (select count(*) from baedal_store.outbox where state = 'pending')
        + (select count(*) from baedal_delivery.outbox where state = 'pending')`)
    )[0]![0],
  );

const logBytes = () =>
  SIDECARS.reduce((n, s) => n + (fs.statSync(logFile(s), { throwIfNoEntry: false })?.size ?? 0), 0);

describe('fault: Redis restarted mid-flow', () => {
  beforeAll(async () => {
    await healStack();
    await clearPaymentFaults();
  }, 120_000);
  afterAll(healStack, 120_000);

  it('loses nothing and duplicates nothing when Redis stops and starts while sagas run', async () => {
    const both = await casts();
    const driver = new SagaDriver({ stepDeadlineMs: 180_000 });
    const run = randomUUID().slice(0, 8);
    const seed = Number(process.env.FAULT_SEED ?? Date.now() % 1_000_000);
    const random = rng(seed);
    const walks = Array.from({ length: SAGAS }, () =>
      weighted(random, { complete: 5, cancelPaid: 1, cancelAccepted: 1, reject: 1 }),
    );
    const t0 = Date.now();
    const tracked: Tracked[] = [];
    const keys: string[] = [];
    const failures: string[] = [];
    const placedAt: number[] = [];
    const doneAt: number[] = [];

    // The fault: Redis stops once a few sagas are under way, and starts again OUTAGE_MS later.
    let stoppedAt = 0;
    let startedAt = 0;
    let readyAt = 0;
    let pendingAtRestart = 0;
    let outboxDrainedMs = 0;
    let logGrowth = 0;
    const duringOutage: Record<string, number> = {};
    // Orders placed while Redis is down, one every PLACE_EVERY_MS; walked once it is back.
    const late: { cast: Cast; id: string; walk: string }[] = [];
    const lateLatency: number[] = [];
    const fault = (async () => {
      const waitFrom = Date.now();
      while (tracked.length < CONCURRENCY && Date.now() - waitFrom < 30_000) await sleep(20);
      const bytes = logBytes();
      await stopApp('redis');
      stoppedAt = Date.now();
      try {
        for (let i = 0; Date.now() - stoppedAt < OUTAGE_MS; i++) {
          const cast = both[i % 2]!;
          const walk = weighted(random, { complete: 5, cancelPaid: 1, cancelAccepted: 1, reject: 1 });
          const tp = performance.now();
          const placed = await driver.placePatiently(cast, `redis-${run}-late-${i}`);
          lateLatency.push(performance.now() - tp);
          keys.push(...placed.keys);
          late.push({ cast, id: placed.order.id, walk });
          tracked.push({ id: placed.order.id, intended: plans[walk]!.intended });
          placedAt.push(Date.now());
          if (i === 2) {
            // What a customer reading their orders sees meanwhile (the view lives in Redis).
            const probe = late[0]!;
            for (const path of [`/api/order-status/${probe.id}`, '/api/notifications', `/api/orders/${probe.id}`]) {
              const r = await call('GET', path, { token: probe.cast.customer }).catch(() => null);
              duringOutage[path.replace(probe.id, ':id')] = r?.status ?? 0;
            }
          }
          await sleep(PLACE_EVERY_MS);
        }
      } finally {
        pendingAtRestart = await pendingOutbox();
        logGrowth = logBytes() - bytes;
        startedAt = Date.now();
        await startApp('redis');
        readyAt = Date.now();
      }
      while ((await pendingOutbox()) > 0 && Date.now() - readyAt < 60_000) await sleep(50);
      outboxDrainedMs = Date.now() - readyAt;
    })();

    const sagas = pool(walks, CONCURRENCY, async (walk, i) => {
      const cast = both[i % 2]!;
      let orderId = '';
      try {
        const placed = await driver.placePatiently(cast, `redis-${run}-${i}`);
        keys.push(...placed.keys);
        orderId = placed.order.id;
        tracked.push({ id: orderId, intended: plans[walk]!.intended });
        placedAt.push(Date.now());
        await plans[walk]!.run(driver, cast, orderId);
        doneAt.push(Date.now());
      } catch (e) {
        if (!(e instanceof SagaError)) throw e;
        failures.push(`${walk} ${orderId || '(not placed)'}: ${e.message}`);
      }
    });
    try {
      await Promise.all([sagas, fault]);
    } finally {
      if (!isRunning('redis')) await startApp('redis');
    }
    await pool(late, CONCURRENCY, async ({ cast, id, walk }) => {
      try {
        await plans[walk]!.run(driver, cast, id);
        doneAt.push(Date.now());
      } catch (e) {
        if (!(e instanceof SagaError)) throw e;
        failures.push(`${walk} ${id} (placed while Redis was down): ${e.message}`);
      }
    });
    const sagasDoneAt = Date.now();

    // Redis down: the customer's record of a finished send fails, so that send is repeated.
    const { result, elapsedMs } = await settle(tracked, t0, 150_000, [{ fromMs: stoppedAt, toMs: readyAt }]);
    const orphans = await orphanCharges(keys, 60_000);

    const placedDuring = placedAt.filter((t) => t >= stoppedAt && t <= startedAt).length;
    const after = doneAt.filter((t) => t > startedAt).map((t) => t - readyAt);
    const finishedAfterRestart = after.length;
    report('Redis restarted mid-flow', [
      `sagas: ${SAGAS} + ${late.length} placed while Redis was down (seed ${seed}; ${Object.entries(
        countBy([...walks, ...late.map((l) => l.walk)]),
      )
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}), ${CONCURRENCY} at a time, alice and bob`,
      `Redis stopped ${ms(stoppedAt - t0)} after the first order, down ${secs(startedAt - stoppedAt)};` +
        ` start to ready ${ms(readyAt - startedAt)}`,
      `orders placed (201) while Redis was down: ${placedDuring}; outbox rows pending at the restart: ${pendingAtRestart};` +
        ` sagas finished after the restart: ${finishedAfterRestart}`,
      `order placement while Redis was down (one every ${PLACE_EVERY_MS} ms): ${lateLatency.map((l) => Math.round(l)).join(', ')} ms`,
      `reads while down: ${Object.entries(duringOutage)
        .map(([p, s]) => `${p} → ${s}`)
        .join(', ')}`,
      `sidecar logs grew ${(logGrowth / 1024).toFixed(0)} KiB during the outage (reconnect errors)`,
      `outboxes empty ${ms(outboxDrainedMs)} after Redis was ready; sagas finished after the restart` +
        ` (time after ready): p50 ${secs(percentile(after, 50))}, max ${secs(Math.max(...after))};` +
        ` all driven to their end ${secs(sagasDoneAt - readyAt)} after ready; audit clean ${secs(elapsedMs)} later`,
      `audit: ${result.orders} orders (${Object.entries(result.byStatus)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}), ${result.events} events, ${result.notificationFiles} notifications sent,` +
        ` dead letters ${result.deadLetters}`,
      `idempotency keys: ${orphans.reserved}, without an order: ${orphans.orphans} (charges: ${orphans.orphanCharges},` +
        ` still charged: ${orphans.stillCharged.length})`,
      `client retries: ${driver.counters.retries}; 429s: ${JSON.stringify(driver.counters.rateLimited)}`,
      `failed sagas: ${failures.length}${failures.length ? ` (${failures.slice(0, 3).join(' | ')})` : ''}`,
      ...(Object.keys(result.problems).length
        ? ['PROBLEMS:', ...describeProblems(result.problems)]
        : ['problems: none']),
    ]);
    expect(failures).toEqual([]);
    expect(tracked).toHaveLength(SAGAS + late.length);
    expect(late.length).toBeGreaterThan(0);
    expect(describeProblems(result.problems)).toEqual([]);
    expect(orphans.stillCharged).toEqual([]);
  }, 600_000);
});

function countBy(xs: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}
