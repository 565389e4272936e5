/**
 * The soak (`npm run bench -- --soak [--soak-minutes N]`): mixed load from many
 * customers for a long while, and whether any process keeps growing. Orders are
 * placed at SOAK_ORDER_RATE per second and the customers' order lists read at
 * SOAK_READ_RATE per second, both open loop with the tokens of the bench's 500
 * customers, for N minutes (default 30). The RSS of every service and sidecar
 * is sampled every SAMPLE_SECONDS; after the first sixth of the run (warm-up:
 * V8 and Go grow their heaps to the load), a least-squares line through each
 * process's samples gives its growth in MiB per hour (maxRssSlopeMiBh is the
 * largest). Then the load stops, and 2 minutes later every process's RSS is
 * compared with its idle figure from before the load (maxRecoveryRatio, the
 * largest ratio; target: within 20 %).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { orderBody } from '../customers.ts';
import { round, slopePerHour } from '../figures.ts';
import { entry } from '../instance.ts';
import { paced } from '../load.ts';
import { log } from '../settings.ts';
import { memorySnapshot, type Mem } from './memory.ts';

const SOAK_ORDER_RATE = 5;
const SOAK_READ_RATE = 100;
const SAMPLE_SECONDS = 30;
const RECOVERY_SECONDS = 120;

type Snapshot = ReturnType<typeof memorySnapshot>;
const flat = (s: Snapshot): Record<string, Mem> => ({ ...s.services, ...s.sidecars });

export async function phaseSoak(tokens: string[], minutes: number, idle: Snapshot) {
  const seconds = minutes * 60;
  log(
    `soak: ${minutes} min of orders at ${SOAK_ORDER_RATE}/s and order-list reads at ${SOAK_READ_RATE}/s ` +
      `from ${tokens.length} customers; RSS every ${SAMPLE_SECONDS}s`,
  );
  const orders = paced({
    url: `${entry}/api/orders`,
    method: 'POST',
    body: JSON.stringify(orderBody('soak')),
    tokens,
    connections: 8,
    seconds,
    rate: SOAK_ORDER_RATE,
  });
  const reads = paced({
    url: `${entry}/api/order-status?limit=5`,
    tokens,
    connections: 8,
    seconds,
    rate: SOAK_READ_RATE,
  });
  const started = performance.now();
  const samples: { atMs: number; mem: Record<string, Mem> }[] = [];
  while (performance.now() - started < seconds * 1000) {
    samples.push({ atMs: performance.now() - started, mem: flat(memorySnapshot()) });
    const last = samples.at(-1)?.mem ?? {};
    const top = Object.entries(last).sort((a, b) => b[1].rssMb - a[1].rssMb)[0];
    log(`soak: ${Math.round((performance.now() - started) / 1000)}s, largest RSS ${top?.[0]} ${top?.[1].rssMb} MB`);
    const left = seconds * 1000 - (performance.now() - started);
    if (left > 0) await sleep(Math.min(SAMPLE_SECONDS * 1000, left));
  }
  const [orderResult, readResult] = await Promise.all([orders.done, reads.done]);
  const end = flat(memorySnapshot());
  log(`soak: load stopped; ${RECOVERY_SECONDS}s idle, then memory again`);
  await sleep(RECOVERY_SECONDS * 1000);
  const recovered = flat(memorySnapshot());

  const warmupMs = (seconds * 1000) / 6;
  const idleMem = flat(idle);
  const processes = Object.keys(idleMem).map((name) => {
    const after = samples.filter((s) => s.atMs >= warmupMs && s.mem[name]);
    const slope = slopePerHour(after.map((s) => ({ atMs: s.atMs, rssMb: s.mem[name]?.rssMb ?? 0 })));
    const idleRss = idleMem[name]?.rssMb ?? NaN;
    return {
      name,
      idleRssMb: idleRss,
      peakRssMb: Math.max(...samples.map((s) => s.mem[name]?.rssMb ?? 0)),
      endRssMb: end[name]?.rssMb ?? NaN,
      recoveredRssMb: recovered[name]?.rssMb ?? NaN,
      slopeMiBh: round(slope, 1),
      recoveryRatio: round((recovered[name]?.rssMb ?? NaN) / idleRss, 2),
    };
  });
  return {
    minutes,
    orders: orderResult,
    reads: readResult,
    samples: samples.length,
    processes,
    maxRssSlopeMiBh: Math.max(...processes.map((p) => p.slopeMiBh)),
    maxRecoveryRatio: Math.max(...processes.map((p) => p.recoveryRatio)),
  };
}

export type SoakResult = Awaited<ReturnType<typeof phaseSoak>>;
