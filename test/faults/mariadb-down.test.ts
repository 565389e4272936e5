/**
 * MariaDB stopped for a while (every service's database at once) while eight
 * customers run whole sagas: requests fail or wait during the outage, the
 * patient client retries, and once MariaDB is back every saga completes. The
 * audit then finds nothing lost, duplicated or charged wrongly, and every
 * charge without an order voided.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { isRunning, startApp, stopApp } from '../../tools/stack/env-instance.ts';
import { describeProblems, orphanCharges, settle, type Tracked } from './audit.ts';
import { casts, SagaDriver, SagaError } from './saga.ts';
import { clearPaymentFaults, healStack, ms, pool, report, secs, sleep } from './support.ts';

const OUTAGE_MS = Number(process.env.FAULT_MARIADB_OUTAGE_MS ?? 8_000);

describe('fault: MariaDB stopped', () => {
  beforeAll(async () => {
    await healStack();
    await clearPaymentFaults();
  }, 120_000);
  afterAll(healStack, 120_000);

  it(`sagas running through a ${OUTAGE_MS / 1000} s database outage all complete; nothing lost or duplicated`, async () => {
    const both = await casts();
    const driver = new SagaDriver({ stepDeadlineMs: 180_000 });
    const run = randomUUID().slice(0, 8);
    const t0 = Date.now();
    const tracked: Tracked[] = [];
    const keys: string[] = [];
    const failures: string[] = [];
    let stop = false;

    const flow = pool([...Array(8).keys()], 8, async (w) => {
      for (let i = 0; !stop; i++) {
        const cast = both[w % 2]!;
        let id = '';
        try {
          const placed = await driver.placePatiently(cast, `mariadb-down-${run}-${w}-${i}`);
          keys.push(...placed.keys);
          id = placed.order.id;
          tracked.push({ id, intended: ['COMPLETED'] });
          await driver.complete(cast, id);
        } catch (e) {
          if (!(e instanceof SagaError)) throw e;
          failures.push(`${id || '(not placed)'}: ${e.message}`);
        }
        await sleep(100);
      }
    });

    let stoppedAt = 0;
    let restartAt = 0;
    let downWhileStopped = false;
    const retriesBefore = driver.counters.retries;
    try {
      await sleep(2000);
      await stopApp('mariadb');
      stoppedAt = Date.now();
      downWhileStopped = !isRunning('mariadb');
      await sleep(OUTAGE_MS);
    } finally {
      restartAt = Date.now();
      await startApp('mariadb');
    }
    const readyAt = Date.now();
    const retriesDuringOutage = driver.counters.retries - retriesBefore;
    await sleep(3000);
    stop = true;
    await flow;

    const { result, elapsedMs } = await settle(tracked, t0, 150_000);
    const orphans = await orphanCharges(keys, 90_000);
    report('MariaDB stopped mid-saga', [
      `sagas: ${tracked.length} (8 at a time); MariaDB stopped ${ms(stoppedAt - t0)} into the flow for` +
        ` ${secs(restartAt - stoppedAt)}, ready again ${ms(readyAt - restartAt)} after its start`,
      `client retries while it was down and starting: ${retriesDuringOutage}`,
      `audit: ${result.orders} orders (${Object.entries(result.byStatus)
        .map(([s, n]) => `${s} ${n}`)
        .join(', ')}), ${result.events} events, ${result.notificationFiles} notifications sent; settled` +
        ` ${secs(elapsedMs)} after the flow stopped`,
      `idempotency keys: ${orphans.reserved}; never became an order: ${orphans.orphans}, of them charged:` +
        ` ${orphans.orphanCharges}, still charged: ${orphans.stillCharged.length}`,
      `failed sagas: ${failures.length}`,
      ...(Object.keys(result.problems).length
        ? ['PROBLEMS:', ...describeProblems(result.problems)]
        : ['problems: none']),
    ]);
    expect(downWhileStopped).toBe(true);
    // The outage met the flow: requests failed or waited and were retried.
    expect(retriesDuringOutage).toBeGreaterThan(0);
    expect(failures).toEqual([]);
    expect(describeProblems(result.problems)).toEqual([]);
    expect(orphans.stillCharged).toEqual([]);
  }, 480_000);
});
