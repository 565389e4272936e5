/**
 * A consumer's app process killed with SIGKILL while events flow to it; its
 * sidecar keeps running (as when a container crashes in its pod).
 * - Killed mid-saga and started again at once (`startApp` starts only the app
 *   when its sidecar still runs): the events it had in flight or not yet
 *   fetched are redelivered after the restart and handled once.
 * - Dead for 30 s while its sidecar runs and events keep coming: the sidecar
 *   notices the dead app (health probe every 2 s, threshold 2) and pauses its
 *   subscriptions, so nothing is lost nor dead-lettered; everything is
 *   handled once the app is back.
 * Consumers: delivery (CookingFinished → a delivery for riders) and customer
 * (every lifecycle event → the order-status view and a notification).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { statusOfEvent, type OrderEvent } from '@baedal/platform/contracts/events';
import { isRunning, logFile, pidOf, startApp } from '../../tools/stack/env-instance.ts';
import { describeProblems, notificationFiles, orphanCharges, settle, type Tracked } from './audit.ts';
import { plans } from './plans.ts';
import { casts, SagaDriver, SagaError, type Cast } from './saga.ts';
import {
  clearPaymentFaults,
  gone,
  healStack,
  killNine,
  ms,
  pool,
  report,
  secs,
  sleep,
  sql,
  sqlList,
  sqlTime,
  stackLog,
  until,
} from './support.ts';

type Consumer = 'delivery' | 'customer';
const DEAD_MS = Number(process.env.FAULT_DEAD_APP_MS ?? 30_000);

/** Lifecycle events of these orders: id, order, type, when the relay marked them published. */
async function orderEvents(ids: readonly string[]) {
  const rows = await sql(
    `select id, partition_key, type, unix_timestamp(published_at) * 1000 from baedal_order.outbox
      where topic = 'orders' and partition_key in ${sqlList(ids)}`,
  );
  return rows.map((r) => ({ id: r[0]!, orderId: r[1]!, type: r[2]!, publishedAt: Number(r[3]) }));
}

/** When each consumer handled each event: delivery from its inbox table, customer from the sent notifications. */
async function handledAt(consumer: Consumer, events: Awaited<ReturnType<typeof orderEvents>>, sinceMs: number) {
  const out = new Map<string, number>();
  if (consumer === 'delivery') {
    const cooked = events.filter((e) => e.type === 'CookingFinished').map((e) => e.id);
    for (const r of await sql(
      `select event_id, unix_timestamp(processed_at) * 1000 from baedal_delivery.processed_event
        where event_id in ${sqlList(cooked)}`,
    )) {
      out.set(r[0]!, Number(r[1]));
    }
    return out;
  }
  const sent = notificationFiles(new Set(events.map((e) => e.orderId)), sinceMs);
  for (const e of events) {
    const n = sent.get(e.orderId)?.find((x) => x.status === statusOfEvent[e.type as OrderEvent['type']]);
    if (n) out.set(e.id, Date.parse(n.sentAt));
  }
  return out;
}

/** When the sidecar logged its app unhealthy (it then pauses the app's subscriptions), after `sinceMs`. */
function unhealthyLoggedAt(consumer: Consumer, sinceMs: number): number | undefined {
  const text = fs.readFileSync(logFile(`${consumer}-dapr`), 'utf8').slice(-4_000_000);
  for (const line of text.split('\n')) {
    if (!line.includes('App entered un-healthy status')) continue;
    const at = Date.parse(/time="([^"]+)"/.exec(line)?.[1] ?? '');
    if (at >= sinceMs) return at;
  }
  return undefined;
}

/** Lifecycle events this consumer acts on, published (marked so by the relay) since `sinceMs`. */
async function publishedSince(consumer: Consumer, sinceMs: number): Promise<number> {
  const types = consumer === 'delivery' ? " and type = 'CookingFinished'" : '';
  const [[n = '0'] = []] = await sql(
    `select count(*) from baedal_order.outbox where topic = 'orders' and published_at >= ${sqlTime(sinceMs)}${types}`,
  );
  return Number(n);
}

/** How long after `fromMs` events were handled: promptly (≤ 10 s) or only after a long wait. */
function delays(times: readonly number[], fromMs: number) {
  const after = times.map((t) => t - fromMs);
  const late = after.filter((d) => d > 10_000);
  return {
    prompt: after.length - late.length,
    late: late.length,
    text: late.length ? `${late.length} only after ${secs(Math.min(...late))}–${secs(Math.max(...late))}` : 'none late',
  };
}

/** Events this consumer acts on. */
const consumes = (consumer: Consumer, type: string) => consumer === 'customer' || type === 'CookingFinished';

describe('fault: a consumer killed with SIGKILL', () => {
  beforeAll(async () => {
    await healStack();
    await clearPaymentFaults();
  }, 120_000);
  afterAll(healStack, 120_000);

  for (const consumer of ['delivery', 'customer'] as const) {
    it(`${consumer}: killed mid-saga and started again, its events are redelivered and handled once`, async () => {
      const both = await casts();
      const driver = new SagaDriver({ stepDeadlineMs: 180_000 });
      const run = randomUUID().slice(0, 8);
      const t0 = Date.now();
      const tracked: Tracked[] = [];
      const keys: string[] = [];
      const failures: string[] = [];
      const sidecarPid = pidOf(`${consumer}-dapr`);
      let stop = false;

      // Eight customers run whole sagas back to back while the consumer dies and comes back.
      const flow = pool([...Array(8).keys()], 8, async (w) => {
        for (let i = 0; !stop; i++) {
          const cast = both[w % 2]!;
          let id = '';
          try {
            const placed = await driver.placePatiently(cast, `kill-${consumer}-${run}-${w}-${i}`);
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

      let killedAt = 0;
      let restartAt = 0;
      let readyAt = 0;
      let killedPid = 0;
      let sidecarAliveWhileDead = false;
      let startLines: string[] = [];
      let frozenFor = 0;
      let frozenAt = 0;
      try {
        await sleep(1500);
        // Frozen first (SIGSTOP) until an event for it has been published: then the kill
        // always finds events in flight. Killed at a quiet moment, the test would prove nothing.
        const pid = pidOf(consumer);
        if (pid === null) throw new Error(`${consumer} is not running`);
        process.kill(pid, 'SIGSTOP');
        frozenAt = Date.now();
        await until(
          `an event for the frozen ${consumer} published`,
          async () => ((await publishedSince(consumer, frozenAt)) > 0 ? true : undefined),
          10_000,
          50,
        );
        frozenFor = Date.now() - frozenAt;
        killedPid = killNine(consumer);
        killedAt = Date.now();
        await gone(consumer);
        sidecarAliveWhileDead = isRunning(`${consumer}-dapr`);
        await sleep(2000);
      } finally {
        const from = stackLog.length;
        restartAt = Date.now();
        await startApp(consumer);
        readyAt = Date.now();
        startLines = stackLog.slice(from).map((l) => l.replace(/^\S+ /, ''));
      }
      await sleep(2000);
      stop = true;
      await flow;

      // Frozen, killed and restarting: a send of that time may lack its record and be sent again.
      const { result, elapsedMs } = await settle(tracked, t0, 150_000, [{ fromMs: frozenAt, toMs: readyAt }]);
      const orphans = await orphanCharges(keys, 60_000);
      const events = (await orderEvents(tracked.map((t) => t.id))).filter((e) => consumes(consumer, e.type));
      const handled = await handledAt(consumer, events, t0);
      const beforeKill = events.filter((e) => e.publishedAt < killedAt);
      const inFlight = beforeKill.filter((e) => (handled.get(e.id) ?? 0) > killedAt);
      // publishedAt is when the relay marked its batch published, after the publish calls
      // returned: an event of a batch may reach the consumer (and be handled by the old
      // process) a few milliseconds before its batch is marked. Those are not redeliveries.
      const whileDead = events.filter(
        (e) => e.publishedAt >= killedAt && e.publishedAt < readyAt && (handled.get(e.id) ?? Infinity) > killedAt,
      );
      // Events the killed process never handled: redelivered to the new one.
      const redelivered = [...inFlight, ...whileDead].map((e) => handled.get(e.id) ?? Infinity);
      const wait = delays(redelivered, readyAt);
      const unhealthy = unhealthyLoggedAt(consumer, killedAt);

      report(`${consumer} killed with SIGKILL mid-saga`, [
        `sagas: ${tracked.length} (8 at a time); ${consumer} pid ${killedPid} frozen ${ms(frozenFor)} until an event` +
          ` for it was published, then killed ${ms(killedAt - t0)} into the flow,` +
          ` sidecar kept running: ${sidecarAliveWhileDead}; down ${secs(restartAt - killedAt)}`,
        `startApp('${consumer}') with the sidecar alive: ${startLines.join(' / ')};` +
          ` sidecar pid unchanged: ${pidOf(`${consumer}-dapr`) === sidecarPid}; ready in ${ms(readyAt - restartAt)}`,
        `sidecar logged the app unhealthy (subscriptions paused): ${
          unhealthy ? `${secs(unhealthy - killedAt)} after the kill` : 'no (back before 2 failed probes)'
        }`,
        `events for ${consumer}: ${events.length}; published before the kill and not yet handled then: ${inFlight.length};` +
          ` published while it was dead: ${whileDead.length}; all ${redelivered.length} handled by the new process:` +
          ` ${wait.prompt} within 10 s of ready, ${wait.text} (the processingTimeout reclaim)`,
        `audit: ${result.orders} orders, ${result.events} events, ${result.notificationFiles} notifications sent` +
          ` (of them sent again after the kill cut a send off from its record: ${result.resentAfterCrash}),` +
          ` dead letters ${result.deadLetters}; clean ${secs(elapsedMs)} after the flow stopped`,
        `failed sagas: ${failures.length}; orphan charges still charged: ${orphans.stillCharged.length}`,
        ...(Object.keys(result.problems).length
          ? ['PROBLEMS:', ...describeProblems(result.problems)]
          : ['problems: none']),
      ]);
      expect(sidecarAliveWhileDead).toBe(true);
      // The kill found work: events published before it that the killed process never handled.
      expect(inFlight.length).toBeGreaterThan(0);
      expect(pidOf(`${consumer}-dapr`)).toBe(sidecarPid);
      expect(failures).toEqual([]);
      expect(describeProblems(result.problems)).toEqual([]);
      expect(orphans.stillCharged).toEqual([]);
      expect(handled.size).toBe(events.length);
      expect(redelivered.every((t) => t > restartAt)).toBe(true);
    }, 300_000);
  }

  it(`delivery and customer dead for ${DEAD_MS / 1000} s while their sidecars run: no event lost nor dead-lettered`, async () => {
    const both = await casts();
    const driver = new SagaDriver({ stepDeadlineMs: 180_000 });
    const run = randomUUID().slice(0, 8);
    const t0 = Date.now();
    const walks: { cast: Cast; id: string; walk: string }[] = [];
    const keys: string[] = [];
    const failures: string[] = [];
    const killed: Partial<Record<Consumer, number>> = {};

    let killedAt = 0;
    let restartAt = 0;
    let readyAt = 0;
    try {
      for (const c of ['delivery', 'customer'] as const) killed[c] = killNine(c);
      killedAt = Date.now();
      await Promise.all([gone('delivery'), gone('customer')]);
      // Meanwhile four customers keep ordering; stores accept, cook, reject; customers cancel.
      // Riders cannot see deliveries (the delivery app is dead): those walks finish after the restart.
      const cycle = ['complete', 'complete', 'cancelPaid', 'complete', 'cancelAccepted', 'reject'];
      await pool([...Array(4).keys()], 4, async (w) => {
        for (let i = 0; Date.now() - killedAt < DEAD_MS - 2000; i++) {
          const cast = both[w % 2]!;
          const walk = cycle[(w + i) % cycle.length]!;
          let id = '';
          try {
            const placed = await driver.placePatiently(cast, `dead-${run}-${w}-${i}`);
            keys.push(...placed.keys);
            id = placed.order.id;
            walks.push({ cast, id, walk });
            if (walk === 'complete') {
              await driver.owner(cast, id, 'accept', 'ACCEPTED');
              await driver.owner(cast, id, 'start-cooking', 'COOKING');
              await driver.owner(cast, id, 'finish-cooking', 'COOKED');
            } else {
              await plans[walk]!.run(driver, cast, id);
            }
          } catch (e) {
            if (!(e instanceof SagaError)) throw e;
            failures.push(`${walk} ${id || '(not placed)'}: ${e.message}`);
          }
          await sleep(1000);
        }
      });
      await sleep(Math.max(0, DEAD_MS - (Date.now() - killedAt)));
    } finally {
      restartAt = Date.now();
      await Promise.all([startApp('delivery'), startApp('customer')]);
      readyAt = Date.now();
    }

    // The rest of each walk: riders pick up and deliver, customers confirm.
    await pool(walks, 8, async ({ cast, id, walk }) => {
      if (walk !== 'complete') return;
      try {
        await driver.ride(cast, id);
        await driver.confirm(cast, id);
      } catch (e) {
        if (!(e instanceof SagaError)) throw e;
        failures.push(`${walk} ${id}: ${e.message}`);
      }
    });
    const tracked: Tracked[] = walks.map((w) => ({ id: w.id, intended: plans[w.walk]!.intended }));
    const { result, elapsedMs } = await settle(tracked, t0, 150_000, [{ fromMs: killedAt, toMs: readyAt }]);
    const orphans = await orphanCharges(keys, 60_000);

    const all = await orderEvents(tracked.map((t) => t.id));
    const figures = await Promise.all(
      (['delivery', 'customer'] as const).map(async (c) => {
        const events = all.filter((e) => consumes(c, e.type) && e.publishedAt < restartAt);
        const handled = await handledAt(c, events, t0);
        const times = events.map((e) => handled.get(e.id) ?? Infinity);
        const unhealthy = unhealthyLoggedAt(c, killedAt);
        return {
          c,
          events: events.length,
          handled: handled.size,
          handledWhileDead: times.filter((t) => t < restartAt).length,
          wait: delays(times, readyAt),
          unhealthyMs: unhealthy === undefined ? NaN : unhealthy - killedAt,
        };
      }),
    );
    const dead = await sql(
      `select count(*) from baedal_order.dead_letter where received_at >= ${sqlTime(killedAt - 1000)}`,
    );

    report(`delivery and customer dead for ${DEAD_MS / 1000} s, sidecars running`, [
      `killed delivery pid ${killed.delivery}, customer pid ${killed.customer}; sidecars logged the apps unhealthy` +
        ` (subscriptions paused) ${figures.map((f) => `${f.c} ${secs(f.unhealthyMs)}`).join(', ')} after the kill`,
      `orders placed while they were dead: ${walks.length} (${walks.filter((w) => w.walk === 'complete').length}` +
        ` cooked and waiting for a rider, the others cancelled or rejected); apps back after ${secs(restartAt - killedAt)},` +
        ` ready in ${ms(readyAt - restartAt)}`,
      ...figures.map(
        (f) =>
          `${f.c}: ${f.events} events published while it was dead, handled ${f.handled}` +
          ` (${f.handledWhileDead} by the dead app: must be 0): ${f.wait.prompt} within 10 s of ready, ${f.wait.text}`,
      ),
      `dead letters since the kill (any event): ${dead[0]![0]}`,
      `audit: ${result.orders} orders (${Object.entries(result.byStatus)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}), ${result.events} events, ${result.notificationFiles} notifications sent; clean` +
        ` ${secs(elapsedMs)} after the walks ended`,
      `failed sagas: ${failures.length}${failures.length ? ` (${failures.slice(0, 3).join(' | ')})` : ''};` +
        ` orphan charges still charged: ${orphans.stillCharged.length}`,
      ...(Object.keys(result.problems).length
        ? ['PROBLEMS:', ...describeProblems(result.problems)]
        : ['problems: none']),
    ]);
    expect(failures).toEqual([]);
    expect(walks.length).toBeGreaterThan(0);
    for (const f of figures) {
      expect({ consumer: f.c, handled: f.handled, handledWhileDead: f.handledWhileDead }).toEqual({
        consumer: f.c,
        handled: f.events,
        handledWhileDead: 0,
      });
    }
    expect(dead[0]![0]).toBe('0');
    expect(describeProblems(result.problems)).toEqual([]);
    expect(orphans.stillCharged).toEqual([]);
  }, 400_000);
});
