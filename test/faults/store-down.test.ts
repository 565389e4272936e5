/**
 * Store service stopped (app and sidecar) for a minute: orders are still
 * taken (priced from the order service's catalog replica), and every one of
 * them reaches the store's inbox once it is back: the backlog waits in the
 * store's consumer group on the Redis stream.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startApp, stopApp } from '../../tools/stack/processes.ts';
import { call } from '../integration/client.ts';
import { casts, SagaDriver, type Cast } from './saga.ts';
import { healStack, ms, report, secs, sleep, until } from './support.ts';
import { percentile } from '../kit/quantiles.ts';

const OUTAGE_MS = Number(process.env.FAULT_STORE_OUTAGE_MS ?? 60_000);
const EVERY_MS = 1000;

describe('fault: store service stopped', () => {
  beforeAll(healStack, 120_000);
  afterAll(healStack, 120_000);

  it(
    `takes every order during a ${OUTAGE_MS / 1000} s outage; all reach the store once it is back`,
    async () => {
      const both = await casts();
      const driver = new SagaDriver();
      const placed: { cast: Cast; id: string }[] = [];
      const latencies: number[] = [];
      const statuses: number[] = [];

      await stopApp('store');
      const stoppedAt = Date.now();
      let restartAt = stoppedAt;
      try {
        for (let i = 0; Date.now() - stoppedAt < OUTAGE_MS; i++) {
          const cast = both[i % 2]!;
          const t0 = performance.now();
          const r = await driver.placeOnce(cast, `store-down-${stoppedAt}-${i}`);
          latencies.push(performance.now() - t0);
          statuses.push(r?.status ?? 0);
          if (r?.status === 201) placed.push({ cast, id: r.body.id });
          await sleep(Math.max(0, EVERY_MS - (performance.now() - t0)));
        }
      } finally {
        restartAt = Date.now();
        await startApp('store');
      }
      const readyAt = Date.now();

      expect(statuses.filter((s) => s !== 201)).toEqual([]);
      const drained = await until(
        'every order of the outage in the store inbox',
        async () => {
          const seen = new Map<string, number>();
          for (const cast of both) {
            const r = await call<{ orderId: string }[]>('GET', '/api/store/orders?status=PAID', { token: cast.owner });
            if (r.status !== 200) return undefined;
            for (const o of r.body) seen.set(o.orderId, (seen.get(o.orderId) ?? 0) + 1);
          }
          return placed.every((p) => seen.has(p.id)) ? seen : undefined;
        },
        60_000,
        50,
      );
      const drainedAt = Date.now();
      for (const p of placed) expect(drained.value.get(p.id)).toBe(1);

      report('store stopped', [
        `outage: ${secs(restartAt - stoppedAt)}; orders placed meanwhile: ${statuses.length}, accepted (201): ${placed.length}`,
        `order latency during the outage: p50 ${ms(percentile(latencies, 50))}, p99 ${ms(percentile(latencies, 99))}`,
        `backlog at restart: ${placed.length} OrderPlaced events`,
        `store restart to ready: ${ms(readyAt - restartAt)}; backlog drained into the inbox` +
          ` ${ms(drainedAt - readyAt)} after ready (${ms(drainedAt - restartAt)} after the restart began)`,
        `each order in the inbox exactly once`,
      ]);
    },
    OUTAGE_MS + 180_000,
  );
});
